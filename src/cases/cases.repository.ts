import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { noteChange } from '../changes/change-notes';
import { escapeLike } from '../common/sql';
import { CaseStatus } from './case-lifecycle';

export interface CaseRow {
  id: string;
  status: CaseStatus;
  decisionNumber: string | null;
  authority: string;
  decisionDate: string | null;
  misconductTypes: string[];
  severity: string | null;
  facts: string | null;
  legalBasis: string | null;
  source: string;
  aggravating: string[];
  mitigating: string[];
  ruleVersion: number | null;
  /** The inspection plan whose finding opened the case (双随机一公开), if any. */
  inspectionPlanId: string | null;
  version: number;
  subjects: { subjectId: string; name: string; roles: string[] }[];
  measures: {
    id: string;
    subjectId: string;
    type: string;
    startDate: string | null;
    endDate: string | null;
    lifetime: boolean;
    domains: string[];
    note: string | null;
  }[];
  listingIds: string[];
}

export interface CaseInsert {
  status: CaseStatus;
  decisionNumber: string | null;
  authority: string;
  decisionDate: string | null;
  misconductTypes: string[];
  severity: string | null;
  facts: string | null;
  legalBasis: string | null;
  source: string;
  aggravating: string[];
  mitigating: string[];
  ruleVersion: number | null;
  createdBy: string | null;
  inspectionPlanId?: string | null;
}

export interface MeasureInsert {
  subjectId: string;
  type: string;
  startDate: string | null;
  endDate: string | null;
  lifetime: boolean;
  domains: string[];
  note: string | null;
}

const CASE_SELECT = `
  SELECT c.id, c.status, c.decision_number AS "decisionNumber", c.authority,
    to_char(c.decision_date, 'YYYY-MM-DD') AS "decisionDate", c.misconduct_types AS "misconductTypes", c.severity,
    c.facts, c.legal_basis AS "legalBasis", c.source, c.aggravating, c.mitigating, c.rule_version AS "ruleVersion",
    c.inspection_plan_id AS "inspectionPlanId", c.version,
    COALESCE((SELECT json_agg(json_build_object('subjectId', x.subject_id, 'name', x.name, 'roles', x.roles) ORDER BY x.name)
      FROM (SELECT cs.subject_id, s.name, array_agg(cs.role ORDER BY cs.role) AS roles FROM case_subject cs
            JOIN subject s ON s.id = cs.subject_id WHERE cs.case_id = c.id GROUP BY cs.subject_id, s.name) x), '[]') AS subjects,
    COALESCE((SELECT json_agg(json_build_object('id', m.id, 'subjectId', m.subject_id, 'type', m.type,
      'startDate', to_char(m.start_date, 'YYYY-MM-DD'), 'endDate', to_char(m.end_date, 'YYYY-MM-DD'),
      'lifetime', m.lifetime, 'domains', m.domains, 'note', m.note) ORDER BY m.created_at, m.id)
      FROM measure m WHERE m.case_id = c.id), '[]') AS measures,
    COALESCE((SELECT array_agg(l.id ORDER BY l.created_at, lm.created_at, l.id) FROM listing l
      LEFT JOIN measure lm ON lm.id = l.measure_id WHERE l.case_id = c.id), '{}') AS "listingIds"
  FROM misconduct_case c`;

/** SQL of cases, the subjects they name and their measures. */
@Injectable()
export class CasesRepository {
  constructor(private readonly dataSource: DataSource) {}

  async insert(m: EntityManager, c: CaseInsert): Promise<string> {
    const [row] = await m.query(
      `INSERT INTO misconduct_case (status, decision_number, authority, decision_date, misconduct_types, severity, facts,
         legal_basis, source, aggravating, mitigating, rule_version, created_by, inspection_plan_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING id`,
      [
        c.status,
        c.decisionNumber,
        c.authority,
        c.decisionDate,
        c.misconductTypes,
        c.severity,
        c.facts,
        c.legalBasis,
        c.source,
        c.aggravating,
        c.mitigating,
        c.ruleVersion,
        c.createdBy,
        c.inspectionPlanId ?? null,
      ],
    );
    noteChange(m, 'CASE', row.id, 'RECORDED');
    return row.id;
  }

  async addEvent(
    m: EntityManager,
    caseId: string,
    status: CaseStatus,
    actorId: string | null,
    reason: string | null,
    decisionDate: string | null,
  ) {
    noteChange(m, 'CASE', caseId, status);
    // recorded_at is the transaction's time; decision_date the valid time this step states.
    await m.query(
      'INSERT INTO case_status_event (case_id, status, actor_id, reason, decision_date) VALUES ($1, $2, $3, $4, $5)',
      [caseId, status, actorId, reason, decisionDate],
    );
  }

