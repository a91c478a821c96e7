import { Injectable } from '@nestjs/common';
import type { Pool, QueryResultRow } from 'pg';
import { DataSource, EntityManager } from 'typeorm';
import { ScreeningCase, ScreeningListing, ScreeningMeasure } from './verdict';

export interface IdentifierHit {
  subjectName: string;
  type: string;
  issuingCountry: string;
  hash: Buffer;
  subjectId: string;
  masked: string;
}

export interface NameHit {
  key: string;
  subjectId: string;
  subjectName: string;
  organisationKey: string | null;
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
  answer: unknown;
  answerHash: Buffer;
}

/**
 * The screening's hot path: hand-written, set-based SQL (one query per kind of fact for the whole
 * batch, never one per applicant) run as named prepared statements straight on the pg pool, so
 * PostgreSQL plans each once per connection and no ORM entity is built.
 */
@Injectable()
export class ScreeningRepository {
  constructor(private readonly dataSource: DataSource) {}

  private get pool(): Pool {
    return (this.dataSource.driver as unknown as { master: Pool }).master;
  }

  private async prepared<T extends QueryResultRow>(
    name: string,
    text: string,
    values: unknown[],
  ): Promise<T[]> {
    return (await this.pool.query<T>({ name, text, values })).rows;
  }

  identifierHits(hashes: Buffer[]): Promise<IdentifierHit[]> {
    if (hashes.length === 0) return Promise.resolve([]);
    return this.prepared<IdentifierHit>(
      'screen_identifiers',
      `SELECT i.type, i.issuing_country AS "issuingCountry", i.lookup_hash AS hash, i.subject_id AS "subjectId",
         i.masked, s.name AS "subjectName"
       FROM subject_identifier i JOIN subject s ON s.id = i.subject_id WHERE i.lookup_hash = ANY($1::bytea[])`,
      [hashes],
    );
  }

  /** Subjects whose current, former or alias name has one of these keys. */
  nameHits(keys: string[]): Promise<NameHit[]> {
    if (keys.length === 0) return Promise.resolve([]);
    return this.prepared<NameHit>(
      'screen_names',
      `SELECT k AS key, s.id AS "subjectId", s.name AS "subjectName", s.organisation_key AS "organisationKey"
       FROM unnest($1::text[]) AS k JOIN subject s ON s.name_key = k
       UNION
       SELECT k, s.id, s.name, s.organisation_key
       FROM unnest($1::text[]) AS k JOIN subject_name n ON n.name_key = k JOIN subject s ON s.id = n.subject_id`,
      [keys],
    );
  }

  /** The identifiers candidate subjects hold (to tell a conflicting identifier from none). */
  identifiersOf(subjectIds: string[]): Promise<IdentifierHit[]> {
    if (subjectIds.length === 0) return Promise.resolve([]);
    return this.prepared<IdentifierHit>(
      'screen_identifiers_of',
      `SELECT type, issuing_country AS "issuingCountry", lookup_hash AS hash, subject_id AS "subjectId", masked,
         '' AS "subjectName"
       FROM subject_identifier WHERE subject_id = ANY($1::uuid[])`,
      [subjectIds],
    );
  }

  listingsOf(subjectIds: string[]): Promise<(ScreeningListing & { subjectId: string })[]> {
    if (subjectIds.length === 0) return Promise.resolve([]);
    return this.prepared(
      'screen_listings',
      `SELECT l.id, l.subject_id AS "subjectId", l.list_type AS "listType", l.status,
         to_char(l.effective_from, 'YYYY-MM-DD') AS "effectiveFrom", to_char(l.effective_to, 'YYYY-MM-DD') AS "effectiveTo",
         l.under_objection AS "underObjection", l.case_id AS "caseId", l.designation_document AS "designationDocument",
         (SELECT json_agg(json_build_object('status', e.status, 'at', e.at) ORDER BY e.at, e.id)
            FROM listing_event e WHERE e.listing_id = l.id) AS history
       FROM listing l WHERE l.subject_id = ANY($1::uuid[]) AND l.status <> 'REJECTED'`,
      [subjectIds],
    );
  }

