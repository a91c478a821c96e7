import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Every check is stored with its answer (a receipt), so a decision taken in a review can be shown
 * later exactly as it was given. Receipts are append-only. Equality indexes on the name keys serve
 * the screening's name matching (the trigram indexes serve fuzzy search).
 */
export class CreateCheckRuns1764300500000 implements MigrationInterface {
  name = 'CreateCheckRuns1764300500000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE check_run (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        at timestamptz NOT NULL DEFAULT now(),
        actor_type text NOT NULL,
        actor_id text,
        actor_name text,
        domain text NOT NULL,
        as_of date NOT NULL,
        known_at timestamptz NOT NULL,
        purpose text NOT NULL,
        reference text,
        lookback_years integer,
        rule_version integer NOT NULL,
        applicants integer NOT NULL,
        counts jsonb NOT NULL,
        input_hashes bytea[] NOT NULL,
        answer jsonb NOT NULL,
        answer_hash bytea NOT NULL
      )`);
    await q.query('CREATE INDEX check_run_actor_idx ON check_run (actor_id, at)');
    await q.query(`CREATE TRIGGER check_run_no_update_delete BEFORE UPDATE OR DELETE ON check_run
      FOR EACH ROW EXECUTE FUNCTION audit_refuse_change()`);
    await q.query('CREATE INDEX subject_name_key_idx ON subject (name_key)');
    await q.query('CREATE INDEX subject_name_name_key_idx ON subject_name (name_key)');
    await q.query('CREATE INDEX listing_subject_type_idx ON listing (subject_id, list_type)');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP INDEX IF EXISTS listing_subject_type_idx');
    await q.query('DROP INDEX IF EXISTS subject_name_name_key_idx');
    await q.query('DROP INDEX IF EXISTS subject_name_key_idx');
    await q.query('DROP TABLE IF EXISTS check_run');
  }
}
