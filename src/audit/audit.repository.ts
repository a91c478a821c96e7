import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { AuditRecord, ChainLink } from './audit-chain';

export interface AuditInsert {
  at: Date;
  actorType: AuditRecord['actorType'];
  actorId: string | null;
  actorName: string | null;
  actorRoles: string[];
  action: string;
  targetType: string | null;
  targetId: string | null;
  requestId: string | null;
  purpose: string | null;
  changes: unknown;
}

export interface AuditFilter {
  actorId?: string;
  action?: string;
  targetType?: string;
  targetId?: string;
  from?: Date;
  to?: Date;
  /** Entries with a smaller seq than this (keyset pagination, newest first). */
  beforeSeq?: string;
  /** Entries with a larger seq than this (export, oldest first). */
  afterSeq?: string;
}

export interface AuditRow extends AuditRecord {
  position: string | null;
  prevHash: Buffer | null;
  hash: Buffer | null;
}

interface RawEntry {
  seq: string;
  at: Date;
  actor_type: AuditRecord['actorType'];
  actor_id: string | null;
  actor_name: string | null;
  actor_roles: string[];
  action: string;
  target_type: string | null;
  target_id: string | null;
  request_id: string | null;
  purpose: string | null;
  changes: unknown;
  position: string | null;
  prev_hash: Buffer | null;
  hash: Buffer | null;
}

const ENTRY_COLUMNS = `e.seq, e.at, e.actor_type, e.actor_id, e.actor_name, e.actor_roles, e.action, e.target_type,
  e.target_id, e.request_id, e.purpose, e.changes`;

const toRecord = (r: RawEntry): AuditRecord => ({
  seq: r.seq,
  at: r.at,
  actorType: r.actor_type,
  actorId: r.actor_id,
  actorName: r.actor_name,
  actorRoles: r.actor_roles,
  action: r.action,
  targetType: r.target_type,
  targetId: r.target_id,
  requestId: r.request_id,
  purpose: r.purpose,
  changes: r.changes,
});

/** State of one sealing round across its batches. */
export interface SealRound {
  horizon?: string;
  floor?: string;
  afterSeq: string;
  sealed: number;
}

/** Advisory lock key of the sealer: one sealing round at a time across every instance. */
const SEALER_LOCK = 7_351_001;

/**
 * The INSERT of `entries` with its one parameter numbered `param`, to run alone or as the last part
 * of a larger statement (a group commit writing another table's rows in the same statement).
 */
export function auditInsertStatement(entries: AuditInsert[], param = 1): { text: string; values: unknown[] } {
  return {
    text: `INSERT INTO audit_entry (at, actor_type, actor_id, actor_name, actor_roles, action, target_type, target_id,
       request_id, purpose, changes)
     SELECT at, actor_type, actor_id, actor_name, ARRAY(SELECT jsonb_array_elements_text(actor_roles)), action,
       target_type, target_id, request_id, purpose, changes
     FROM jsonb_to_recordset($${param}::jsonb) AS x(at timestamptz, actor_type text, actor_id text, actor_name text,
       actor_roles jsonb, action text, target_type text, target_id text, request_id text, purpose text,
       changes jsonb)`,
    values: [
      JSON.stringify(
        entries.map((e) => ({
          at: e.at.toISOString(),
          actor_type: e.actorType,
          actor_id: e.actorId,
          actor_name: e.actorName,
          actor_roles: e.actorRoles,
          action: e.action,
          target_type: e.targetType,
          target_id: e.targetId,
          request_id: e.requestId,
          purpose: e.purpose,
          changes: e.changes ?? null,
        })),
      ),
    ],
  };
}

