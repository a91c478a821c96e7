/**
 * Whether a list entry counts on a given day, as the registry knew it at a given moment: the rule
 * screening rests on. Pure functions: no framework, no I/O.
 *
 * Days are calendar days of China Standard Time (UTC+8, no daylight saving): the issuing bodies date
 * their decisions and periods by that calendar, so "in force on 2026-03-20" means at the end of that day
 * in Beijing, whatever the time zone of the server or the caller.
 *
 * Two kinds of fact decide, and they are kept apart:
 * - the status history (approved, rejected, revoked, repaired), which says what the registry had
 *   recorded by an instant; and
 * - the effective period (effectiveFrom–effectiveTo, inclusive calendar dates), which alone says when
 *   the sanction or designation runs. A stored EXPIRED status is bookkeeping: it neither ends an entry
 *   early nor is needed for an entry to end.
 */
import { ListingStatus } from './listing-lifecycle';
import { CHINA_UTC_OFFSET_MS } from '../common/china-date';

/** Why an entry does or does not count on a day. */
export const InForceReason = {
  IN_FORCE: 'IN_FORCE',
  NOT_APPROVED: 'NOT_APPROVED',
  REJECTED: 'REJECTED',
  NOT_YET_EFFECTIVE: 'NOT_YET_EFFECTIVE',
  ENDED: 'ENDED',
  REVOKED: 'REVOKED',
  REPAIRED: 'REPAIRED',
} as const;
export type InForceReason = (typeof InForceReason)[keyof typeof InForceReason];

/** Every reason, for `@IsIn` and API schemas. */
export const IN_FORCE_REASONS: readonly InForceReason[] = Object.values(InForceReason);

/** The label users see for each reason. */
export const IN_FORCE_REASON_LABELS: Readonly<Record<InForceReason, string>> = {
  IN_FORCE: '有效',
  NOT_APPROVED: '尚未批准列入',
  REJECTED: '未予列入',
  NOT_YET_EFFECTIVE: '尚未生效',
  ENDED: '期限已满',
  REVOKED: '已撤销',
  REPAIRED: '已信用修复',
};

/** One change of status: the status and the instant it began, as recorded by the registry. */
export interface ListingStatusEvent {
  status: ListingStatus;
  /** ISO 8601 timestamp with a zone designator (`Z` or `±hh:mm`). */
  at: string;
}

/** What inForceAt needs to know of a list entry. */
export interface InForceListing {
  /** Every status the entry has had, in any order. */
  history: readonly ListingStatusEvent[];
  /** First day the entry runs (`YYYY-MM-DD`, China Standard Time), inclusive. */
  effectiveFrom: string;
  /** Last day the entry runs, inclusive; null when open-ended or for life. */
  effectiveTo: string | null;
}

export interface InForceResult {
  inForce: boolean;
  reason: InForceReason;
}

const DAY_MS = 24 * 60 * 60 * 1000;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
// A zone is required: without one, Date.parse reads the server's local time.
const TIMESTAMP = /^(\d{4}-\d{2}-\d{2})T([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d+)?)?(Z|[+-]\d{2}:[0-5]\d)$/i;

/**
 * Statuses that end an entry's life for good, mapped to the reason they give. Their order breaks ties
 * between ending events at the same instant, so the answer never hangs on the order rows were read in:
 * a revocation says the entry should not stand at all, the strongest of the three.
 */
const ENDING = new Map<string, InForceReason>([
  [ListingStatus.REVOKED, InForceReason.REVOKED],
  [ListingStatus.REJECTED, InForceReason.REJECTED],
  [ListingStatus.REPAIRED, InForceReason.REPAIRED],
]);
const ENDING_RANK = new Map([...ENDING.keys()].map((status, i) => [status, i]));
const endingRank = (status: string): number => ENDING_RANK.get(status) ?? ENDING_RANK.size;

/** Midnight UTC of a `YYYY-MM-DD` day in ms, or NaN when it is not a real day (2024-02-30). */
function utcMidnightOrNaN(date: string): number {
  const match = DATE.exec(date);
  if (!match) return NaN;
  const [year, month, day] = match.slice(1).map(Number);
  const d = new Date(0);
  // setUTCFullYear rather than Date.UTC, which reads years 0–99 as 1900–1999.
  d.setUTCFullYear(year, month - 1, day);
  const real = d.getUTCFullYear() === year && d.getUTCMonth() === month - 1 && d.getUTCDate() === day;
  return real ? d.getTime() : NaN;
}

