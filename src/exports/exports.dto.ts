import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import { trim } from '../common/transforms';
import { IDENTIFIER_TYPES } from '../identifiers/identifiers';
import { LIST_TYPES } from '../listings/listing-lifecycle';
import { SubjectKind } from '../subjects/subjects.types';
import {
  EXPORT_DATASETS,
  EXPORT_FORMATS,
  EXPORT_IDENTIFIERS,
  ExportDataset,
  ExportFormat,
  ExportIdentifiers,
} from './exports.types';

export class ExportParamsDto {
  @ApiProperty({ enum: EXPORT_DATASETS, description: '`entries` are the list entries (名单条目)' })
  @IsIn(EXPORT_DATASETS)
  dataset: ExportDataset;
}

export class ExportQueryDto {
  @ApiPropertyOptional({
    enum: EXPORT_FORMATS,
    default: 'csv',
    description: 'csv: UTF-8 with a BOM, formula-safe; xlsx: one sheet of rows and an `export` sheet; ndjson',
  })
  @IsOptional()
  @IsIn(EXPORT_FORMATS)
  format: ExportFormat = 'csv';

  @ApiPropertyOptional({
    enum: EXPORT_IDENTIFIERS,
    default: 'masked',
    description:
      'full: subjects with their identifiers in full, for ADMIN, RECORDER, APPROVER and changes:read; needs `purpose`',
  })
  @IsOptional()
  @IsIn(EXPORT_IDENTIFIERS)
  identifiers: ExportIdentifiers = 'masked';

  @ApiPropertyOptional({
    maxLength: 500,
    description: 'Why the export is made: written to the audit trail; required with identifiers=full',
  })
  @IsOptional()
  @IsString()
  @Transform(trim)
  @MaxLength(500)
  purpose?: string;
}

/** The records of an export, one per NDJSON line: the change feed's `state` of each entity. */
export class ExportIdentifierDto {
  @ApiProperty({ enum: IDENTIFIER_TYPES }) type: string;
  @ApiProperty({ type: String, nullable: true, description: 'Foreign identifiers only' })
  issuingCountry: string | null;
  @ApiProperty({ example: '110105********002X' }) masked: string;
  @ApiPropertyOptional({ example: '11010519491231002X', description: 'With identifiers=full only' })
  value?: string;
}

export class ExportSubjectRecordDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ enum: Object.values(SubjectKind) }) kind: string;
  @ApiProperty() name: string;
  @ApiProperty({ type: String, nullable: true }) organisation: string | null;
  @ApiProperty({ type: [String] }) formerNames: string[];
  @ApiProperty({ type: [String] }) aliases: string[];
  @ApiProperty({ type: [ExportIdentifierDto] }) identifiers: ExportIdentifierDto[];
  @ApiProperty() version: number;
}

export class ExportCaseSubjectDto {
  @ApiProperty({ format: 'uuid' }) subjectId: string;
  @ApiProperty({ type: [String], example: ['PROJECT_LEAD'] }) roles: string[];
}

export class ExportCaseRecordDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ example: 'FINAL' }) status: string;
  @ApiProperty({ type: String, nullable: true, example: '泉科〔2020〕34号' }) decisionNumber: string | null;
  @ApiProperty() authority: string;
  @ApiProperty({ type: String, nullable: true, format: 'date' }) decisionDate: string | null;
  @ApiProperty({ type: String, nullable: true, example: 'SEVERE' }) severity: string | null;
  @ApiProperty({ type: [String] }) misconductTypes: string[];
  @ApiProperty({ type: String, nullable: true }) legalBasis: string | null;
  @ApiProperty({ type: Number, nullable: true }) ruleVersion: number | null;
  @ApiProperty() version: number;
  @ApiProperty({ type: [ExportCaseSubjectDto] }) subjects: ExportCaseSubjectDto[];
  @ApiProperty({ type: [String] }) measureIds: string[];
}

export class ExportMeasureRecordDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) caseId: string;
  @ApiProperty({ format: 'uuid' }) subjectId: string;
  @ApiProperty({ example: 'BAN_FUNDED_ACTIVITY' }) type: string;
  @ApiProperty({ type: String, nullable: true, format: 'date' }) startDate: string | null;
  @ApiProperty({ type: String, nullable: true, format: 'date' }) endDate: string | null;
  @ApiProperty() lifetime: boolean;
  @ApiProperty({ type: [String] }) domains: string[];
}

export class ExportEntryRecordDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) subjectId: string;
  @ApiProperty({ enum: LIST_TYPES }) listType: string;
  @ApiProperty({ type: String, nullable: true, format: 'uuid' }) caseId: string | null;
  @ApiProperty({ type: String, nullable: true, format: 'uuid' }) measureId: string | null;
  @ApiProperty({ type: String, nullable: true }) designationDocument: string | null;
  @ApiProperty({ format: 'date' }) effectiveFrom: string;
  @ApiProperty({ type: String, nullable: true, format: 'date' }) effectiveTo: string | null;
  @ApiProperty({ type: String, nullable: true, format: 'date' }) terminatedFrom: string | null;
  @ApiProperty({ type: String, nullable: true, format: 'date' }) publicityFrom: string | null;
  @ApiProperty({ type: String, nullable: true, format: 'date' }) publicityTo: string | null;
  @ApiProperty({ example: 'ACTIVE' }) status: string;
  @ApiProperty() underObjection: boolean;
  @ApiProperty({ type: String, nullable: true }) decidedAt: string | null;
  @ApiProperty() version: number;
}
