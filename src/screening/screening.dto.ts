import { toInteger, trim, trimName, upper } from '../common/transforms';
import type { SignedCheckReceipt } from '../receipts/check-receipt';
import { ApiProperty, ApiPropertyOptional, OmitType } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateBy,
  ValidateNested,
} from 'class-validator';
import { IDENTIFIER_TYPES, IdentifierType } from '../identifiers/identifiers';
import { IsCalendarDate } from '../rules/rules.dto';
import { isZonedTimestamp } from '../listings/in-force';
import { RULE_CODE_PATTERN } from '../rules/rules';
import { MAX_LOOKBACK_YEARS } from './verdict';
import { HasLetterOrDigit } from '../subjects/name-key';
import { SubjectKind } from '../subjects/subjects.types';

/** Largest number of applicants in one synchronous check. */
export const MAX_APPLICANTS = 10_000;

export class ApplicantIdentifierDto {
  @ApiProperty({ enum: IDENTIFIER_TYPES })
  @IsIn(IDENTIFIER_TYPES)
  type: IdentifierType;

  @ApiProperty({ example: '11010519491231002X' })
  @IsNotEmpty()
  @MaxLength(64)
  @IsString()
  value: string;

  @ApiPropertyOptional({ example: 'US' })
  @IsOptional()
  @Transform(upper)
  @Matches(/^[A-Z]{2,3}$/)
  issuingCountry?: string;
}

export class ApplicantDto {
  @ApiPropertyOptional({ description: "The caller's own reference for the row (application number…)" })
  @IsOptional()
  @MaxLength(100)
  @IsString()
  ref?: string;

  @ApiPropertyOptional({ enum: Object.values(SubjectKind) })
  @IsOptional()
  @IsIn(Object.values(SubjectKind))
  kind?: SubjectKind;

  @ApiProperty({
    example: '张某某',
    description: 'Needs a letter or a digit; invisible format characters (zero-width spaces…) are removed',
  })
  @Transform(trimName)
  @HasLetterOrDigit()
  @IsNotEmpty()
  @MaxLength(200)
  @IsString()
  name: string;

  @ApiPropertyOptional({ example: '某某大学' })
  @IsOptional()
  @Transform(trimName)
  @MaxLength(200)
  @IsString()
  organisation?: string;

  @ApiPropertyOptional({ type: ApplicantIdentifierDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => ApplicantIdentifierDto)
  identifier?: ApplicantIdentifierDto;
}

/** Messages of CheckCreateDto's own validators, shared with the one-pass validator (applicants.ts). */
export const DOMAIN_MESSAGE = 'domain must be a review domain code';
export const KNOWN_AT_MESSAGE =
  'knownAt must be an ISO 8601 timestamp with a zone, e.g. 2026-11-27T09:30:00+08:00';

export class CheckCreateDto {
  @ApiProperty({ example: 'PROJECT_FUNDING', description: 'A review domain of the rule data' })
  @Matches(RULE_CODE_PATTERN, { message: DOMAIN_MESSAGE })
  domain: string;

  @ApiPropertyOptional({
    example: '2026-11-27',
    description:
      'Valid time: the day asked about (China calendar), default today. A record counts when it applies ' +
      'in law on this day, whenever it was entered.',
  })
  @IsOptional()
  @IsCalendarDate()
  asOf?: string;

  @ApiPropertyOptional({
    example: '2026-11-27T09:30:00+08:00',
    description:
      'Recorded time: answer as the registry would have at this instant, from what it had recorded by then ' +
      '(ISO 8601 with a zone; default now; not in the future). The receipt keeps it, so the check replays.',
  })
  @IsOptional()
  @ValidateBy(
    {
      name: 'isZonedTimestamp',
      validator: { validate: isZonedTimestamp },
    },
    { message: KNOWN_AT_MESSAGE },
  )
  knownAt?: string;

  @ApiProperty({ example: '2027 provincial key R&D programme, first-round eligibility' })
  @Transform(trim)
  @IsNotEmpty()
  @MaxLength(500)
  @IsString()
  purpose: string;

  @ApiPropertyOptional({ example: 'CALL-2027-01', description: 'The call or application number' })
  @IsOptional()
  @MaxLength(100)
  @IsString()
  reference?: string;

