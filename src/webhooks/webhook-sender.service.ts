import { performance } from 'node:perf_hooks';
import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { changeSignal } from '../changes/change-notes';
import { revealChangeState } from '../changes/changes.service';
import { Env } from '../config/env';
import { PersonalDataProtector } from '../personal-data/personal-data.protector';
import { retryDelayMs, signatureHeader } from './webhook-signature';
import { ClaimedDelivery, WebhooksRepository } from './webhooks.repository';

/** Deliveries claimed per round; they are sent concurrently (each to a different subject or endpoint). */
const BATCH_SIZE = 50;
/** A claim outlives the request timeout by this much, so no other sender takes a delivery still in flight. */
const LEASE_MARGIN_MS = 30_000;
/** The longest error text kept in the delivery history. */
const MAX_ERROR_LENGTH = 500;

/** The JSON body of a webhook request (docs/integration.md, "Webhooks"). */
export interface WebhookEventBody {
  /** The event id, the same at every attempt and redelivery: receivers de-duplicate by it. */
  id: string;
  type: string;
  occurredAt: string;
  cursor: string;
  data: {
    entityType: string;
    entityId: string;
    actions: string[];
    ruleVersion: number | null;
    state: Record<string, unknown> | null;
  };
}

/**
 * Sends the webhook outbox: every WEBHOOK_POLL_MS, and at once after a local commit with changes, it
 * claims due deliveries (FOR UPDATE SKIP LOCKED, so any number of instances can run it), POSTs each
 * signed event with a timeout, and records the outcome: DELIVERED on a 2xx, otherwise another attempt
 * after an exponential back-off with jitter, or DEAD after WEBHOOK_MAX_ATTEMPTS. A delivery claimed
 * by a sender that stopped is taken up again when its claim lapses: at-least-once.
 */
@Injectable()
export class WebhookSender implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(WebhookSender.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private again = false;
  private stopped = false;
  private failures = 0;
  private readonly onCommit = () => void this.kick();

  constructor(
    private readonly webhooks: WebhooksRepository,
    private readonly protector: PersonalDataProtector,
    private readonly env: Env,
  ) {}

  onApplicationBootstrap(): void {
    if (this.env.WEBHOOK_POLL_MS === 0) return;
    this.timer = setInterval(() => void this.kick(), this.env.WEBHOOK_POLL_MS);
    this.timer.unref();
    changeSignal.on('committed', this.onCommit);
  }

  /** Stops claiming and waits for the requests in flight (at most WEBHOOK_TIMEOUT_MS) to be recorded. */
  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    changeSignal.off('committed', this.onCommit);
    await this.running;
  }

  /** Runs rounds until nothing more is due; a call while one runs asks it for one more round. */
  private kick(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      do {
        this.again = false;
        try {
          if ((await this.deliverDue()) === BATCH_SIZE) this.again = true;
          if (this.failures > 0)
            this.logger.log(`webhook sending works again after ${this.failures} failed rounds`);
          this.failures = 0;
        } catch (error) {
          this.failures++;
          if (this.failures === 1) this.logger.warn({ err: error }, 'webhook sending round failed; retrying');
        }
      } while (this.again && !this.stopped);
    })().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  /**
   * One round: claims the deliveries due now and sends them. Tests and tools call it directly.
   * @returns how many deliveries it attempted.
   */
  async deliverDue(): Promise<number> {
    const claimed = await this.webhooks.claim(BATCH_SIZE, this.env.WEBHOOK_TIMEOUT_MS + LEASE_MARGIN_MS);
    await Promise.all(claimed.map((d) => this.send(d)));
    return claimed.length;
  }

  private async send(d: ClaimedDelivery): Promise<void> {
    const event: WebhookEventBody = {
      id: d.id,
      type: d.entityType,
      occurredAt: new Date(d.recordedAt).toISOString(),
      cursor: d.cursor,
      data: {
        entityType: d.entityType,
        entityId: d.entityId,
        actions: d.actions,
        ruleVersion: d.ruleVersion,
        state: revealChangeState(d.entityType, d.state, this.protector),
      },
    };
    const body = JSON.stringify(event);
    const timestamp = String(Math.floor(Date.now() / 1000));
    const secrets = [d.secret, ...(d.previousSecret ? [d.previousSecret] : [])].map((s) =>
      this.protector.decrypt(s),
    );
    const started = performance.now();
    let statusCode: number | null = null;
    let error: string | null = null;
    try {
      const res = await fetch(d.url, {
        method: 'POST',
        body,
        redirect: 'manual',
        signal: AbortSignal.timeout(this.env.WEBHOOK_TIMEOUT_MS),
        headers: {
          'Content-Type': 'application/json',
          'User-Agent': 'registry-webhooks/1',
          'X-Registry-Event-Id': d.id,
          'X-Registry-Timestamp': timestamp,
          'X-Registry-Signature': signatureHeader(secrets, timestamp, body),
        },
      });
      statusCode = res.status;
      await res.body?.cancel().catch(() => undefined);
      if (statusCode < 200 || statusCode > 299) error = `answered HTTP ${statusCode}`;
    } catch (e) {
      error = describeFailure(e, this.env.WEBHOOK_TIMEOUT_MS);
    }
    const durationMs = Math.round(performance.now() - started);
    const attempts = d.attempts + 1;
    const next =
      error === null
        ? { status: 'DELIVERED' as const, retryMs: 0 }
        : attempts >= this.env.WEBHOOK_MAX_ATTEMPTS
          ? { status: 'DEAD' as const, retryMs: 0 }
          : {
              status: 'PENDING' as const,
              retryMs: retryDelayMs(attempts, this.env.WEBHOOK_RETRY_BASE_MS, this.env.WEBHOOK_RETRY_MAX_MS),
            };
    await this.webhooks.recordAttempt(d, { statusCode, error, durationMs }, next);
  }
}

/** Why a request got no answer, in words for the delivery history (never the body sent). */
function describeFailure(e: unknown, timeoutMs: number): string {
  const err = e as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (err.name === 'TimeoutError') return `no answer within ${timeoutMs} ms`;
  const text = err.cause?.code ?? err.cause?.message ?? err.message ?? String(e);
  return text.slice(0, MAX_ERROR_LENGTH);
}
