import { Body, Controller, Get, Headers, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiHeader, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Access, Ctx } from '../auth/access.decorators';
import { Role, Scope } from '../auth/principal';
import { IF_MATCH, parseIfMatch } from '../common/if-match';
import type { RequestContext } from '../common/request-context';
import { UuidParam } from '../common/uuid-param';
import { todayIn } from '../rules/rules';
import {
  ListingCorrectionDto,
  ListingCreateDto,
  ListingDetailsDto,
  ListingEventDto,
  ListingPageDto,
  ListingQueryDto,
  ListingResponseDto,
  ObjectionCreateDto,
  ObjectionDto,
  ObjectionResolveDto,
  ReasonDto,
  RepairCreateDto,
  RepairDecisionDto,
  RepairDto,
  RevokeDto,
} from './listings.dto';
import { ListingsService } from './listings.service';
import { Idempotent } from '../idempotency/idempotent.decorator';

const READERS = { roles: [Role.REVIEWER, Role.RECORDER, Role.APPROVER], scopes: [Scope.RECORDS_READ] };
const RECORDERS = { roles: [Role.RECORDER], scopes: [Scope.RECORDS_WRITE] };
const APPROVERS = { roles: [Role.APPROVER] };
/** A stale version is a 409 LISTING_VERSION_CONFLICT here, not the usual 412. */
const IF_MATCH_409 = { ...IF_MATCH, description: 'The version you read; 409 if it changed since' };

@ApiTags('listings')
@Controller('listings')
export class ListingsController {
  constructor(private readonly listings: ListingsService) {}

  private async details(id: string): Promise<ListingDetailsDto> {
    const { listing, history, objections, repairs } = await this.listings.details(id);
    return {
      ...ListingResponseDto.from(listing, history, todayIn()),
      history: history.map(ListingEventDto.from),
      objections: objections.map(ObjectionDto.from),
      repairs: repairs.map(RepairDto.from),
    };
  }

  @Post()
  @Idempotent()
  @Access(RECORDERS)
  @ApiOperation({ summary: 'Propose a BLACK, WATCH or RED entry; another person approves it' })
  @ApiCreatedResponse({ type: ListingDetailsDto })
  async proposeListing(
    @Ctx() ctx: RequestContext,
    @Body() body: ListingCreateDto,
  ): Promise<ListingDetailsDto> {
    const id = await this.listings.propose(ctx, body);
    return this.details(id);
  }

  @Get()
  @Access(READERS)
  @ApiOperation({ summary: 'List entries, newest proposals first, filtered' })
  @ApiOkResponse({ type: ListingPageDto })
  async getListings(@Query() q: ListingQueryDto): Promise<ListingPageDto> {
    const { items, total, histories } = await this.listings.list({
      ...q,
      offset: q.offset,
      limit: q.pageSize,
    });
    const today = todayIn();
    return {
      items: items.map((l) => ListingResponseDto.from(l, histories.get(l.id) ?? [], today)),
      total,
      page: q.page,
      pageSize: q.pageSize,
    };
  }

  @Get(':id')
  @Access(READERS)
  @ApiOperation({ summary: 'One entry with its status history, objections and repair requests' })
  @ApiOkResponse({ type: ListingDetailsDto })
  getListing(@Param('id', UuidParam) id: string): Promise<ListingDetailsDto> {
    return this.details(id);
  }

  @Post(':id/approve')
  @Idempotent()
  @HttpCode(200)
  @Access(APPROVERS)
  @ApiHeader(IF_MATCH_409)
  @ApiOperation({ summary: 'Approve a proposal (not your own); exactly one of concurrent approvals wins' })
  @ApiOkResponse({ type: ListingDetailsDto })
  async approveListing(
    @Ctx() ctx: RequestContext,
    @Param('id', UuidParam) id: string,
    @Headers('if-match') ifMatch?: string,
  ): Promise<ListingDetailsDto> {
    await this.listings.approve(ctx, id, parseIfMatch(ifMatch));
    return this.details(id);
  }

  @Post(':id/reject')
  @Idempotent()
  @HttpCode(200)
  @Access(APPROVERS)
  @ApiHeader(IF_MATCH_409)
  @ApiOperation({ summary: 'Reject a proposal (not your own), with a reason' })
  @ApiOkResponse({ type: ListingDetailsDto })
  async rejectListing(
    @Ctx() ctx: RequestContext,
    @Param('id', UuidParam) id: string,
    @Body() body: ReasonDto,
    @Headers('if-match') ifMatch?: string,
  ): Promise<ListingDetailsDto> {
    await this.listings.reject(ctx, id, body.reason, parseIfMatch(ifMatch));
    return this.details(id);
  }

