import { nullAs, trim } from '../common/transforms';
import { PageQueryDto } from '../common/pagination';
import { ApiProperty, ApiPropertyOptional, OmitType } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsIn,
  IsNotEmpty,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  MaxLength,
  ValidateNested,
} from 'class-validator';
import { IsCalendarDate } from '../rules/rules.dto';
import { SEVERITIES, Severity } from '../rules/rules';
import { SubjectCreateDto } from '../subjects/subjects.dto';
import { CASE_STATUSES, CaseStatus, INITIAL_CASE_STATUSES } from './case-lifecycle';
import {
  CASE_SOURCES,
  CASE_SUBJECT_ROLES,
  CaseSource,
  CaseSubjectRole,
  MISCONDUCT_TYPES,
  MisconductType,
} from './cases.types';

const REF = /^[A-Za-z0-9_-]{1,40}$/;

export class CaseSubjectInputDto {
  @ApiProperty({ example: 's1', description: 'A name for this subject within the request, used by measures' })
  @Matches(REF, { message: 'ref must be 1-40 letters, digits, _ or -' })
  ref: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'An existing subject…' })
  @IsOptional()
  @IsUUID()
  subjectId?: string;

  @ApiPropertyOptional({ type: SubjectCreateDto, description: '…or a new one, recorded with the case' })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => SubjectCreateDto)
  subject?: SubjectCreateDto;

  @ApiProperty({ enum: CASE_SUBJECT_ROLES, isArray: true })
  @IsIn(CASE_SUBJECT_ROLES, { each: true })
  @ArrayUnique()
  @ArrayMinSize(1)
  @IsArray()
  roles: CaseSubjectRole[];
}

export class MeasureInputDto {
  @ApiProperty({ example: 's1', description: 'The `ref` of the subject the measure applies to' })
  @Matches(REF, { message: 'subjectRef must be the ref of a subject of this case' })
  subjectRef: string;

  @ApiProperty({ example: 'BAN_FUNDED_ACTIVITY', description: 'A measure type of the rule data in force' })
  @IsString()
  @Matches(/^[A-Z][A-Z0-9_]{1,39}$/, { message: 'type must be a measure type code' })
  type: string;

  @ApiPropertyOptional({ example: '2026-01-01' })
  @IsOptional()
  @IsCalendarDate()
  startDate?: string;

  @ApiPropertyOptional({ example: '2029-12-31' })
  @IsOptional()
  @IsCalendarDate()
  endDate?: string;

  @ApiPropertyOptional({ description: 'A lifetime bar (终身), for types that allow it' })
  @IsOptional()
  @IsBoolean()
  lifetime?: boolean;

  @ApiPropertyOptional({
    type: [String],
    example: ['PROJECT_FUNDING'],
    description: 'Review domains a bar covers',
  })
  @IsOptional()
  @IsArray()
  @ArrayUnique()
  @IsString({ each: true })
  domains?: string[];

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  note?: string;
}

export class MeasureAddDto extends OmitType(MeasureInputDto, ['subjectRef'] as const) {
  @ApiProperty({ format: 'uuid', description: 'A subject the case names' })
  @IsUUID()
  subjectId: string;
}

