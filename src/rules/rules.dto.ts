import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { plainToInstance, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsDefined,
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateIf,
  ValidateNested,
  ValidationOptions,
  registerDecorator,
  validateSync,
} from 'class-validator';
import { ErrorDetail } from '../common/errors/app-error';
import { flattenValidationErrors } from '../common/errors/validation';
import {
  isIsoDate,
  MEASURE_TIMINGS,
  MeasureTiming,
  PUBLICITY_CLASSES,
  PublicityClass,
  RULE_CODE_PATTERN,
  RuleData,
  SEVERITIES,
  Severity,
} from './rules';

/*
 * class-validator runs a property's decorators bottom-up and, with stopAtFirstError (as the global
 * pipe and validateRuleDataShape use it), reports the first that fails. So the basic check (a number,
 * a string, a list) sits last, just above the property, and a missing or mistyped value is reported
 * as such rather than as "must not be greater than 1200".
 */

const CODE_MESSAGE = (field: string) =>
  `${field} must be 2-40 characters: an upper-case letter, then A-Z, 0-9 or underscore`;

/** A calendar date written `YYYY-MM-DD` that exists (not 2026-02-30). */
export function IsCalendarDate(options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isCalendarDate',
      target: target.constructor,
      propertyName: String(propertyName),
      options: { message: `${String(propertyName)} must be a date YYYY-MM-DD`, ...options },
      validator: { validate: (value: unknown) => isIsoDate(value) },
    });
}

const months = (description: string) => ({ minimum: 0, maximum: 1200, description });

export class ReviewDomainRuleDto {
  @ApiProperty({ example: 'PROJECT_FUNDING', pattern: RULE_CODE_PATTERN.source })
  @Matches(RULE_CODE_PATTERN, { message: CODE_MESSAGE('code') })
  code: string;

  @ApiProperty({ example: '科研计划项目补助/立项' })
  @MaxLength(200)
  @MinLength(1)
  @IsString()
  label: string;

  @ApiProperty({ description: 'What a bar means in this domain' })
  @MaxLength(2000)
  @IsString()
  description: string;
}

export class MeasureTypeRuleDto {
  @ApiProperty({ example: 'BAN_FUNDED_ACTIVITY', pattern: RULE_CODE_PATTERN.source })
  @Matches(RULE_CODE_PATTERN, { message: CODE_MESSAGE('code') })
  code: string;

  @ApiProperty({ example: '一定期限禁止承担或参与财政性资金支持的科技活动' })
  @MaxLength(200)
  @MinLength(1)
  @IsString()
  label: string;

  @ApiProperty({ enum: MEASURE_TIMINGS })
  @IsIn(MEASURE_TIMINGS)
  timing: MeasureTiming;

  @ApiProperty({ description: 'A bar keeps the subject out of the review domains the measure names' })
  @IsBoolean()
  isBar: boolean;

  @ApiProperty({ type: [String], description: 'Review domains a bar of this type may name; [] if not a bar' })
  @Matches(RULE_CODE_PATTERN, { each: true, message: CODE_MESSAGE('each domain') })
  @ArrayMaxSize(100)
  @IsArray()
  allowedDomains: string[];

  @ApiPropertyOptional({
    enum: ['BLACK'],
    description: 'A measure of this type puts the subject on this list',
  })
  @IsOptional()
  @IsIn(['BLACK'])
  putsOnList?: 'BLACK';
}

export class SeverityBandDto {
  @ApiProperty({ example: 'R2022', pattern: RULE_CODE_PATTERN.source })
  @Matches(RULE_CODE_PATTERN, { message: CODE_MESSAGE('scheme') })
  scheme: string;

  @ApiProperty({ enum: SEVERITIES })
  @IsIn(SEVERITIES)
  severity: Severity;

  @ApiProperty(months('Shortest fixed term, months'))
  @Max(1200)
  @Min(0)
  @IsInt()
  minMonths: number;

  @ApiProperty({
    ...months('Longest fixed term, months; null: no upper limit; 0 with lifetime: lifetime only'),
    type: Number,
    nullable: true,
  })
  @ValidateIf((band: SeverityBandDto) => band.maxMonths !== null)
  @Max(1200)
  @Min(0)
  @IsInt()
  maxMonths: number | null;

  @ApiProperty({ description: 'A lifetime term is allowed too' })
  @IsBoolean()
  lifetime: boolean;
}

export class PublicitySeverityClassDto implements Record<Severity, PublicityClass> {
  @ApiProperty({ enum: PUBLICITY_CLASSES }) @IsIn(PUBLICITY_CLASSES) MINOR: PublicityClass;
  @ApiProperty({ enum: PUBLICITY_CLASSES }) @IsIn(PUBLICITY_CLASSES) SERIOUS: PublicityClass;
  @ApiProperty({ enum: PUBLICITY_CLASSES }) @IsIn(PUBLICITY_CLASSES) SEVERE: PublicityClass;
  @ApiProperty({ enum: PUBLICITY_CLASSES }) @IsIn(PUBLICITY_CLASSES) ESPECIALLY_SEVERE: PublicityClass;
}

export class PublicityPeriodDto {
  @ApiProperty(months('Publication before credit repair may be granted'))
  @Max(1200)
  @Min(0)
  @IsInt()
  minMonths: number;

