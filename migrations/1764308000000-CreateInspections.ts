import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Random inspections, 双随机一公开 (docs/inspections.md): target and inspector pools whose versions
 * are frozen once uploaded (a trigger refuses changes), plans with their status, the draw as
 * published, redraws, findings, and the link from a case to the inspection that opened it.
 */
export class CreateInspections1764308000000 implements MigrationInterface {
  name = 'CreateInspections1764308000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE inspection_pool (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        kind text NOT NULL CHECK (kind IN ('TARGET','INSPECTOR')),
        name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
        created_by uuid,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE inspection_pool_version (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        pool_id uuid NOT NULL REFERENCES inspection_pool (id),
        version integer NOT NULL CHECK (version >= 1),
        file_name text NOT NULL,
        format text NOT NULL CHECK (format IN ('CSV','XLSX')),
        row_count integer NOT NULL,
        hash text NOT NULL,
        created_by uuid,
        created_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (pool_id, version)
      )`);
    await q.query(`
      CREATE TABLE inspection_pool_target (
        version_id uuid NOT NULL REFERENCES inspection_pool_version (id),
        key text NOT NULL,
        kind text NOT NULL CHECK (kind IN ('PROJECT','ENTERPRISE','PLATFORM')),
        name text NOT NULL,
        organisation text NOT NULL DEFAULT '',
        organisation_key text NOT NULL DEFAULT '',
        uscc text,
        district text NOT NULL DEFAULT '',
        category text NOT NULL DEFAULT '',
        principal_investigator text,
        pi_id_hash bytea,
        pi_id_ciphertext bytea,
        pi_id_masked text,
        PRIMARY KEY (version_id, key)
      )`);
    await q.query(`
      CREATE TABLE inspection_pool_inspector (
        version_id uuid NOT NULL REFERENCES inspection_pool_version (id),
        key text NOT NULL,
        name text NOT NULL,
        organisation text NOT NULL DEFAULT '',
        organisation_key text NOT NULL DEFAULT '',
        field text NOT NULL DEFAULT '',
        subject_id uuid REFERENCES subject (id),
        id_type text CHECK (id_type IN ('RESIDENT_ID','PASSPORT','OTHER')),
        id_country text NOT NULL DEFAULT '',
        id_hash bytea,
        id_ciphertext bytea,
        id_masked text,
        conflict_keys text[] NOT NULL DEFAULT '{}',
        PRIMARY KEY (version_id, key)
      )`);
    // A pool version is evidence of what a draw used: once written it never changes.
    await q.query(`
      CREATE FUNCTION inspection_pool_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'inspection pool versions are immutable' USING ERRCODE = 'integrity_constraint_violation';
      END $$`);
    for (const table of ['inspection_pool_version', 'inspection_pool_target', 'inspection_pool_inspector']) {
      await q.query(
        `CREATE TRIGGER ${table}_frozen BEFORE UPDATE OR DELETE ON ${table}
         FOR EACH ROW EXECUTE FUNCTION inspection_pool_frozen()`,
      );
    }
    await q.query(`
      CREATE TABLE inspection_plan (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        title text NOT NULL,
        scope text NOT NULL,
        year integer NOT NULL,
        items text[] NOT NULL,
        target_pool_version_id uuid NOT NULL REFERENCES inspection_pool_version (id),
        inspector_pool_version_id uuid NOT NULL REFERENCES inspection_pool_version (id),
        parameters jsonb NOT NULL,
        public_value_source text,
        status text NOT NULL DEFAULT 'DRAFT' CHECK (status IN ('DRAFT','APPROVED','DRAWN','CLOSED')),
        created_by uuid NOT NULL,
        approved_by uuid,
        approved_at timestamptz,
        closed_by uuid,
        closed_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        version integer NOT NULL DEFAULT 1
      )`);
    await q.query(
      "CREATE INDEX inspection_plan_closed_idx ON inspection_plan (closed_at DESC) WHERE status = 'CLOSED'",
    );
    await q.query(`
      CREATE TABLE inspection_draw (
        plan_id uuid PRIMARY KEY REFERENCES inspection_plan (id),
        document jsonb NOT NULL,
        result_hash text NOT NULL,
        screening_check_ids uuid[] NOT NULL DEFAULT '{}',
        drawn_by uuid NOT NULL,
        drawn_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE inspection_redraw (
        plan_id uuid NOT NULL REFERENCES inspection_draw (plan_id),
        seq integer NOT NULL CHECK (seq >= 1),
        target_key text NOT NULL,
        inspector_key text NOT NULL,
        replacement_key text NOT NULL,
        reason text NOT NULL,
        recorded_by uuid NOT NULL,
        recorded_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (plan_id, seq)
      )`);
    await q.query(`
      CREATE TABLE inspection_finding (
        plan_id uuid NOT NULL REFERENCES inspection_plan (id),
        target_key text NOT NULL,
        outcome text NOT NULL CHECK (outcome IN ('NO_PROBLEM','RECTIFICATION_REQUIRED','SUSPECTED_MISCONDUCT')),
        note text,
        case_id uuid REFERENCES misconduct_case (id),
        recorded_by uuid NOT NULL,
        recorded_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (plan_id, target_key),
        CHECK ((outcome = 'SUSPECTED_MISCONDUCT') = (case_id IS NOT NULL))
      )`);
    await q.query(
      'ALTER TABLE misconduct_case ADD COLUMN inspection_plan_id uuid REFERENCES inspection_plan (id)',
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE misconduct_case DROP COLUMN inspection_plan_id');
    await q.query('DROP TABLE inspection_finding');
    await q.query('DROP TABLE inspection_redraw');
    await q.query('DROP TABLE inspection_draw');
    await q.query('DROP TABLE inspection_plan');
    await q.query('DROP TABLE inspection_pool_inspector');
    await q.query('DROP TABLE inspection_pool_target');
    await q.query('DROP TABLE inspection_pool_version');
    await q.query('DROP TABLE inspection_pool');
    await q.query('DROP FUNCTION inspection_pool_frozen()');
  }
}
