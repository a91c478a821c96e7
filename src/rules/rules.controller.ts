import { Body, Controller, Get, HttpStatus, Param, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { Access, Ctx } from '../auth/access.decorators';
import { Role, Scope } from '../auth/principal';
import { AppError } from '../common/errors/app-error';
import type { RequestContext } from '../common/request-context';
import { RuleSetCreateDto, RuleSetCurrentQueryDto, RuleSetResponseDto, RuleSetSummaryDto } from './rules.dto';
import { RuleSet, RuleSetSummary } from './rules.repository';
import { RuleErrorCode, RulesService } from './rules.service';

/**
 * The version in the path: 1 to 2147483647 in plain digits, or 400 INVALID_VERSION naming it. Read from
 * the raw string (the handler declares it a string) so the global pipe cannot coerce "1e2" or "0x10".
 */
export function parseVersion(value: string): number {
  if (!/^[1-9][0-9]{0,9}$/.test(value) || Number(value) > 2_147_483_647) {
    throw new AppError(
      HttpStatus.BAD_REQUEST,
      RuleErrorCode.INVALID_VERSION,
      'The version in the path is not a positive integer',
      [{ field: 'version', code: RuleErrorCode.INVALID_VERSION, message: 'must be a positive integer' }],
    );
  }
  return Number(value);
}

const summary = (s: RuleSetSummary): RuleSetSummaryDto => ({
  version: s.version,
  effectiveFrom: s.effectiveFrom,
  note: s.note,
  createdAt: s.createdAt.toISOString(),
});

const full = (s: RuleSet): RuleSetResponseDto => ({ ...summary(s), createdBy: s.createdBy, data: s.data });

@ApiTags('rule-sets')
@Controller('rule-sets')
@Access({
  roles: [Role.ADMIN, Role.RECORDER, Role.APPROVER, Role.REVIEWER],
  scopes: [Scope.RECORDS_READ, Scope.CHECKS_RUN],
})
export class RulesController {
  constructor(private readonly rules: RulesService) {}

  @Get()
  @ApiOperation({ summary: 'Rule set versions, oldest first (without their data)' })
  @ApiOkResponse({ type: [RuleSetSummaryDto] })
  async getRuleSets(): Promise<RuleSetSummaryDto[]> {
    return (await this.rules.list()).map(summary);
  }

  @Get('current')
  @ApiOperation({ summary: 'The rule set in force on a date (default today, Beijing time)' })
  @ApiOkResponse({ type: RuleSetResponseDto })
  async getCurrentRuleSet(@Query() query: RuleSetCurrentQueryDto): Promise<RuleSetResponseDto> {
    return full(await this.rules.inForce(query.date));
  }

  @Get(':version')
  @ApiOperation({ summary: 'One rule set version with its data' })
  @ApiParam({ name: 'version', type: Number })
  @ApiOkResponse({ type: RuleSetResponseDto })
  async getRuleSet(@Param('version') version: string): Promise<RuleSetResponseDto> {
    return full(await this.rules.get(parseVersion(version)));
  }

  @Post()
  @Access({ roles: [Role.ADMIN] })
  @ApiOperation({
    summary: 'Add a rule set version, in force from its effective date; the data is the whole rule set',
  })
  @ApiCreatedResponse({ type: RuleSetResponseDto })
  async createRuleSet(
    @Ctx() ctx: RequestContext,
    @Body() body: RuleSetCreateDto,
  ): Promise<RuleSetResponseDto> {
    return full(await this.rules.create(ctx, body));
  }
}
