import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { nullAs, toNumber } from '../common/transforms';
import {
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUrl,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import { CHANGE_ENTITY_TYPES, ChangeEntityType } from '../changes/change-notes';
import type { WebhookAttemptRow, WebhookDeliveryRow, WebhookEndpointRow } from './webhooks.repository';

/** Longest grace period of a rotated secret: a week. */
export const MAX_SECRET_GRACE_SECONDS = 7 * 86_400;
const DELIVERY_STATUSES = ['PENDING', 'DELIVERED', 'DEAD'] as const;

export class WebhookCreateDto {
  @ApiProperty({ example: 'https://credit.example.gov.cn/hooks/registry', description: 'http or https URL' })
  @IsString()
  @MaxLength(2000)
  @IsUrl(
    { protocols: ['http', 'https'], require_protocol: true, require_tld: false },
    { message: 'url must be an http or https URL' },
  )
  url: string;

  @ApiProperty({
    enum: CHANGE_ENTITY_TYPES,
    isArray: true,
    description: 'The kinds of change-feed entity whose changes the endpoint receives',
  })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayUnique()
  @IsIn(CHANGE_ENTITY_TYPES, { each: true })
  eventTypes: ChangeEntityType[];

  @ApiPropertyOptional({ type: String, example: 'Provincial credit platform', default: '' })
  @Transform(nullAs(''))
  @IsOptional()
  @IsString()
  @MaxLength(500)
  description: string = '';
}

export class WebhookRotateSecretDto {
  @ApiPropertyOptional({
    type: Number,
    default: 86_400,
    minimum: 0,
    maximum: MAX_SECRET_GRACE_SECONDS,
    description: 'How long the previous secret keeps signing too (a second `v1=`); 0 ends it at once',
  })
  @IsOptional()
  @Transform(toNumber)
  @IsInt()
  @Min(0)
  @Max(MAX_SECRET_GRACE_SECONDS)
  graceSeconds = 86_400;
}

export class WebhookResponseDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() url: string;
  @ApiProperty() description: string;
  @ApiProperty({ enum: CHANGE_ENTITY_TYPES, isArray: true }) eventTypes: ChangeEntityType[];
  @ApiProperty() enabled: boolean;
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Until when the previous secret also signs, after a rotation with a grace period',
  })
  previousSecretValidUntil: string | null;
  @ApiProperty() createdAt: string;
  @ApiProperty() updatedAt: string;

  static from(e: WebhookEndpointRow): WebhookResponseDto {
    const until = e.previousSecretUntil && new Date(e.previousSecretUntil);
    return {
      id: e.id,
      url: e.url,
      description: e.description,
      eventTypes: e.eventTypes,
      enabled: e.enabled,
      previousSecretValidUntil: until && until.getTime() > Date.now() ? until.toISOString() : null,
      createdAt: new Date(e.createdAt).toISOString(),
      updatedAt: new Date(e.updatedAt).toISOString(),
    };
  }
}

export class WebhookSecretResponseDto extends WebhookResponseDto {
  @ApiProperty({
    description: 'The HMAC-SHA256 signing secret: shown this once only, store it now',
    example: 'whsec_3q2-7wAbCdEf…',
  })
  secret: string;
}

export class WebhookDeliveryQueryDto {
  @ApiPropertyOptional({ enum: DELIVERY_STATUSES })
  @IsOptional()
  @IsIn(DELIVERY_STATUSES)
  status?: (typeof DELIVERY_STATUSES)[number];

  @ApiPropertyOptional({ type: Number, default: 50, minimum: 1, maximum: 500 })
  @IsOptional()
  @Transform(toNumber)
  @IsInt()
  @Min(1)
  @Max(500)
  limit = 50;
}

export class WebhookAttemptDto {
  @ApiProperty() attemptedAt: string;
  @ApiProperty({ type: Number, nullable: true, description: 'The HTTP status answered, if any' })
  statusCode: number | null;
  @ApiProperty({ type: String, nullable: true, description: 'Why it failed (null when it succeeded)' })
  error: string | null;
  @ApiProperty() durationMs: number;

  static from(a: WebhookAttemptRow): WebhookAttemptDto {
    return { ...a, attemptedAt: new Date(a.attemptedAt).toISOString() };
  }
}

export class WebhookDeliveryDto {
  @ApiProperty({ format: 'uuid', description: 'The event id sent (X-Registry-Event-Id)' }) id: string;
  @ApiProperty({ description: 'The change-feed cursor of the change it carries' }) cursor: string;
  @ApiProperty({ enum: CHANGE_ENTITY_TYPES }) entityType: ChangeEntityType;
  @ApiProperty({ format: 'uuid' }) entityId: string;
  @ApiProperty({ enum: DELIVERY_STATUSES }) status: string;
  @ApiProperty() attempts: number;
  @ApiProperty({ type: String, nullable: true, description: 'When a PENDING delivery is next tried' })
  nextAttemptAt: string | null;
  @ApiProperty({ type: String, nullable: true }) lastAttemptAt: string | null;
  @ApiProperty({ type: Number, nullable: true }) lastStatusCode: number | null;
  @ApiProperty({ type: String, nullable: true }) lastError: string | null;
  @ApiProperty({ type: String, nullable: true }) deliveredAt: string | null;
  @ApiProperty() createdAt: string;
  @ApiProperty({
    type: [WebhookAttemptDto],
    description: 'Every attempt since it was last queued, oldest first',
  })
  attemptLog: WebhookAttemptDto[];

  static from(d: WebhookDeliveryRow): WebhookDeliveryDto {
    const iso = (v: Date | null) => (v ? new Date(v).toISOString() : null);
    return {
      id: d.id,
      cursor: d.cursor,
      entityType: d.entityType,
      entityId: d.entityId,
      status: d.status,
      attempts: d.attempts,
      nextAttemptAt: iso(d.nextAttemptAt),
      lastAttemptAt: iso(d.lastAttemptAt),
      lastStatusCode: d.lastStatusCode,
      lastError: d.lastError,
      deliveredAt: iso(d.deliveredAt),
      createdAt: new Date(d.createdAt).toISOString(),
      attemptLog: d.attemptLog.map(WebhookAttemptDto.from),
    };
  }
}
