import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

/** A BLACK or RED entry that may count today, with what the public view shows of it. */
export interface DisclosureCandidateRow {
  id: string;
  listType: 'BLACK' | 'RED';
  subjectId: string;
  subjectKind: string;
  subjectName: string;
  organisation: string | null;
  effectiveFrom: string;
  effectiveTo: string | null;
  designationDocument: string | null;
  caseSeverity: string | null;
  caseDecisionDate: string | null;
  caseDecisionNumber: string | null;
  caseAuthority: string | null;
  caseLegalBasis: string | null;
  caseMisconductTypes: string[] | null;
}

export interface DisclosureIdentifierRow {
  subjectId: string;
  type: string;
  issuingCountry: string;
  masked: string;
}

/** SQL of the public view: candidates, their shown identifiers, and when any of it last changed. */
@Injectable()
export class DisclosureRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * BLACK and RED entries whose stored row says they were approved and may count on `today`: a
   * superset the pure rule (public-entry.ts) narrows with each entry's history.
   */
  candidates(today: string): Promise<DisclosureCandidateRow[]> {
    return this.dataSource.query(
      `SELECT l.id, l.list_type AS "listType", s.id AS "subjectId", s.kind AS "subjectKind", s.name AS "subjectName",
         s.organisation, to_char(l.effective_from, 'YYYY-MM-DD') AS "effectiveFrom",
         to_char(l.effective_to, 'YYYY-MM-DD') AS "effectiveTo", l.designation_document AS "designationDocument",
         c.severity AS "caseSeverity", to_char(c.decision_date, 'YYYY-MM-DD') AS "caseDecisionDate",
         c.decision_number AS "caseDecisionNumber", c.authority AS "caseAuthority", c.legal_basis AS "caseLegalBasis",
         c.misconduct_types AS "caseMisconductTypes"
       FROM listing l JOIN subject s ON s.id = l.subject_id LEFT JOIN misconduct_case c ON c.id = l.case_id
       WHERE l.list_type IN ('BLACK','RED') AND l.status NOT IN ('PROPOSED','REJECTED')
         AND l.effective_from <= $1 AND (l.effective_to IS NULL OR l.effective_to >= $1)
         AND (l.terminated_from IS NULL OR l.terminated_from > $1)
       ORDER BY l.effective_from DESC, l.id`,
      [today],
    );
  }

  /** The stored masked form of each subject's identifiers (a USCC in full, a resident ID 6 + 4). */
  identifiers(subjectIds: string[]): Promise<DisclosureIdentifierRow[]> {
    if (subjectIds.length === 0) return Promise.resolve([]);
    return this.dataSource.query(
      `SELECT subject_id AS "subjectId", type, issuing_country AS "issuingCountry", masked
       FROM subject_identifier WHERE subject_id = ANY($1::uuid[]) ORDER BY subject_id, type, created_at, id`,
      [subjectIds],
    );
  }

  /** The subjects holding this exact identifier (normal form, keyed hash). */
  async subjectsWithIdentifier(type: string, issuingCountry: string, hash: Buffer): Promise<string[]> {
    const rows: { subjectId: string }[] = await this.dataSource.query(
      `SELECT subject_id AS "subjectId" FROM subject_identifier
       WHERE type = $1 AND issuing_country = $2 AND lookup_hash = $3`,
      [type, issuingCountry, hash],
    );
    return rows.map((r) => r.subjectId);
  }

  /**
   * What the public view was computed from, cheaply: the change feed's last row (every write to list
   * entries, cases and subjects adds one) and the latest rule-data version. Null parts: none yet.
   */
  async stamp(): Promise<{ seq: string | null; changedAt: Date | null; rulesAt: Date | null }> {
    const [row] = await this.dataSource.query(
      `SELECT (SELECT e.seq::text FROM change_event e ORDER BY e.seq DESC LIMIT 1) AS seq,
         (SELECT e.recorded_at FROM change_event e ORDER BY e.seq DESC LIMIT 1) AS "changedAt",
         (SELECT max(created_at) FROM rule_set) AS "rulesAt"`,
    );
    return {
      seq: row.seq,
      changedAt: row.changedAt ? new Date(row.changedAt) : null,
      rulesAt: row.rulesAt ? new Date(row.rulesAt) : null,
    };
  }
}
