import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { Pool, type PoolConfig, type QueryResultRow } from 'pg';
import { DataSource } from 'typeorm';
import { AuditInsert, auditInsertStatement } from '../audit/audit.repository';
import { screeningPoolConfig } from '../database/data-source';
import { ScreeningCase, ScreeningListing, ScreeningMeasure } from './verdict';

/** A registry subject an applicant's identifier or name (with an agreeing organisation) points to. */
export interface MatchRow {
  /** `I`: by identifier hash; `N`: by name key and organisation key. */
  via: 'I' | 'N';
  /** The identifier hash, hex (`I`). */
  hash: string | null;
  /** The name key and organisation key of the pair looked up (`N`). */
  key: string | null;
  org: string | null;
  type: string | null;
  issuingCountry: string | null;
  subjectId: string;
  masked: string | null;
  subjectName: string;
}

/** A name and organisation pair to look up; `org` is null when the applicant gave none. */
export interface NamePair {
  key: string;
  org: string | null;
}

/** The matches of a batch and everything the verdict needs about the subjects matched. */
export interface Screening {
  matches: MatchRow[];
  listings: (ScreeningListing & { subjectId: string })[];
  measures: (ScreeningMeasure & { subjectId: string })[];
  cases: ScreeningCase[];
  /** Which matched subject each case names (a case against the subject, for the look-back). */
  named: { caseId: string; subjectId: string }[];
  /** The identifiers held by the subjects matched by name (to tell a conflicting identifier from none). */
  held: { subjectId: string; type: string; masked: string }[];
}

export interface CheckRunInsert {
  id: string;
  actorType: string;
  actorId: string | null;
  actorName: string | null;
  domain: string;
  asOf: string;
  knownAt: string;
  purpose: string;
  reference: string | null;
  lookbackYears: number | null;
  ruleVersion: number;
  applicants: number;
  counts: Record<string, number>;
  inputHashes: Buffer[];
  /** The answer's JSON text (the canonical text its hash covers). */
  answer: string;
  answerHash: Buffer;
  /** The signed receipt (JSON text); null for checks stored before receipts were signed. */
  receipt: string | null;
}

/** A stored check as findRun reads it. */
export type StoredRun = Omit<CheckRunInsert, 'asOf' | 'knownAt' | 'answer'> & {
  at: Date;
  asOf: string;
  knownAt: Date;
  answer: unknown;
};

/**
 * A name match counts only when the organisations do not contradict each other: either is unknown,
 * or one contains the other (a department of a university matches the university).
 */
const ORGANISATIONS_AGREE = `(p.org IS NULL OR coalesce(s.organisation_key, '') = ''
  OR strpos(p.org, s.organisation_key) > 0 OR strpos(s.organisation_key, p.org) > 0)`;

/**
 * A check's one statement, exported so that the benchmark explains exactly what runs here. Given
 * `$1` identifier hashes (bytea[]) and name and organisation pairs (`$2` name keys, `$3` organisation
 * keys, text[] of the same length), it returns one row of JSON arrays:
 * - `matches`: subjects holding one of the hashes, and subjects whose current, former or alias name
 *   has one of the keys at an organisation that agrees with the pair's (a subject can come back more
 *   than once: by identifier and by name, or by two of its names);
 * - `listings` (but rejected proposals, each with its history: kind, recorded time and the valid
 *   time it states), `measures` (with their recorded time) of the subjects matched, `named`, the cases
 *   naming them, and `cases`, every case those refer to, each with its recorded steps;
 * - `held`: the identifiers of the subjects matched by name.
 * The subject sets are passed on as arrays (`= ANY(ARRAY(…))`), which the planner costs like a
 * parameter array: index look-ups, whatever the estimate of the matches.
 */
