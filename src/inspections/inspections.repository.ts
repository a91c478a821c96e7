import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import type { DrawDocument, Redraw } from './draw-document';
import type { DrawParameters } from './draw';
import type { FindingOutcome, PlanStatus, PoolKind } from './inspections.types';
import type { ProtectedIdentifier } from '../personal-data/personal-data.protector';
import type { PoolInspectorRow, PoolTargetRow } from './pool-file';

interface PoolVersionRow {
  id: string;
  poolId: string;
  kind: PoolKind;
  poolName: string;
  version: number;
  fileName: string;
  format: string;
  rowCount: number;
  hash: string;
  createdAt: Date;
}

export interface PoolRow {
  id: string;
  kind: PoolKind;
  name: string;
  createdAt: Date;
  versions: { id: string; version: number; rowCount: number; hash: string; createdAt: string }[];
}

/** A stored target, as the draw, the internal view and the public export read it. */
export type StoredTarget = Omit<PoolTargetRow, 'piIdNumber'>;

/** A stored inspector, as the draw, the internal view and the public export read it. */
export type StoredInspector = Omit<PoolInspectorRow, 'identifier'>;

/** A stored inspector with the ciphertexts the bar check decrypts. */
export type IdentifiedInspector = StoredInspector & {
  idType: string | null;
  idCountry: string;
  idCiphertext: Buffer | null;
  /** A personal identifier of the linked subject, for inspectors whose row gives none. */
  subjectIdType: string | null;
  subjectIdCountry: string | null;
  subjectIdCiphertext: Buffer | null;
};

type TargetInsert = Omit<PoolTargetRow, 'piIdNumber'> & { piId: ProtectedIdentifier | null };

type InspectorInsert = Omit<PoolInspectorRow, 'identifier'> & {
  id: (ProtectedIdentifier & { type: string; country: string }) | null;
};

export interface PlanRow {
  id: string;
  title: string;
  scope: string;
  year: number;
  items: string[];
  targetPoolVersionId: string;
  inspectorPoolVersionId: string;
  parameters: DrawParameters;
  publicValueSource: string | null;
  status: PlanStatus;
  createdBy: string;
  approvedBy: string | null;
  approvedAt: Date | null;
  closedBy: string | null;
  closedAt: Date | null;
  createdAt: Date;
  version: number;
}

interface DrawRow {
  document: DrawDocument;
  screeningCheckIds: string[];
  drawnBy: string;
  drawnAt: Date;
}

interface FindingRow {
  targetKey: string;
  outcome: FindingOutcome;
  note: string | null;
  caseId: string | null;
  recordedBy: string;
  recordedAt: Date;
}

const PLAN_SELECT = `SELECT id, title, scope, year, items, target_pool_version_id AS "targetPoolVersionId",
  inspector_pool_version_id AS "inspectorPoolVersionId", parameters, public_value_source AS "publicValueSource",
  status, created_by AS "createdBy", approved_by AS "approvedBy", approved_at AS "approvedAt",
  closed_by AS "closedBy", closed_at AS "closedAt", created_at AS "createdAt", version FROM inspection_plan`;

/** Rows per INSERT … SELECT unnest(…) when a pool version is stored. */
const INSERT_CHUNK = 5000;

function chunks<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += INSERT_CHUNK) out.push(items.slice(i, i + INSERT_CHUNK));
  return out;
}

/** SQL of pools, their frozen versions, plans, draws, redraws and findings. */
@Injectable()
export class InspectionsRepository {
  constructor(private readonly dataSource: DataSource) {}

  private q(m?: EntityManager) {
    return m ?? this.dataSource.manager;
  }

  async insertPool(
    m: EntityManager,
    kind: PoolKind,
    name: string,
    createdBy: string | null,
  ): Promise<string> {
    const [row] = await m.query(
      'INSERT INTO inspection_pool (kind, name, created_by) VALUES ($1, $2, $3) RETURNING id',
      [kind, name, createdBy],
    );
    return row.id;
  }

  private readonly poolSelect = `SELECT p.id, p.kind, p.name, p.created_at AS "createdAt",
      COALESCE((SELECT json_agg(json_build_object('id', v.id, 'version', v.version, 'rowCount', v.row_count,
        'hash', v.hash, 'createdAt', v.created_at) ORDER BY v.version)
        FROM inspection_pool_version v WHERE v.pool_id = p.id), '[]') AS versions
    FROM inspection_pool p`;

