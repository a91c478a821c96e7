import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBody, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Access, Ctx } from '../auth/access.decorators';
import { Role, Scope } from '../auth/principal';
import type { RequestContext } from '../common/request-context';
import { UuidParam } from '../common/uuid-param';
import { parseCheckRequest } from './applicants';
import { CheckCreateDto, CheckReceiptDto, CheckResponseDto, MAX_APPLICANTS } from './screening.dto';
import { ScreeningService } from './screening.service';
import { Idempotent } from '../idempotency/idempotent.decorator';

/**
 * The body of POST /checks as it arrives. Typed as an interface on purpose: the global ValidationPipe
 * passes it through untouched, and `parseCheckRequest` validates it (see applicants.ts).
 */
interface CheckRequestBody {
  [field: string]: unknown;
}

@ApiTags('checks')
@Controller('checks')
export class ScreeningController {
  constructor(private readonly screening: ScreeningService) {}

  @Post()
  @Idempotent()
  @HttpCode(200)
  @Access({ roles: [Role.REVIEWER], scopes: [Scope.CHECKS_RUN] })
  @ApiOperation({
    summary: `Check 1 to ${MAX_APPLICANTS} applicants for a review domain on a date`,
    description:
      'Each applicant gets BLOCK, REVIEW or CLEAR with the evidence behind it, in the order given, with counts. ' +
      'A bad identifier is a 400 for a single applicant and an ERROR row in a batch. The check is stored ' +
      '(GET /api/v1/checks/{id}) and audited with its purpose before the answer leaves.',
  })
  @ApiOkResponse({ type: CheckResponseDto })
  @ApiBody({ type: CheckCreateDto })
  async runCheck(@Ctx() ctx: RequestContext, @Body() body: CheckRequestBody): Promise<CheckResponseDto> {
    return this.screening.check(ctx, await parseCheckRequest(body));
  }

  @Get(':id')
  @Access({ roles: [Role.REVIEWER, Role.AUDITOR], scopes: [Scope.CHECKS_RUN] })
  @ApiOperation({
    summary: 'A stored check exactly as it was answered, with its receipt (API clients: their own)',
  })
  @ApiOkResponse({ type: CheckReceiptDto })
  async getCheck(@Ctx() ctx: RequestContext, @Param('id', UuidParam) id: string): Promise<CheckReceiptDto> {
    const run = await this.screening.receipt(ctx, id);
    const answer = run.answer as CheckResponseDto;
    return {
      ...answer,
      purpose: run.purpose,
      actor: { type: run.actorType, id: run.actorId, name: run.actorName },
      inputHashes: run.inputHashes.map((h) => h.toString('hex')),
      answerHash: run.answerHash.toString('hex'),
    };
  }
}
