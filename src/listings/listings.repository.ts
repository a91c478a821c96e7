import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { noteChange } from '../changes/change-notes';
import { escapeLike } from '../common/sql';
import { ListingEvent, ListingEventKind, ValidPeriod } from './in-force';
import { ListingStatus, ListType } from './listing-lifecycle';

export interface ListingRow {
  id: string;
  subjectId: string;
  subjectName: string;
  listType: ListType;
  caseId: string | null;
  measureId: string | null;
  designationDocument: string | null;
  /** Valid time: the effective period of the latest version. */
  effectiveFrom: string;
  effectiveTo: string | null;
  /** Valid time: the first day an ending act (revocation, repair, end by a sanction) takes effect. */
  terminatedFrom: string | null;
  /** Valid time: a RED entry's publicity (objection) period. */
  publicityFrom: string | null;
  publicityTo: string | null;
  status: ListingStatus;
  proposedBy: string | null;
  proposedAt: Date;
  decidedBy: string | null;
  decidedAt: Date | null;
  decisionReason: string | null;
  underObjection: boolean;
  version: number;
  createdAt: Date;
  updatedAt: Date;
  caseSeverity: string | null;
  caseDecisionDate: string | null;
  caseDecisionNumber: string | null;
  caseAuthority: string | null;
}

export interface ListingEventRow {
  status: ListingEventKind;
  /** Recorded time. */
  recordedAt: Date;
  /** Valid time of an ending act: the first day it takes effect. */
  effectiveDate: string | null;
  /** Valid time: the period a PROPOSED or CORRECTED event set. */
  effectiveFrom: string | null;
  effectiveTo: string | null;
  actorId: string | null;
  reason: string | null;
}

/** What an event records besides its kind: the valid time of an ending act or of a period. */
export interface ListingEventFacts {
  effectiveDate?: string | null;
  period?: ValidPeriod | null;
}

/** An entry's stored history as the pure rules read it (in-force.ts). */
export function listingEvents(history: readonly ListingEventRow[]): ListingEvent[] {
  return history.map((e) => ({
    status: e.status,
    recordedAt: new Date(e.recordedAt).toISOString(),
    effectiveDate: e.effectiveDate,
    period: e.effectiveFrom !== null ? { from: e.effectiveFrom, to: e.effectiveTo } : null,
  }));
}

const EVENT_COLUMNS = `status, recorded_at AS "recordedAt", to_char(effective_date, 'YYYY-MM-DD') AS "effectiveDate",
  to_char(effective_from, 'YYYY-MM-DD') AS "effectiveFrom", to_char(effective_to, 'YYYY-MM-DD') AS "effectiveTo",
  actor_id AS "actorId", reason`;

export interface ObjectionRow {
  id: string;
  listingId: string;
  raisedBy: string;
  reason: string;
  status: 'OPEN' | 'UPHELD' | 'REJECTED' | 'CLOSED';
  recordedBy: string | null;
  createdAt: Date;
  resolvedBy: string | null;
  resolvedAt: Date | null;
  resolutionReason: string | null;
}

export interface RepairRow {
  id: string;
  listingId: string;
  correctionDone: boolean;
  obligationsMet: boolean;
  commitmentMade: boolean;
  statement: string | null;
  status: 'PENDING' | 'APPROVED' | 'REFUSED' | 'CLOSED';
  requestedBy: string | null;
  requestedAt: Date;
  decidedBy: string | null;
  decidedAt: Date | null;
  decisionReason: string | null;
}

export interface ListingFilter {
  status?: ListingStatus;
  listType?: ListType;
  subjectId?: string;
  caseId?: string;
  /** Entries whose period overlaps [from, to]. */
  from?: string;
  to?: string;
  authority?: string;
  text?: string;
  /** Entries with an open objection or a pending credit repair request. */
  awaiting?: 'OBJECTION' | 'REPAIR';
  offset: number;
  limit: number;
}

const LISTING_SELECT = `
  SELECT l.id, l.subject_id AS "subjectId", s.name AS "subjectName", l.list_type AS "listType", l.case_id AS "caseId",
    l.measure_id AS "measureId", l.designation_document AS "designationDocument",
    to_char(l.effective_from, 'YYYY-MM-DD') AS "effectiveFrom", to_char(l.effective_to, 'YYYY-MM-DD') AS "effectiveTo",
    to_char(l.terminated_from, 'YYYY-MM-DD') AS "terminatedFrom",
    to_char(l.publicity_from, 'YYYY-MM-DD') AS "publicityFrom", to_char(l.publicity_to, 'YYYY-MM-DD') AS "publicityTo",
    l.status, l.proposed_by AS "proposedBy", l.proposed_at AS "proposedAt", l.decided_by AS "decidedBy",
    l.decided_at AS "decidedAt", l.decision_reason AS "decisionReason", l.under_objection AS "underObjection",
    l.version, l.created_at AS "createdAt", l.updated_at AS "updatedAt",
    c.severity AS "caseSeverity", to_char(c.decision_date, 'YYYY-MM-DD') AS "caseDecisionDate",
    c.decision_number AS "caseDecisionNumber", c.authority AS "caseAuthority"
  FROM listing l JOIN subject s ON s.id = l.subject_id LEFT JOIN misconduct_case c ON c.id = l.case_id`;

