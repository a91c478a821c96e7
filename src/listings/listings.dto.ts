import { applyDecorators } from '@nestjs/common';
import { trim } from '../common/transforms';
import { PageQueryDto } from '../common/pagination';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsNotEmpty,
  IsOptional,
  IsString,
  IsUUID,
  MaxLength,
  ValidateIf,
} from 'class-validator';
import { IsCalendarDate } from '../rules/rules.dto';
import { IN_FORCE_REASONS, inForceAt, LISTING_EVENT_KINDS, ListingEventKind } from './in-force';
import { LIST_TYPES, LISTING_STATUSES, ListingStatus, ListType } from './listing-lifecycle';
import { ListingEventRow, listingEvents, ListingRow, ObjectionRow, RepairRow } from './listings.repository';

/** An optional calendar date field (`YYYY-MM-DD`), documented for the API. */
const OptionalDate = (description: string, example: string) =>
  applyDecorators(ApiPropertyOptional({ example, description }), IsOptional(), IsCalendarDate());

export class ListingCreateDto {
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  subjectId: string;

  @ApiProperty({ enum: LIST_TYPES })
  @IsIn(LIST_TYPES)
  listType: ListType;

  @ApiPropertyOptional({ format: 'uuid', description: 'The decided case a BLACK or WATCH entry rests on' })
  @IsOptional()
  @IsUUID()
  caseId?: string;

  @ApiPropertyOptional({ description: 'The designation document of a RED entry' })
  @IsOptional()
  @Transform(trim)
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  designationDocument?: string;

  @ApiProperty({
    example: '2026-01-01',
    description:
      'Valid time: the first day the entry applies in law (China calendar). It may lie in the past: once ' +
      'approved, the entry counts for its whole period.',
  })
  @IsCalendarDate()
  effectiveFrom: string;

  @ApiPropertyOptional({
    example: '2029-12-31',
    nullable: true,
    description: 'Valid time: the last day (inclusive). Omit for an open-ended entry',
  })
  @IsOptional()
  @IsCalendarDate()
  effectiveTo?: string;

  @OptionalDate(
    'RED only, valid time: the first day of a publicity (objection) period that already ran elsewhere. ' +
      "With publicityTo; omitted, the candidate is published from today for the rule data's period.",
    '2025-03-01',
  )
  publicityFrom?: string;

  @OptionalDate('RED only, valid time: the last day of publicity', '2025-03-15')
  publicityTo?: string;
}

export class ReasonDto {
  @ApiProperty()
  @Transform(trim)
  @MaxLength(2000)
  @IsNotEmpty()
  @IsString()
  reason: string;
}

export class RevokeDto extends ReasonDto {
  @OptionalDate(
    'Valid time: the first day the revocation takes effect (the entry counts up to the day before). ' +
      'Default today; it may be backdated or future-dated.',
    '2026-03-20',
  )
  effectiveDate?: string;
}

export class ListingCorrectionDto extends ReasonDto {
  @OptionalDate('Valid time: the corrected first day', '2024-03-01')
  effectiveFrom?: string;

  @ApiPropertyOptional({
    example: '2029-02-28',
    nullable: true,
    description: 'Valid time: the corrected last day; null for open-ended',
  })
  @IsOptional() // lets null through: open-ended
  @IsCalendarDate()
  effectiveTo?: string | null;

  @OptionalDate("Valid time: the corrected first day of the entry's revocation, repair or end", '2026-05-01')
  terminatedFrom?: string;
}

export class ObjectionCreateDto extends ReasonDto {
  @ApiProperty({ description: 'Who raised the objection (the subject, an agent, a third party)' })
  @Transform(trim)
  @MaxLength(200)
  @IsNotEmpty()
  @IsString()
  raisedBy: string;
}

export class ObjectionResolveDto extends ReasonDto {
  @ApiProperty({
    enum: ['UPHOLD', 'REJECT'],
    description: 'UPHOLD revokes the entry (or rejects a proposal)',
  })
  @IsIn(['UPHOLD', 'REJECT'])
  outcome: 'UPHOLD' | 'REJECT';

  @OptionalDate(
    'UPHOLD of an approved entry, valid time: the first day the revocation takes effect (default today)',
    '2026-03-20',
  )
  effectiveDate?: string;
}

export class RepairCreateDto {
  @ApiProperty({ description: 'The misconduct was corrected' })
  @IsBoolean()
  correctionDone: boolean;

