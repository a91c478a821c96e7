import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { toNumber } from '../common/transforms';
import {
  IsDate,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxDate,
  MaxLength,
  Min,
  MinDate,
} from 'class-validator';
import { AuditRow } from './audit.repository';

/** Times PostgreSQL can store and a person could mean. */
const EARLIEST = new Date('1900-01-01T00:00:00Z');
const LATEST = new Date('9999-12-31T00:00:00Z');

export class AuditQueryDto {
  @ApiPropertyOptional({ description: 'User or API client id' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  actorId?: string;

  @ApiPropertyOptional({ example: 'USER_CREATED' })
  @IsOptional()
  @Matches(/^[A-Z][A-Z0-9_]{1,63}$/)
  action?: string;

  @ApiPropertyOptional({ example: 'USER' })
  @IsOptional()
  @Matches(/^[A-Z][A-Z0-9_]{1,63}$/)
  targetType?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(128)
  targetId?: string;

  @ApiPropertyOptional({ description: 'From this time (inclusive), ISO 8601' })
  @IsOptional()
  @Type(() => Date)
  @IsDate()
  @MinDate(EARLIEST)
  @MaxDate(LATEST)
  from?: Date;

  @ApiPropertyOptional({ description: 'Until this time (exclusive), ISO 8601' })
  @IsOptional()
  @Type(() => Date)
  @IsDate()
  @MinDate(EARLIEST)
  @MaxDate(LATEST)
  to?: Date;
}

export class AuditPageQueryDto extends AuditQueryDto {
  @ApiPropertyOptional({ type: Number, default: 50, minimum: 1, maximum: 500 })
  @IsOptional()
  @Transform(toNumber)
  @IsInt()
  @Min(1)
  @Max(500)
  limit = 50;

  @ApiPropertyOptional({
    description: 'Cursor: entries older than this seq (from `next` of the previous page)',
  })
  @IsOptional()
  @Matches(/^[1-9][0-9]{0,17}$/, { message: 'before must be a seq from a previous page' })
  before?: string;
}

export class AuditExportQueryDto extends AuditQueryDto {
  @ApiPropertyOptional({ enum: ['ndjson', 'csv'], default: 'ndjson' })
  @IsOptional()
  @IsIn(['ndjson', 'csv'])
  format: 'ndjson' | 'csv' = 'ndjson';
}

export class AuditSealDto {
  @ApiProperty() position: string;
  @ApiProperty({ description: 'hex SHA-256' }) prevHash: string;
  @ApiProperty({ description: 'hex SHA-256' }) hash: string;
}

export class AuditEntryDto {
  @ApiProperty() seq: string;
  @ApiProperty() at: string;
  @ApiProperty({ enum: ['USER', 'API_CLIENT', 'SYSTEM', 'ANONYMOUS'] }) actorType: string;
  @ApiProperty({ nullable: true }) actorId: string | null;
  @ApiProperty({ nullable: true }) actorName: string | null;
  @ApiProperty({ type: [String] }) actorRoles: string[];
  @ApiProperty() action: string;
  @ApiProperty({ nullable: true }) targetType: string | null;
  @ApiProperty({ nullable: true }) targetId: string | null;
  @ApiProperty({ nullable: true }) requestId: string | null;
  @ApiProperty({ nullable: true }) purpose: string | null;
  @ApiProperty({ nullable: true, description: 'What changed, identifiers masked' }) changes: unknown;
  @ApiProperty({ type: AuditSealDto, nullable: true, description: 'null until the sealer chains the entry' })
  seal: AuditSealDto | null;

  static from(row: AuditRow): AuditEntryDto {
    return {
      seq: row.seq,
      at: row.at.toISOString(),
      actorType: row.actorType,
      actorId: row.actorId,
      actorName: row.actorName,
      actorRoles: row.actorRoles,
      action: row.action,
      targetType: row.targetType,
      targetId: row.targetId,
      requestId: row.requestId,
      purpose: row.purpose,
      changes: row.changes,
      seal:
        row.position && row.prevHash && row.hash
          ? { position: row.position, prevHash: row.prevHash.toString('hex'), hash: row.hash.toString('hex') }
          : null,
    };
  }
}

export class AuditPageDto {
  @ApiProperty({ type: [AuditEntryDto] }) items: AuditEntryDto[];
  @ApiProperty({ nullable: true, description: 'Pass as `before` for the next (older) page; null at the end' })
  next: string | null;
}

export class AuditChainBreakDto {
  @ApiProperty() position: string;
  @ApiProperty({ nullable: true }) seq: string | null;
  @ApiProperty({ enum: ['POSITION_GAP', 'PREV_HASH_MISMATCH', 'HASH_MISMATCH'] }) reason: string;
}

export class AuditVerifyDto {
  @ApiProperty() ok: boolean;
  @ApiProperty({ description: 'Links that hold, from the first' }) verified: number;
  @ApiProperty({ description: 'Entries not sealed yet' }) pending: number;
  @ApiPropertyOptional({ type: AuditChainBreakDto }) firstBroken?: AuditChainBreakDto;
  @ApiProperty() message: string;
}

export class AuditHeadDto {
  @ApiProperty({ nullable: true }) position: string | null;
  @ApiProperty({ nullable: true }) seq: string | null;
  @ApiProperty({ nullable: true }) hash: string | null;
  @ApiProperty({ nullable: true }) sealedAt: string | null;
}