export const SCREENING_SQL = `WITH hits AS (
    SELECT 'I' AS via, encode(i.lookup_hash, 'hex') AS hash, NULL AS key, NULL AS org, i.type,
      i.issuing_country AS "issuingCountry", i.subject_id AS "subjectId", i.masked, s.name AS "subjectName"
    FROM subject_identifier i JOIN subject s ON s.id = i.subject_id WHERE i.lookup_hash = ANY($1::bytea[])
    UNION ALL
    SELECT 'N', NULL, p.key, p.org, NULL, NULL, s.id, NULL, s.name
    FROM unnest($2::text[], $3::text[]) AS p(key, org) JOIN subject s ON s.name_key = p.key
    WHERE ${ORGANISATIONS_AGREE}
    UNION ALL
    SELECT 'N', NULL, p.key, p.org, NULL, NULL, s.id, NULL, s.name
    FROM unnest($2::text[], $3::text[]) AS p(key, org) JOIN subject_name n ON n.name_key = p.key
      JOIN subject s ON s.id = n.subject_id
    WHERE ${ORGANISATIONS_AGREE}
  ), l AS (
    SELECT l.id, l.subject_id AS "subjectId", l.list_type AS "listType", l.status,
      to_char(l.effective_from, 'YYYY-MM-DD') AS "effectiveFrom", to_char(l.effective_to, 'YYYY-MM-DD') AS "effectiveTo",
      l.under_objection AS "underObjection", l.case_id AS "caseId", l.designation_document AS "designationDocument",
      (SELECT json_agg(json_build_object('status', e.status, 'recordedAt', e.recorded_at,
           'effectiveDate', e.effective_date, 'period', CASE WHEN e.effective_from IS NOT NULL
             THEN json_build_object('from', e.effective_from, 'to', e.effective_to) END) ORDER BY e.recorded_at, e.id)
         FROM listing_event e WHERE e.listing_id = l.id) AS history
    FROM listing l
    WHERE l.subject_id = ANY(ARRAY(SELECT DISTINCT "subjectId" FROM hits)) AND l.status <> 'REJECTED'
  ), m AS (
    SELECT m.id, m.subject_id AS "subjectId", m.case_id AS "caseId", m.type,
      to_char(m.start_date, 'YYYY-MM-DD') AS "startDate", to_char(m.end_date, 'YYYY-MM-DD') AS "endDate",
      m.lifetime, m.domains, m.created_at AS "recordedAt"
    FROM measure m WHERE m.subject_id = ANY(ARRAY(SELECT DISTINCT "subjectId" FROM hits))
  ), n AS (
    SELECT cs.case_id AS "caseId", cs.subject_id AS "subjectId" FROM case_subject cs
    WHERE cs.subject_id = ANY(ARRAY(SELECT DISTINCT "subjectId" FROM hits)) GROUP BY cs.case_id, cs.subject_id
  )
  SELECT (SELECT json_agg(h) FROM hits h) AS matches, (SELECT json_agg(l) FROM l) AS listings,
    (SELECT json_agg(m) FROM m) AS measures, (SELECT json_agg(n) FROM n) AS named,
    (SELECT json_agg(c) FROM (
       SELECT c.id, c.status, c.decision_number AS "decisionNumber", c.authority,
         to_char(c.decision_date, 'YYYY-MM-DD') AS "decisionDate", c.misconduct_types AS "misconductTypes", c.severity,
         coalesce((SELECT json_agg(json_build_object('status', e.status, 'recordedAt', e.recorded_at,
             'decisionDate', e.decision_date) ORDER BY e.recorded_at, e.id)
           FROM case_status_event e WHERE e.case_id = c.id), '[]') AS history
       FROM misconduct_case c
       WHERE c.id = ANY(ARRAY(SELECT "caseId" FROM l WHERE "caseId" IS NOT NULL UNION SELECT "caseId" FROM m
         UNION SELECT "caseId" FROM n))) c) AS cases,
    (SELECT json_agg(i) FROM (
       SELECT subject_id AS "subjectId", type, masked FROM subject_identifier
       WHERE subject_id = ANY(ARRAY(SELECT DISTINCT "subjectId" FROM hits WHERE via = 'N'))) i) AS held`;

/**
 * Applicants per look-up statement. Measured at a million subjects on two cores, a 10,000-applicant
 * check whose pages are not in shared buffers spent most of its time in one statement reading them;
 * four statements at once share that work between the cores. Each part's statement is sent as soon
 * as its applicants are prepared (ScreeningService.check).
 */
export const SCREEN_PART_SIZE = 2_500;

/** `[from, to)` of each part of `count` items: parts of at most `size`, as even as they can be. */
export function partBounds(count: number, size: number): [number, number][] {
  const parts = Math.max(1, Math.ceil(count / size));
  return Array.from({ length: parts }, (_, i) => [
    Math.ceil((count * i) / parts),
    Math.ceil((count * (i + 1)) / parts),
  ]);
}