  async findPool(id: string, m?: EntityManager, lock = false): Promise<PoolRow | undefined> {
    const [row] = await this.q(m).query(
      `${this.poolSelect} WHERE p.id = $1${lock ? ' FOR UPDATE OF p' : ''}`,
      [id],
    );
    return row;
  }

  async listPools(offset: number, limit: number): Promise<{ items: PoolRow[]; total: number }> {
    const [{ total }] = await this.dataSource.query('SELECT count(*)::int AS total FROM inspection_pool');
    const items = await this.dataSource.query(
      `${this.poolSelect} ORDER BY p.created_at DESC, p.id LIMIT $1 OFFSET $2`,
      [limit, offset],
    );
    return { items, total };
  }

  async insertVersion(
    m: EntityManager,
    v: {
      poolId: string;
      fileName: string;
      format: string;
      rowCount: number;
      hash: string;
      createdBy: string | null;
    },
  ): Promise<{ id: string; version: number }> {
    const [row] = await m.query(
      `INSERT INTO inspection_pool_version (pool_id, version, file_name, format, row_count, hash, created_by)
       SELECT $1, COALESCE(max(version), 0) + 1, $2, $3, $4, $5, $6 FROM inspection_pool_version WHERE pool_id = $1
       RETURNING id, version`,
      [v.poolId, v.fileName, v.format, v.rowCount, v.hash, v.createdBy],
    );
    return row;
  }

  async insertTargets(m: EntityManager, versionId: string, rows: readonly TargetInsert[]): Promise<void> {
    for (const part of chunks(rows)) {
      await m.query(
        `INSERT INTO inspection_pool_target (version_id, key, kind, name, organisation, organisation_key, uscc,
           district, category, principal_investigator, pi_id_hash, pi_id_ciphertext, pi_id_masked)
         SELECT $1, * FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
           $8::text[], $9::text[], $10::text[], $11::bytea[], $12::bytea[], $13::text[])`,
        [
          versionId,
          part.map((r) => r.key),
          part.map((r) => r.kind),
          part.map((r) => r.name),
          part.map((r) => r.organisation),
          part.map((r) => r.organisationKey),
          part.map((r) => r.uscc),
          part.map((r) => r.district),
          part.map((r) => r.category),
          part.map((r) => r.principalInvestigator),
          part.map((r) => r.piId?.hash ?? null),
          part.map((r) => r.piId?.ciphertext ?? null),
          part.map((r) => r.piId?.masked ?? null),
        ],
      );
    }
  }

  async insertInspectors(
    m: EntityManager,
    versionId: string,
    rows: readonly InspectorInsert[],
  ): Promise<void> {
    for (const part of chunks(rows)) {
      await m.query(
        `INSERT INTO inspection_pool_inspector (version_id, key, name, organisation, organisation_key, field,
           subject_id, id_type, id_country, id_hash, id_ciphertext, id_masked, conflict_keys)
         SELECT $1, k, n, o, ok, f, s, t, c, h, x, mk, string_to_array(ck, chr(31))
         FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::uuid[], $8::text[],
           $9::text[], $10::bytea[], $11::bytea[], $12::text[], $13::text[]) AS u(k, n, o, ok, f, s, t, c, h, x, mk, ck)`,
        [
          versionId,
          part.map((r) => r.key),
          part.map((r) => r.name),
          part.map((r) => r.organisation),
          part.map((r) => r.organisationKey),
          part.map((r) => r.field),
          part.map((r) => r.subjectId),
          part.map((r) => r.id?.type ?? null),
          part.map((r) => r.id?.country ?? ''),
          part.map((r) => r.id?.hash ?? null),
          part.map((r) => r.id?.ciphertext ?? null),
          part.map((r) => r.id?.masked ?? null),
          // Keys and name keys hold no control characters: U+001F separates them.
          part.map((r) => r.conflictKeys.join('\u001f')),
        ],
      );
    }
  }

