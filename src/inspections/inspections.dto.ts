import { ApiProperty, ApiPropertyOptional, PickType } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  Max,
  MaxLength,
  Min,
  ValidateBy,
  ValidateNested,
  buildMessage,
} from 'class-validator';
import { CaseCreateDto } from '../cases/cases.dto';
import { PageQueryDto } from '../common/pagination';
import { nullAs, trim } from '../common/transforms';
import { EXCLUSION_REASONS, RATIO_SCALE, STRATUM_FIELDS, StratumField } from './draw';
import {
  FINDING_OUTCOMES,
  FindingOutcome,
  PLAN_STATUSES,
  PlanStatus,
  POOL_KINDS,
  PoolKind,
} from './inspections.types';
import { TARGET_KINDS } from './pool-file';

const KEY_LIST = { each: true } as const;

/**
 * A ratio of at most 4 decimals (whole parts per 10,000), code `IS_RATIO`. Written here because
 * class-validator's `maxDecimalPlaces` throws on a number JavaScript prints in exponent form (1e-7).
 */
const IsRatio = (): PropertyDecorator =>
  ValidateBy({
    name: 'isRatio',
    validator: {
      validate: (value) =>
        typeof value === 'number' &&
        value >= 0 &&
        value <= 1 &&
        Math.abs(value * RATIO_SCALE - Math.round(value * RATIO_SCALE)) < 1e-6,
      defaultMessage: buildMessage(() => '$property must be a number from 0 to 1 with at most 4 decimals'),
    },
  });

export class PoolCreateDto {
  @ApiProperty({
    enum: POOL_KINDS,
    description: 'TARGET: projects, enterprises, platforms; INSPECTOR: experts',
  })
  @IsIn(POOL_KINDS)
  kind: PoolKind;

  @ApiProperty({ example: '2026年度省级科技计划项目库' })
  @Transform(trim)
  @MaxLength(200)
  @IsNotEmpty()
  @IsString()
  name: string;
}

export class PoolVersionDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() version: number;
  @ApiProperty() rowCount: number;
  @ApiProperty({ description: 'SHA-256 of the JCS form of the rows the draw uses (docs/inspections.md)' })
  hash: string;
  @ApiProperty() createdAt: string;
}

export class PoolResponseDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ enum: POOL_KINDS }) kind: string;
  @ApiProperty() name: string;
  @ApiProperty() createdAt: string;
  @ApiProperty({ type: [PoolVersionDto], description: 'Oldest first; each frozen once uploaded' })
  versions: PoolVersionDto[];
}

export class PoolPageDto {
  @ApiProperty({ type: [PoolResponseDto] }) items: PoolResponseDto[];
  @ApiProperty() total: number;
  @ApiProperty() page: number;
  @ApiProperty() pageSize: number;
}

/** The multipart body of a pool upload, for the OpenAPI document (the route reads the parts itself). */
export const POOL_FORM_SCHEMA = {
  type: 'object',
  required: ['file'],
  properties: {
    file: {
      type: 'string',
      format: 'binary',
      description: 'CSV (UTF-8) or XLSX; columns in docs/inspections.md',
    },
  },
};

export class StratumQuotaDto {
  @ApiProperty({ example: '鼓楼区', description: 'A stratum key: the values of stratifyBy joined by |' })
  @MaxLength(500)
  @IsString()
  stratum: string;

  @ApiPropertyOptional({
    example: 0.2,
    minimum: 0,
    maximum: 1,
    description: 'This stratum’s own ratio (at most 4 decimals)…',
  })
  @IsOptional()
  @IsRatio()
  ratio?: number;

  @ApiPropertyOptional({ description: '…or its own count' })
  @IsOptional()
  @Max(1_000_000)
  @Min(0)
  @IsInt()
  count?: number;
}

export class PlanCreateDto {
  @ApiProperty({ example: '2026年度科技计划项目“双随机、一公开”检查' })
  @Transform(trim)
  @MaxLength(200)
  @IsNotEmpty()
  @IsString()
  title: string;

