import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Idempotency keys of POSTs that create something, per caller, with the first answer to replay.
 * `write_committed` is set in the same transaction as the request's write, so a key whose request
 * died before writing can be taken over and one whose write committed never runs twice.
 */
export class CreateIdempotencyKeys1764303000000 implements MigrationInterface {
  name = 'CreateIdempotencyKeys1764303000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE idempotency_key (
        caller_type text NOT NULL CHECK (caller_type IN ('USER', 'API_CLIENT')),
        caller_id uuid NOT NULL,
        key text NOT NULL CHECK (length(key) BETWEEN 1 AND 255),
        request_hash bytea NOT NULL,
        state text NOT NULL CHECK (state IN ('IN_FLIGHT', 'DONE')),
        write_committed boolean NOT NULL DEFAULT false,
        response_status smallint,
        response_body text,
        response_location text,
        created_at timestamptz NOT NULL DEFAULT now(),
        completed_at timestamptz,
        PRIMARY KEY (caller_type, caller_id, key)
      )
    `);
    await q.query('CREATE INDEX idempotency_key_created_at_idx ON idempotency_key (created_at)');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE idempotency_key');
  }
}
