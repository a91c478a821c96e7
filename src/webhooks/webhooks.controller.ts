import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Access, Ctx } from '../auth/access.decorators';
import { Role } from '../auth/principal';
import type { RequestContext } from '../common/request-context';
import { UuidParam } from '../common/uuid-param';
import {
  WebhookCreateDto,
  WebhookDeliveryDto,
  WebhookDeliveryQueryDto,
  WebhookResponseDto,
  WebhookRotateSecretDto,
  WebhookSecretResponseDto,
} from './webhooks.dto';
import { WebhooksService } from './webhooks.service';

@ApiTags('webhooks')
@Controller('webhooks')
@Access({ roles: [Role.ADMIN] })
export class WebhooksController {
  constructor(private readonly webhooks: WebhooksService) {}

  @Post()
  @ApiOperation({
    summary: 'Register a webhook endpoint; the answer holds its signing secret, shown this once only',
    description: 'Every change of the chosen entity types is POSTed to it, signed (docs/integration.md).',
  })
  @ApiCreatedResponse({ type: WebhookSecretResponseDto })
  async createWebhook(
    @Ctx() ctx: RequestContext,
    @Body() body: WebhookCreateDto,
  ): Promise<WebhookSecretResponseDto> {
    const { endpoint, secret } = await this.webhooks.create(ctx, body);
    return { ...WebhookResponseDto.from(endpoint), secret };
  }

  @Get()
  @ApiOperation({ summary: 'Webhook endpoints (without secrets)' })
  @ApiOkResponse({ type: [WebhookResponseDto] })
  async getWebhooks(): Promise<WebhookResponseDto[]> {
    return (await this.webhooks.list()).map(WebhookResponseDto.from);
  }

  @Get(':id')
  @ApiOperation({ summary: 'One webhook endpoint (without its secret)' })
  @ApiOkResponse({ type: WebhookResponseDto })
  async getWebhook(@Param('id', UuidParam) id: string): Promise<WebhookResponseDto> {
    return WebhookResponseDto.from(await this.webhooks.get(id));
  }

  @Post(':id/rotate-secret')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Give a webhook endpoint a new secret, shown this once only',
    description: 'The previous secret keeps signing too (a second `v1=` signature) for `graceSeconds`.',
  })
  @ApiOkResponse({ type: WebhookSecretResponseDto })
  async rotateWebhookSecret(
    @Ctx() ctx: RequestContext,
    @Param('id', UuidParam) id: string,
    @Body() body: WebhookRotateSecretDto,
  ): Promise<WebhookSecretResponseDto> {
    const { endpoint, secret } = await this.webhooks.rotateSecret(ctx, id, body.graceSeconds);
    return { ...WebhookResponseDto.from(endpoint), secret };
  }

  @Post(':id/disable')
  @HttpCode(200)
  @ApiOperation({ summary: 'Stop deliveries to a webhook endpoint; pending ones wait until it is enabled' })
  @ApiOkResponse({ type: WebhookResponseDto })
  async disableWebhook(
    @Ctx() ctx: RequestContext,
    @Param('id', UuidParam) id: string,
  ): Promise<WebhookResponseDto> {
    return WebhookResponseDto.from(await this.webhooks.setEnabled(ctx, id, false));
  }

  @Post(':id/enable')
  @HttpCode(200)
  @ApiOperation({ summary: 'Resume deliveries to a webhook endpoint' })
  @ApiOkResponse({ type: WebhookResponseDto })
  async enableWebhook(
    @Ctx() ctx: RequestContext,
    @Param('id', UuidParam) id: string,
  ): Promise<WebhookResponseDto> {
    return WebhookResponseDto.from(await this.webhooks.setEnabled(ctx, id, true));
  }

  @Get(':id/deliveries')
  @ApiOperation({ summary: "A webhook endpoint's deliveries, newest change first, with every attempt" })
  @ApiOkResponse({ type: [WebhookDeliveryDto] })
  async getWebhookDeliveries(
    @Param('id', UuidParam) id: string,
    @Query() q: WebhookDeliveryQueryDto,
  ): Promise<WebhookDeliveryDto[]> {
    return (await this.webhooks.deliveries(id, q.limit, q.status)).map(WebhookDeliveryDto.from);
  }

  @Post(':id/deliveries/:deliveryId/redeliver')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Send a delivery again from its first attempt (a dead letter, or one the receiver lost)',
    description: 'It keeps its event id, so a receiver that already has it can ignore it.',
  })
  @ApiOkResponse({ type: WebhookDeliveryDto })
  async redeliverWebhookDelivery(
    @Ctx() ctx: RequestContext,
    @Param('id', UuidParam) id: string,
    @Param('deliveryId', UuidParam) deliveryId: string,
  ): Promise<WebhookDeliveryDto> {
    return WebhookDeliveryDto.from(await this.webhooks.redeliver(ctx, id, deliveryId));
  }
}