  @ApiProperty({ example: '2024–2025年立项的省级科技计划项目' })
  @Transform(trim)
  @MaxLength(2000)
  @IsNotEmpty()
  @IsString()
  scope: string;

  @ApiProperty({ example: 2026 })
  @Max(2100)
  @Min(2000)
  @IsInt()
  year: number;

  @ApiProperty({ type: [String], example: ['项目实施进展', '经费使用', '科研诚信'], description: '检查事项' })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(50)
  @IsNotEmpty({ each: true })
  @MaxLength(500, { each: true })
  @IsString({ each: true })
  items: string[];

  @ApiProperty({ format: 'uuid', description: 'A version of a TARGET pool' })
  @IsUUID()
  targetPoolVersionId: string;

  @ApiProperty({ format: 'uuid', description: 'A version of an INSPECTOR pool' })
  @IsUUID()
  inspectorPoolVersionId: string;

  @ApiPropertyOptional({ enum: STRATUM_FIELDS, isArray: true, description: 'Strata: none is the whole pool' })
  @IsOptional()
  @IsArray()
  @ArrayUnique()
  @IsIn(STRATUM_FIELDS, { each: true })
  stratifyBy?: StratumField[];

  @ApiPropertyOptional({
    example: 0.05,
    minimum: 0,
    maximum: 1,
    description: 'Overall ratio (at most 4 decimals); or count',
  })
  @IsOptional()
  @IsRatio()
  ratio?: number;

  @ApiPropertyOptional({ description: 'Overall count of the strata without their own quota; or ratio' })
  @IsOptional()
  @Max(1_000_000)
  @Min(0)
  @IsInt()
  count?: number;

  @ApiPropertyOptional({ type: [StratumQuotaDto], description: 'Strata with their own ratio or count' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(1000)
  @ValidateNested({ each: true })
  @Type(() => StratumQuotaDto)
  strata?: StratumQuotaDto[];

  @ApiPropertyOptional({ default: 2, minimum: 2, maximum: 10, description: 'At least 2 (G58)' })
  @Transform(nullAs(2))
  @IsOptional()
  @Max(10)
  @Min(2)
  @IsInt()
  inspectorsPerTarget: number = 2;

  @ApiPropertyOptional({ minimum: 1, description: 'At most this many targets per inspector' })
  @IsOptional()
  @Max(100_000)
  @Min(1)
  @IsInt()
  maxTargetsPerInspector?: number;

  @ApiPropertyOptional({
    type: [String],
    description: 'Target keys kept out of the draw (inspected recently…)',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100_000)
  @MaxLength(64, KEY_LIST)
  @IsString(KEY_LIST)
  excludedTargetKeys?: string[];

  @ApiPropertyOptional({ type: [String], description: 'Inspector keys kept out of the draw' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100_000)
  @MaxLength(64, KEY_LIST)
  @IsString(KEY_LIST)
  excludedInspectorKeys?: string[];

  @ApiPropertyOptional({
    example: '中国福利彩票“双色球”2026140期开奖号码',
    description: 'The public value the draw combines with the server’s random bytes; the drawer enters it',
  })
  @IsOptional()
  @Transform(trim)
  @MaxLength(500)
  @IsNotEmpty()
  @IsString()
  publicValueSource?: string;
}

export class PlanQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: PLAN_STATUSES })
  @IsOptional()
  @IsIn(PLAN_STATUSES)
  status?: PlanStatus;
}

export class DrawCreateDto {
  @ApiPropertyOptional({
    example: '03 07 12 19 25 31 + 09',
    description: 'The value the plan’s source published',
  })
  @IsOptional()
  @Transform(trim)
  @MaxLength(200)
  @IsNotEmpty()
  @IsString()
  publicValue?: string;
}

export class RedrawCreateDto {
  @ApiProperty() @MaxLength(64) @IsNotEmpty() @IsString() targetKey: string;
  @ApiProperty({ description: 'The inspector who declined' })
  @MaxLength(64)
  @IsNotEmpty()
  @IsString()
  inspectorKey: string;
  @ApiProperty({ example: '出差无法参加' })
  @Transform(trim)
  @MaxLength(2000)
  @IsNotEmpty()
  @IsString()
  reason: string;
}

/** The case a suspected misconduct opens: these fields of POST /api/v1/cases. */
export class FindingCaseDto extends PickType(CaseCreateDto, [
  'authority',
  'misconductTypes',
  'facts',
  'subjects',
] as const) {}

export class FindingCreateDto {
  @ApiProperty() @MaxLength(64) @IsNotEmpty() @IsString() targetKey: string;

