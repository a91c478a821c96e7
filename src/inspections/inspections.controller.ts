import { createHash } from 'node:crypto';
import { Body, Controller, Get, HttpCode, Param, Post, Query, Req } from '@nestjs/common';
import {
  ApiBody,
  ApiConsumes,
  ApiCreatedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiTooManyRequestsResponse,
} from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { Access, Ctx, Public } from '../auth/access.decorators';
import { Role } from '../auth/principal';
import { PublicRateLimit } from '../auth/rate-limit';
import { PageQueryDto } from '../common/pagination';
import type { RequestContext } from '../common/request-context';
import { UuidParam } from '../common/uuid-param';
import { IdempotencyScope } from '../idempotency/idempotency.interceptor';
import { Idempotent } from '../idempotency/idempotent.decorator';
import { readUpload } from '../screening/jobs/upload';
import {
  DrawCreateDto,
  FindingCreateDto,
  FindingDto,
  PlanCreateDto,
  PlanPageDto,
  PlanQueryDto,
  PlanResponseDto,
  POOL_FORM_SCHEMA,
  PoolCreateDto,
  PoolPageDto,
  PoolResponseDto,
  PublicInspectionDto,
  PublicInspectionPageDto,
  PublicInspectionQueryDto,
  PublicInspectorPoolDto,
  PublicTargetPoolDto,
  RedrawCreateDto,
  RedrawDto,
} from './inspections.dto';
import { PlanRow } from './inspections.repository';
import { InspectionsService, toPoolDto } from './inspections.service';

/** Recorders plan, upload pools and record findings. */
const PLANNERS = { roles: [Role.RECORDER] };
/** Approvers (never the plan's own planner) approve, draw, redraw and close. */
const APPROVERS = { roles: [Role.APPROVER] };
const READERS = { roles: [Role.RECORDER, Role.APPROVER] };

const summary = (p: PlanRow) => ({
  id: p.id,
  title: p.title,
  year: p.year,
  status: p.status,
  createdAt: new Date(p.createdAt).toISOString(),
});

@ApiTags('inspections')
@Controller('inspections')
export class InspectionsController {
  constructor(private readonly inspections: InspectionsService) {}

  @Post('pools')
  @Idempotent()
  @Access(PLANNERS)
  @ApiOperation({ summary: 'Create a target or inspector pool (its rows come as versions)' })
  @ApiCreatedResponse({ type: PoolResponseDto })
  createInspectionPool(@Ctx() ctx: RequestContext, @Body() body: PoolCreateDto): Promise<PoolResponseDto> {
    return this.inspections.createPool(ctx, body);
  }

  @Get('pools')
  @Access(READERS)
  @ApiOperation({ summary: 'Pools with their versions, newest first' })
  @ApiOkResponse({ type: PoolPageDto })
  async getInspectionPools(@Query() q: PageQueryDto): Promise<PoolPageDto> {
    const { items, total } = await this.inspections.listPools(q.offset, q.pageSize);
    return { items: items.map(toPoolDto), total, page: q.page, pageSize: q.pageSize };
  }

  @Post('pools/:id/versions')
  @Idempotent({ fingerprint: 'handler' })
  @Access(PLANNERS)
  @ApiOperation({
    summary: 'Upload a CSV/XLSX file as the next version of a pool (frozen once stored)',
    description:
      'Columns in docs/inspections.md. Every row valid or nothing stored: 400 POOL_ROWS_INVALID lists each ' +
      'problem as rows.<row>.<column> with a code.',
  })
  @ApiConsumes('multipart/form-data')
  @ApiBody({ schema: POOL_FORM_SCHEMA })
  @ApiCreatedResponse({ type: PoolResponseDto })
  async createInspectionPoolVersion(
    @Ctx() ctx: RequestContext,
    @Param('id', UuidParam) id: string,
    @Req() request: FastifyRequest,
  ): Promise<PoolResponseDto> {
    const { upload } = await readUpload(request, { form: 'no other field', file: 'the pool (CSV or XLSX)' });
    await IdempotencyScope.fingerprint([
      id,
      upload.fileName,
      createHash('sha256').update(upload.buffer).digest('hex'),
    ]);
    return this.inspections.uploadVersion(ctx, id, upload);
  }

  @Post('plans')
  @Idempotent()
  @Access(PLANNERS)
  @ApiOperation({ summary: 'Plan an inspection (DRAFT): scope, items, pools, quotas, strata, exclusions' })
  @ApiCreatedResponse({ type: PlanResponseDto })
  createInspectionPlan(@Ctx() ctx: RequestContext, @Body() body: PlanCreateDto): Promise<PlanResponseDto> {
    return this.inspections.createPlan(ctx, body);
  }

  @Get('plans')
  @Access(READERS)
  @ApiOperation({ summary: 'Inspection plans, newest first' })
  @ApiOkResponse({ type: PlanPageDto })
  async getInspectionPlans(@Query() q: PlanQueryDto): Promise<PlanPageDto> {
    const { items, total } = await this.inspections.listPlans({
      status: q.status,
      offset: q.offset,
      limit: q.pageSize,
    });
    return { items: items.map(summary), total, page: q.page, pageSize: q.pageSize };
  }

