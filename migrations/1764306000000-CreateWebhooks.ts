import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Signed webhooks (docs/integration.md): the endpoints administrators register, and a transactional
 * outbox of deliveries written in the same transaction as the change-feed rows they carry, one per
 * subscribed endpoint. A delivery's payload is read from its change_event row when it is sent, so the
 * outbox holds no copy of personal data. Secrets are stored encrypted (PersonalDataProtector).
 */
export class CreateWebhooks1764306000000 implements MigrationInterface {
  name = 'CreateWebhooks1764306000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE webhook_endpoint (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        url text NOT NULL,
        description text NOT NULL DEFAULT '',
        event_types text[] NOT NULL CHECK (cardinality(event_types) >= 1
          AND event_types <@ ARRAY['LISTING','CASE','MEASURE','SUBJECT']),
        secret bytea NOT NULL,
        previous_secret bytea,
        previous_secret_until timestamptz,
        enabled boolean NOT NULL DEFAULT true,
        created_by uuid,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE webhook_delivery (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        endpoint_id uuid NOT NULL REFERENCES webhook_endpoint (id) ON DELETE CASCADE,
        change_seq bigint NOT NULL REFERENCES change_event (seq),
        ordering_key text NOT NULL,
        status text NOT NULL DEFAULT 'PENDING' CHECK (status IN ('PENDING','DELIVERED','DEAD')),
        attempts integer NOT NULL DEFAULT 0,
        next_attempt_at timestamptz NOT NULL DEFAULT now(),
        lease_token uuid,
        leased_until timestamptz,
        last_attempt_at timestamptz,
        last_status_code integer,
        last_error text,
        delivered_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (endpoint_id, change_seq)
      )`);
    await q.query(
      `CREATE INDEX webhook_delivery_due_idx ON webhook_delivery (next_attempt_at) WHERE status = 'PENDING'`,
    );
    // The ordering check: is an earlier delivery for the same subject to the same endpoint still pending?
    await q.query(`CREATE INDEX webhook_delivery_order_idx ON webhook_delivery (endpoint_id, ordering_key, change_seq)
      WHERE status = 'PENDING'`);
    await q.query(
      'CREATE INDEX webhook_delivery_history_idx ON webhook_delivery (endpoint_id, change_seq DESC)',
    );
    await q.query(`
      CREATE TABLE webhook_attempt (
        id bigserial PRIMARY KEY,
        delivery_id uuid NOT NULL REFERENCES webhook_delivery (id) ON DELETE CASCADE,
        attempted_at timestamptz NOT NULL DEFAULT now(),
        status_code integer,
        error text,
        duration_ms integer NOT NULL
      )`);
    await q.query('CREATE INDEX webhook_attempt_delivery_idx ON webhook_attempt (delivery_id, id)');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE IF EXISTS webhook_attempt');
    await q.query('DROP TABLE IF EXISTS webhook_delivery');
    await q.query('DROP TABLE IF EXISTS webhook_endpoint');
  }
}
