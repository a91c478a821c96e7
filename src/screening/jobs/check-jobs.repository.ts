import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import type { ColumnKey, RowError } from './check-job-columns';
import type { JobFileFormat } from './check-job-file';

export type CheckJobStatus = 'QUEUED' | 'RUNNING' | 'DONE' | 'FAILED';
export type VerdictCounts = { BLOCK: number; REVIEW: number; CLEAR: number; ERROR: number };

export interface CheckJobInsert {
  id: string;
  actorType: string;
  actorId: string | null;
  actorName: string | null;
  domain: string;
  asOf: string;
  purpose: string;
  reference: string | null;
  lookbackYears: number | null;
  fileName: string;
  format: JobFileFormat;
  columns: { key: ColumnKey; header: string }[];
  rowsTotal: number;
  counts: VerdictCounts;
}

export interface CheckJobRecord extends CheckJobInsert {
  createdAt: Date;
  status: CheckJobStatus;
  rowsDone: number;
  checkIds: string[];
  error: string | null;
  startedAt: Date | null;
  finishedAt: Date | null;
  /** When housekeeping deleted its rows (CHECK_JOB_FILE_RETENTION_DAYS after it finished). */
  filesPurgedAt?: Date | null;
}

/** One row of a job's results, as stored. */
export interface CheckJobResultRow {
  position: number;
  cells: string[];
  verdict: 'BLOCK' | 'REVIEW' | 'CLEAR' | 'ERROR';
  reasons: string | null;
  incentive: string | null;
  underObjection: boolean | null;
  error: RowError | null;
}

const UNFINISHED = "('QUEUED', 'RUNNING')";

// TypeORM answers an UPDATE with [rows, affected row count].

/**
 * The SQL of check jobs. Results are written a chunk at a time with one INSERT … SELECT over a JSON
 * document and read back by keyset pages, never one statement per row.
 */
@Injectable()
export class CheckJobsRepository {
  constructor(private readonly dataSource: DataSource) {}

  async insert(m: EntityManager, job: CheckJobInsert): Promise<void> {
    await m.query(
      `INSERT INTO check_job (id, actor_type, actor_id, actor_name, domain, as_of, purpose, reference, lookback_years,
         file_name, format, columns, status, rows_total, counts)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 'QUEUED', $13, $14)`,
      [
        job.id,
        job.actorType,
        job.actorId,
        job.actorName,
        job.domain,
        job.asOf,
        job.purpose,
        job.reference,
        job.lookbackYears,
        job.fileName,
        job.format,
        JSON.stringify(job.columns),
        job.rowsTotal,
        JSON.stringify(job.counts),
      ],
    );
  }

  async find(id: string): Promise<CheckJobRecord | undefined> {
    const [row] = await this.dataSource.query(
      `SELECT id, created_at AS "createdAt", actor_type AS "actorType", actor_id AS "actorId",
         actor_name AS "actorName", domain, to_char(as_of, 'YYYY-MM-DD') AS "asOf", purpose, reference,
         lookback_years AS "lookbackYears", file_name AS "fileName", format, columns, status,
         rows_total AS "rowsTotal", rows_done AS "rowsDone", counts, check_ids AS "checkIds", error,
         started_at AS "startedAt", finished_at AS "finishedAt", files_purged_at AS "filesPurgedAt"
       FROM check_job WHERE id = $1`,
      [id],
    );
    return row;
  }

  /** QUEUED → RUNNING; false when the job is no longer queued (marked FAILED meanwhile). */
  async start(id: string): Promise<boolean> {
    const [, updated] = await this.dataSource.query(
      `UPDATE check_job SET status = 'RUNNING', started_at = now(), heartbeat_at = now()
       WHERE id = $1 AND status = 'QUEUED'`,
      [id],
    );
    return updated === 1;
  }

  /**
   * Stores a chunk's answers and the job's progress inside the caller's transaction; false (and
   * nothing should be kept) when the job is no longer RUNNING.
   */
  async saveChunk(
    m: EntityManager,
    id: string,
    rows: CheckJobResultRow[],
    progress: { rowsDone: number; counts: VerdictCounts; checkId: string | null; done: boolean },
  ): Promise<boolean> {
    const [, updated] = await m.query(
      `UPDATE check_job SET rows_done = $2, counts = $3, check_ids = check_ids || $4::uuid[], heartbeat_at = now(),
         status = CASE WHEN $5 THEN 'DONE' ELSE status END, finished_at = CASE WHEN $5 THEN now() END
       WHERE id = $1 AND status = 'RUNNING'`,
      [
        id,
        progress.rowsDone,
        JSON.stringify(progress.counts),
        progress.checkId ? [progress.checkId] : [],
        progress.done,
      ],
    );
    if (updated !== 1) return false;
    await m.query(
      `INSERT INTO check_job_row (job_id, position, cells, verdict, reasons, incentive, under_objection, error)
       SELECT $1, position, cells, verdict, reasons, incentive, under_objection, error
       FROM jsonb_to_recordset($2::jsonb) AS x(position integer, cells jsonb, verdict text, reasons text,
         incentive text, under_objection boolean, error jsonb)`,
      [
        id,
        JSON.stringify(
          rows.map((r) => ({
            position: r.position,
            cells: r.cells,
            verdict: r.verdict,
            reasons: r.reasons,
            incentive: r.incentive,
            under_objection: r.underObjection,
            error: r.error,
          })),
        ),
      ],
    );
    return true;
  }

  /** Marks the unfinished ones of these jobs FAILED with a reason. */
  async fail(ids: string[], error: string): Promise<void> {
    if (ids.length === 0) return;
    await this.dataSource.query(
      `UPDATE check_job SET status = 'FAILED', error = $2, finished_at = now()
       WHERE id = ANY($1::uuid[]) AND status IN ${UNFINISHED}`,
      [ids, error],
    );
  }

  /** Tells other instances these jobs are still being worked on. */
  async touch(ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.dataSource.query(
      `UPDATE check_job SET heartbeat_at = now() WHERE id = ANY($1::uuid[]) AND status IN ${UNFINISHED}`,
      [ids],
    );
  }

  /**
   * Marks FAILED the unfinished jobs nobody has worked on for `staleSeconds` (their process stopped),
   * except those this process holds; the ids marked.
   */
  async failAbandoned(staleSeconds: number, held: string[], error: string): Promise<string[]> {
    const [rows]: [{ id: string }[], number] = await this.dataSource.query(
      `UPDATE check_job SET status = 'FAILED', error = $3, finished_at = now()
       WHERE status IN ${UNFINISHED} AND heartbeat_at < now() - make_interval(secs => $1)
         AND NOT (id = ANY($2::uuid[]))
       RETURNING id`,
      [staleSeconds, held, error],
    );
    return rows.map((r) => r.id);
  }

  /** A page of results in input order, after `afterPosition`. */
  results(id: string, afterPosition: number, limit: number): Promise<CheckJobResultRow[]> {
    return this.dataSource.query(
      `SELECT position, cells, verdict, reasons, incentive, under_objection AS "underObjection", error
       FROM check_job_row WHERE job_id = $1 AND position > $2 ORDER BY position LIMIT $3`,
      [id, afterPosition, limit],
    );
  }
}
