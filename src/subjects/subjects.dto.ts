import { trim, trimName, trimNames, upper } from '../common/transforms';
import { applyDecorators } from '@nestjs/common';
import { PageQueryDto } from '../common/pagination';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsIn,
  IsNotEmpty,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  ValidateNested,
} from 'class-validator';
import { IDENTIFIER_TYPES, IdentifierType } from '../identifiers/identifiers';
import { HasLetterOrDigit } from './name-key';
import { SubjectRow } from './subjects.repository';
import { SubjectKind } from './subjects.types';

/**
 * An optional list of up to 20 names (former names, aliases), each without format characters,
 * trimmed, non-empty, ≤ 200 characters, with a letter or a digit.
 */
const IsNameList = () =>
  applyDecorators(
    IsOptional(),
    Transform(trimNames),
    IsArray(),
    ArrayMaxSize(20),
    IsString({ each: true }),
    IsNotEmpty({ each: true }),
    MaxLength(200, { each: true }),
    HasLetterOrDigit({ each: true }),
  );

export class IdentifierInputDto {
  @ApiProperty({ enum: IDENTIFIER_TYPES })
  @IsIn(IDENTIFIER_TYPES)
  type: IdentifierType;

  @ApiProperty({
    example: '11010519491231002X',
    description: 'Checked by its checksum; 15-digit IDs become 18',
  })
  @IsString()
  @IsNotEmpty()
  @MaxLength(64)
  value: string;

  @ApiPropertyOptional({
    example: 'US',
    description: 'ISO 3166 code of the issuing country: passports and other IDs',
  })
  @IsOptional()
  @Transform(upper)
  @Matches(/^[A-Z]{2,3}$/, { message: 'issuingCountry must be an ISO 3166 alpha-2 or alpha-3 code' })
  issuingCountry?: string;
}

export class SubjectCreateDto {
  @ApiProperty({ enum: Object.values(SubjectKind) })
  @IsIn(Object.values(SubjectKind))
  kind: SubjectKind;

  @ApiProperty({
    example: '张某某',
    description: 'Invisible format characters (zero-width spaces…) are removed',
  })
  @Transform(trimName)
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  @HasLetterOrDigit()
  name: string;

  @ApiPropertyOptional({ type: [String], description: '曾用名' })
  @IsNameList()
  formerNames?: string[];

  @ApiPropertyOptional({ type: [String] })
  @IsNameList()
  aliases?: string[];

  @ApiPropertyOptional({ example: '某某大学', description: 'Organisation or affiliation of a person' })
  @IsOptional()
  @Transform(trimName)
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  organisation?: string;

  @ApiPropertyOptional({
    type: [IdentifierInputDto],
    description: 'May be empty: then the subject only ever matches as a possible match',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(10)
  @ValidateNested({ each: true })
  @Type(() => IdentifierInputDto)
  identifiers?: IdentifierInputDto[];
}

export class SubjectUpdateDto {
  @ApiPropertyOptional()
  @IsOptional()
  @Transform(trimName)
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  @HasLetterOrDigit()
  name?: string;

  @ApiPropertyOptional({ type: [String] })
  @IsNameList()
  formerNames?: string[];

  @ApiPropertyOptional({ type: [String] })
  @IsNameList()
  aliases?: string[];

  @ApiPropertyOptional({ nullable: true })
  @IsOptional()
  @Transform(trimName)
  @IsString()
  @MaxLength(200)
  organisation?: string | null;
}

export class SubjectSearchDto extends PageQueryDto {
  @ApiPropertyOptional({
    type: IdentifierInputDto,
    description: 'Exact match (sent in the body, never in a URL)',
  })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => IdentifierInputDto)
  identifier?: IdentifierInputDto;

  @ApiPropertyOptional({
    description:
      'Current, former or alias name; width, punctuation and invisible characters do not matter, but it ' +
      'needs a letter or a digit (a criterion of punctuation alone would match every subject)',
  })
  @IsOptional()
  @Transform(trimName)
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  @HasLetterOrDigit()
  name?: string;

  @ApiPropertyOptional({ description: 'As `name`: it needs a letter or a digit' })
  @IsOptional()
  @Transform(trimName)
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  @HasLetterOrDigit()
  organisation?: string;

  @ApiPropertyOptional({ enum: Object.values(SubjectKind) })
  @IsOptional()
  @IsIn(Object.values(SubjectKind))
  kind?: SubjectKind;
}

export class RevealQueryDto {
  @ApiProperty({ description: 'Why you need the full numbers: written to the audit trail' })
  @IsString()
  @Transform(trim)
  @IsNotEmpty()
  @MaxLength(500)
  purpose: string;
}

export class SubjectIdentifierDto {
  @ApiProperty() id: string;
  @ApiProperty({ enum: IDENTIFIER_TYPES }) type: IdentifierType;
  @ApiProperty({ description: 'Empty for Chinese identifiers' }) issuingCountry: string;
  @ApiProperty({ example: '110105********002X' }) masked: string;
}

export class SubjectRevealedIdentifierDto extends SubjectIdentifierDto {
  @ApiProperty({ example: '11010519491231002X' }) value: string;
}

export class SubjectResponseDto {
  @ApiProperty() id: string;
  @ApiProperty({ enum: Object.values(SubjectKind) }) kind: SubjectKind;
  @ApiProperty() name: string;
  @ApiProperty({ type: [String] }) formerNames: string[];
  @ApiProperty({ type: [String] }) aliases: string[];
  @ApiProperty({ nullable: true }) organisation: string | null;
  @ApiProperty({ type: [SubjectIdentifierDto] }) identifiers: SubjectIdentifierDto[];
  @ApiProperty() createdAt: string;
  @ApiProperty() updatedAt: string;
  @ApiProperty({ description: 'Send as If-Match to update only the version you read' }) version: number;

  static from(row: SubjectRow): SubjectResponseDto {
    return {
      id: row.id,
      kind: row.kind,
      name: row.name,
      formerNames: row.formerNames,
      aliases: row.aliases,
      organisation: row.organisation,
      identifiers: row.identifiers,
      createdAt: new Date(row.createdAt).toISOString(),
      updatedAt: new Date(row.updatedAt).toISOString(),
      version: row.version,
    };
  }
}

export class SubjectSearchResultDto extends SubjectResponseDto {
  @ApiProperty({ description: 'How closely the names match (0–2); 0 without a name criterion' })
  score: number;
}

export class SubjectPageDto {
  @ApiProperty({ type: [SubjectSearchResultDto] }) items: SubjectSearchResultDto[];
  @ApiProperty() total: number;
  @ApiProperty() page: number;
  @ApiProperty() pageSize: number;
}