  @ApiPropertyOptional({
    minimum: 0,
    maximum: MAX_LOOKBACK_YEARS,
    description: 'Look-back window in years (近N年无科研失信记录)',
  })
  @IsOptional()
  @Max(MAX_LOOKBACK_YEARS)
  @Min(0)
  @IsInt()
  lookbackYears?: number;

  /**
   * POST /checks validates the list with `parseCheckRequest` (applicants.ts), which applies these
   * constraints and ApplicantDto's with class-validator's functions, a few dozen times faster.
   */
  @ApiProperty({ type: [ApplicantDto], minItems: 1, maxItems: MAX_APPLICANTS })
  @ValidateNested({ each: true })
  @Type(() => ApplicantDto)
  @ArrayMaxSize(MAX_APPLICANTS)
  @ArrayMinSize(1)
  @IsArray()
  applicants: ApplicantDto[];
}

/** A check request but its applicants (what `parseCheckRequest` checks besides the list). */
export class CheckEnvelopeDto extends OmitType(CheckCreateDto, ['applicants'] as const) {}

export class CheckCountsDto {
  @ApiProperty() BLOCK: number;
  @ApiProperty() REVIEW: number;
  @ApiProperty() CLEAR: number;
  @ApiProperty({ description: 'Rows refused (bad identifier)' }) ERROR: number;
}

export class CheckResultDto {
  @ApiProperty() index: number;
  @ApiPropertyOptional() ref?: string;
  @ApiProperty({ enum: ['BLOCK', 'REVIEW', 'CLEAR', 'ERROR'] }) verdict: string;
  @ApiPropertyOptional({ description: 'The active RED entry, if any' }) incentive?: unknown;
  @ApiProperty() underObjection: boolean;
  @ApiProperty({
    type: 'array',
    items: { type: 'object' },
    description: 'Each record that counted, with why',
  })
  evidence: unknown[];
  @ApiPropertyOptional({ description: 'For ERROR rows: { code, field, message }' }) error?: unknown;
}

export class CheckResponseDto {
  @ApiProperty({ description: 'The receipt id: GET /api/v1/checks/{id} shows this answer again' }) id: string;
  @ApiProperty({ description: 'Recorded time: when the check ran' }) at: string;
  @ApiProperty() domain: string;
  @ApiProperty({ description: 'Valid time: the day asked about' }) asOf: string;
  @ApiProperty({ description: 'Recorded time: what the registry knew at this instant was judged' })
  knownAt: string;
  @ApiProperty({ nullable: true }) reference: string | null;
  @ApiProperty({ nullable: true }) lookbackYears: number | null;
  @ApiProperty({ description: 'The rule-data version applied' }) ruleVersion: number;
  @ApiProperty({ type: CheckCountsDto }) counts: CheckCountsDto;
  @ApiProperty({ type: [CheckResultDto] }) results: CheckResultDto[];
}

export class CheckReceiptDto extends CheckResponseDto {
  @ApiProperty() purpose: string;
  @ApiProperty() actor: { type: string; id: string | null; name: string | null };
  @ApiProperty({ type: [String], description: "Keyed hashes (hex) of the applicants' inputs, in order" })
  inputHashes: string[];
  @ApiProperty({ description: 'SHA-256 (hex) of the canonical answer' }) answerHash: string;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description:
      'The signed receipt (docs/certificates.md): masked applicants, their keyed input hashes and verdicts, ' +
      'with an Ed25519 signature over its RFC 8785 canonical form; POST /api/v1/receipts/verify checks it',
  })
  receipt: SignedCheckReceipt;
}

export class CheckCertificateQueryDto {
  @ApiPropertyOptional({ minimum: 0, default: 0, description: 'Which applicant of the check, from 0' })
  @IsOptional()
  @Transform(toInteger)
  @Min(0)
  @IsInt()
  applicant?: number;

  @ApiPropertyOptional({ enum: ['zh', 'en'], description: 'Default: Accept-Language, else Chinese' })
  @IsOptional()
  @IsIn(['zh', 'en'])
  lang?: 'zh' | 'en';
}