  @ApiProperty({ enum: FINDING_OUTCOMES })
  @IsIn(FINDING_OUTCOMES)
  outcome: FindingOutcome;

  @ApiPropertyOptional()
  @IsOptional()
  @MaxLength(20000)
  @IsString()
  note?: string;

  @ApiPropertyOptional({
    type: FindingCaseDto,
    description: 'Required for SUSPECTED_MISCONDUCT: the case it opens (REPORTED, source RANDOM_INSPECTION)',
  })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => FindingCaseDto)
  case?: FindingCaseDto;
}

// --- answers ---

export class StratumQuotaResponseDto {
  @ApiProperty() stratum: string;
  @ApiProperty({ nullable: true, required: false }) ratioPer10000?: number | null;
  @ApiProperty({ nullable: true, required: false }) count?: number | null;
}

export class DrawParametersDto {
  @ApiProperty({ enum: STRATUM_FIELDS, isArray: true }) stratifyBy: string[];
  @ApiProperty({ nullable: true, description: 'Ratio in parts per 10,000 (0.05 = 500)' })
  ratioPer10000: number | null;
  @ApiProperty({ nullable: true }) count: number | null;
  @ApiProperty({ type: [StratumQuotaResponseDto] }) strata: StratumQuotaResponseDto[];
  @ApiProperty() inspectorsPerTarget: number;
  @ApiProperty({ nullable: true }) maxTargetsPerInspector: number | null;
  @ApiProperty({ type: [String] }) excludedTargetKeys: string[];
  @ApiProperty({ type: [String] }) excludedInspectorKeys: string[];
}

export class StratumCountDto {
  @ApiProperty() stratum: string;
  @ApiProperty() size: number;
  @ApiProperty() count: number;
}

export class DrawnTargetDto {
  @ApiProperty() key: string;
  @ApiProperty() stratum: string;
}

export class AssignmentDto {
  @ApiProperty() targetKey: string;
  @ApiProperty({ type: [String] }) inspectorKeys: string[];
}

export class ExclusionDto {
  @ApiProperty({ enum: EXCLUSION_REASONS }) reason: string;
  @ApiProperty({ nullable: true }) targetKey: string | null;
  @ApiProperty({ nullable: true }) inspectorKey: string | null;
}

export class DrawResultDto {
  @ApiProperty() algorithm: string;
  @ApiProperty({ type: [StratumCountDto] }) strata: StratumCountDto[];
  @ApiProperty({ type: [DrawnTargetDto] }) targets: DrawnTargetDto[];
  @ApiProperty({ type: [AssignmentDto], description: 'As drawn; redraws apply on top' })
  assignments: AssignmentDto[];
  @ApiProperty({ type: [ExclusionDto] }) exclusions: ExclusionDto[];
}

export class PoolReferenceDto {
  @ApiProperty({ format: 'uuid' }) versionId: string;
  @ApiProperty() rows: number;
  @ApiProperty() hash: string;
}

export class RedrawDto {
  @ApiProperty() seq: number;
  @ApiProperty() targetKey: string;
  @ApiProperty({ description: 'Who declined' }) inspectorKey: string;
  @ApiProperty() replacementKey: string;
  @ApiProperty() reason: string;
}