  @Get('plans/:id')
  @Access(READERS)
  @ApiOperation({
    summary:
      'One plan with its draw, redraws, current assignments (inspectors by name) and findings (audited)',
  })
  @ApiOkResponse({ type: PlanResponseDto })
  getInspectionPlan(
    @Ctx() ctx: RequestContext,
    @Param('id', UuidParam) id: string,
  ): Promise<PlanResponseDto> {
    return this.inspections.read(ctx, id);
  }

  @Post('plans/:id/approve')
  @Idempotent()
  @HttpCode(200)
  @Access(APPROVERS)
  @ApiOperation({ summary: 'Approve a DRAFT plan (403 INSPECTION_OWN_PLAN for its planner)' })
  @ApiOkResponse({ type: PlanResponseDto })
  approveInspectionPlan(
    @Ctx() ctx: RequestContext,
    @Param('id', UuidParam) id: string,
  ): Promise<PlanResponseDto> {
    return this.inspections.approve(ctx, id);
  }

  @Post('plans/:id/draw')
  @Idempotent()
  @HttpCode(200)
  @Access(APPROVERS)
  @ApiOperation({
    summary: 'Draw an APPROVED plan: targets, inspectors, exclusions (not by its planner)',
    description:
      'The server chooses 32 random bytes now; the seed is SHA-256 of them and the public value. Inspectors ' +
      'barred in REVIEWER_SELECTION today are found by stored checks (screeningCheckIds).',
  })
  @ApiOkResponse({ type: PlanResponseDto })
  drawInspectionPlan(
    @Ctx() ctx: RequestContext,
    @Param('id', UuidParam) id: string,
    @Body() body: DrawCreateDto,
  ): Promise<PlanResponseDto> {
    return this.inspections.drawPlan(ctx, id, body);
  }

  @Post('plans/:id/redraws')
  @Idempotent()
  @Access(APPROVERS)
  @ApiOperation({ summary: 'Replace an inspector who declined: drawn from the seed, recorded and published' })
  @ApiCreatedResponse({ type: RedrawDto })
  createInspectionRedraw(
    @Ctx() ctx: RequestContext,
    @Param('id', UuidParam) id: string,
    @Body() body: RedrawCreateDto,
  ): Promise<RedrawDto> {
    return this.inspections.redraw(ctx, id, body);
  }

  @Post('plans/:id/findings')
  @Idempotent()
  @Access(PLANNERS)
  @ApiOperation({
    summary: 'Record the finding for a drawn target; a suspected misconduct opens a linked case',
  })
  @ApiCreatedResponse({ type: FindingDto })
  createInspectionFinding(
    @Ctx() ctx: RequestContext,
    @Param('id', UuidParam) id: string,
    @Body() body: FindingCreateDto,
  ): Promise<FindingDto> {
    return this.inspections.recordFinding(ctx, id, body);
  }

  @Post('plans/:id/close')
  @Idempotent()
  @HttpCode(200)
  @Access(APPROVERS)
  @ApiOperation({ summary: 'Close a DRAWN plan whose targets all have findings: it becomes public' })
  @ApiOkResponse({ type: PlanResponseDto })
  closeInspectionPlan(
    @Ctx() ctx: RequestContext,
    @Param('id', UuidParam) id: string,
  ): Promise<PlanResponseDto> {
    return this.inspections.close(ctx, id);
  }
}

/**
 * The public record of closed inspections (公开): plan, draw, results, and the pool exports that let
 * anyone replay the draw with `draw:verify`. Rate-limited per address like the public lists.
 */
@ApiTags('public')
@Controller('public/inspections')
@Public()
@PublicRateLimit()
@ApiTooManyRequestsResponse({ description: '429 RATE_LIMITED, with Retry-After' })
export class PublicInspectionsController {
  constructor(private readonly inspections: InspectionsService) {}

  @Get()
  @ApiOperation({ summary: 'Closed random inspections, latest first' })
  @ApiOkResponse({ type: PublicInspectionPageDto })
  async getPublicInspections(@Query() q: PublicInspectionQueryDto): Promise<PublicInspectionPageDto> {
    const { items, total } = await this.inspections.listPublic(q.offset, q.pageSize);
    return {
      items: items.map((p) => ({
        id: p.id,
        title: p.title,
        scope: p.scope,
        year: p.year,
        closedAt: new Date(p.closedAt!).toISOString(),
      })),
      total,
      page: q.page,
      pageSize: q.pageSize,
    };
  }

  @Get(':id')
  @ApiOperation({ summary: 'A closed inspection: plan, draw document, drawn targets, assignments, findings' })
  @ApiOkResponse({ type: PublicInspectionDto })
  getPublicInspection(@Param('id', UuidParam) id: string): Promise<PublicInspectionDto> {
    return this.inspections.publicInspection(id);
  }

  @Get(':id/targets')
  @ApiOperation({ summary: 'The target pool version the draw used, masked, with the keys the draw sorts' })
  @ApiOkResponse({ type: PublicTargetPoolDto })
  getPublicInspectionTargets(@Param('id', UuidParam) id: string): Promise<PublicTargetPoolDto> {
    return this.inspections.publicTargets(id);
  }

  @Get(':id/inspectors')
  @ApiOperation({ summary: 'The inspector pool version the draw used, names masked' })
  @ApiOkResponse({ type: PublicInspectorPoolDto })
  getPublicInspectionInspectors(@Param('id', UuidParam) id: string): Promise<PublicInspectorPoolDto> {
    return this.inspections.publicInspectors(id);
  }
}
