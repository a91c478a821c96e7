import { Body, Controller, Get, Headers, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiHeader, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Access, Ctx } from '../auth/access.decorators';
import { Role, Scope } from '../auth/principal';
import { IF_MATCH, parseIfMatch } from '../common/if-match';
import type { RequestContext } from '../common/request-context';
import { UuidParam } from '../common/uuid-param';
import {
  CaseCreateDto,
  CaseMeasuresAddDto,
  CasePageDto,
  CaseQueryDto,
  CaseResponseDto,
  CaseTransitionDto,
} from './cases.dto';
import { CaseRow } from './cases.repository';
import { CasesService } from './cases.service';
import { Idempotent } from '../idempotency/idempotent.decorator';

const READERS = { roles: [Role.REVIEWER, Role.RECORDER, Role.APPROVER], scopes: [Scope.RECORDS_READ] };
const RECORDERS = { roles: [Role.RECORDER], scopes: [Scope.RECORDS_WRITE] };

const toDto = (c: CaseRow): CaseResponseDto => ({ ...c });

@ApiTags('cases')
@Controller('cases')
export class CasesController {
  constructor(private readonly cases: CasesService) {}

  @Post()
  @Idempotent()
  @Access(RECORDERS)
  @ApiOperation({
    summary: 'Record a case (a published decision with its subjects and measures, all or nothing)',
    description:
      'A SERIOUS_DB_ENTRY measure in a decided case proposes the BLACK list entry, for an approver to approve.',
  })
  @ApiCreatedResponse({ type: CaseResponseDto })
  async createCase(@Ctx() ctx: RequestContext, @Body() body: CaseCreateDto): Promise<CaseResponseDto> {
    return toDto(await this.cases.create(ctx, body));
  }

  @Get()
  @Access(READERS)
  @ApiOperation({ summary: 'Cases, latest decisions first, filtered' })
  @ApiOkResponse({ type: CasePageDto })
  async getCases(@Query() q: CaseQueryDto): Promise<CasePageDto> {
    const { items, total } = await this.cases.list({
      ...q,
      offset: q.offset,
      limit: q.pageSize,
    });
    return { items: items.map(toDto), total, page: q.page, pageSize: q.pageSize };
  }

  @Get(':id')
  @Access(READERS)
  @ApiOperation({ summary: 'One case with its subjects, measures and list entries' })
  @ApiOkResponse({ type: CaseResponseDto })
  async getCase(@Param('id', UuidParam) id: string): Promise<CaseResponseDto> {
    return toDto(await this.cases.get(id));
  }

  @Post(':id/transitions')
  @Idempotent()
  @HttpCode(200)
  @Access(RECORDERS)
  @ApiHeader(IF_MATCH)
  @ApiOperation({ summary: 'Move the case along its procedure (409 CASE_TRANSITION_NOT_ALLOWED otherwise)' })
  @ApiOkResponse({ type: CaseResponseDto })
  async transitionCase(
    @Ctx() ctx: RequestContext,
    @Param('id', UuidParam) id: string,
    @Body() body: CaseTransitionDto,
    @Headers('if-match') ifMatch?: string,
  ): Promise<CaseResponseDto> {
    return toDto(await this.cases.transition(ctx, id, body, parseIfMatch(ifMatch)));
  }

  @Post(':id/measures')
  @Idempotent()
  @Access(RECORDERS)
  @ApiHeader(IF_MATCH)
  @ApiOperation({ summary: 'Add measures to a decided case' })
  @ApiCreatedResponse({ type: CaseResponseDto })
  async addCaseMeasures(
    @Ctx() ctx: RequestContext,
    @Param('id', UuidParam) id: string,
    @Body() body: CaseMeasuresAddDto,
    @Headers('if-match') ifMatch?: string,
  ): Promise<CaseResponseDto> {
    return toDto(await this.cases.addMeasures(ctx, id, body.measures, parseIfMatch(ifMatch)));
  }
}