  async addSubject(m: EntityManager, caseId: string, subjectId: string, roles: string[]): Promise<void> {
    noteChange(m, 'CASE', caseId, 'SUBJECT_ADDED');
    await m.query(
      'INSERT INTO case_subject (case_id, subject_id, role) SELECT $1, $2, unnest($3::text[]) ON CONFLICT DO NOTHING',
      [caseId, subjectId, roles],
    );
  }

  async addMeasure(m: EntityManager, caseId: string, x: MeasureInsert): Promise<string> {
    const [row] = await m.query(
      // clock_timestamp(), not now(): the measures of one decision share a transaction, and their
      // creation time is what keeps them in the order the decision gives them.
      `INSERT INTO measure (case_id, subject_id, type, start_date, end_date, lifetime, domains, note, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, clock_timestamp()) RETURNING id`,
      [caseId, x.subjectId, x.type, x.startDate, x.endDate, x.lifetime, x.domains, x.note],
    );
    noteChange(m, 'CASE', caseId, 'MEASURE_ADDED');
    noteChange(m, 'MEASURE', row.id, 'RECORDED');
    return row.id;
  }

  async decisionNumberTaken(
    m: EntityManager,
    authority: string,
    decisionNumber: string,
    exceptId?: string,
  ): Promise<string | undefined> {
    const [row] = await m.query(
      'SELECT id FROM misconduct_case WHERE authority = $1 AND decision_number = $2 AND id IS DISTINCT FROM $3',
      [authority, decisionNumber, exceptId ?? null],
    );
    return row?.id;
  }

  /** The cases recorded under any of the (authority, decision number) pairs, in one statement. */
  async findByDecisionNumbers(
    m: EntityManager,
    pairs: { authority: string; decisionNumber: string }[],
  ): Promise<CaseRow[]> {
    if (pairs.length === 0) return [];
    return m.query(
      `${CASE_SELECT} JOIN unnest($1::text[], $2::text[]) AS x(authority, decision_number)
         ON c.authority = x.authority AND c.decision_number = x.decision_number`,
      [pairs.map((p) => p.authority), pairs.map((p) => p.decisionNumber)],
    );
  }

  async findById(id: string, m?: EntityManager, lock = false): Promise<CaseRow | undefined> {
    const [row] = await (m ?? this.dataSource.manager).query(
      `${CASE_SELECT} WHERE c.id = $1${lock ? ' FOR UPDATE OF c' : ''}`,
      [id],
    );
    return row;
  }

  async decide(
    m: EntityManager,
    id: string,
    status: CaseStatus,
    d: {
      decisionNumber: string | null;
      decisionDate: string | null;
      severity: string | null;
      ruleVersion: number | null;
    },
  ): Promise<void> {
    noteChange(m, 'CASE', id, status);
    await m.query(
      `UPDATE misconduct_case SET status = $2, decision_number = $3, decision_date = $4, severity = $5,
         rule_version = $6, updated_at = now(), version = version + 1 WHERE id = $1`,
      [id, status, d.decisionNumber, d.decisionDate, d.severity, d.ruleVersion],
    );
  }

  async bumpVersion(m: EntityManager, id: string): Promise<void> {
    noteChange(m, 'CASE', id, 'UPDATED');
    await m.query('UPDATE misconduct_case SET updated_at = now(), version = version + 1 WHERE id = $1', [id]);
  }

  async list(f: {
    status?: string;
    authority?: string;
    subjectId?: string;
    from?: string;
    to?: string;
    text?: string;
    offset: number;
    limit: number;
  }): Promise<{ items: CaseRow[]; total: number }> {
    const where: string[] = [];
    const params: unknown[] = [];
    const p = (v: unknown) => {
      params.push(v);
      return `$${params.length}`;
    };
    if (f.status) where.push(`c.status = ${p(f.status)}`);
    if (f.authority) where.push(`c.authority ILIKE '%' || ${p(escapeLike(f.authority))} || '%'`);
    if (f.subjectId)
      where.push(
        `EXISTS (SELECT 1 FROM case_subject cs WHERE cs.case_id = c.id AND cs.subject_id = ${p(f.subjectId)})`,
      );
    if (f.from) where.push(`c.decision_date >= ${p(f.from)}`);
    if (f.to) where.push(`c.decision_date <= ${p(f.to)}`);
    if (f.text) {
      const t = p(escapeLike(f.text));
      where.push(`(c.decision_number ILIKE '%' || ${t} || '%' OR c.facts ILIKE '%' || ${t} || '%')`);
    }
    const filter = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const [{ total }] = await this.dataSource.query(
      `SELECT count(*)::int AS total FROM misconduct_case c ${filter}`,
      params,
    );
    const items = await this.dataSource.query(
      `${CASE_SELECT} ${filter} ORDER BY c.decision_date DESC NULLS LAST, c.created_at DESC LIMIT ${p(f.limit)} OFFSET ${p(f.offset)}`,
      params,
    );
    return { items, total };
  }
}