  measuresOf(subjectIds: string[]): Promise<(ScreeningMeasure & { subjectId: string })[]> {
    if (subjectIds.length === 0) return Promise.resolve([]);
    return this.prepared(
      'screen_measures',
      `SELECT m.id, m.subject_id AS "subjectId", m.case_id AS "caseId", m.type,
         to_char(m.start_date, 'YYYY-MM-DD') AS "startDate", to_char(m.end_date, 'YYYY-MM-DD') AS "endDate",
         m.lifetime, m.domains
       FROM measure m WHERE m.subject_id = ANY($1::uuid[])`,
      [subjectIds],
    );
  }

  casesById(caseIds: string[]): Promise<ScreeningCase[]> {
    if (caseIds.length === 0) return Promise.resolve([]);
    return this.prepared(
      'screen_cases',
      `SELECT c.id, c.status, c.decision_number AS "decisionNumber", c.authority,
         to_char(c.decision_date, 'YYYY-MM-DD') AS "decisionDate", c.misconduct_types AS "misconductTypes", c.severity
       FROM misconduct_case c WHERE c.id = ANY($1::uuid[])`,
      [caseIds],
    );
  }

  /** Every receipt of a group commit in one statement. */
  async insertRuns(m: EntityManager, runs: CheckRunInsert[]): Promise<void> {
    if (runs.length === 0) return;
    await m.query(
      `INSERT INTO check_run (id, actor_type, actor_id, actor_name, domain, as_of, known_at, purpose, reference,
         lookback_years, rule_version, applicants, counts, input_hashes, answer, answer_hash)
       SELECT id, actor_type, actor_id, actor_name, domain, as_of, known_at, purpose, reference, lookback_years,
         rule_version, applicants, counts,
         ARRAY(SELECT decode(h, 'hex') FROM jsonb_array_elements_text(input_hashes) AS h), answer, decode(answer_hash, 'hex')
       FROM jsonb_to_recordset($1::jsonb) AS x(id uuid, actor_type text, actor_id text, actor_name text, domain text,
         as_of date, known_at timestamptz, purpose text, reference text, lookback_years integer, rule_version integer,
         applicants integer, counts jsonb, input_hashes jsonb, answer jsonb, answer_hash text)`,
      [
        JSON.stringify(
          runs.map((r) => ({
            id: r.id,
            actor_type: r.actorType,
            actor_id: r.actorId,
            actor_name: r.actorName,
            domain: r.domain,
            as_of: r.asOf,
            known_at: r.knownAt,
            purpose: r.purpose,
            reference: r.reference,
            lookback_years: r.lookbackYears,
            rule_version: r.ruleVersion,
            applicants: r.applicants,
            counts: r.counts,
            input_hashes: r.inputHashes.map((h) => h.toString('hex')),
            answer: r.answer,
            answer_hash: r.answerHash.toString('hex'),
          })),
        ),
      ],
    );
  }

  async findRun(
    id: string,
  ): Promise<
    (Omit<CheckRunInsert, 'asOf' | 'knownAt'> & { at: Date; asOf: string; knownAt: Date }) | undefined
  > {
    const [row] = await this.dataSource.query(
      `SELECT id, at, actor_type AS "actorType", actor_id AS "actorId", actor_name AS "actorName", domain,
         to_char(as_of, 'YYYY-MM-DD') AS "asOf", known_at AS "knownAt", purpose, reference,
         lookback_years AS "lookbackYears", rule_version AS "ruleVersion", applicants, counts,
         input_hashes AS "inputHashes", answer, answer_hash AS "answerHash"
       FROM check_run WHERE id = $1`,
      [id],
    );
    return row;
  }
}
