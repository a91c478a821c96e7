import { Injectable } from '@nestjs/common';
import { AuditService } from '../audit/audit.service';
import { ChangeEntityType } from '../changes/change-notes';
import { AppError } from '../common/errors/app-error';
import type { RequestContext } from '../common/request-context';
import { Transactions } from '../database/transactions';
import { PersonalDataProtector } from '../personal-data/personal-data.protector';
import { generateWebhookSecret } from './webhook-signature';
import {
  WebhookDeliveryRow,
  WebhookDeliveryStatus,
  WebhookEndpointRow,
  WebhooksRepository,
} from './webhooks.repository';

export enum WebhookErrorCode {
  WEBHOOK_NOT_FOUND = 'WEBHOOK_NOT_FOUND',
  WEBHOOK_DELIVERY_NOT_FOUND = 'WEBHOOK_DELIVERY_NOT_FOUND',
}

const endpointNotFound = (id: string) =>
  AppError.notFound(WebhookErrorCode.WEBHOOK_NOT_FOUND, `No webhook endpoint has id ${id}`);

/** What the audit trail keeps of an endpoint: never its secret. */
const audited = (e: WebhookEndpointRow) => ({
  url: e.url,
  description: e.description,
  eventTypes: e.eventTypes,
  enabled: e.enabled,
});

/** Webhook endpoints as administrators manage them (docs/integration.md, "Webhooks"). */
@Injectable()
export class WebhooksService {
  constructor(
    private readonly webhooks: WebhooksRepository,
    private readonly protector: PersonalDataProtector,
    private readonly audit: AuditService,
    private readonly tx: Transactions,
  ) {}

  /** Registers an endpoint; the answer holds its secret, which is stored encrypted and never shown again. */
  create(
    ctx: RequestContext,
    input: { url: string; description: string; eventTypes: ChangeEntityType[] },
  ): Promise<{ endpoint: WebhookEndpointRow; secret: string }> {
    return this.tx.run(async (m) => {
      const secret = generateWebhookSecret();
      const endpoint = await this.webhooks.createEndpoint(m, {
        url: input.url,
        description: input.description,
        eventTypes: [...new Set(input.eventTypes)].sort(),
        secret: this.protector.encrypt(secret),
        createdBy: ctx.principal?.kind === 'USER' ? ctx.principal.id : null,
      });
      await this.audit.record(m, ctx, {
        action: 'WEBHOOK_CREATED',
        targetType: 'WEBHOOK',
        targetId: endpoint.id,
        changes: { after: audited(endpoint) },
      });
      return { endpoint, secret };
    });
  }

  list(): Promise<WebhookEndpointRow[]> {
    return this.webhooks.listEndpoints();
  }

  /** @throws AppError 404 WEBHOOK_NOT_FOUND */
  async get(id: string): Promise<WebhookEndpointRow> {
    return (await this.webhooks.findEndpoint(id)) ?? Promise.reject(endpointNotFound(id));
  }

  /**
   * Gives the endpoint a new secret, shown this once. For `graceSeconds` the previous secret keeps
   * signing too (a second `v1=` in the header), so the receiver can switch without losing deliveries.
   * @throws AppError 404 WEBHOOK_NOT_FOUND
   */
  rotateSecret(
    ctx: RequestContext,
    id: string,
    graceSeconds: number,
  ): Promise<{ endpoint: WebhookEndpointRow; secret: string }> {
    return this.tx.run(async (m) => {
      const before = await this.webhooks.findEndpoint(id, m, true);
      if (!before) throw endpointNotFound(id);
      const secret = generateWebhookSecret();
      const until = graceSeconds > 0 ? new Date(Date.now() + graceSeconds * 1000) : null;
      const endpoint = await this.webhooks.setSecret(
        m,
        id,
        this.protector.encrypt(secret),
        until ? before.secret : null,
        until,
      );
      await this.audit.record(m, ctx, {
        action: 'WEBHOOK_SECRET_ROTATED',
        targetType: 'WEBHOOK',
        targetId: id,
        changes: { after: { previousSecretValidUntil: until?.toISOString() ?? null } },
      });
      return { endpoint, secret };
    });
  }

  /**
   * Turns deliveries to an endpoint on or off. While off, no new deliveries are queued for it and
   * pending ones wait (they go out when it is enabled again).
   * @throws AppError 404 WEBHOOK_NOT_FOUND
   */
  setEnabled(ctx: RequestContext, id: string, enabled: boolean): Promise<WebhookEndpointRow> {
    return this.tx.run(async (m) => {
      const before = await this.webhooks.findEndpoint(id, m, true);
      if (!before) throw endpointNotFound(id);
      if (before.enabled === enabled) return before;
      const endpoint = await this.webhooks.setEnabled(m, id, enabled);
      await this.audit.record(m, ctx, {
        action: enabled ? 'WEBHOOK_ENABLED' : 'WEBHOOK_DISABLED',
        targetType: 'WEBHOOK',
        targetId: id,
        changes: { before: { enabled: before.enabled }, after: { enabled } },
      });
      return endpoint;
    });
  }

  /** @throws AppError 404 WEBHOOK_NOT_FOUND */
  async deliveries(id: string, limit: number, status?: WebhookDeliveryStatus): Promise<WebhookDeliveryRow[]> {
    await this.get(id);
    return this.webhooks.deliveries(id, limit, status);
  }

  /**
   * Queues a delivery again from its first attempt (after a dead letter, or when the receiver lost
   * what it was sent); it keeps its event id, so a receiver that has it can ignore it.
   * @throws AppError 404 WEBHOOK_NOT_FOUND, WEBHOOK_DELIVERY_NOT_FOUND
   */
  redeliver(ctx: RequestContext, id: string, deliveryId: string): Promise<WebhookDeliveryRow> {
    return this.tx.run(async (m) => {
      if (!(await this.webhooks.findEndpoint(id, m))) throw endpointNotFound(id);
      const [before] = await this.webhooks.deliveries(id, 1, undefined, deliveryId, m);
      if (!before) {
        throw AppError.notFound(
          WebhookErrorCode.WEBHOOK_DELIVERY_NOT_FOUND,
          `Webhook endpoint ${id} has no delivery ${deliveryId}`,
        );
      }
      await this.webhooks.requeue(m, deliveryId);
      await this.audit.record(m, ctx, {
        action: 'WEBHOOK_REDELIVERY_REQUESTED',
        targetType: 'WEBHOOK',
        targetId: id,
        changes: { deliveryId, before: { status: before.status, attempts: before.attempts } },
      });
      const [after] = await this.webhooks.deliveries(id, 1, undefined, deliveryId, m);
      return after;
    });
  }
}
