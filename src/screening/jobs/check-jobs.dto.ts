import { toInteger } from '../../common/transforms';
import { ApiProperty, ApiPropertyOptional, OmitType } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsIn, IsInt, IsOptional, Max, Min } from 'class-validator';
import { CheckCountsDto, CheckCreateDto } from '../screening.dto';
import { MAX_LOOKBACK_YEARS } from '../verdict';

/**
 * The form fields of a check job: those of a check, without the applicants (they come in the file).
 * Multipart fields are text, so the look-back window is read as a whole number here.
 */
export class CheckJobCreateDto extends OmitType(CheckCreateDto, ['applicants', 'lookbackYears'] as const) {
  @ApiPropertyOptional({
    minimum: 0,
    maximum: MAX_LOOKBACK_YEARS,
    description: 'Look-back window in years (近N年无科研失信记录)',
  })
  @IsOptional()
  @Transform(toInteger)
  @Max(MAX_LOOKBACK_YEARS)
  @Min(0)
  @IsInt()
  lookbackYears?: number;
}

export class CheckJobResultsQueryDto {
  @ApiPropertyOptional({ enum: ['csv', 'xlsx'], description: 'Default: the format of the uploaded file' })
  @IsOptional()
  @IsIn(['csv', 'xlsx'])
  format?: 'csv' | 'xlsx';
}

export class CheckJobCertificatesQueryDto {
  @ApiPropertyOptional({ enum: ['zh', 'en'], description: 'Default: Accept-Language, else Chinese' })
  @IsOptional()
  @IsIn(['zh', 'en'])
  lang?: 'zh' | 'en';
}

export class CheckJobResponseDto {
  @ApiProperty() id: string;
  @ApiProperty({ enum: ['QUEUED', 'RUNNING', 'DONE', 'FAILED'] }) status: string;
  @ApiProperty() domain: string;
  @ApiProperty({ description: 'The day asked about, fixed when the job was created' }) asOf: string;
  @ApiProperty() purpose: string;
  @ApiProperty({ nullable: true }) reference: string | null;
  @ApiProperty({ nullable: true }) lookbackYears: number | null;
  @ApiProperty() fileName: string;
  @ApiProperty({ enum: ['CSV', 'XLSX'] }) format: string;
  @ApiProperty({ description: 'Applicants in the file (blank rows not counted)' }) rowsTotal: number;
  @ApiProperty({ description: 'Applicants answered so far' }) rowsDone: number;
  @ApiProperty({ type: CheckCountsDto }) counts: CheckCountsDto;
  @ApiProperty({
    type: [String],
    description: 'The stored check of each chunk of up to 5,000 rows (GET /api/v1/checks/{id}), in order',
  })
  checkIds: string[];
  @ApiProperty({ nullable: true, description: 'Why the job FAILED' }) error: string | null;
  @ApiProperty() createdAt: string;
  @ApiProperty({ nullable: true }) finishedAt: string | null;
}

/** The multipart body, for the OpenAPI document (the route reads the parts itself). */
export const CHECK_JOB_FORM_SCHEMA = {
  type: 'object',
  required: ['domain', 'purpose', 'file'],
  properties: {
    domain: { type: 'string', example: 'PROJECT_FUNDING' },
    purpose: { type: 'string', example: '2027 provincial key R&D programme, first-round eligibility' },
    asOf: {
      type: 'string',
      example: '2026-11-27',
      description: 'Valid time: the day asked about. Default: today (China)',
    },
    knownAt: {
      type: 'string',
      example: '2026-11-27T09:30:00+08:00',
      description:
        'Recorded time: judge by what the registry had recorded then. Default: when the job is created',
    },
    reference: { type: 'string', example: 'CALL-2027-01' },
    lookbackYears: { type: 'integer', minimum: 0, maximum: MAX_LOOKBACK_YEARS },
    file: {
      type: 'string',
      format: 'binary',
      description: 'CSV (UTF-8, with or without BOM) or XLSX; columns in docs/screening.md',
    },
  },
};
