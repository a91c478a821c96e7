import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Misconduct cases (one decision each), the subjects they name, their measures, and the red/black
 * list with its due process: list entries, their status history (for point-in-time answers),
 * objections and credit repair requests. Status histories are append-only.
 */
export class CreateCasesAndListings1764300400000 implements MigrationInterface {
  name = 'CreateCasesAndListings1764300400000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE misconduct_case (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        status text NOT NULL CHECK (status IN
          ('REPORTED','ACCEPTED','INVESTIGATING','DECIDED','REVIEW_REQUESTED','APPEALED','FINAL','DISMISSED')),
        decision_number text,
        authority text NOT NULL,
        decision_date date,
        misconduct_types text[] NOT NULL CHECK (cardinality(misconduct_types) >= 1),
        severity text CHECK (severity IN ('MINOR','SERIOUS','SEVERE','ESPECIALLY_SEVERE')),
        facts text,
        legal_basis text,
        source text NOT NULL CHECK (source IN
          ('RANDOM_INSPECTION','COMPLAINT_REPORT','AUDIT','REFERRAL','SELF_REPORT','MEDIA')),
        aggravating text[] NOT NULL DEFAULT '{}',
        mitigating text[] NOT NULL DEFAULT '{}',
        rule_version integer,
        created_by uuid,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        version integer NOT NULL DEFAULT 1
      )`);
    await q.query(`CREATE UNIQUE INDEX misconduct_case_decision_key ON misconduct_case (authority, decision_number)
      WHERE decision_number IS NOT NULL`);
    await q.query('CREATE INDEX misconduct_case_decision_date_idx ON misconduct_case (decision_date)');

    await q.query(`
      CREATE TABLE case_status_event (
        id bigserial PRIMARY KEY,
        case_id uuid NOT NULL REFERENCES misconduct_case (id) ON DELETE CASCADE,
        status text NOT NULL,
        at timestamptz NOT NULL DEFAULT now(),
        actor_id text,
        reason text
      )`);
    await q.query('CREATE INDEX case_status_event_case_idx ON case_status_event (case_id, at)');

    await q.query(`
      CREATE TABLE case_subject (
        case_id uuid NOT NULL REFERENCES misconduct_case (id) ON DELETE CASCADE,
        subject_id uuid NOT NULL REFERENCES subject (id),
        role text NOT NULL CHECK (role IN ('RESEARCHER','PROJECT_LEAD','IMPLEMENTING_UNIT','MGMT_AGENCY',
          'REVIEW_EXPERT','THIRD_PARTY_SERVICE','AWARD_NOMINATOR','SOCIETY','PRINCIPAL_PERSON','DIRECT_RESPONSIBLE')),
        PRIMARY KEY (case_id, subject_id, role)
      )`);
    await q.query('CREATE INDEX case_subject_subject_idx ON case_subject (subject_id)');

    await q.query(`
      CREATE TABLE measure (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        case_id uuid NOT NULL REFERENCES misconduct_case (id) ON DELETE CASCADE,
        subject_id uuid NOT NULL REFERENCES subject (id),
        type text NOT NULL,
        start_date date,
        end_date date,
        lifetime boolean NOT NULL DEFAULT false,
        domains text[] NOT NULL DEFAULT '{}',
        note text,
        created_at timestamptz NOT NULL DEFAULT now(),
        CHECK (end_date IS NULL OR start_date IS NULL OR end_date >= start_date)
      )`);
    await q.query('CREATE INDEX measure_subject_idx ON measure (subject_id)');
    await q.query('CREATE INDEX measure_case_idx ON measure (case_id)');

    await q.query(`
      CREATE TABLE listing (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        subject_id uuid NOT NULL REFERENCES subject (id),
        list_type text NOT NULL CHECK (list_type IN ('BLACK','WATCH','RED')),
        case_id uuid REFERENCES misconduct_case (id),
        measure_id uuid REFERENCES measure (id),
        designation_document text,
        effective_from date NOT NULL,
        effective_to date,
        status text NOT NULL CHECK (status IN ('PROPOSED','ACTIVE','EXPIRED','REPAIRED','REVOKED','REJECTED')),
        proposed_by text,
        proposed_at timestamptz NOT NULL DEFAULT now(),
        decided_by text,
        decided_at timestamptz,
        decision_reason text,
        under_objection boolean NOT NULL DEFAULT false,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        version integer NOT NULL DEFAULT 1,
        CHECK (effective_to IS NULL OR effective_to >= effective_from),
        CHECK (list_type = 'RED' OR case_id IS NOT NULL),
        CHECK (list_type <> 'RED' OR designation_document IS NOT NULL)
      )`);
    await q.query('CREATE INDEX listing_subject_idx ON listing (subject_id)');
    await q.query('CREATE INDEX listing_status_idx ON listing (status, list_type)');
    await q.query(
      "CREATE UNIQUE INDEX listing_measure_key ON listing (measure_id) WHERE measure_id IS NOT NULL AND status NOT IN ('REJECTED')",
    );

    await q.query(`
      CREATE TABLE listing_event (
        id bigserial PRIMARY KEY,
        listing_id uuid NOT NULL REFERENCES listing (id) ON DELETE CASCADE,
        status text NOT NULL,
        at timestamptz NOT NULL DEFAULT now(),
        actor_id text,
        reason text
      )`);
    await q.query('CREATE INDEX listing_event_listing_idx ON listing_event (listing_id, at)');

    await q.query(`
      CREATE TABLE objection (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        listing_id uuid NOT NULL REFERENCES listing (id),
        raised_by text NOT NULL,
        reason text NOT NULL,
        status text NOT NULL DEFAULT 'OPEN' CHECK (status IN ('OPEN','UPHELD','REJECTED')),
        recorded_by text,
        created_at timestamptz NOT NULL DEFAULT now(),
        resolved_by text,
        resolved_at timestamptz,
        resolution_reason text
      )`);
    await q.query('CREATE INDEX objection_listing_idx ON objection (listing_id)');

    await q.query(`
      CREATE TABLE repair_request (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        listing_id uuid NOT NULL REFERENCES listing (id),
        correction_done boolean NOT NULL,
        obligations_met boolean NOT NULL,
        commitment_made boolean NOT NULL,
        statement text,
        status text NOT NULL DEFAULT 'PENDING' CHECK (status IN ('PENDING','APPROVED','REFUSED')),
        requested_by text,
        requested_at timestamptz NOT NULL DEFAULT now(),
        decided_by text,
        decided_at timestamptz,
        decision_reason text
      )`);
    await q.query('CREATE INDEX repair_request_listing_idx ON repair_request (listing_id)');

    for (const table of ['case_status_event', 'listing_event']) {
      await q.query(`CREATE TRIGGER ${table}_no_update_delete BEFORE UPDATE OR DELETE ON ${table}
        FOR EACH ROW EXECUTE FUNCTION audit_refuse_change()`);
    }
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of [
      'repair_request',
      'objection',
      'listing_event',
      'listing',
      'measure',
      'case_subject',
      'case_status_event',
      'misconduct_case',
    ]) {
      await q.query(`DROP TABLE IF EXISTS ${table}`);
    }
  }
}