/** The columns of an ObjectionRow, for SELECT and RETURNING alike. */
const OBJECTION_COLUMNS = `id, listing_id AS "listingId", raised_by AS "raisedBy", reason, status,
  recorded_by AS "recordedBy", created_at AS "createdAt", resolved_by AS "resolvedBy", resolved_at AS "resolvedAt",
  resolution_reason AS "resolutionReason"`;
const OBJECTION_SELECT = `SELECT ${OBJECTION_COLUMNS} FROM objection`;

/** The columns of a RepairRow, for SELECT and RETURNING alike. */
const REPAIR_COLUMNS = `id, listing_id AS "listingId", correction_done AS "correctionDone",
  obligations_met AS "obligationsMet", commitment_made AS "commitmentMade", statement, status,
  requested_by AS "requestedBy", requested_at AS "requestedAt", decided_by AS "decidedBy", decided_at AS "decidedAt",
  decision_reason AS "decisionReason"`;
const REPAIR_SELECT = `SELECT ${REPAIR_COLUMNS} FROM repair_request`;

/** SQL of list entries, their status history, objections and repair requests. */
@Injectable()
export class ListingsRepository {
  constructor(private readonly dataSource: DataSource) {}

  private q(m?: EntityManager) {
    return m ?? this.dataSource.manager;
  }

  async insert(
    m: EntityManager,
    l: {
      subjectId: string;
      listType: ListType;
      caseId: string | null;
      measureId: string | null;
      designationDocument: string | null;
      effectiveFrom: string;
      effectiveTo: string | null;
      publicityFrom: string | null;
      publicityTo: string | null;
      proposedBy: string | null;
    },
  ): Promise<string> {
    const [row] = await m.query(
      `INSERT INTO listing (subject_id, list_type, case_id, measure_id, designation_document, effective_from,
         effective_to, status, proposed_by, publicity_from, publicity_to)
       VALUES ($1, $2, $3, $4, $5, $6, $7, 'PROPOSED', $8, $9, $10) RETURNING id`,
      [
        l.subjectId,
        l.listType,
        l.caseId,
        l.measureId,
        l.designationDocument,
        l.effectiveFrom,
        l.effectiveTo,
        l.proposedBy,
        l.publicityFrom,
        l.publicityTo,
      ],
    );
    await this.addEvent(m, row.id, 'PROPOSED', l.proposedBy, null, {
      period: { from: l.effectiveFrom, to: l.effectiveTo },
    });
    return row.id;
  }

