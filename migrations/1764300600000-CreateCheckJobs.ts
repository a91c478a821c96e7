import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Check jobs: a whole applicant list (up to 100,000 rows) checked in the background in chunks, each
 * chunk a stored check (check_run) of its own. The job keeps its progress and each row's answer, so a
 * restart never loses finished results. A row keeps the cells of the input as they will be shown
 * again, the ID number masked: the full number is never stored.
 */
export class CreateCheckJobs1764300600000 implements MigrationInterface {
  name = 'CreateCheckJobs1764300600000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE check_job (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        created_at timestamptz NOT NULL DEFAULT now(),
        actor_type text NOT NULL,
        actor_id text,
        actor_name text,
        domain text NOT NULL,
        as_of date NOT NULL,
        purpose text NOT NULL,
        reference text,
        lookback_years integer,
        file_name text NOT NULL,
        format text NOT NULL CHECK (format IN ('CSV', 'XLSX')),
        columns jsonb NOT NULL,
        status text NOT NULL CHECK (status IN ('QUEUED', 'RUNNING', 'DONE', 'FAILED')),
        rows_total integer NOT NULL CHECK (rows_total > 0),
        rows_done integer NOT NULL DEFAULT 0 CHECK (rows_done BETWEEN 0 AND rows_total),
        counts jsonb NOT NULL,
        check_ids uuid[] NOT NULL DEFAULT '{}',
        error text,
        started_at timestamptz,
        heartbeat_at timestamptz NOT NULL DEFAULT now(),
        finished_at timestamptz
      )`);
    await q.query('CREATE INDEX check_job_actor_idx ON check_job (actor_id, created_at)');
    await q.query(
      "CREATE INDEX check_job_unfinished_idx ON check_job (heartbeat_at) WHERE status IN ('QUEUED', 'RUNNING')",
    );
    await q.query(`
      CREATE TABLE check_job_row (
        job_id uuid NOT NULL REFERENCES check_job (id) ON DELETE CASCADE,
        position integer NOT NULL,
        cells jsonb NOT NULL,
        verdict text NOT NULL CHECK (verdict IN ('BLOCK', 'REVIEW', 'CLEAR', 'ERROR')),
        reasons text,
        incentive text,
        under_objection boolean,
        error jsonb,
        PRIMARY KEY (job_id, position)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE IF EXISTS check_job_row');
    await q.query('DROP TABLE IF EXISTS check_job');
  }
}