/** The audit trail's SQL: entries are only inserted; seals are only appended by the sealer. */
@Injectable()
export class AuditRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Inserts entries inside the caller's transaction (one statement for any number of entries). */
  async insert(manager: EntityManager, entries: AuditInsert[]): Promise<void> {
    if (entries.length === 0) return;
    const { text, values } = auditInsertStatement(entries);
    await manager.query(text, values);
  }

  /**
   * One sealing batch, in its own transaction: chain, after the last link and in seq order, entries
   * not sealed yet whose writing transaction had ended when the round began (xid below the round's
   * horizon, the oldest transaction then running). A round is one or more batches sharing a horizon;
   * `round` carries it and a seq cursor between batches, so no batch rescans what the previous ones
   * sealed. When a round completes, its horizon becomes the floor below which every entry is sealed.
   * Returns null when another instance holds the sealer lock.
   */
  async sealBatch(
    round: SealRound,
    limit: number,
    hashOf: (prevHash: Buffer, entry: AuditRecord) => Buffer,
    genesis: Buffer,
  ): Promise<{ sealed: number; complete: boolean } | null> {
    return this.dataSource.transaction(async (m) => {
      const [{ locked }] = await m.query('SELECT pg_try_advisory_xact_lock($1) AS locked', [SEALER_LOCK]);
      if (!locked) return null;
      if (!round.horizon) {
        [{ horizon: round.horizon }] = await m.query(
          'SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS horizon',
        );
        const [previous] = await m.query(
          'SELECT horizon::text AS floor FROM audit_seal_round WHERE complete ORDER BY id DESC LIMIT 1',
        );
        round.floor = previous?.floor ?? '0';
      }
      const [last] = await m.query('SELECT position, hash FROM audit_seal ORDER BY position DESC LIMIT 1');
      const rows: RawEntry[] = await m.query(
        `SELECT ${ENTRY_COLUMNS} FROM audit_entry e
         WHERE e.xid >= $1::xid8 AND e.xid < $2::xid8 AND e.seq > $3
           AND NOT EXISTS (SELECT 1 FROM audit_seal s WHERE s.entry_seq = e.seq)
         ORDER BY e.seq LIMIT $4`,
        [round.floor, round.horizon, round.afterSeq, limit],
      );
      let position = BigInt(last?.position ?? 0);
      let prevHash: Buffer = last?.hash ?? genesis;
      const positions: string[] = [];
      const seqs: string[] = [];
      const prevHashes: Buffer[] = [];
      const hashes: Buffer[] = [];
      for (const row of rows) {
        const hash = hashOf(prevHash, toRecord(row));
        position += 1n;
        positions.push(position.toString());
        seqs.push(row.seq);
        prevHashes.push(prevHash);
        hashes.push(hash);
        prevHash = hash;
      }
      if (rows.length > 0) {
        await m.query(
          `INSERT INTO audit_seal (position, entry_seq, prev_hash, hash)
           SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::bytea[], $4::bytea[])`,
          [positions, seqs, prevHashes, hashes],
        );
        round.afterSeq = rows[rows.length - 1].seq;
        round.sealed += rows.length;
      }
      const complete = rows.length < limit;
      if (complete && round.sealed > 0) {
        await m.query(
          'INSERT INTO audit_seal_round (horizon, complete, sealed, last_position) VALUES ($1::xid8, true, $2, $3)',
          [round.horizon, round.sealed, position.toString()],
        );
      }
      return { sealed: rows.length, complete };
    });
  }

  /** Sealed links from a position on, in order, for verification. */
  async links(afterPosition: string, limit: number): Promise<ChainLink[]> {
    const rows: (RawEntry & { position: string; prev_hash: Buffer; hash: Buffer })[] =
      await this.dataSource.query(
        `SELECT s.position, s.prev_hash, s.hash, ${ENTRY_COLUMNS}
       FROM audit_seal s JOIN audit_entry e ON e.seq = s.entry_seq
       WHERE s.position > $1 ORDER BY s.position LIMIT $2`,
        [afterPosition, limit],
      );
    return rows.map((r) => ({
      position: r.position,
      prevHash: r.prev_hash,
      hash: r.hash,
      entry: toRecord(r),
    }));
  }

  async counts(): Promise<{ entries: number; sealed: number }> {
    const [row] = await this.dataSource.query(
      `SELECT (SELECT count(*) FROM audit_entry)::int AS entries, (SELECT count(*) FROM audit_seal)::int AS sealed`,
    );
    return row;
  }

  async head(): Promise<{ position: string; seq: string; hash: Buffer; sealedAt: Date } | undefined> {
    const [row] = await this.dataSource.query(
      'SELECT position, entry_seq AS seq, hash, sealed_at AS "sealedAt" FROM audit_seal ORDER BY position DESC LIMIT 1',
    );
    return row;
  }

  /** Entries matching the filter with their seal (if sealed yet). */
  async find(filter: AuditFilter, limit: number, order: 'ASC' | 'DESC'): Promise<AuditRow[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (sql: string, value: unknown) => {
      params.push(value);
      where.push(sql.replace('?', `$${params.length}`));
    };
    if (filter.actorId) add('e.actor_id = ?', filter.actorId);
    if (filter.action) add('e.action = ?', filter.action);
    if (filter.targetType) add('e.target_type = ?', filter.targetType);
    if (filter.targetId) add('e.target_id = ?', filter.targetId);
    if (filter.from) add('e.at >= ?', filter.from);
    if (filter.to) add('e.at < ?', filter.to);
    if (filter.beforeSeq) add('e.seq < ?', filter.beforeSeq);
    if (filter.afterSeq) add('e.seq > ?', filter.afterSeq);
    params.push(limit);
    const rows: RawEntry[] = await this.dataSource.query(
      `SELECT ${ENTRY_COLUMNS}, s.position, s.prev_hash, s.hash
       FROM audit_entry e LEFT JOIN audit_seal s ON s.entry_seq = e.seq
       ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY e.seq ${order} LIMIT $${params.length}`,
      params,
    );
    return rows.map((r) => ({ ...toRecord(r), position: r.position, prevHash: r.prev_hash, hash: r.hash }));
  }
}
