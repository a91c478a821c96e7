import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Rate-limit counters shared by every instance of the service (RATE_LIMIT_STORE=postgres): one row per
 * caller and limit, counting the hits of the current fixed window. Unlogged: a counter lost in a
 * crash only forgives a minute's hits, and no WAL is written per request.
 */
export class CreateRateLimitCounters1764309000000 implements MigrationInterface {
  name = 'CreateRateLimitCounters1764309000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE UNLOGGED TABLE rate_limit_counter (
        key text PRIMARY KEY,
        window_start timestamptz NOT NULL,
        expires_at timestamptz NOT NULL,
        hits integer NOT NULL CHECK (hits > 0)
      )
    `);
    await q.query('CREATE INDEX rate_limit_counter_expires_at_idx ON rate_limit_counter (expires_at)');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE rate_limit_counter');
  }
}