  @Post(':id/revoke')
  @Idempotent()
  @HttpCode(200)
  @Access(APPROVERS)
  @ApiHeader(IF_MATCH_409)
  @ApiOperation({
    summary: 'Revoke an active or expired entry, with a reason, from an effective date (default today)',
  })
  @ApiOkResponse({ type: ListingDetailsDto })
  async revokeListing(
    @Ctx() ctx: RequestContext,
    @Param('id', UuidParam) id: string,
    @Body() body: RevokeDto,
    @Headers('if-match') ifMatch?: string,
  ): Promise<ListingDetailsDto> {
    await this.listings.revoke(ctx, id, body.reason, body.effectiveDate, parseIfMatch(ifMatch));
    return this.details(id);
  }

  @Post(':id/corrections')
  @Idempotent()
  @HttpCode(200)
  @Access(APPROVERS)
  @ApiHeader(IF_MATCH_409)
  @ApiOperation({
    summary: 'Correct wrongly recorded dates, with a reason: a new version; earlier checks replay as before',
  })
  @ApiOkResponse({ type: ListingDetailsDto })
  async correctListing(
    @Ctx() ctx: RequestContext,
    @Param('id', UuidParam) id: string,
    @Body() body: ListingCorrectionDto,
    @Headers('if-match') ifMatch?: string,
  ): Promise<ListingDetailsDto> {
    await this.listings.correct(ctx, id, body, parseIfMatch(ifMatch));
    return this.details(id);
  }

  @Post(':id/objections')
  @Idempotent()
  @Access(RECORDERS)
  @ApiOperation({ summary: 'Record an objection (异议): the entry shows "under objection" at once' })
  @ApiCreatedResponse({ type: ObjectionDto })
  async raiseObjection(
    @Ctx() ctx: RequestContext,
    @Param('id', UuidParam) id: string,
    @Body() body: ObjectionCreateDto,
  ): Promise<ObjectionDto> {
    return ObjectionDto.from(await this.listings.raiseObjection(ctx, id, body.raisedBy, body.reason));
  }

  @Post(':id/objections/:objectionId/resolve')
  @Idempotent()
  @HttpCode(200)
  @Access(APPROVERS)
  @ApiOperation({ summary: 'Uphold (the entry is revoked) or reject an objection, with a reason' })
  @ApiOkResponse({ type: ListingDetailsDto })
  async resolveObjection(
    @Ctx() ctx: RequestContext,
    @Param('id', UuidParam) id: string,
    @Param('objectionId', UuidParam) objectionId: string,
    @Body() body: ObjectionResolveDto,
  ): Promise<ListingDetailsDto> {
    await this.listings.resolveObjection(ctx, id, objectionId, body.outcome, body.reason, body.effectiveDate);
    return this.details(id);
  }

  @Post(':id/repairs')
  @Idempotent()
  @Access(RECORDERS)
  @ApiOperation({ summary: 'Request credit repair (信用修复) of a BLACK or WATCH entry' })
  @ApiCreatedResponse({ type: RepairDto })
  async requestRepair(
    @Ctx() ctx: RequestContext,
    @Param('id', UuidParam) id: string,
    @Body() body: RepairCreateDto,
  ): Promise<RepairDto> {
    return RepairDto.from(await this.listings.requestRepair(ctx, id, body));
  }

  @Post(':id/repairs/:repairId/decision')
  @Idempotent()
  @HttpCode(200)
  @Access(APPROVERS)
  @ApiOperation({ summary: 'Approve (the entry becomes REPAIRED) or refuse a repair request' })
  @ApiOkResponse({ type: ListingDetailsDto })
  async decideRepair(
    @Ctx() ctx: RequestContext,
    @Param('id', UuidParam) id: string,
    @Param('repairId', UuidParam) repairId: string,
    @Body() body: RepairDecisionDto,
  ): Promise<ListingDetailsDto> {
    await this.listings.decideRepair(
      ctx,
      id,
      repairId,
      body.decision === 'APPROVE',
      body.reason,
      body.effectiveDate,
    );
    return this.details(id);
  }
}
