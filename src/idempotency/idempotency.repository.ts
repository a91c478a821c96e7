import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';

/** Whose key it is: keys are scoped per caller, so two callers may use the same key. */
export interface IdempotencyCaller {
  type: 'USER' | 'API_CLIENT';
  id: string;
}

export interface IdempotencyRecord {
  requestHash: Buffer;
  state: 'IN_FLIGHT' | 'DONE';
  writeCommitted: boolean;
  responseStatus: number | null;
  responseBody: string | null;
  responseLocation: string | null;
  createdAt: Date;
}

export interface StoredAnswer {
  status: number;
  body: string | null;
  location: string | null;
}

interface RawRecord {
  request_hash: Buffer;
  state: 'IN_FLIGHT' | 'DONE';
  write_committed: boolean;
  response_status: number | null;
  response_body: string | null;
  response_location: string | null;
  created_at: Date;
}

const toRecord = (r: RawRecord): IdempotencyRecord => ({
  requestHash: r.request_hash,
  state: r.state,
  writeCommitted: r.write_committed,
  responseStatus: r.response_status,
  responseBody: r.response_body,
  responseLocation: r.response_location,
  createdAt: r.created_at,
});

@Injectable()
export class IdempotencyRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Claims the key for a request: inserts it IN_FLIGHT, or takes over a row that no longer counts
   * (older than `ttlMs`, or left IN_FLIGHT without a write for longer than `leaseMs` by a request
   * that died, with the same request). Returns true when claimed; false when a live row holds it.
   */
  async claim(
    caller: IdempotencyCaller,
    key: string,
    requestHash: Buffer,
    ttlMs: number,
    leaseMs: number,
  ): Promise<boolean> {
    const rows: unknown[] = await this.dataSource.query(
      `INSERT INTO idempotency_key (caller_type, caller_id, key, request_hash, state)
       VALUES ($1, $2, $3, $4, 'IN_FLIGHT')
       ON CONFLICT (caller_type, caller_id, key) DO UPDATE
         SET request_hash = EXCLUDED.request_hash, state = 'IN_FLIGHT', write_committed = false,
             response_status = NULL, response_body = NULL, response_location = NULL,
             created_at = now(), completed_at = NULL
         WHERE idempotency_key.created_at < now() - make_interval(secs => $5::double precision / 1000)
            OR (idempotency_key.state = 'IN_FLIGHT' AND NOT idempotency_key.write_committed
                AND idempotency_key.request_hash = EXCLUDED.request_hash
                AND idempotency_key.created_at < now() - make_interval(secs => $6::double precision / 1000))
       RETURNING 1`,
      [caller.type, caller.id, key, requestHash, ttlMs, leaseMs],
    );
    return rows.length === 1;
  }

  async find(caller: IdempotencyCaller, key: string): Promise<IdempotencyRecord | undefined> {
    const [row] = (await this.dataSource.query(
      `SELECT request_hash, state, write_committed, response_status, response_body, response_location, created_at
         FROM idempotency_key WHERE caller_type = $1 AND caller_id = $2 AND key = $3`,
      [caller.type, caller.id, key],
    )) as RawRecord[];
    return row && toRecord(row);
  }

  /** In the request's write transaction: the write and the mark commit together. */
  async markWritten(m: EntityManager, caller: IdempotencyCaller, key: string): Promise<void> {
    await m.query(
      `UPDATE idempotency_key SET write_committed = true
        WHERE caller_type = $1 AND caller_id = $2 AND key = $3 AND state = 'IN_FLIGHT'`,
      [caller.type, caller.id, key],
    );
  }

  async complete(caller: IdempotencyCaller, key: string, answer: StoredAnswer): Promise<void> {
    await this.dataSource.query(
      `UPDATE idempotency_key
          SET state = 'DONE', response_status = $4, response_body = $5, response_location = $6,
              completed_at = now()
        WHERE caller_type = $1 AND caller_id = $2 AND key = $3`,
      [caller.type, caller.id, key, answer.status, answer.body, answer.location],
    );
  }

  /** Frees a key whose request failed before writing anything, so a retry runs afresh. */
  async release(caller: IdempotencyCaller, key: string): Promise<void> {
    await this.dataSource.query(
      `DELETE FROM idempotency_key
        WHERE caller_type = $1 AND caller_id = $2 AND key = $3 AND state = 'IN_FLIGHT' AND NOT write_committed`,
      [caller.type, caller.id, key],
    );
  }
}
