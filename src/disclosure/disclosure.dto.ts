import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import { PageQueryDto } from '../common/pagination';
import { IDENTIFIER_TYPES } from '../identifiers/identifiers';
import { ApplicantIdentifierDto } from '../screening/screening.dto';
import { PUBLIC_LIST_TYPES, PublicListType } from './public-entry';

export class PublicEntryFilterDto {
  @ApiPropertyOptional({ enum: PUBLIC_LIST_TYPES })
  @IsOptional()
  @IsIn(PUBLIC_LIST_TYPES)
  listType?: PublicListType;

  @ApiPropertyOptional({ description: 'Part of the name or the organisation' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  text?: string;

  @ApiPropertyOptional({ description: 'Part of the deciding authority' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  authority?: string;
}

export class PublicEntryQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: PUBLIC_LIST_TYPES })
  @IsOptional()
  @IsIn(PUBLIC_LIST_TYPES)
  listType?: PublicListType;

  @ApiPropertyOptional({ description: 'Part of the name or the organisation' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  text?: string;

  @ApiPropertyOptional({ description: 'Part of the deciding authority' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  authority?: string;
}

export class PublicEntryExportQueryDto extends PublicEntryFilterDto {
  @ApiPropertyOptional({ enum: ['csv', 'json'], default: 'json' })
  @IsOptional()
  @IsIn(['csv', 'json'])
  format: 'csv' | 'json' = 'json';
}

export class PublicIdentifierDto {
  @ApiProperty({ enum: IDENTIFIER_TYPES }) type: string;
  @ApiProperty({ type: String, nullable: true, example: null }) issuingCountry: string | null;
  @ApiProperty({
    example: '110105********002X',
    description: 'A resident ID keeps its first 6 and last 4; a USCC is shown in full',
  })
  masked: string;
}

export class PublicEntryDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ enum: PUBLIC_LIST_TYPES }) listType: PublicListType;
  @ApiProperty({ enum: ['NATURAL_PERSON', 'LEGAL_PERSON', 'UNINCORPORATED_ORG'] }) subjectKind: string;
  @ApiProperty({ example: '张三' }) name: string;
  @ApiProperty({ type: String, nullable: true }) organisation: string | null;
  @ApiProperty({ type: [PublicIdentifierDto] }) identifiers: PublicIdentifierDto[];
  @ApiProperty({ type: String, nullable: true, example: '某省科学技术厅' }) authority: string | null;
  @ApiProperty({
    type: String,
    nullable: true,
    example: '泉科〔2020〕34号',
    description: 'The decision document number (文号), or a RED designation document',
  })
  decisionNumber: string | null;
  @ApiProperty({ type: String, nullable: true, format: 'date' }) decisionDate: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'The legal basis the decision states' })
  legalBasis: string | null;
  @ApiProperty({ type: [String] }) misconductTypes: string[];
  @ApiProperty({ format: 'date' }) effectiveFrom: string;
  @ApiProperty({ type: String, nullable: true, format: 'date' }) effectiveTo: string | null;
  @ApiProperty({
    type: String,
    nullable: true,
    format: 'date',
    description: 'The last day a BLACK entry is shown (its publicity term); null for RED',
  })
  publicUntil: string | null;
}

export class PublicEntryPageDto {
  @ApiProperty({ type: [PublicEntryDto] }) items: PublicEntryDto[];
  @ApiProperty() total: number;
  @ApiProperty() page: number;
  @ApiProperty() pageSize: number;
  @ApiProperty({ format: 'date', description: 'The day (China) the view is computed for' }) asOf: string;
}

export class PublicVerifyDto extends ApplicantIdentifierDto {}

export class PublicVerifyResponseDto {
  @ApiProperty({ description: 'Whether a subject with exactly this identifier is on a public list today' })
  listed: boolean;
  @ApiProperty({ enum: PUBLIC_LIST_TYPES, isArray: true, description: 'Which public lists' })
  lists: PublicListType[];
}