const isRealDay = (date: string): boolean => !Number.isNaN(utcMidnightOrNaN(date));

/** Midnight UTC of a calendar date, in ms; RangeError unless it is `YYYY-MM-DD` and a real day. */
function utcMidnight(date: string, name: string): number {
  const ms = utcMidnightOrNaN(date);
  if (!Number.isNaN(ms)) return ms;
  throw new RangeError(`${name} must be a calendar date YYYY-MM-DD, got ${JSON.stringify(date)}`);
}

/** An ISO timestamp in ms; RangeError unless it has a zone and names a real day and time. */
function instant(value: string, name: string): number {
  const match = TIMESTAMP.exec(value);
  // Date.parse itself would roll 2024-02-30 over to March.
  const ms = match && isRealDay(match[1]) ? Date.parse(value) : NaN;
  if (Number.isNaN(ms)) {
    throw new RangeError(`${name} must be an ISO 8601 timestamp with a zone, got ${JSON.stringify(value)}`);
  }
  return ms;
}

/**
 * The instant the calendar day `date` begins in China Standard Time (00:00 UTC+8).
 * @throws RangeError when `date` is not a real `YYYY-MM-DD` day.
 */
export function chinaDayStart(date: string): Date {
  return new Date(utcMidnight(date, 'date') - CHINA_UTC_OFFSET_MS);
}

/**
 * The instant the calendar day `date` ends in China Standard Time, exclusive: 00:00 UTC+8 of the next
 * day. An event counts as "by the end of `date`" when it happened strictly before this instant.
 * @throws RangeError when `date` is not a real `YYYY-MM-DD` day.
 */
export function chinaDayEnd(date: string): Date {
  return new Date(utcMidnight(date, 'date') - CHINA_UTC_OFFSET_MS + DAY_MS);
}

/**
 * Whether `listing` counts on the day `asOf`, as the registry knew it at `knownAt`.
 *
 * Only events at or before `knownAt` are known; of those, the ones before the end of `asOf` (UTC+8,
 * see chinaDayEnd) decide the state of the entry. The entry counts when all three hold:
 * - it had been approved: an ACTIVE event exists;
 * - it had not been rejected, revoked or repaired: no such event exists (these take effect from the
 *   instant recorded, never retroactively, so a day before a revocation still counted);
 * - `asOf` lies within [effectiveFrom, effectiveTo], null effectiveTo being open.
 * Otherwise the reason is the first that applies, in this order: the earliest of REJECTED, REVOKED or
 * REPAIRED (at the same instant REVOKED, then REJECTED, then REPAIRED); NOT_APPROVED;
 * NOT_YET_EFFECTIVE; ENDED. An effective period that starts before approval therefore counts only
 * from the day of approval, and one whose dates are the wrong way round never counts.
 *
 * @param asOf the calendar day asked about, `YYYY-MM-DD` in China Standard Time.
 * @param knownAt ISO timestamp with a zone; defaults to now.
 * @throws RangeError when a date or timestamp (including an event's `at`) is malformed.
 */
export function inForceAt(
  listing: InForceListing,
  asOf: string,
  knownAt: string = new Date().toISOString(),
): InForceResult {
  const horizon = chinaDayEnd(asOf).getTime();
  const known = instant(knownAt, 'knownAt');
  utcMidnight(listing.effectiveFrom, 'effectiveFrom');
  if (listing.effectiveTo !== null) utcMidnight(listing.effectiveTo, 'effectiveTo');

  const relevant = listing.history
    .map((event) => ({ status: event.status, ms: instant(event.at, 'history[].at') }))
    .filter((event) => event.ms <= known && event.ms < horizon)
    .sort((a, b) => a.ms - b.ms || endingRank(a.status) - endingRank(b.status));

  const ending = relevant.map((event) => ENDING.get(event.status)).find((reason) => reason !== undefined);
  if (ending) return { inForce: false, reason: ending };
  if (!relevant.some((event) => event.status === ListingStatus.ACTIVE)) {
    return { inForce: false, reason: InForceReason.NOT_APPROVED };
  }
  if (asOf < listing.effectiveFrom) return { inForce: false, reason: InForceReason.NOT_YET_EFFECTIVE };
  if (listing.effectiveTo !== null && asOf > listing.effectiveTo) {
    return { inForce: false, reason: InForceReason.ENDED };
  }
  return { inForce: true, reason: InForceReason.IN_FORCE };
}