export class CaseMeasuresAddDto {
  @ApiProperty({ type: [MeasureAddDto] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(100)
  @ValidateNested({ each: true })
  @Type(() => MeasureAddDto)
  measures: MeasureAddDto[];
}

export class CaseCreateDto {
  @ApiPropertyOptional({
    enum: INITIAL_CASE_STATUSES,
    default: 'REPORTED',
    description: 'DECIDED or FINAL to record a published decision',
  })
  @Transform(nullAs('REPORTED'))
  @IsOptional()
  @IsIn(CASE_STATUSES)
  status: CaseStatus = 'REPORTED';

  @ApiPropertyOptional({ example: '泉科〔2020〕34号', description: '文号; required once decided' })
  @IsOptional()
  @Transform(trim)
  @MaxLength(100)
  @IsNotEmpty()
  @IsString()
  decisionNumber?: string;

  @ApiProperty({ example: '泉州市科学技术局' })
  @Transform(trim)
  @MaxLength(200)
  @IsNotEmpty()
  @IsString()
  authority: string;

  @ApiPropertyOptional({ example: '2020-06-30', description: 'Required once decided' })
  @IsOptional()
  @IsCalendarDate()
  decisionDate?: string;

  @ApiProperty({ enum: MISCONDUCT_TYPES, isArray: true })
  @IsIn(MISCONDUCT_TYPES, { each: true })
  @ArrayUnique()
  @ArrayMinSize(1)
  @IsArray()
  misconductTypes: MisconductType[];

  @ApiPropertyOptional({ enum: SEVERITIES, description: 'Required once decided' })
  @IsOptional()
  @IsIn(SEVERITIES)
  severity?: Severity;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(20000)
  facts?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(4000)
  legalBasis?: string;

  @ApiProperty({ enum: CASE_SOURCES })
  @IsIn(CASE_SOURCES)
  source: CaseSource;

  @ApiPropertyOptional({ type: [String], description: 'Aggravating factors (从重情节)' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(20)
  @IsString({ each: true })
  @MaxLength(200, { each: true })
  aggravating?: string[];

  @ApiPropertyOptional({ type: [String], description: 'Mitigating factors (从轻情节)' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(20)
  @IsString({ each: true })
  @MaxLength(200, { each: true })
  mitigating?: string[];

  @ApiProperty({
    type: [CaseSubjectInputDto],
    description: 'A unit and its responsible persons are often named together',
  })
  @ValidateNested({ each: true })
  @Type(() => CaseSubjectInputDto)
  @ArrayMaxSize(50)
  @ArrayMinSize(1)
  @IsArray()
  subjects: CaseSubjectInputDto[];

  @ApiPropertyOptional({ type: [MeasureInputDto] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  @ValidateNested({ each: true })
  @Type(() => MeasureInputDto)
  measures?: MeasureInputDto[];
}

export class CaseTransitionDto {
  @ApiProperty({ enum: CASE_STATUSES })
  @IsIn(CASE_STATUSES)
  to: CaseStatus;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  reason?: string;

  @ApiPropertyOptional({ description: 'When deciding: 文号' })
  @IsOptional()
  @Transform(trim)
  @MaxLength(100)
  @IsNotEmpty()
  @IsString()
  decisionNumber?: string;

  @ApiPropertyOptional({ description: 'When deciding' })
  @IsOptional()
  @IsCalendarDate()
  decisionDate?: string;

  @ApiPropertyOptional({ enum: SEVERITIES, description: 'When deciding' })
  @IsOptional()
  @IsIn(SEVERITIES)
  severity?: Severity;
}

export class CaseQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: CASE_STATUSES })
  @IsOptional()
  @IsIn(CASE_STATUSES)
  status?: CaseStatus;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(200)
  authority?: string;

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID()
  subjectId?: string;

  @ApiPropertyOptional({ description: 'Decided on or after' })
  @IsOptional()
  @IsCalendarDate()
  from?: string;

  @ApiPropertyOptional({ description: 'Decided on or before' })
  @IsOptional()
  @IsCalendarDate()
  to?: string;

  @ApiPropertyOptional({ description: 'Part of the decision number or the facts' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  text?: string;
}

export class CaseSubjectDto {
  @ApiProperty() subjectId: string;
  @ApiProperty() name: string;
  @ApiProperty({ enum: CASE_SUBJECT_ROLES, isArray: true }) roles: string[];
}

export class MeasureDto {
  @ApiProperty() id: string;
  @ApiProperty() subjectId: string;
  @ApiProperty() type: string;
  @ApiProperty({ nullable: true }) startDate: string | null;
  @ApiProperty({ nullable: true }) endDate: string | null;
  @ApiProperty() lifetime: boolean;
  @ApiProperty({ type: [String] }) domains: string[];
  @ApiProperty({ nullable: true }) note: string | null;
}

export class CaseResponseDto {
  @ApiProperty() id: string;
  @ApiProperty({ enum: CASE_STATUSES }) status: string;
  @ApiProperty({ nullable: true }) decisionNumber: string | null;
  @ApiProperty() authority: string;
  @ApiProperty({ nullable: true }) decisionDate: string | null;
  @ApiProperty({ enum: MISCONDUCT_TYPES, isArray: true }) misconductTypes: string[];
  @ApiProperty({ enum: SEVERITIES, nullable: true }) severity: string | null;
  @ApiProperty({ nullable: true }) facts: string | null;
  @ApiProperty({ nullable: true }) legalBasis: string | null;
  @ApiProperty({ enum: CASE_SOURCES }) source: string;
  @ApiProperty({ type: [String] }) aggravating: string[];
  @ApiProperty({ type: [String] }) mitigating: string[];
  @ApiProperty({ nullable: true, description: 'Rule-data version the measures were checked against' })
  ruleVersion: number | null;
  @ApiProperty({
    format: 'uuid',
    nullable: true,
    description: 'The random inspection (双随机一公开) whose finding opened the case',
  })
  inspectionPlanId: string | null;
  @ApiProperty({ type: [CaseSubjectDto] }) subjects: CaseSubjectDto[];
  @ApiProperty({ type: [MeasureDto] }) measures: MeasureDto[];
  @ApiProperty({ type: [String], description: 'List entries proposed from this case' }) listingIds: string[];
  @ApiProperty() version: number;
}

export class CasePageDto {
  @ApiProperty({ type: [CaseResponseDto] }) items: CaseResponseDto[];
  @ApiProperty() total: number;
  @ApiProperty() page: number;
  @ApiProperty() pageSize: number;
}
