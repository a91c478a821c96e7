import { Injectable } from '@nestjs/common';
import { AuditService } from '../audit/audit.service';
import { systemContext } from '../common/request-context';
import { Env } from '../config/env';
import { Transactions } from '../database/transactions';
import { ListingsService } from '../listings/listings.service';
import { todayIn } from '../rules/rules';
import { HousekeepingRepository, PurgeCounts, PurgeCutOffs } from './housekeeping.repository';

const DAY_MS = 86_400_000;

/** What one run did. `skipped`: another instance was running it at the same moment. */
export interface HousekeepingReport {
  now: string;
  today: string;
  expiredListings: string[];
  purged: PurgeCounts | null;
  cutOffs: PurgeCutOffs;
  skipped: boolean;
}

/** `years` whole calendar years before `now` (UTC). */
function yearsBefore(now: Date, years: number): Date {
  const d = new Date(now);
  d.setUTCFullYear(d.getUTCFullYear() - years);
  return d;
}

/**
 * Housekeeping (docs/reliability.md, "Retention and housekeeping"): list entries whose end date has
 * passed are marked EXPIRED, and what has outlived its retention is purged: expired refresh tokens,
 * idempotency keys past IDEMPOTENCY_KEY_TTL_HOURS, finished jobs' rows past
 * CHECK_JOB_FILE_RETENTION_DAYS, check receipts past RECEIPT_RETENTION_YEARS. Each run is audited
 * (HOUSEKEEPING_RUN, with its cut-offs and counts) in the purge's own transaction.
 */
@Injectable()
export class HousekeepingService {
  constructor(
    private readonly env: Env,
    private readonly listings: ListingsService,
    private readonly repository: HousekeepingRepository,
    private readonly audit: AuditService,
    private readonly tx: Transactions,
  ) {}

  cutOffs(now: Date): PurgeCutOffs {
    return {
      sessionsExpiredBefore: now,
      idempotencyKeysCreatedBefore: new Date(now.getTime() - this.env.IDEMPOTENCY_KEY_TTL_HOURS * 3_600_000),
      jobFilesFinishedBefore: new Date(now.getTime() - this.env.CHECK_JOB_FILE_RETENTION_DAYS * DAY_MS),
      receiptsBefore: yearsBefore(now, this.env.RECEIPT_RETENTION_YEARS),
    };
  }

  /** One run as of `now` (tests choose it; the schedule passes the clock's). */
  async run(now: Date = new Date()): Promise<HousekeepingReport> {
    const ctx = systemContext('housekeeping');
    const today = todayIn(now);
    const expiredListings = await this.listings.expireEnded(ctx, today);
    const cutOffs = this.cutOffs(now);
    const purged = await this.tx.run(async (m) => {
      if (!(await this.repository.lock(m))) return null;
      const counts = await this.repository.purge(m, cutOffs);
      await this.audit.record(m, ctx, {
        action: 'HOUSEKEEPING_RUN',
        targetType: 'SYSTEM',
        changes: {
          now: now.toISOString(),
          today,
          expiredListings: expiredListings.length,
          cutOffs,
          purged: counts,
        },
      });
      return counts;
    });
    return { now: now.toISOString(), today, expiredListings, purged, cutOffs, skipped: purged === null };
  }
}
