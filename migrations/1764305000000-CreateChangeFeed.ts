import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The change feed (docs/integration.md): one row per entity a transaction changed (list entry, case,
 * measure, subject), with the entity's state at commit and the rule-data version in force. `seq` is
 * taken at commit time under a transaction-level advisory lock, so feed order is commit order and a
 * reader never sees a row with a higher `seq` before a lower one has committed. Append-only.
 * What was recorded before the feed existed enters it as one BASELINE row per entity, so a mirror
 * that reads from the start misses nothing.
 */
/**
 * The state of each entity as the feed showed it when this migration was written (a frozen copy of
 * src/changes/changes.repository.ts), for the baseline rows of the data recorded before the feed.
 */
const BASELINE_STATE: Record<string, string> = {
  LISTING: `SELECT jsonb_build_object(
      'id', l.id, 'subjectId', l.subject_id, 'listType', l.list_type, 'caseId', l.case_id, 'measureId', l.measure_id,
      'designationDocument', l.designation_document,
      'effectiveFrom', to_char(l.effective_from, 'YYYY-MM-DD'), 'effectiveTo', to_char(l.effective_to, 'YYYY-MM-DD'),
      'terminatedFrom', to_char(l.terminated_from, 'YYYY-MM-DD'),
      'publicityFrom', to_char(l.publicity_from, 'YYYY-MM-DD'), 'publicityTo', to_char(l.publicity_to, 'YYYY-MM-DD'),
      'status', l.status, 'underObjection', l.under_objection, 'decidedAt', l.decided_at, 'version', l.version)
    FROM listing l WHERE l.id = n.id`,
  CASE: `SELECT jsonb_build_object(
      'id', c.id, 'status', c.status, 'decisionNumber', c.decision_number, 'authority', c.authority,
      'decisionDate', to_char(c.decision_date, 'YYYY-MM-DD'), 'severity', c.severity,
      'misconductTypes', to_jsonb(c.misconduct_types), 'legalBasis', c.legal_basis, 'ruleVersion', c.rule_version,
      'version', c.version,
      'subjects', COALESCE((SELECT jsonb_agg(jsonb_build_object('subjectId', x.subject_id, 'roles', x.roles) ORDER BY x.subject_id)
        FROM (SELECT subject_id, jsonb_agg(role ORDER BY role) AS roles FROM case_subject WHERE case_id = c.id GROUP BY subject_id) x), '[]'),
      'measureIds', COALESCE((SELECT jsonb_agg(me.id ORDER BY me.created_at, me.id) FROM measure me WHERE me.case_id = c.id), '[]'))
    FROM misconduct_case c WHERE c.id = n.id`,
  MEASURE: `SELECT jsonb_build_object(
      'id', me.id, 'caseId', me.case_id, 'subjectId', me.subject_id, 'type', me.type,
      'startDate', to_char(me.start_date, 'YYYY-MM-DD'), 'endDate', to_char(me.end_date, 'YYYY-MM-DD'),
      'lifetime', me.lifetime, 'domains', to_jsonb(me.domains))
    FROM measure me WHERE me.id = n.id`,
  SUBJECT: `SELECT jsonb_build_object(
      'id', s.id, 'kind', s.kind, 'name', s.name, 'organisation', s.organisation, 'version', s.version,
      'formerNames', COALESCE((SELECT jsonb_agg(sn.name ORDER BY sn.id) FROM subject_name sn WHERE sn.subject_id = s.id AND sn.kind = 'FORMER'), '[]'),
      'aliases', COALESCE((SELECT jsonb_agg(sn.name ORDER BY sn.id) FROM subject_name sn WHERE sn.subject_id = s.id AND sn.kind = 'ALIAS'), '[]'),
      'identifiers', COALESCE((SELECT jsonb_agg(jsonb_build_object('type', i.type,
          'issuingCountry', NULLIF(i.issuing_country, ''), 'masked', i.masked, 'ciphertext', encode(i.ciphertext, 'base64'))
          ORDER BY i.created_at, i.id) FROM subject_identifier i WHERE i.subject_id = s.id), '[]'))
    FROM subject s WHERE s.id = n.id`,
};

/** Existing rows of each entity, in the order a mirror should apply them. */
const BASELINE_ORDER: [string, string][] = [
  ['SUBJECT', 'SELECT id FROM subject ORDER BY created_at, id'],
  ['CASE', 'SELECT id FROM misconduct_case ORDER BY created_at, id'],
  ['MEASURE', 'SELECT id FROM measure ORDER BY created_at, id'],
  ['LISTING', 'SELECT id FROM listing ORDER BY created_at, id'],
];

export class CreateChangeFeed1764305000000 implements MigrationInterface {
  name = 'CreateChangeFeed1764305000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('CREATE SEQUENCE change_event_seq AS bigint');
    await q.query(`
      CREATE TABLE change_event (
        seq bigint PRIMARY KEY DEFAULT nextval('change_event_seq'),
        recorded_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        entity_type text NOT NULL CHECK (entity_type IN ('LISTING','CASE','MEASURE','SUBJECT')),
        entity_id uuid NOT NULL,
        actions text[] NOT NULL CHECK (cardinality(actions) >= 1),
        state jsonb,
        rule_version integer,
        xid xid8 NOT NULL DEFAULT pg_current_xact_id()
      )`);
    await q.query('ALTER SEQUENCE change_event_seq OWNED BY change_event.seq');
    await q.query('CREATE INDEX change_event_entity_idx ON change_event (entity_type, entity_id, seq)');
    await q.query(`
      CREATE FUNCTION change_event_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'the change feed is append-only: % on % refused', TG_OP, TG_TABLE_NAME
          USING ERRCODE = 'insufficient_privilege';
      END $$`);
    await q.query(`CREATE TRIGGER change_event_no_update_delete BEFORE UPDATE OR DELETE ON change_event
      FOR EACH ROW EXECUTE FUNCTION change_event_refuse_change()`);
    await q.query(`CREATE TRIGGER change_event_no_truncate BEFORE TRUNCATE ON change_event
      FOR EACH STATEMENT EXECUTE FUNCTION change_event_refuse_change()`);
    for (const [type, ids] of BASELINE_ORDER) {
      await q.query(
        `INSERT INTO change_event (entity_type, entity_id, actions, state, rule_version)
         SELECT $1, n.id, '{BASELINE}', (${BASELINE_STATE[type]}),
           (SELECT version FROM rule_set WHERE effective_from <= (now() AT TIME ZONE 'Asia/Shanghai')::date
            ORDER BY effective_from DESC, version DESC LIMIT 1)
         FROM (${ids}) n`,
        [type],
      );
    }
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE IF EXISTS change_event');
    await q.query('DROP FUNCTION IF EXISTS change_event_refuse_change()');
  }
}