export class DrawDocumentDto {
  @ApiProperty({ example: 'registry-inspection-draw/1' }) format: string;
  @ApiProperty({ format: 'uuid' }) planId: string;
  @ApiProperty({ example: 'registry-draw/1' }) algorithm: string;
  @ApiProperty() drawnAt: string;
  @ApiProperty({ description: 'The day bars were checked on (China)' }) drawDate: string;
  @ApiProperty({ description: '32 random bytes chosen by the server at draw time, hex' })
  serverRandom: string;
  @ApiProperty() publicValue: string;
  @ApiProperty({ description: 'SHA-256(serverRandom ‖ UTF-8 publicValue), hex' }) seed: string;
  @ApiProperty({ type: PoolReferenceDto }) targetPool: PoolReferenceDto;
  @ApiProperty({ type: PoolReferenceDto }) inspectorPool: PoolReferenceDto;
  @ApiProperty({ type: DrawParametersDto }) parameters: DrawParametersDto;
  @ApiProperty({ type: [String] }) barredInspectorKeys: string[];
  @ApiProperty({ type: DrawResultDto }) result: DrawResultDto;
  @ApiProperty({ description: 'SHA-256 of the JCS form of result' }) resultHash: string;
  @ApiProperty({ type: [RedrawDto] }) redraws: RedrawDto[];
}

export class FindingDto {
  @ApiProperty() targetKey: string;
  @ApiProperty({ enum: FINDING_OUTCOMES }) outcome: string;
  @ApiProperty({ nullable: true }) note: string | null;
  @ApiProperty({ format: 'uuid', nullable: true, description: 'The case a suspected misconduct opened' })
  caseId: string | null;
  @ApiProperty() recordedAt: string;
}

export class AssignedInspectorDto {
  @ApiProperty() key: string;
  @ApiProperty() name: string;
  @ApiProperty() organisation: string;
}

export class CurrentAssignmentDto {
  @ApiProperty() targetKey: string;
  @ApiProperty() targetName: string;
  @ApiProperty({ type: [AssignedInspectorDto] }) inspectors: AssignedInspectorDto[];
}

export class PlanResponseDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() title: string;
  @ApiProperty() scope: string;
  @ApiProperty() year: number;
  @ApiProperty({ type: [String] }) items: string[];
  @ApiProperty({ format: 'uuid' }) targetPoolVersionId: string;
  @ApiProperty({ format: 'uuid' }) inspectorPoolVersionId: string;
  @ApiProperty({ type: DrawParametersDto }) parameters: DrawParametersDto;
  @ApiProperty({
    type: [StratumCountDto],
    description: 'The counts the draw will take (allocated at planning)',
  })
  expectedStrata: StratumCountDto[];
  @ApiProperty({ nullable: true }) publicValueSource: string | null;
  @ApiProperty({ enum: PLAN_STATUSES }) status: string;
  @ApiProperty({ format: 'uuid' }) createdBy: string;
  @ApiProperty({
    type: String,
    nullable: true,
    description: "The planner's display name as it is now (null: no user has the id)",
  })
  createdByName: string | null;
  @ApiProperty({ format: 'uuid', nullable: true }) approvedBy: string | null;
  @ApiProperty({ type: String, nullable: true, description: "The approver's display name as it is now" })
  approvedByName: string | null;
  @ApiProperty({ nullable: true }) approvedAt: string | null;
  @ApiProperty({ format: 'uuid', nullable: true }) closedBy: string | null;
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'The display name, as it is now, of who closed the plan',
  })
  closedByName: string | null;
  @ApiProperty({ nullable: true }) closedAt: string | null;
  @ApiProperty() createdAt: string;
  @ApiProperty() version: number;
  @ApiProperty({ type: DrawDocumentDto, nullable: true }) draw: DrawDocumentDto | null;
  @ApiProperty({
    type: [String],
    description: 'The stored REVIEWER_SELECTION checks the draw ran (one per 10,000 inspectors)',
  })
  screeningCheckIds: string[];
  @ApiProperty({ type: [CurrentAssignmentDto], description: 'After redraws' })
  assignments: CurrentAssignmentDto[];
  @ApiProperty({ type: [FindingDto] }) findings: FindingDto[];
}