  async findVersion(id: string, m?: EntityManager): Promise<PoolVersionRow | undefined> {
    const [row] = await this.q(m).query(
      `SELECT v.id, v.pool_id AS "poolId", p.kind, p.name AS "poolName", v.version, v.file_name AS "fileName",
         v.format, v.row_count AS "rowCount", v.hash, v.created_at AS "createdAt"
       FROM inspection_pool_version v JOIN inspection_pool p ON p.id = v.pool_id WHERE v.id = $1`,
      [id],
    );
    return row;
  }

  targets(versionId: string, m?: EntityManager): Promise<StoredTarget[]> {
    return this.q(m).query(
      `SELECT key, kind, name, organisation, organisation_key AS "organisationKey", uscc, district, category,
         principal_investigator AS "principalInvestigator"
       FROM inspection_pool_target WHERE version_id = $1 ORDER BY key COLLATE "C"`,
      [versionId],
    );
  }

  inspectors(versionId: string, m?: EntityManager): Promise<StoredInspector[]> {
    return this.q(m).query(
      `SELECT key, name, organisation, organisation_key AS "organisationKey", field, subject_id AS "subjectId",
         conflict_keys AS "conflictKeys"
       FROM inspection_pool_inspector WHERE version_id = $1 ORDER BY key COLLATE "C"`,
      [versionId],
    );
  }

  /** The inspectors of a version with their identifiers (their own, else one of the linked subject). */
  inspectorsWithIdentifiers(versionId: string): Promise<IdentifiedInspector[]> {
    return this.dataSource.query(
      `SELECT i.key, i.name, i.organisation, i.organisation_key AS "organisationKey", i.field,
         i.subject_id AS "subjectId", i.conflict_keys AS "conflictKeys", i.id_type AS "idType",
         i.id_country AS "idCountry", i.id_ciphertext AS "idCiphertext",
         si.type AS "subjectIdType", si.issuing_country AS "subjectIdCountry", si.ciphertext AS "subjectIdCiphertext"
       FROM inspection_pool_inspector i
       LEFT JOIN LATERAL (SELECT type, issuing_country, ciphertext FROM subject_identifier
         WHERE subject_id = i.subject_id AND type <> 'USCC' ORDER BY created_at, id LIMIT 1) si ON true
       WHERE i.version_id = $1 ORDER BY i.key COLLATE "C"`,
      [versionId],
    );
  }

  async existingSubjects(ids: readonly string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const rows: { id: string }[] = await this.dataSource.query(
      'SELECT id FROM subject WHERE id = ANY($1::uuid[])',
      [ids],
    );
    return new Set(rows.map((r) => r.id));
  }

  async insertPlan(
    m: EntityManager,
    p: Omit<
      PlanRow,
      'id' | 'status' | 'approvedBy' | 'approvedAt' | 'closedBy' | 'closedAt' | 'createdAt' | 'version'
    >,
  ): Promise<string> {
    const [row] = await m.query(
      `INSERT INTO inspection_plan (title, scope, year, items, target_pool_version_id, inspector_pool_version_id,
         parameters, public_value_source, created_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
      [
        p.title,
        p.scope,
        p.year,
        p.items,
        p.targetPoolVersionId,
        p.inspectorPoolVersionId,
        JSON.stringify(p.parameters),
        p.publicValueSource,
        p.createdBy,
      ],
    );
    return row.id;
  }

  async findPlan(id: string, m?: EntityManager, lock = false): Promise<PlanRow | undefined> {
    const [row] = await this.q(m).query(`${PLAN_SELECT} WHERE id = $1${lock ? ' FOR UPDATE' : ''}`, [id]);
    return row;
  }

  /** The display names of these users (an id no user has is left out). */
  async userNames(ids: readonly string[]): Promise<Map<string, string>> {
    if (ids.length === 0) return new Map();
    const rows: { id: string; name: string }[] = await this.dataSource.query(
      'SELECT id, display_name AS name FROM app_user WHERE id = ANY($1::uuid[])',
      [ids],
    );
    return new Map(rows.map((r) => [r.id, r.name]));
  }

  async listPlans(f: {
    status?: string;
    offset: number;
    limit: number;
  }): Promise<{ items: PlanRow[]; total: number }> {
    const where = f.status ? 'WHERE status = $1' : '';
    const params: unknown[] = f.status ? [f.status] : [];
    const [{ total }] = await this.dataSource.query(
      `SELECT count(*)::int AS total FROM inspection_plan ${where}`,
      params,
    );
    const items = await this.dataSource.query(
      `${PLAN_SELECT} ${where} ORDER BY ${f.status === 'CLOSED' ? 'closed_at DESC,' : ''} created_at DESC, id
       LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
      [...params, f.limit, f.offset],
    );
    return { items, total };
  }