  @ApiProperty({ description: 'Legal obligations were met' })
  @IsBoolean()
  obligationsMet: boolean;

  @ApiProperty({ description: 'A credit commitment was made' })
  @IsBoolean()
  commitmentMade: boolean;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(4000)
  statement?: string;
}

export class RepairDecisionDto {
  @ApiProperty({ enum: ['APPROVE', 'REFUSE'] })
  @IsIn(['APPROVE', 'REFUSE'])
  decision: 'APPROVE' | 'REFUSE';

  @ApiPropertyOptional()
  @ValidateIf((o: RepairDecisionDto) => o.decision === 'REFUSE' || o.reason !== undefined)
  @Transform(trim)
  @IsString()
  @IsNotEmpty()
  @MaxLength(2000)
  reason?: string;

  @OptionalDate(
    'APPROVE, valid time: the first day the repair takes effect (default today; before today needs a reason; ' +
      'never before the minimum publicity period has run)',
    '2026-03-20',
  )
  effectiveDate?: string;
}

/** What an entry may be waiting for an approver to decide, besides its own approval. */
export const LISTING_AWAITING = ['OBJECTION', 'REPAIR'] as const;
export type ListingAwaiting = (typeof LISTING_AWAITING)[number];

export class ListingQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: LISTING_STATUSES })
  @IsOptional()
  @IsIn(LISTING_STATUSES)
  status?: ListingStatus;

  @ApiPropertyOptional({ enum: LIST_TYPES })
  @IsOptional()
  @IsIn(LIST_TYPES)
  listType?: ListType;

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID()
  subjectId?: string;

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID()
  caseId?: string;

  @ApiPropertyOptional({ description: 'Entries whose period reaches this date or later' })
  @IsOptional()
  @IsCalendarDate()
  from?: string;

  @ApiPropertyOptional({ description: 'Entries whose period starts on this date or earlier' })
  @IsOptional()
  @IsCalendarDate()
  to?: string;

  @ApiPropertyOptional({
    enum: LISTING_AWAITING,
    description: 'Entries with an open objection (OBJECTION) or a pending credit repair request (REPAIR)',
  })
  @IsOptional()
  @IsIn(LISTING_AWAITING)
  awaiting?: ListingAwaiting;

  @ApiPropertyOptional({ description: 'Part of the deciding authority' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  authority?: string;

  @ApiPropertyOptional({ description: 'Part of the subject name, decision number or designation document' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  text?: string;
}

export class ListingEventDto {
  @ApiProperty({
    enum: LISTING_EVENT_KINDS,
    description: 'The status moved to, or CORRECTED (dates corrected)',
  })
  status: ListingEventKind;
  @ApiProperty({ description: 'Recorded time: when the registry learned it (never edited)' })
  recordedAt: string;
  @ApiProperty({
    nullable: true,
    description: 'Valid time of an ending act (REVOKED, REPAIRED, EXPIRED): the first day it takes effect',
  })
  effectiveDate: string | null;
  @ApiProperty({ nullable: true, description: 'Valid time: the period a PROPOSED or CORRECTED event set' })
  effectiveFrom: string | null;
  @ApiProperty({ nullable: true }) effectiveTo: string | null;
  @ApiProperty({ nullable: true }) actorId: string | null;
  @ApiProperty({ nullable: true }) reason: string | null;

  static from(e: ListingEventRow): ListingEventDto {
    return { ...e, recordedAt: new Date(e.recordedAt).toISOString() };
  }
}

export class ListingResponseDto {
  @ApiProperty() id: string;
  @ApiProperty() subjectId: string;
  @ApiProperty() subjectName: string;
  @ApiProperty({ enum: LIST_TYPES }) listType: ListType;
  @ApiProperty({ nullable: true }) caseId: string | null;
  @ApiProperty({ nullable: true }) measureId: string | null;
  @ApiProperty({ nullable: true }) designationDocument: string | null;
  @ApiProperty({ description: 'Valid time: the first day of the current version of the period' })
  effectiveFrom: string;
  @ApiProperty({ nullable: true, description: 'Valid time: the last day (inclusive); null when open-ended' })
  effectiveTo: string | null;
  @ApiProperty({
    nullable: true,
    description: 'Valid time: the first day a revocation, repair or end by a sanction takes effect',
  })
  terminatedFrom: string | null;
  @ApiProperty({ nullable: true, description: "Valid time: a RED entry's publicity (objection) period" })
  publicityFrom: string | null;
  @ApiProperty({ nullable: true }) publicityTo: string | null;
  @ApiProperty({
    enum: LISTING_STATUSES,
    description: 'Stored status; whether it is in force depends on dates',
  })
  status: ListingStatus;
  @ApiProperty({ description: 'In force today (China time), whatever the stored status' })
  inForceToday: boolean;
  @ApiProperty({ enum: IN_FORCE_REASONS }) inForceReason: string;
  @ApiProperty() underObjection: boolean;
  @ApiProperty({ nullable: true }) proposedBy: string | null;
  @ApiProperty({ description: 'Recorded time of the proposal' }) proposedAt: string;
  @ApiProperty({ nullable: true }) decidedBy: string | null;
  @ApiProperty({ nullable: true, description: 'Recorded time of the approval or rejection' })
  decidedAt: string | null;
  @ApiProperty({ nullable: true }) decisionReason: string | null;
  @ApiProperty({ description: 'Send as If-Match when approving or rejecting' }) version: number;

  static from(l: ListingRow, history: ListingEventRow[], today: string): ListingResponseDto {
    const inForce = inForceAt(
      { history: listingEvents(history), effectiveFrom: l.effectiveFrom, effectiveTo: l.effectiveTo },
      today,
    );
    return {
      id: l.id,
      subjectId: l.subjectId,
      subjectName: l.subjectName,
      listType: l.listType,
      caseId: l.caseId,
      measureId: l.measureId,
      designationDocument: l.designationDocument,
      effectiveFrom: l.effectiveFrom,
      effectiveTo: l.effectiveTo,
      terminatedFrom: l.terminatedFrom,
      publicityFrom: l.publicityFrom,
      publicityTo: l.publicityTo,
      status: l.status,
      inForceToday: inForce.inForce,
      inForceReason: inForce.reason,
      underObjection: l.underObjection,
      proposedBy: l.proposedBy,
      proposedAt: new Date(l.proposedAt).toISOString(),
      decidedBy: l.decidedBy,
      decidedAt: l.decidedAt ? new Date(l.decidedAt).toISOString() : null,
      decisionReason: l.decisionReason,
      version: l.version,
    };
  }
}

export class ObjectionDto {
  @ApiProperty() id: string;
  @ApiProperty() raisedBy: string;
  @ApiProperty() reason: string;
  @ApiProperty({
    enum: ['OPEN', 'UPHELD', 'REJECTED', 'CLOSED'],
    description: 'CLOSED: the entry ended (revoked, repaired, rejected) while the objection was open',
  })
  status: string;
  @ApiProperty() createdAt: string;
  @ApiProperty({ nullable: true }) resolvedAt: string | null;
  @ApiProperty({ nullable: true }) resolutionReason: string | null;

  static from(o: ObjectionRow): ObjectionDto {
    return {
      id: o.id,
      raisedBy: o.raisedBy,
      reason: o.reason,
      status: o.status,
      createdAt: new Date(o.createdAt).toISOString(),
      resolvedAt: o.resolvedAt ? new Date(o.resolvedAt).toISOString() : null,
      resolutionReason: o.resolutionReason,
    };
  }
}

export class RepairDto {
  @ApiProperty() id: string;
  @ApiProperty({
    enum: ['PENDING', 'APPROVED', 'REFUSED', 'CLOSED'],
    description: 'CLOSED: the entry ended (revoked, rejected) while the request awaited a decision',
  })
  status: string;
  @ApiProperty() requestedAt: string;
  @ApiProperty({ nullable: true }) decidedAt: string | null;
  @ApiProperty({ nullable: true }) decisionReason: string | null;

  static from(r: RepairRow): RepairDto {
    return {
      id: r.id,
      status: r.status,
      requestedAt: new Date(r.requestedAt).toISOString(),
      decidedAt: r.decidedAt ? new Date(r.decidedAt).toISOString() : null,
      decisionReason: r.decisionReason,
    };
  }
}

export class ListingDetailsDto extends ListingResponseDto {
  @ApiProperty({ type: [ListingEventDto] }) history: ListingEventDto[];
  @ApiProperty({ type: [ObjectionDto] }) objections: ObjectionDto[];
  @ApiProperty({ type: [RepairDto] }) repairs: RepairDto[];
}

export class ListingPageDto {
  @ApiProperty({ type: [ListingResponseDto] }) items: ListingResponseDto[];
  @ApiProperty() total: number;
  @ApiProperty() page: number;
  @ApiProperty() pageSize: number;
}
