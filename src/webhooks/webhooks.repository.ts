import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import type { ChangeEntityType } from '../changes/change-notes';

export type WebhookDeliveryStatus = 'PENDING' | 'DELIVERED' | 'DEAD';

export interface WebhookEndpointRow {
  id: string;
  url: string;
  description: string;
  eventTypes: ChangeEntityType[];
  enabled: boolean;
  secret: Buffer;
  previousSecret: Buffer | null;
  previousSecretUntil: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface WebhookAttemptRow {
  attemptedAt: string;
  statusCode: number | null;
  error: string | null;
  durationMs: number;
}

export interface WebhookDeliveryRow {
  id: string;
  endpointId: string;
  cursor: string;
  entityType: ChangeEntityType;
  entityId: string;
  status: WebhookDeliveryStatus;
  attempts: number;
  nextAttemptAt: Date | null;
  lastAttemptAt: Date | null;
  lastStatusCode: number | null;
  lastError: string | null;
  deliveredAt: Date | null;
  createdAt: Date;
  attemptLog: WebhookAttemptRow[];
}

/** A delivery the sender has claimed, with what it needs to send it. */
export interface ClaimedDelivery {
  id: string;
  leaseToken: string;
  attempts: number;
  url: string;
  secret: Buffer;
  previousSecret: Buffer | null;
  cursor: string;
  recordedAt: Date;
  entityType: ChangeEntityType;
  entityId: string;
  actions: string[];
  state: Record<string, unknown> | null;
  ruleVersion: number | null;
}

const ENDPOINT_COLUMNS = `id, url, description, event_types AS "eventTypes", enabled, secret,
  previous_secret AS "previousSecret", previous_secret_until AS "previousSecretUntil",
  created_at AS "createdAt", updated_at AS "updatedAt"`;

/**
 * Queues one delivery per enabled endpoint subscribed to each of the feed rows `seqs` the current
 * transaction has just written (Transactions.run calls it right after writeChanges), so a delivery
 * commits with its change or not at all. Deliveries of one subject are ordered by `ordering_key`: the
 * registry subject a list entry or measure belongs to, the subject itself, or the case.
 */
export async function writeWebhookDeliveries(m: EntityManager, seqs: readonly string[]): Promise<void> {
  if (seqs.length === 0) return;
  await m.query(
    `INSERT INTO webhook_delivery (endpoint_id, change_seq, ordering_key)
     SELECT w.id, c.seq, COALESCE(c.state->>'subjectId', c.entity_id::text)
     FROM change_event c JOIN webhook_endpoint w ON w.enabled AND c.entity_type = ANY (w.event_types)
     WHERE c.seq = ANY ($1::bigint[])
     ORDER BY c.seq, w.id`,
    [seqs],
  );
}

/** The only place that queries the webhook tables. */
@Injectable()
export class WebhooksRepository {
  constructor(private readonly dataSource: DataSource) {}

  async createEndpoint(
    m: EntityManager,
    e: { url: string; description: string; eventTypes: string[]; secret: Buffer; createdBy: string | null },
  ): Promise<WebhookEndpointRow> {
    const [row] = await m.query(
      `INSERT INTO webhook_endpoint (url, description, event_types, secret, created_by)
       VALUES ($1, $2, $3, $4, $5) RETURNING ${ENDPOINT_COLUMNS}`,
      [e.url, e.description, e.eventTypes, e.secret, e.createdBy],
    );
    return row;
  }

  async findEndpoint(id: string, m?: EntityManager, lock = false): Promise<WebhookEndpointRow | null> {
    const [row] = await (m ?? this.dataSource).query(
      `SELECT ${ENDPOINT_COLUMNS} FROM webhook_endpoint WHERE id = $1${lock ? ' FOR UPDATE' : ''}`,
      [id],
    );
    return row ?? null;
  }

  listEndpoints(): Promise<WebhookEndpointRow[]> {
    return this.dataSource.query(`SELECT ${ENDPOINT_COLUMNS} FROM webhook_endpoint ORDER BY created_at, id`);
  }

  async setSecret(
    m: EntityManager,
    id: string,
    secret: Buffer,
    previous: Buffer | null,
    previousUntil: Date | null,
  ): Promise<WebhookEndpointRow> {
    const [[row]] = await m.query(
      `UPDATE webhook_endpoint SET secret = $2, previous_secret = $3, previous_secret_until = $4, updated_at = now()
       WHERE id = $1 RETURNING ${ENDPOINT_COLUMNS}`,
      [id, secret, previous, previousUntil],
    );
    return row;
  }

  async setEnabled(m: EntityManager, id: string, enabled: boolean): Promise<WebhookEndpointRow> {
    const [[row]] = await m.query(
      `UPDATE webhook_endpoint SET enabled = $2, updated_at = now() WHERE id = $1 RETURNING ${ENDPOINT_COLUMNS}`,
      [id, enabled],
    );
    return row;
  }

