import { HttpStatus, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { AppError } from '../../common/errors/app-error';
import { Env } from '../../config/env';
import { RequestContext } from '../../common/request-context';
import { Transactions } from '../../database/transactions';
import { CheckCreateDto, CheckResultDto } from '../screening.dto';
import { ScreeningService } from '../screening.service';
import type { VerdictIncentive } from '../verdict';
import { CheckJobErrorCode, JobRowInput, RowError } from './check-job-columns';
import { CheckJobResultRow, CheckJobsRepository, VerdictCounts } from './check-jobs.repository';

/** A job this process holds: what to check, for whom, and the rows read from the file. */
export interface HeldJob {
  id: string;
  ctx: RequestContext;
  params: Omit<CheckCreateDto, 'applicants'> & { asOf: string };
  rows: JobRowInput[];
}

class JobAbandoned extends Error {}

export const STOPPED_ERROR =
  'The service stopped before the job finished; the rows answered before are kept. Submit the file again.';
export const ABANDONED_ERROR =
  'The process running this job stopped (a restart or a crash) before it finished. Submit the file again.';

function rowFromResult(position: number, cells: string[], result: CheckResultDto): CheckJobResultRow {
  const evidence = result.evidence as { reason?: string }[];
  const incentive = result.incentive as VerdictIncentive | undefined;
  const error = result.error as RowError | undefined;
  return {
    position,
    cells,
    verdict: result.verdict as CheckJobResultRow['verdict'],
    reasons:
      evidence
        .map((e) => e.reason)
        .filter(Boolean)
        .join('; ') || null,
    incentive: incentive ? (incentive.designationDocument ?? 'RED list entry') : null,
    underObjection: result.verdict === 'ERROR' ? null : result.underObjection,
    // The screening names the field inside its own batch (applicants.N.identifier.value).
    error: error ? { ...error, field: 'idNumber' } : null,
  };
}

/**
 * Runs check jobs in the background in this process: a few at a time, each in chunks of
 * `CHUNK_ROWS` through ScreeningService.check (so each chunk is a stored, audited check), storing the
 * chunk's answers and the job's progress in one transaction.
 *
 * A job does not survive its process. Jobs held here are touched every CHECK_JOB_HEARTBEAT_MS; a
 * sweep (at start-up and every CHECK_JOB_SWEEP_MS) marks FAILED the unfinished jobs nobody touched for
 * CHECK_JOB_STALE_SECONDS, so another instance's live jobs are left alone. On a graceful shutdown the
 * current chunk finishes and the jobs held are marked FAILED at once. docs/reliability.md says why
 * jobs are not resumed after a crash.
 */
@Injectable()
export class CheckJobRunner implements OnApplicationBootstrap, OnModuleDestroy {
  static readonly CHUNK_ROWS = 5000;
  static readonly MAX_RUNNING = 2;
  /**
   * Jobs held in memory (queued and running) before new ones are refused with 503: a 100,000-row job
   * holds about 60 MB of rows until its chunks are done.
   */
  static readonly MAX_HELD = 10;

  private readonly logger = new Logger(CheckJobRunner.name);
  private readonly queue: HeldJob[] = [];
  private readonly running = new Map<string, Promise<void>>();
  private stopping = false;
  private timers: NodeJS.Timeout[] = [];

  constructor(
    private readonly repository: CheckJobsRepository,
    private readonly screening: ScreeningService,
    private readonly tx: Transactions,
    private readonly env: Env,
  ) {}

  onApplicationBootstrap(): void {
    void this.sweep();
    this.timers = [
      setInterval(() => void this.heartbeat(), this.env.CHECK_JOB_HEARTBEAT_MS),
      setInterval(() => void this.sweep(), this.env.CHECK_JOB_SWEEP_MS),
    ];
    for (const timer of this.timers) timer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    this.stopping = true;
    for (const timer of this.timers) clearInterval(timer);
    const queued = this.queue.splice(0).map((j) => j.id);
    await Promise.allSettled(this.running.values());
    await this.repository.fail(queued, STOPPED_ERROR).catch((error: unknown) => {
      this.logger.error({ err: error, jobIds: queued }, 'could not mark the queued check jobs FAILED');
    });
  }

  /** @throws AppError 503 when this process already holds as many jobs as it takes. */
  assertRoom(): void {
    if (this.stopping || this.queue.length + this.running.size >= CheckJobRunner.MAX_HELD) {
      throw new AppError(
        HttpStatus.SERVICE_UNAVAILABLE,
        CheckJobErrorCode.CHECK_JOB_BUSY,
        'Too many check jobs are waiting: try again in a few minutes',
      );
    }
  }

  /** Takes a job stored as QUEUED and runs it when its turn comes. */
  enqueue(job: HeldJob): void {
    this.queue.push(job);
    this.pump();
  }

  /** Marks FAILED the jobs whose process stopped; their ids. */
  async sweep(): Promise<string[]> {
    try {
      const ids = await this.repository.failAbandoned(
        this.env.CHECK_JOB_STALE_SECONDS,
        this.heldIds(),
        ABANDONED_ERROR,
      );
      if (ids.length > 0)
        this.logger.warn({ jobIds: ids }, 'check jobs abandoned by a stopped process marked FAILED');
      return ids;
    } catch (error) {
      this.logger.error({ err: error }, 'sweeping abandoned check jobs failed; it will be retried');
      return [];
    }
  }

  private heldIds(): string[] {
    return [...this.queue.map((j) => j.id), ...this.running.keys()];
  }

  private async heartbeat(): Promise<void> {
    try {
      await this.repository.touch(this.heldIds());
    } catch (error) {
      this.logger.error({ err: error }, 'check job heartbeat failed');
    }
  }

  private pump(): void {
    while (!this.stopping && this.running.size < CheckJobRunner.MAX_RUNNING && this.queue.length > 0) {
      const job = this.queue.shift()!;
      const run = this.run(job).finally(() => {
        this.running.delete(job.id);
        this.pump();
      });
      this.running.set(job.id, run);
    }
  }

  private async run(job: HeldJob): Promise<void> {
    try {
      if (!(await this.repository.start(job.id))) throw new JobAbandoned();
      await this.process(job);
    } catch (error) {
      if (error instanceof JobAbandoned) {
        this.logger.warn({ jobId: job.id }, 'check job was marked FAILED elsewhere; stopped working on it');
        return;
      }
      const stopped = this.stopping && !(error instanceof AppError);
      if (!stopped) this.logger.error({ err: error, jobId: job.id }, 'check job failed');
      const message =
        error instanceof AppError
          ? `${error.code}: ${error.message}`
          : stopped
            ? STOPPED_ERROR
            : `An internal error stopped the job (request id ${job.ctx.requestId}); the rows answered before are kept.`;
      await this.repository.fail([job.id], message).catch((e: unknown) => {
        this.logger.error({ err: e, jobId: job.id }, 'could not mark the check job FAILED');
      });
    }
  }

  private async process(job: HeldJob): Promise<void> {
    const counts: VerdictCounts = { BLOCK: 0, REVIEW: 0, CLEAR: 0, ERROR: 0 };
    const size = CheckJobRunner.CHUNK_ROWS;
    const total = job.rows.length;
    for (let start = 0; start < total; start += size) {
      if (this.stopping) throw new Error('stopping');
      // Taken off the job, so the rows of a chunk are let go once it is stored.
      const chunk = job.rows.splice(0, size);
      const results: CheckJobResultRow[] = new Array(chunk.length);
      const live: number[] = [];
      chunk.forEach((row, i) => {
        if (row.applicant) live.push(i);
        else {
          results[i] = {
            position: start + i,
            cells: row.cells,
            verdict: 'ERROR',
            reasons: null,
            incentive: null,
            underObjection: null,
            error: row.error ?? null,
          };
          counts.ERROR++;
        }
      });
      let checkId: string | null = null;
      if (live.length > 0) {
        const answer = await this.screening.check(job.ctx, {
          ...job.params,
          applicants: live.map((i) => chunk[i].applicant!),
        });
        checkId = answer.id;
        answer.results.forEach((result, k) => {
          const i = live[k];
          results[i] = rowFromResult(start + i, chunk[i].cells, result);
          counts[results[i].verdict]++;
        });
      }
      const rowsDone = start + chunk.length;
      const saved = await this.tx.run((m) =>
        this.repository.saveChunk(m, job.id, results, {
          rowsDone,
          counts,
          checkId,
          done: rowsDone === total,
        }),
      );
      if (!saved) throw new JobAbandoned();
    }
  }
}