  async setStatus(m: EntityManager, id: string, status: PlanStatus, actorId: string): Promise<void> {
    await m.query(
      `UPDATE inspection_plan SET status = $2, updated_at = now(), version = version + 1,
         approved_by = CASE WHEN $2 = 'APPROVED' THEN $3::uuid ELSE approved_by END,
         approved_at = CASE WHEN $2 = 'APPROVED' THEN now() ELSE approved_at END,
         closed_by = CASE WHEN $2 = 'CLOSED' THEN $3::uuid ELSE closed_by END,
         closed_at = CASE WHEN $2 = 'CLOSED' THEN now() ELSE closed_at END
       WHERE id = $1`,
      [id, status, actorId],
    );
  }

  async insertDraw(
    m: EntityManager,
    d: { planId: string; document: DrawDocument; screeningCheckIds: string[]; drawnBy: string },
  ): Promise<void> {
    await m.query(
      `INSERT INTO inspection_draw (plan_id, document, result_hash, screening_check_ids, drawn_by, drawn_at)
       VALUES ($1, $2, $3, $4, $5, $6)`,
      [
        d.planId,
        JSON.stringify(d.document),
        d.document.resultHash,
        d.screeningCheckIds,
        d.drawnBy,
        d.document.drawnAt,
      ],
    );
  }

  async findDraw(planId: string, m?: EntityManager): Promise<DrawRow | undefined> {
    const [row] = await this.q(m).query(
      `SELECT document, screening_check_ids AS "screeningCheckIds", drawn_by AS "drawnBy", drawn_at AS "drawnAt"
       FROM inspection_draw WHERE plan_id = $1`,
      [planId],
    );
    return row;
  }

  redraws(planId: string, m?: EntityManager): Promise<Redraw[]> {
    return this.q(m).query(
      `SELECT seq, target_key AS "targetKey", inspector_key AS "inspectorKey", replacement_key AS "replacementKey",
         reason FROM inspection_redraw WHERE plan_id = $1 ORDER BY seq`,
      [planId],
    );
  }

  async insertRedraw(m: EntityManager, planId: string, r: Redraw, recordedBy: string): Promise<void> {
    await m.query(
      `INSERT INTO inspection_redraw (plan_id, seq, target_key, inspector_key, replacement_key, reason, recorded_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [planId, r.seq, r.targetKey, r.inspectorKey, r.replacementKey, r.reason, recordedBy],
    );
  }

  findings(planId: string, m?: EntityManager): Promise<FindingRow[]> {
    return this.q(m).query(
      `SELECT target_key AS "targetKey", outcome, note, case_id AS "caseId", recorded_by AS "recordedBy",
         recorded_at AS "recordedAt" FROM inspection_finding WHERE plan_id = $1 ORDER BY target_key COLLATE "C"`,
      [planId],
    );
  }

  async findingExists(m: EntityManager, planId: string, targetKey: string): Promise<boolean> {
    const [row] = await m.query('SELECT 1 FROM inspection_finding WHERE plan_id = $1 AND target_key = $2', [
      planId,
      targetKey,
    ]);
    return row !== undefined;
  }

  /** Stores a finding; answers its recorded_at as the database set it. */
  async insertFinding(
    m: EntityManager,
    planId: string,
    f: {
      targetKey: string;
      outcome: FindingOutcome;
      note: string | null;
      caseId: string | null;
      recordedBy: string;
    },
  ): Promise<Date> {
    const [row] = await m.query(
      `INSERT INTO inspection_finding (plan_id, target_key, outcome, note, case_id, recorded_by)
       VALUES ($1, $2, $3, $4, $5, $6) RETURNING recorded_at AS "recordedAt"`,
      [planId, f.targetKey, f.outcome, f.note, f.caseId, f.recordedBy],
    );
    return row.recordedAt;
  }
}