  /** Appends an event to an entry's history; its recorded time is the transaction's. */
  async addEvent(
    m: EntityManager,
    listingId: string,
    status: ListingEventKind,
    actorId: string | null,
    reason: string | null,
    facts: ListingEventFacts = {},
  ) {
    noteChange(m, 'LISTING', listingId, status);
    await m.query(
      `INSERT INTO listing_event (listing_id, status, actor_id, reason, effective_date, effective_from, effective_to)
       VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [
        listingId,
        status,
        actorId,
        reason,
        facts.effectiveDate ?? null,
        facts.period?.from ?? null,
        facts.period?.to ?? null,
      ],
    );
  }

  /** Ids of ACTIVE entries whose end date lies before `today`, the earliest ended first. */
  async activeEndedBefore(today: string): Promise<string[]> {
    const rows: { id: string }[] = await this.dataSource.query(
      `SELECT id FROM listing WHERE status = 'ACTIVE' AND effective_to < $1::date ORDER BY effective_to, id`,
      [today],
    );
    return rows.map((r) => r.id);
  }

  async findById(id: string, m?: EntityManager, lock = false): Promise<ListingRow | undefined> {
    const [row] = await this.q(m).query(
      `${LISTING_SELECT} WHERE l.id = $1${lock ? ' FOR UPDATE OF l' : ''}`,
      [id],
    );
    return row;
  }

  async history(id: string, m?: EntityManager): Promise<ListingEventRow[]> {
    return this.q(m).query(
      `SELECT ${EVENT_COLUMNS} FROM listing_event WHERE listing_id = $1 ORDER BY recorded_at, id`,
      [id],
    );
  }

  /** The histories of several entries in one query, by entry id. */
  async histories(ids: string[]): Promise<Map<string, ListingEventRow[]>> {
    const rows: (ListingEventRow & { listingId: string })[] = ids.length
      ? await this.dataSource.query(
          `SELECT listing_id AS "listingId", ${EVENT_COLUMNS} FROM listing_event
           WHERE listing_id = ANY($1::uuid[]) ORDER BY recorded_at, id`,
          [ids],
        )
      : [];
    const byId = new Map<string, ListingEventRow[]>(ids.map((id) => [id, []]));
    for (const { listingId, ...event } of rows) byId.get(listingId)!.push(event);
    return byId;
  }

  /**
   * Moves `entry` to a new status if it is still at the version and status it was read with: the
   * optimistic lock that lets exactly one of two concurrent approvals win. False when it lost.
   */
  async changeStatus(
    m: EntityManager,
    entry: Pick<ListingRow, 'id' | 'version' | 'status'>,
    to: ListingStatus,
    fields: { decidedBy?: string | null; decisionReason?: string | null; terminatedFrom?: string } = {},
  ): Promise<boolean> {
    noteChange(m, 'LISTING', entry.id, to);
    const [, count] = await m.query(
      `UPDATE listing SET status = $4, version = version + 1, updated_at = now(),
         decided_by = CASE WHEN $5::boolean THEN $6 ELSE decided_by END,
         decided_at = CASE WHEN $5::boolean THEN now() ELSE decided_at END,
         decision_reason = CASE WHEN $5::boolean THEN $7 ELSE decision_reason END,
         terminated_from = CASE WHEN $8::date IS NULL THEN terminated_from ELSE least(terminated_from, $8::date) END
       WHERE id = $1 AND version = $2 AND status = $3`,
      [
        entry.id,
        entry.version,
        entry.status,
        to,
        'decidedBy' in fields,
        fields.decidedBy ?? null,
        fields.decisionReason ?? null,
        fields.terminatedFrom ?? null,
      ],
    );
    return count === 1;
  }

  /**
   * Sets the dates of the entry's latest version (a correction; its history keeps every version) if
   * it is still at the version it was read with. False when it lost.
   */
  async setDates(
    m: EntityManager,
    entry: Pick<ListingRow, 'id' | 'version'>,
    dates: Pick<ListingRow, 'effectiveFrom' | 'effectiveTo' | 'terminatedFrom'>,
  ): Promise<boolean> {
    noteChange(m, 'LISTING', entry.id, 'DATES_SET');
    const [, count] = await m.query(
      `UPDATE listing SET effective_from = $3, effective_to = $4, terminated_from = $5, version = version + 1,
         updated_at = now() WHERE id = $1 AND version = $2`,
      [entry.id, entry.version, dates.effectiveFrom, dates.effectiveTo, dates.terminatedFrom],
    );
    return count === 1;
  }

  /** The kind of the entry's latest ending act (REVOKED, REPAIRED or EXPIRED), or null when none. */
  async latestEnding(m: EntityManager, listingId: string): Promise<ListingStatus | null> {
    const [row] = await m.query(
      `SELECT status FROM listing_event WHERE listing_id = $1 AND status IN ('REVOKED','REPAIRED','EXPIRED')
       ORDER BY recorded_at DESC, id DESC LIMIT 1`,
      [listingId],
    );
    return row?.status ?? null;
  }

  /** Sets the objection flag (a change of the entry: its version moves on); returns the new version. */
  async setUnderObjection(m: EntityManager, id: string, underObjection: boolean): Promise<number> {
    noteChange(m, 'LISTING', id, underObjection ? 'UNDER_OBJECTION' : 'OBJECTION_CLEARED');
    // TypeORM answers an UPDATE with [rows, affected row count].
    const [[row]]: [{ version: number }[], number] = await m.query(
      `UPDATE listing SET under_objection = $2, version = version + 1, updated_at = now() WHERE id = $1
       RETURNING version`,
      [id, underObjection],
    );
    return row.version;
  }

  /**
   * A subject's approved RED entries that would still count on `from` or later (valid time): their
   * period reaches it and no ending act already takes effect on or before it (an entry revoked from a
   * later day, or ended from a later day by another sanction, included), locked.
   */
  async redCountingFrom(m: EntityManager, subjectId: string, from: string): Promise<ListingRow[]> {
    return m.query(
      `${LISTING_SELECT} WHERE l.subject_id = $1 AND l.list_type = 'RED' AND l.status IN ('ACTIVE','EXPIRED','REVOKED')
         AND (l.effective_to IS NULL OR l.effective_to >= $2) AND (l.terminated_from IS NULL OR l.terminated_from > $2)
       FOR UPDATE OF l`,
      [subjectId, from],
    );
  }

  async subjectExists(m: EntityManager, subjectId: string): Promise<boolean> {
    const rows = await m.query('SELECT 1 FROM subject WHERE id = $1', [subjectId]);
    return rows.length > 0;
  }

  /** The status of a case and whether it names the subject; undefined when there is no such case. */
  async caseBasis(
    m: EntityManager,
    caseId: string,
    subjectId: string,
  ): Promise<{ status: string; namesSubject: boolean } | undefined> {
    const [row] = await m.query(
      `SELECT c.status, EXISTS (SELECT 1 FROM case_subject cs WHERE cs.case_id = c.id AND cs.subject_id = $2) AS "namesSubject"
       FROM misconduct_case c WHERE c.id = $1`,
      [caseId, subjectId],
    );
    return row;
  }

  /**
   * Whether an approved BLACK or WATCH entry of the subject runs on some day of [from, to] (valid
   * time; `to` null: open), counting its end and any ending act already recorded, future-dated or not
   * (statuses past ACTIVE were all approved first).
   */
  async sanctionOverlaps(
    m: EntityManager,
    subjectId: string,
    from: string,
    to: string | null,
  ): Promise<boolean> {
    const rows = await m.query(
      `SELECT 1 FROM listing WHERE subject_id = $1 AND list_type IN ('BLACK','WATCH')
         AND status IN ('ACTIVE','EXPIRED','REPAIRED','REVOKED')
         AND (effective_to IS NULL OR effective_to >= $2) AND (terminated_from IS NULL OR terminated_from > $2)
         AND ($3::date IS NULL OR effective_from <= $3)
         AND (terminated_from IS NULL OR terminated_from > effective_from) LIMIT 1`,
      [subjectId, from, to],
    );
    return rows.length > 0;
  }

  async list(f: ListingFilter): Promise<{ items: ListingRow[]; total: number }> {
    const where: string[] = [];
    const params: unknown[] = [];
    const p = (v: unknown) => {
      params.push(v);
      return `$${params.length}`;
    };
    if (f.status) where.push(`l.status = ${p(f.status)}`);
    if (f.listType) where.push(`l.list_type = ${p(f.listType)}`);
    if (f.subjectId) where.push(`l.subject_id = ${p(f.subjectId)}`);
    if (f.caseId) where.push(`l.case_id = ${p(f.caseId)}`);
    if (f.to) where.push(`l.effective_from <= ${p(f.to)}`);
    if (f.from) where.push(`(l.effective_to IS NULL OR l.effective_to >= ${p(f.from)})`);
    if (f.awaiting === 'OBJECTION') {
      where.push(`EXISTS (SELECT 1 FROM objection o WHERE o.listing_id = l.id AND o.status = 'OPEN')`);
    }
    if (f.awaiting === 'REPAIR') {
      where.push(
        `EXISTS (SELECT 1 FROM repair_request r WHERE r.listing_id = l.id AND r.status = 'PENDING')`,
      );
    }
    if (f.authority) where.push(`c.authority ILIKE '%' || ${p(escapeLike(f.authority))} || '%'`);
    if (f.text) {
      const t = p(escapeLike(f.text));
      where.push(`(s.name ILIKE '%' || ${t} || '%' OR c.decision_number ILIKE '%' || ${t} || '%'
        OR l.designation_document ILIKE '%' || ${t} || '%')`);
    }
    const filter = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const [{ total }] = await this.dataSource.query(
      `SELECT count(*)::int AS total FROM listing l JOIN subject s ON s.id = l.subject_id
       LEFT JOIN misconduct_case c ON c.id = l.case_id ${filter}`,
      params,
    );
    const items = await this.dataSource.query(
      `${LISTING_SELECT} ${filter} ORDER BY l.proposed_at DESC, l.id LIMIT ${p(f.limit)} OFFSET ${p(f.offset)}`,
      params,
    );
    return { items, total };
  }

  async insertObjection(
    m: EntityManager,
    o: { listingId: string; raisedBy: string; reason: string; recordedBy: string | null },
  ): Promise<ObjectionRow> {
    const [row] = await m.query(
      `INSERT INTO objection (listing_id, raised_by, reason, recorded_by) VALUES ($1, $2, $3, $4)
       RETURNING ${OBJECTION_COLUMNS}`,
      [o.listingId, o.raisedBy, o.reason, o.recordedBy],
    );
    return row;
  }

  async objection(
    m: EntityManager,
    listingId: string,
    id: string,
    lock = false,
  ): Promise<ObjectionRow | undefined> {
    const [row] = await m.query(
      `${OBJECTION_SELECT} WHERE listing_id = $1 AND id = $2${lock ? ' FOR UPDATE' : ''}`,
      [listingId, id],
    );
    return row;
  }

  objections(listingId: string, m?: EntityManager): Promise<ObjectionRow[]> {
    return this.q(m).query(`${OBJECTION_SELECT} WHERE listing_id = $1 ORDER BY created_at, id`, [listingId]);
  }

  async resolveObjection(
    m: EntityManager,
    id: string,
    status: 'UPHELD' | 'REJECTED',
    by: string | null,
    reason: string,
  ) {
    await m.query(
      `UPDATE objection SET status = $2, resolved_by = $3, resolved_at = now(), resolution_reason = $4 WHERE id = $1`,
      [id, status, by, reason],
    );
  }

  /**
   * Closes an ended entry's open objections and pending repair requests (CLOSED, with who and why)
   * and clears its objection flag; returns the ids closed.
   */
  async closeOpenMatters(
    m: EntityManager,
    listingId: string,
    by: string | null,
    reason: string,
  ): Promise<{ objections: string[]; repairs: string[] }> {
    // TypeORM answers an UPDATE with [rows, affected row count].
    const [objections]: [{ id: string }[], number] = await m.query(
      `UPDATE objection SET status = 'CLOSED', resolved_by = $2, resolved_at = now(), resolution_reason = $3
       WHERE listing_id = $1 AND status = 'OPEN' RETURNING id`,
      [listingId, by, reason],
    );
    const [repairs]: [{ id: string }[], number] = await m.query(
      `UPDATE repair_request SET status = 'CLOSED', decided_by = $2, decided_at = now(), decision_reason = $3
       WHERE listing_id = $1 AND status = 'PENDING' RETURNING id`,
      [listingId, by, reason],
    );
    if (objections.length > 0) {
      noteChange(m, 'LISTING', listingId, 'OBJECTION_CLEARED');
      await m.query('UPDATE listing SET under_objection = false WHERE id = $1', [listingId]);
    }
    return { objections: objections.map((o) => o.id), repairs: repairs.map((r) => r.id) };
  }

  async openObjectionCount(m: EntityManager, listingId: string): Promise<number> {
    const [{ n }] = await m.query(
      "SELECT count(*)::int AS n FROM objection WHERE listing_id = $1 AND status = 'OPEN'",
      [listingId],
    );
    return n;
  }

  async insertRepair(
    m: EntityManager,
    r: {
      listingId: string;
      correctionDone: boolean;
      obligationsMet: boolean;
      commitmentMade: boolean;
      statement: string | null;
      requestedBy: string | null;
    },
  ): Promise<RepairRow> {
    const [row] = await m.query(
      `INSERT INTO repair_request (listing_id, correction_done, obligations_met, commitment_made, statement, requested_by)
       VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${REPAIR_COLUMNS}`,
      [r.listingId, r.correctionDone, r.obligationsMet, r.commitmentMade, r.statement, r.requestedBy],
    );
    return row;
  }

  async repair(
    m: EntityManager,
    listingId: string,
    id: string,
    lock = false,
  ): Promise<RepairRow | undefined> {
    const [row] = await m.query(
      `${REPAIR_SELECT} WHERE listing_id = $1 AND id = $2${lock ? ' FOR UPDATE' : ''}`,
      [listingId, id],
    );
    return row;
  }

  repairs(listingId: string, m?: EntityManager): Promise<RepairRow[]> {
    return this.q(m).query(`${REPAIR_SELECT} WHERE listing_id = $1 ORDER BY requested_at, id`, [listingId]);
  }

  async decideRepair(
    m: EntityManager,
    id: string,
    status: 'APPROVED' | 'REFUSED',
    by: string | null,
    reason: string | null,
  ) {
    await m.query(
      'UPDATE repair_request SET status = $2, decided_by = $3, decided_at = now(), decision_reason = $4 WHERE id = $1',
      [id, status, by, reason],
    );
  }

  async pendingRepairExists(m: EntityManager, listingId: string): Promise<boolean> {
    const rows = await m.query("SELECT 1 FROM repair_request WHERE listing_id = $1 AND status = 'PENDING'", [
      listingId,
    ]);
    return rows.length > 0;
  }
}