  /** An endpoint's deliveries, newest change first, each with its attempts. */
  deliveries(
    endpointId: string,
    limit: number,
    status?: WebhookDeliveryStatus,
    deliveryId?: string,
    m?: EntityManager,
  ): Promise<WebhookDeliveryRow[]> {
    return (m ?? this.dataSource).query(
      `SELECT d.id, d.endpoint_id AS "endpointId", d.change_seq::text AS cursor, c.entity_type AS "entityType",
         c.entity_id AS "entityId", d.status, d.attempts,
         CASE WHEN d.status = 'PENDING' THEN GREATEST(d.next_attempt_at, d.leased_until) END AS "nextAttemptAt",
         d.last_attempt_at AS "lastAttemptAt", d.last_status_code AS "lastStatusCode", d.last_error AS "lastError",
         d.delivered_at AS "deliveredAt", d.created_at AS "createdAt",
         COALESCE((SELECT jsonb_agg(jsonb_build_object('attemptedAt', a.attempted_at, 'statusCode', a.status_code,
             'error', a.error, 'durationMs', a.duration_ms) ORDER BY a.id)
           FROM webhook_attempt a WHERE a.delivery_id = d.id), '[]') AS "attemptLog"
       FROM webhook_delivery d JOIN change_event c ON c.seq = d.change_seq
       WHERE d.endpoint_id = $1 AND ($2::text IS NULL OR d.status = $2) AND ($3::uuid IS NULL OR d.id = $3)
       ORDER BY d.change_seq DESC LIMIT $4`,
      [endpointId, status ?? null, deliveryId ?? null, limit],
    );
  }

  /** Sends a delivery again from its first attempt, whatever became of it. */
  async requeue(m: EntityManager, id: string): Promise<void> {
    await m.query(
      `UPDATE webhook_delivery SET status = 'PENDING', attempts = 0, next_attempt_at = now(),
         lease_token = NULL, leased_until = NULL, delivered_at = NULL
       WHERE id = $1`,
      [id],
    );
  }

  /**
   * Claims up to `limit` due deliveries for `leaseMs` (rows other senders hold are skipped, so several
   * instances share the work). A delivery is due only when no earlier delivery of its subject to the
   * same endpoint is still pending: per-subject order. Endpoints that are disabled keep their queue.
   */
  claim(limit: number, leaseMs: number): Promise<ClaimedDelivery[]> {
    return this.dataSource.query(
      `WITH due AS (
         SELECT d.id FROM webhook_delivery d JOIN webhook_endpoint w ON w.id = d.endpoint_id AND w.enabled
         WHERE d.status = 'PENDING' AND d.next_attempt_at <= now()
           AND (d.leased_until IS NULL OR d.leased_until < now())
           AND NOT EXISTS (SELECT 1 FROM webhook_delivery p
             WHERE p.endpoint_id = d.endpoint_id AND p.ordering_key = d.ordering_key AND p.status = 'PENDING'
               AND p.change_seq < d.change_seq)
         ORDER BY d.next_attempt_at, d.change_seq
         LIMIT $1
         FOR UPDATE OF d SKIP LOCKED),
       claimed AS (
         UPDATE webhook_delivery d SET lease_token = gen_random_uuid(),
           leased_until = now() + make_interval(secs => $2::double precision / 1000)
         FROM due WHERE d.id = due.id
         RETURNING d.id, d.lease_token, d.attempts, d.endpoint_id, d.change_seq)
       SELECT k.id, k.lease_token AS "leaseToken", k.attempts, w.url, w.secret,
         CASE WHEN w.previous_secret_until > now() THEN w.previous_secret END AS "previousSecret",
         c.seq::text AS cursor, c.recorded_at AS "recordedAt", c.entity_type AS "entityType",
         c.entity_id AS "entityId", c.actions, c.state, c.rule_version AS "ruleVersion"
       FROM claimed k JOIN webhook_endpoint w ON w.id = k.endpoint_id JOIN change_event c ON c.seq = k.change_seq
       ORDER BY c.seq`,
      [limit, leaseMs],
    );
  }

  /**
   * Records an attempt of a claimed delivery and what follows from it: DELIVERED, DEAD, or another
   * attempt after `retryMs`. Nothing changes when the lease was lost (redelivered or taken over meanwhile).
   */
  async recordAttempt(
    d: { id: string; leaseToken: string },
    outcome: { statusCode: number | null; error: string | null; durationMs: number },
    next: { status: WebhookDeliveryStatus; retryMs: number },
  ): Promise<void> {
    await this.dataSource.transaction(async (m) => {
      const [updated]: [unknown[], number] = await m.query(
        `UPDATE webhook_delivery SET status = $3, attempts = attempts + 1, last_attempt_at = now(),
           last_status_code = $4, last_error = $5,
           next_attempt_at = now() + make_interval(secs => $6::double precision / 1000),
           delivered_at = CASE WHEN $3 = 'DELIVERED' THEN now() END,
           lease_token = NULL, leased_until = NULL
         WHERE id = $1 AND lease_token = $2 RETURNING id`,
        [d.id, d.leaseToken, next.status, outcome.statusCode, outcome.error, next.retryMs],
      );
      if (updated.length === 0) return;
      await m.query(
        'INSERT INTO webhook_attempt (delivery_id, status_code, error, duration_ms) VALUES ($1, $2, $3, $4)',
        [d.id, outcome.statusCode, outcome.error, outcome.durationMs],
      );
    });
  }
}
