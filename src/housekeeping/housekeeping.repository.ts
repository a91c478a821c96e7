import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';

/** Cut-offs of one housekeeping run: what was created (or ended) before each is purged. */
export interface PurgeCutOffs {
  /** Refresh tokens (login sessions) that expired before this: they can no longer be used nor reused. */
  sessionsExpiredBefore: Date;
  idempotencyKeysCreatedBefore: Date;
  /** Finished (DONE or FAILED) check jobs: their rows, the uploaded list with its results. */
  jobFilesFinishedBefore: Date;
  receiptsBefore: Date;
}

export interface PurgeCounts {
  sessions: number;
  idempotencyKeys: number;
  jobFiles: number;
  jobRows: number;
  receipts: number;
  /** Rate-limit counters whose window has ended (RATE_LIMIT_STORE=postgres). */
  rateLimitCounters: number;
}

// TypeORM answers a DELETE or UPDATE with [rows, affected row count].
const affected = (result: unknown): number => (result as [unknown, number])[1];

/** The purges of housekeeping (docs/reliability.md, "Retention"), run in the caller's transaction. */
@Injectable()
export class HousekeepingRepository {
  /** Whether this transaction may run housekeeping: false while another instance runs it. */
  async lock(m: EntityManager): Promise<boolean> {
    const [row] = (await m.query(
      "SELECT pg_try_advisory_xact_lock(hashtext('registry.housekeeping')) AS locked",
    )) as { locked: boolean }[];
    return row.locked;
  }

  async purge(m: EntityManager, cutOffs: PurgeCutOffs): Promise<PurgeCounts> {
    const sessions = affected(
      await m.query('DELETE FROM refresh_token WHERE expires_at < $1', [cutOffs.sessionsExpiredBefore]),
    );
    const idempotencyKeys = affected(
      await m.query('DELETE FROM idempotency_key WHERE created_at < $1', [
        cutOffs.idempotencyKeysCreatedBefore,
      ]),
    );
    const jobs = (await m.query(
      `UPDATE check_job SET files_purged_at = now()
        WHERE status IN ('DONE', 'FAILED') AND finished_at < $1 AND files_purged_at IS NULL
        RETURNING id`,
      [cutOffs.jobFilesFinishedBefore],
    )) as [{ id: string }[], number];
    const jobIds = jobs[0].map((j) => j.id);
    const jobRows = jobIds.length
      ? affected(await m.query('DELETE FROM check_job_row WHERE job_id = ANY($1::uuid[])', [jobIds]))
      : 0;
    // The receipts' trigger lets exactly these through (migration AddRetentionPurges).
    await m.query("SELECT set_config('registry.receipts_purge_before', $1, true)", [
      cutOffs.receiptsBefore.toISOString(),
    ]);
    const receipts = affected(await m.query('DELETE FROM check_run WHERE at < $1', [cutOffs.receiptsBefore]));
    await m.query("SELECT set_config('registry.receipts_purge_before', '', true)");
    const rateLimitCounters = affected(
      await m.query('DELETE FROM rate_limit_counter WHERE expires_at < now()'),
    );
    return { sessions, idempotencyKeys, jobFiles: jobIds.length, jobRows, receipts, rateLimitCounters };
  }
}