export class PlanSummaryDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() title: string;
  @ApiProperty() year: number;
  @ApiProperty({ enum: PLAN_STATUSES }) status: string;
  @ApiProperty() createdAt: string;
}

export class PlanPageDto {
  @ApiProperty({ type: [PlanSummaryDto] }) items: PlanSummaryDto[];
  @ApiProperty() total: number;
  @ApiProperty() page: number;
  @ApiProperty() pageSize: number;
}

// --- public ---

export class PublicInspectionQueryDto extends PageQueryDto {}

export class PublicInspectionSummaryDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() title: string;
  @ApiProperty() scope: string;
  @ApiProperty() year: number;
  @ApiProperty() closedAt: string;
}

export class PublicInspectionPageDto {
  @ApiProperty({ type: [PublicInspectionSummaryDto] }) items: PublicInspectionSummaryDto[];
  @ApiProperty() total: number;
  @ApiProperty() page: number;
  @ApiProperty() pageSize: number;
}

export class PublicTargetDto {
  @ApiProperty() key: string;
  @ApiProperty({ enum: TARGET_KINDS }) kind: string;
  @ApiProperty() name: string;
  @ApiProperty() organisation: string;
  @ApiProperty() organisationKey: string;
  @ApiProperty({ nullable: true, description: 'Organisations’ codes are public' }) uscc: string | null;
  @ApiProperty() district: string;
  @ApiProperty() category: string;
  @ApiProperty({ nullable: true, description: 'Masked: 张**' }) principalInvestigator: string | null;
}

export class PublicInspectorDto {
  @ApiProperty() key: string;
  @ApiProperty({ description: 'Masked: 张**' }) name: string;
  @ApiProperty() organisation: string;
  @ApiProperty() organisationKey: string;
  @ApiProperty() field: string;
  @ApiProperty({ type: [String] }) conflictKeys: string[];
}

export class PublicAssignmentDto {
  @ApiProperty() targetKey: string;
  @ApiProperty({ type: [PublicInspectorDto] }) inspectors: PublicInspectorDto[];
}

export class PublicFindingDto {
  @ApiProperty() targetKey: string;
  @ApiProperty({ enum: FINDING_OUTCOMES }) outcome: string;
  @ApiProperty({ description: 'Whether a case was opened (its details are not public here)' })
  caseOpened: boolean;
}

export class PublicInspectionDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() title: string;
  @ApiProperty() scope: string;
  @ApiProperty() year: number;
  @ApiProperty({ type: [String] }) items: string[];
  @ApiProperty({ nullable: true }) publicValueSource: string | null;
  @ApiProperty() closedAt: string;
  @ApiProperty({ type: DrawDocumentDto, description: 'What draw:verify replays, with the two pool exports' })
  draw: DrawDocumentDto;
  @ApiProperty({ type: [PublicTargetDto], description: 'The drawn targets' }) targets: PublicTargetDto[];
  @ApiProperty({ type: [PublicAssignmentDto], description: 'After redraws' })
  assignments: PublicAssignmentDto[];
  @ApiProperty({ type: [PublicFindingDto] }) findings: PublicFindingDto[];
}

export class PublicTargetPoolDto {
  @ApiProperty({ example: 'registry-inspection-pool/1' }) format: string;
  @ApiProperty({ format: 'uuid' }) versionId: string;
  @ApiProperty({ enum: ['TARGET'] }) kind: string;
  @ApiProperty() hash: string;
  @ApiProperty({ type: [PublicTargetDto] }) rows: PublicTargetDto[];
}

export class PublicInspectorPoolDto {
  @ApiProperty({ example: 'registry-inspection-pool/1' }) format: string;
  @ApiProperty({ format: 'uuid' }) versionId: string;
  @ApiProperty({ enum: ['INSPECTOR'] }) kind: string;
  @ApiProperty() hash: string;
  @ApiProperty({ type: [PublicInspectorDto] }) rows: PublicInspectorDto[];
}