  @ApiProperty(months('Publication stops at the latest after this long'))
  @Max(1200)
  @Min(0)
  @IsInt()
  maxMonths: number;
}

export class PublicityPeriodsDto {
  @ApiProperty({ type: PublicityPeriodDto })
  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => PublicityPeriodDto)
  GENERAL: PublicityPeriodDto;

  @ApiProperty({ type: PublicityPeriodDto })
  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => PublicityPeriodDto)
  SERIOUS: PublicityPeriodDto;
}

export class PublicityRulesDto {
  @ApiProperty({ type: PublicitySeverityClassDto })
  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => PublicitySeverityClassDto)
  severityClass: PublicitySeverityClassDto;

  @ApiProperty({ type: PublicityPeriodsDto })
  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => PublicityPeriodsDto)
  periods: PublicityPeriodsDto;
}

export class ProcedureRulesDto {
  @ApiProperty({ example: 6 }) @Max(120) @Min(1) @IsInt() investigationMonths: number;
  @ApiProperty({ example: 6 }) @Max(120) @Min(0) @IsInt() investigationExtensionMonths: number;
  @ApiProperty({ example: 15 }) @Max(365) @Min(1) @IsInt() reviewRequestWorkingDays: number;
  @ApiProperty({ example: 90 }) @Max(3650) @Min(1) @IsInt() reviewDecisionWorkingDays: number;
  @ApiProperty({ example: 15 }) @Max(365) @Min(1) @IsInt() appealWorkingDays: number;
}

/** The shape of rule data; the cross-checks between its parts are validateRuleData's. */
export class RuleDataDto implements RuleData {
  @ApiProperty({ type: [ReviewDomainRuleDto] })
  @ValidateNested({ each: true })
  @Type(() => ReviewDomainRuleDto)
  @ArrayMaxSize(100)
  @ArrayMinSize(1)
  @IsArray()
  reviewDomains: ReviewDomainRuleDto[];

  @ApiProperty({ type: [MeasureTypeRuleDto] })
  @ValidateNested({ each: true })
  @Type(() => MeasureTypeRuleDto)
  @ArrayMaxSize(200)
  @ArrayMinSize(1)
  @IsArray()
  measureTypes: MeasureTypeRuleDto[];

  @ApiProperty({ type: [String], description: 'Review domains a BLACK list entry bars (joint punishment)' })
  @Matches(RULE_CODE_PATTERN, { each: true, message: CODE_MESSAGE('each domain') })
  @ArrayMaxSize(100)
  @IsArray()
  blackListBarredDomains: string[];

  @ApiProperty({ type: [SeverityBandDto] })
  @ValidateNested({ each: true })
  @Type(() => SeverityBandDto)
  @ArrayMaxSize(200)
  @IsArray()
  severityBands: SeverityBandDto[];

  @ApiProperty({ type: PublicityRulesDto })
  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => PublicityRulesDto)
  publicity: PublicityRulesDto;

  @ApiProperty({ example: 7, description: 'A RED candidate is published this long before activation' })
  @Max(365)
  @Min(1)
  @IsInt()
  redObjectionPeriodDays: number;

  @ApiProperty({ example: 5 })
  @Max(365)
  @Min(1)
  @IsInt()
  objectionHandlingWorkingDays: number;

  @ApiProperty({ example: 5, description: 'Public disclosure at most this long from the end of the conduct' })
  @Max(100)
  @Min(1)
  @IsInt()
  disclosureMaxYears: number;

  @ApiProperty({ type: ProcedureRulesDto })
  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => ProcedureRulesDto)
  procedure: ProcedureRulesDto;
}

/**
 * The DTO checks of rule data given as plain JSON, with the global pipe's options: one detail per
 * offending field, dotted paths relative to the rule data. [] when the shape is right.
 */
export function validateRuleDataShape(value: unknown): ErrorDetail[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return [{ field: '', code: 'IS_OBJECT', message: 'rule data must be an object' }];
  }
  const errors = validateSync(plainToInstance(RuleDataDto, value), {
    whitelist: true,
    forbidNonWhitelisted: true,
    stopAtFirstError: true,
  });
  return flattenValidationErrors(errors);
}

export class RuleSetCreateDto {
  @ApiProperty({ example: '2026-07-01', description: 'In force from this date (not before 2000-01-01)' })
  @IsCalendarDate()
  effectiveFrom: string;

  @ApiProperty({ type: RuleDataDto })
  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => RuleDataDto)
  data: RuleDataDto;

  @ApiPropertyOptional({ example: 'Provincial variation: objections decided in 3 working days' })
  @IsOptional()
  @MaxLength(2000)
  @IsString()
  note?: string;
}

export class RuleSetCurrentQueryDto {
  @ApiPropertyOptional({
    example: '2026-04-01',
    description: 'The date to answer for; default today (Beijing)',
  })
  @IsOptional()
  @IsCalendarDate()
  date?: string;
}

export class RuleSetSummaryDto {
  @ApiProperty() version: number;
  @ApiProperty({ example: '2000-01-01' }) effectiveFrom: string;
  @ApiProperty({ nullable: true, type: String }) note: string | null;
  @ApiProperty() createdAt: string;
}

export class RuleSetResponseDto extends RuleSetSummaryDto {
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'The user who created it; null for seeded versions',
  })
  createdBy: string | null;

  @ApiProperty({ type: RuleDataDto }) data: RuleDataDto;
}