/**
 * The screening's hot path: hand-written, set-based SQL (one statement finds the matches of a batch,
 * or of a part of a large one, and reads their facts in one round trip; never one query per
 * applicant) run as named prepared statements on a pool of their own whose sessions use generic plans. Planning a custom plan costs
 * more than executing these look-ups, and PostgreSQL's `auto` mode keeps choosing custom plans for
 * array parameters; generic plans are also the fastest for 10,000-element arrays (see
 * docs/performance.md). The pool is separate so that this setting touches no other statement, and so
 * that a burst of checks cannot take every connection the rest of the service needs.
 */
@Injectable()
export class ScreeningRepository implements OnApplicationShutdown {
  private screeningPool?: Pool;

  constructor(private readonly dataSource: DataSource) {}

  private get pool(): Pool {
    if (!this.screeningPool) {
      const main = (this.dataSource.driver as unknown as { master: Pool & { options: PoolConfig } }).master;
      this.screeningPool = new Pool(screeningPoolConfig(main.options));
      this.screeningPool.on('error', () => undefined); // an idle client's lost connection; the pool replaces it
    }
    return this.screeningPool;
  }

  /** After the HTTP server has closed (Nest's last hook), so a check in flight still has its pool. */
  async onApplicationShutdown(): Promise<void> {
    const pool = this.screeningPool;
    this.screeningPool = undefined;
    await pool?.end();
  }

  private async prepared<T extends QueryResultRow>(
    name: string,
    text: string,
    values: unknown[],
    pool: Pool = this.pool,
  ): Promise<T[]> {
    return (await pool.query<T>({ name, text, values })).rows;
  }

  /** The matches of a batch and their facts, in one round trip (see SCREENING_SQL). */
  async screen(hashes: Buffer[], pairs: NamePair[], pool?: Pool): Promise<Screening> {
    const [row] = await this.prepared<{ [K in keyof Screening]: Screening[K] | null }>(
      'screen',
      SCREENING_SQL,
      [hashes, pairs.map((p) => p.key), pairs.map((p) => p.org)],
      pool,
    );
    return {
      matches: row.matches ?? [],
      listings: row.listings ?? [],
      measures: row.measures ?? [],
      cases: row.cases ?? [],
      named: row.named ?? [],
      held: row.held ?? [],
    };
  }

  /**
   * A group commit's receipts and their audit entries (prepared with AuditService.toInsert) in one
   * statement, so one round trip and one commit store them all or none.
   */
  async storeReceipts(runs: CheckRunInsert[], audits: AuditInsert[]): Promise<void> {
    // One parameter per value: the answer and the signed receipt (megabytes for a large check) reach
    // PostgreSQL as they are, not escaped inside one JSON document that it would parse whole.
    const values: unknown[] = [];
    const p = (value: unknown, type = '') => `$${values.push(value)}${type}`;
    const rows = runs.map(
      (r) =>
        `(${p(r.id, '::uuid')}, ${p(r.actorType)}, ${p(r.actorId)}, ${p(r.actorName)}, ${p(r.domain)},
          ${p(r.asOf, '::date')}, ${p(r.knownAt, '::timestamptz')}, ${p(r.purpose)}, ${p(r.reference)},
          ${p(r.lookbackYears, '::integer')}, ${p(r.ruleVersion, '::integer')}, ${p(r.applicants, '::integer')},
          ${p(JSON.stringify(r.counts), '::jsonb')}, ${p(r.inputHashes, '::bytea[]')},
          ${p(r.answer, '::jsonb')}, ${p(r.answerHash, '::bytea')}, ${p(r.receipt, '::text')})`,
    );
    const audit = auditInsertStatement(audits, values.length + 1);
    await this.dataSource.query(
      `WITH runs AS (
       INSERT INTO check_run (id, actor_type, actor_id, actor_name, domain, as_of, known_at, purpose, reference,
         lookback_years, rule_version, applicants, counts, input_hashes, answer, answer_hash, receipt)
       VALUES ${rows.join(', ')}
       )
       ${audit.text}`,
      [...values, ...audit.values],
    );
  }

  async findRun(id: string): Promise<StoredRun | undefined> {
    const [row] = await this.dataSource.query(
      `SELECT id, at, actor_type AS "actorType", actor_id AS "actorId", actor_name AS "actorName", domain,
         to_char(as_of, 'YYYY-MM-DD') AS "asOf", known_at AS "knownAt", purpose, reference,
         lookback_years AS "lookbackYears", rule_version AS "ruleVersion", applicants, counts,
         input_hashes AS "inputHashes", answer, answer_hash AS "answerHash", receipt
       FROM check_run WHERE id = $1`,
      [id],
    );
    return row;
  }
}
