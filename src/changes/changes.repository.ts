import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { ChangeEntityType, ChangeNotes } from './change-notes';

/** Any fixed key: the lock that orders the feed. */
const FEED_LOCK = 7_310_500_013;

export interface ChangeRow {
  seq: string;
  recordedAt: Date;
  entityType: ChangeEntityType;
  entityId: string;
  actions: string[];
  state: Record<string, unknown> | null;
  ruleVersion: number | null;
}

/**
 * The state of each kind of entity as the feed shows it: a jsonb expression over one table, read by the
 * feed for the rows a transaction changed and by exports for all of them (docs/integration.md).
 */
export const ENTITY_STATE: Record<ChangeEntityType, { state: string; table: string; alias: string }> = {
  LISTING: {
    table: 'listing',
    alias: 'l',
    state: `jsonb_build_object(
      'id', l.id, 'subjectId', l.subject_id, 'listType', l.list_type, 'caseId', l.case_id, 'measureId', l.measure_id,
      'designationDocument', l.designation_document,
      'effectiveFrom', to_char(l.effective_from, 'YYYY-MM-DD'), 'effectiveTo', to_char(l.effective_to, 'YYYY-MM-DD'),
      'terminatedFrom', to_char(l.terminated_from, 'YYYY-MM-DD'),
      'publicityFrom', to_char(l.publicity_from, 'YYYY-MM-DD'), 'publicityTo', to_char(l.publicity_to, 'YYYY-MM-DD'),
      'status', l.status, 'underObjection', l.under_objection, 'decidedAt', l.decided_at, 'version', l.version)`,
  },
  CASE: {
    table: 'misconduct_case',
    alias: 'c',
    state: `jsonb_build_object(
      'id', c.id, 'status', c.status, 'decisionNumber', c.decision_number, 'authority', c.authority,
      'decisionDate', to_char(c.decision_date, 'YYYY-MM-DD'), 'severity', c.severity,
      'misconductTypes', to_jsonb(c.misconduct_types), 'legalBasis', c.legal_basis, 'ruleVersion', c.rule_version,
      'version', c.version,
      'subjects', COALESCE((SELECT jsonb_agg(jsonb_build_object('subjectId', x.subject_id, 'roles', x.roles) ORDER BY x.subject_id)
        FROM (SELECT subject_id, jsonb_agg(role ORDER BY role) AS roles FROM case_subject WHERE case_id = c.id GROUP BY subject_id) x), '[]'),
      'measureIds', COALESCE((SELECT jsonb_agg(me.id ORDER BY me.created_at, me.id) FROM measure me WHERE me.case_id = c.id), '[]'))`,
  },
  MEASURE: {
    table: 'measure',
    alias: 'me',
    state: `jsonb_build_object(
      'id', me.id, 'caseId', me.case_id, 'subjectId', me.subject_id, 'type', me.type,
      'startDate', to_char(me.start_date, 'YYYY-MM-DD'), 'endDate', to_char(me.end_date, 'YYYY-MM-DD'),
      'lifetime', me.lifetime, 'domains', to_jsonb(me.domains))`,
  },
  // Identifiers carry their ciphertext here; the feed decrypts it for the authorised reader only.
  SUBJECT: {
    table: 'subject',
    alias: 's',
    state: `jsonb_build_object(
      'id', s.id, 'kind', s.kind, 'name', s.name, 'organisation', s.organisation, 'version', s.version,
      'formerNames', COALESCE((SELECT jsonb_agg(sn.name ORDER BY sn.id) FROM subject_name sn WHERE sn.subject_id = s.id AND sn.kind = 'FORMER'), '[]'),
      'aliases', COALESCE((SELECT jsonb_agg(sn.name ORDER BY sn.id) FROM subject_name sn WHERE sn.subject_id = s.id AND sn.kind = 'ALIAS'), '[]'),
      'identifiers', COALESCE((SELECT jsonb_agg(jsonb_build_object('type', i.type,
          'issuingCountry', NULLIF(i.issuing_country, ''), 'masked', i.masked, 'ciphertext', encode(i.ciphertext, 'base64'))
          ORDER BY i.created_at, i.id) FROM subject_identifier i WHERE i.subject_id = s.id), '[]'))`,
  },
};

/** The SELECT of the state of the entity `n.id`, for the feed. */
const stateOf = (type: ChangeEntityType): string => {
  const { state, table, alias } = ENTITY_STATE[type];
  return `SELECT ${state} FROM ${table} ${alias} WHERE ${alias}.id = n.id`;
};

/**
 * Writes the feed rows of a transaction, as its last statements: takes the feed lock (held until
 * the transaction ends), then inserts one row per changed entity with the next `seq`, the state the
 * transaction is about to commit and the rule-data version in force today (China). Because every
 * writer takes `seq` under the same lock and keeps the lock until it has committed, `seq` order is
 * commit order: no reader can see a row while a lower `seq` is still uncommitted.
 * @returns the `seq` of each row written (webhook deliveries are queued from them).
 */
export async function writeChanges(m: EntityManager, notes: ChangeNotes): Promise<string[]> {
  if (notes.size === 0) return [];
  const seqs: string[] = [];
  await m.query('SELECT pg_advisory_xact_lock($1)', [FEED_LOCK]);
  const all = [...notes.values()];
  for (const type of ['SUBJECT', 'CASE', 'MEASURE', 'LISTING'] as const) {
    const of = all.filter((n) => n.type === type);
    if (of.length === 0) continue;
    const rows: { seq: string }[] = await m.query(
      `INSERT INTO change_event (entity_type, entity_id, actions, state, rule_version)
       SELECT $1, n.id, ARRAY(SELECT jsonb_array_elements_text(n.actions::jsonb)), (${stateOf(type)}),
         (SELECT version FROM rule_set WHERE effective_from <= (now() AT TIME ZONE 'Asia/Shanghai')::date
          ORDER BY effective_from DESC, version DESC LIMIT 1)
       FROM unnest($2::uuid[], $3::text[]) WITH ORDINALITY AS n(id, actions, ord)
       ORDER BY n.ord
       RETURNING seq::text AS seq`,
      [type, of.map((n) => n.id), of.map((n) => JSON.stringify(n.actions))],
    );
    seqs.push(...rows.map((r) => r.seq));
  }
  return seqs;
}

/** Reads the feed. */
@Injectable()
export class ChangesRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** The changes after `afterSeq`, in `seq` (commit) order. */
  after(afterSeq: string, limit: number): Promise<ChangeRow[]> {
    return this.dataSource.query(
      `SELECT seq::text AS seq, recorded_at AS "recordedAt", entity_type AS "entityType", entity_id AS "entityId",
         actions, state, rule_version AS "ruleVersion"
       FROM change_event e WHERE e.seq > $1::bigint ORDER BY e.seq LIMIT $2`,
      [afterSeq, limit],
    );
  }

  /** The highest `seq` written so far ('0' when none). */
  async head(): Promise<string> {
    const [row] = await this.dataSource.query('SELECT COALESCE(max(seq), 0)::text AS seq FROM change_event');
    return row.seq;
  }
}
