import {
  Body,
  Controller,
  Get,
  Headers,
  HttpCode,
  Param,
  Post,
  Query,
  Res,
  StreamableFile,
} from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { ApiBody, ApiHeader, ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { Access, Ctx } from '../auth/access.decorators';
import { Role, Scope } from '../auth/principal';
import type { RequestContext } from '../common/request-context';
import { UuidParam } from '../common/uuid-param';
import { parseCheckRequest } from './applicants';
import { certificateLanguage } from '../receipts/certificate-pdf';
import {
  CheckCertificateQueryDto,
  CheckCreateDto,
  CheckReceiptDto,
  CheckResponseDto,
  MAX_APPLICANTS,
} from './screening.dto';
import { ReadPreference, ScreeningService } from './screening.service';
import { Idempotent } from '../idempotency/idempotent.decorator';
import { NoWritePosition } from '../database/position.interceptor';

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
  @NoWritePosition()
  @HttpCode(200)
  @Access({ roles: [Role.REVIEWER], scopes: [Scope.CHECKS_RUN] })
  @ApiOperation({
    summary: `Check 1 to ${MAX_APPLICANTS} applicants for a review domain on a date`,
    description:
      'Each applicant gets BLOCK, REVIEW or CLEAR with the evidence behind it, in the order given, with counts. ' +
      'A bad identifier is a 400 for a single applicant and an ERROR row in a batch. The check is stored ' +
      '(GET /api/v1/checks/{id}) and audited with its purpose before the answer leaves.',
  })
  @ApiOkResponse({
    type: CheckResponseDto,
    headers: {
      'Registry-Read-From': { description: '`primary`, or the read replica that answered (`replica-1`…)' },
      'Registry-Read-Position': { description: "the replica's replayed WAL position when it was chosen" },
    },
  })
  @ApiBody({ type: CheckCreateDto })
  @ApiHeader({
    name: 'Registry-Min-Position',
    required: false,
    description:
      'Read-your-writes: the `Registry-Position` header of an earlier write; only a replica that has replayed ' +
      'it may answer (otherwise the primary, or 503 REPLICA_LAGGING with REPLICA_LAG_POLICY=refuse)',
  })
  async runCheck(
    @Ctx() ctx: RequestContext,
    @Body() body: CheckRequestBody,
    @Headers('registry-min-position') minPosition: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<CheckResponseDto> {
    const read: ReadPreference = { minPosition };
    const answer = await this.screening.check(ctx, parseCheckRequest(body), read);
    void reply.header('registry-read-from', read.servedBy?.name ?? 'primary');
    if (read.servedBy?.position) void reply.header('registry-read-position', read.servedBy.position);
    return answer;
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
      receipt: await this.screening.signedReceipt(run),
    };
  }

  @Get(':id/certificate.pdf')
  @Access({ roles: [Role.REVIEWER, Role.AUDITOR], scopes: [Scope.CHECKS_RUN] })
  @ApiOperation({
    summary:
      "One applicant's certificate of a stored check: a signed, one-page A4 PDF (API clients: their own)",
    description:
      'Chinese by default, English with ?lang=en or Accept-Language: en. States the issuing registry, purpose and ' +
      'reference, the applicant (masked), the verdict with its grounds in words, asOf and knownAt, the rule-data ' +
      "version and the receipt id, with a QR code to the public verify page; the applicant's signed part of the " +
      'receipt is attached as receipt.json. Read like the receipt, and audited (CHECK_READ).',
  })
  @ApiHeader({ name: 'accept-language', required: false, description: 'en for English; ?lang= wins' })
  @ApiProduces('application/pdf')
  async getCheckCertificate(
    @Ctx() ctx: RequestContext,
    @Param('id', UuidParam) id: string,
    @Query() query: CheckCertificateQueryDto,
    @Headers('accept-language') acceptLanguage?: string,
  ): Promise<StreamableFile> {
    const applicant = query.applicant ?? 0;
    const lang = certificateLanguage(query.lang, acceptLanguage);
    const pdf = await this.screening.certificate(ctx, id, applicant, lang);
    return new StreamableFile(pdf, {
      type: 'application/pdf',
      disposition: `attachment; filename="certificate-${id}-${applicant}-${lang}.pdf"`,
      length: pdf.length,
    });
  }
}
