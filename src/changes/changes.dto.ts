import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { toNumber } from '../common/transforms';
import { IsInt, IsOptional, Matches, Max, Min } from 'class-validator';
import { CHANGE_ENTITY_TYPES, ChangeEntityType } from './change-notes';
import { ChangeRow } from './changes.repository';

/** Longest long poll, in seconds: below common proxy timeouts. */
export const MAX_WAIT_SECONDS = 30;

export class ChangeQueryDto {
  @ApiPropertyOptional({
    example: '0',
    default: '0',
    description: 'The `next` cursor of the previous page; 0 (or nothing) reads from the first change',
  })
  @IsOptional()
  @Matches(/^(0|[1-9][0-9]{0,17})$/, { message: 'after must be a cursor from a previous page' })
  after = '0';

  @ApiPropertyOptional({ type: Number, default: 100, minimum: 1, maximum: 1000 })
  @IsOptional()
  @Transform(toNumber)
  @IsInt()
  @Min(1)
  @Max(1000)
  limit = 100;

  @ApiPropertyOptional({
    type: Number,
    default: 0,
    minimum: 0,
    maximum: MAX_WAIT_SECONDS,
    description: 'Seconds to wait for a first change when there is none yet (long poll)',
  })
  @IsOptional()
  @Transform(toNumber)
  @IsInt()
  @Min(0)
  @Max(MAX_WAIT_SECONDS)
  wait = 0;
}

export class ChangeDto {
  @ApiProperty({ example: '1042', description: 'Stable position in commit order; pass it as `after`' })
  cursor: string;

  @ApiProperty({ description: 'When the change was committed (recorded time)' })
  recordedAt: string;

  @ApiProperty({ enum: CHANGE_ENTITY_TYPES })
  entityType: ChangeEntityType;

  @ApiProperty({ format: 'uuid' })
  entityId: string;

  @ApiProperty({
    type: [String],
    example: ['ACTIVE'],
    description:
      'What happened to it in the transaction: a list entry status (PROPOSED, ACTIVE, REJECTED, EXPIRED, REPAIRED, ' +
      'REVOKED), CORRECTED, DATES_SET, UNDER_OBJECTION, OBJECTION_CLEARED; a case status, RECORDED, ' +
      'SUBJECT_ADDED, MEASURE_ADDED, UPDATED; a subject RECORDED, UPDATED, NAMES_SET, IDENTIFIERS_ADDED',
  })
  actions: string[];

  @ApiProperty({
    type: Number,
    nullable: true,
    description: 'The rule-data version in force (China) when it was committed',
  })
  ruleVersion: number | null;

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    nullable: true,
    description:
      'The entity as committed. A subject carries its identifiers in full (`value`) besides the masked form.',
  })
  state: Record<string, unknown> | null;

  static from(row: ChangeRow): ChangeDto {
    return {
      cursor: row.seq,
      recordedAt: new Date(row.recordedAt).toISOString(),
      entityType: row.entityType,
      entityId: row.entityId,
      actions: row.actions,
      ruleVersion: row.ruleVersion,
      state: row.state,
    };
  }
}

export class ChangePageDto {
  @ApiProperty({ type: [ChangeDto] }) items: ChangeDto[];
  @ApiProperty({
    example: '1042',
    description: 'Pass as `after` next time (the same cursor when no change came)',
  })
  next: string;
}
