import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { MAX_IMPORT_ROWS } from './import-columns';

export class ImportTemplateQueryDto {
  @ApiPropertyOptional({ enum: ['csv', 'xlsx'], default: 'xlsx' })
  @IsOptional()
  @IsIn(['csv', 'xlsx'])
  format: 'csv' | 'xlsx' = 'xlsx';
}

/** The form fields of an import (the file comes as the part `file`). */
export class ImportCreateDto {
  @ApiProperty({
    enum: ['true', 'false'],
    description: 'true: check only, record nothing; false: record everything, or nothing',
  })
  @IsIn(['true', 'false'], { message: 'dryRun must be true or false' })
  dryRun: 'true' | 'false';
}

export class ImportProblemDto {
  @ApiProperty({ description: 'Line (CSV) or row number (XLSX) in the file; the header is row 1' })
  row: number;
  @ApiProperty({ example: 'idNumber', description: 'Column key (see the template), or `file`' })
  column: string;
  @ApiProperty({
    example: 'RESIDENT_ID_CHECKSUM',
    description: 'The code POST /api/v1/cases answers for the same value, or an IMPORT_* code',
  })
  code: string;
  @ApiProperty({ description: 'For people; identifiers masked' }) message: string;
}

export class ImportRowOutcomeDto {
  @ApiProperty() row: number;
  @ApiProperty({
    enum: ['NEW', 'UNCHANGED', 'INVALID'],
    description: 'NEW: recorded (dry run: would be); UNCHANGED: already recorded the same way',
  })
  outcome: string;
  @ApiProperty({ type: String, nullable: true, description: 'The case the row is recorded in' }) caseId:
    string | null;
}

export class ImportReportDto {
  @ApiProperty({ description: 'Id of this import run, as written to the audit trail' }) id: string;
  @ApiProperty() dryRun: boolean;
  @ApiProperty() fileName: string;
  @ApiProperty({ enum: ['CSV', 'XLSX'] }) format: string;
  @ApiProperty({ description: `Data rows (blank rows not counted; at most ${MAX_IMPORT_ROWS})` })
  rows: number;
  @ApiProperty() newRows: number;
  @ApiProperty() unchangedRows: number;
  @ApiProperty() invalidRows: number;
  @ApiProperty({ description: 'Cases recorded (dry run: that would be)' }) cases: number;
  @ApiProperty({ description: 'Subjects recorded (dry run: that would be)' }) subjectsCreated: number;
  @ApiProperty({ description: 'List entries proposed for another user to approve (dry run: that would be)' })
  listingsProposed: number;
  @ApiProperty({ type: [ImportProblemDto] }) problems: ImportProblemDto[];
  @ApiProperty({ type: [ImportRowOutcomeDto] }) outcomes: ImportRowOutcomeDto[];
}

/** The multipart body, for the OpenAPI document (the route reads the parts itself). */
export const IMPORT_FORM_SCHEMA = {
  type: 'object',
  required: ['dryRun', 'file'],
  properties: {
    dryRun: { type: 'string', enum: ['true', 'false'] },
    file: {
      type: 'string',
      format: 'binary',
      description: `CSV (UTF-8) or XLSX, up to ${MAX_IMPORT_ROWS} rows; columns as in GET /api/v1/imports/decisions/template`,
    },
  },
};
