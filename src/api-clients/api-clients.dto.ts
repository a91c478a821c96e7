import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import {
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsEnum,
  IsOptional,
  IsString,
  MaxLength,
  MinLength,
} from 'class-validator';
import { Scope } from '../auth/principal';
import { ApiClientEntity } from './api-client.entity';

export class ApiClientCreateDto {
  @ApiProperty({ example: 'provincial-funding-system' })
  @IsString()
  @MinLength(3)
  @MaxLength(100)
  name: string;

  @ApiProperty({ enum: Scope, isArray: true })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayUnique()
  @IsEnum(Scope, { each: true })
  scopes: Scope[];
}

export class ApiClientQueryDto {
  @ApiPropertyOptional({ type: Boolean, default: false })
  @IsOptional()
  @Transform(({ value }) => (value === 'true' ? true : value === 'false' ? false : value))
  @IsBoolean()
  includeRevoked = false;
}

export class ApiClientResponseDto {
  @ApiProperty() id: string;
  @ApiProperty() name: string;
  @ApiProperty({ enum: Scope, isArray: true }) scopes: Scope[];
  @ApiProperty({ description: 'First characters of the key, to tell keys apart' }) keyPrefix: string;
  @ApiProperty() createdAt: string;
  @ApiProperty({ nullable: true }) createdBy: string | null;
  @ApiProperty({ nullable: true }) revokedAt: string | null;
  @ApiProperty({ nullable: true }) lastUsedAt: string | null;

  static from(c: ApiClientEntity): ApiClientResponseDto {
    return {
      id: c.id,
      name: c.name,
      scopes: c.scopes,
      keyPrefix: c.keyPrefix,
      createdAt: c.createdAt.toISOString(),
      createdBy: c.createdBy,
      revokedAt: c.revokedAt?.toISOString() ?? null,
      lastUsedAt: c.lastUsedAt?.toISOString() ?? null,
    };
  }
}

export class ApiClientCreatedDto extends ApiClientResponseDto {
  @ApiProperty({
    description: 'The key, shown this once only: send it as `Authorization: Bearer <key>` or `X-Api-Key`',
  })
  key: string;
}
