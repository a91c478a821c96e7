import { MigrationInterface, QueryRunner } from 'typeorm';

/** The dashboard counts the last 30 days of checks: an index on the time a check ran. */
export class IndexCheckRunsByTime1764301100000 implements MigrationInterface {
  name = 'IndexCheckRunsByTime1764301100000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('CREATE INDEX check_run_at_idx ON check_run (at)');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP INDEX check_run_at_idx');
  }
}
