/**
 * Whether a list entry counts on a given day, as the registry knew it at a given moment: the rule
 * screening rests on. Pure functions: no framework, no I/O.
 *
 * Two clocks, kept apart (docs/domain.md, "Time"):
 * - **valid time**: when something applies in law. Calendar days of China Standard Time (UTC+8, no
 *   daylight saving), `YYYY-MM-DD`: an entry's effective period, and the effective date of an act
 *   that ends it (revocation, repair, the end of a RED entry by a BLACK or WATCH one). `asOf` is
 *   valid time.
 * - **recorded time**: when the registry learned it. Instants (`recordedAt`), one per event, never
 *   edited. `knownAt` is recorded time: only events recorded at or before it are known.
 *
 * Maker-checker gates on recorded time: an entry counts only once its approval is known, and then
 * for its whole effective period, whatever the day of approval. A stored status is bookkeeping: it
 * neither ends an entry early nor is needed for an entry to end.
 */
import { ListingStatus } from './listing-lifecycle';
import { CHINA_UTC_OFFSET_MS, chinaDateOf } from '../common/china-date';

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

/** What an event of an entry's history records: a status it moved to, or a correction of its dates. */
export const ListingEventKind = { ...ListingStatus, CORRECTED: 'CORRECTED' } as const;
export type ListingEventKind = (typeof ListingEventKind)[keyof typeof ListingEventKind];

/** Every event kind, for API schemas. */
export const LISTING_EVENT_KINDS: readonly ListingEventKind[] = Object.values(ListingEventKind);

/** An effective period in valid time: inclusive calendar days, `to` null when open-ended. */
export interface ValidPeriod {
  from: string;
  to: string | null;
}

/** One event of an entry's history. */
export interface ListingEvent {
  status: ListingEventKind;
  /** Recorded time: ISO 8601 timestamp with a zone designator (`Z` or `±hh:mm`). */
  recordedAt: string;
  /**
   * Valid time of an ending act (REVOKED, REPAIRED, EXPIRED): the first day on which the entry no
   * longer counts. A later event of the same kind with another date corrects it. Absent on an old
   * event: the Beijing day of `recordedAt`.
   */
  effectiveDate?: string | null;
  /** The effective period this event sets (PROPOSED, CORRECTED); the latest known one applies. */
  period?: ValidPeriod | null;
}

/** What inForceAt needs to know of a list entry. */
export interface InForceListing {
  /** Every event the entry has had, in any order; ties of `recordedAt` keep this order. */
  history: readonly ListingEvent[];
  /** The period of the latest version, used when no known event carries one. */
  effectiveFrom: string;
  effectiveTo: string | null;
}

export interface InForceResult {
  inForce: boolean;
  reason: InForceReason;
}

/** An entry as the registry knew it at one instant. */
export interface KnownListing {
  /** Its approval is known. */
  approved: boolean;
  /** Its rejection is known. */
  rejected: boolean;
  /** The effective period of the latest known version. */
  period: ValidPeriod;
  /** The first day it no longer counts because of an ending act, and which; null when none is known. */
  termination: { from: string; reason: InForceReason } | null;
}

const DAY_MS = 24 * 60 * 60 * 1000;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
// A zone is required: without one, Date.parse reads the server's local time.
const TIMESTAMP = /^(\d{4}-\d{2}-\d{2})T([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d+)?)?(Z|[+-]\d{2}:[0-5]\d)$/i;

/**
 * The acts that end an entry, with the reason each gives. Their order breaks ties between acts
 * effective on the same day, so the answer never hangs on the order rows were read in: a revocation
 * says the entry should not stand at all, the strongest of the three.
 */
const ENDING = new Map<string, InForceReason>([
  [ListingStatus.REVOKED, InForceReason.REVOKED],
  [ListingStatus.REPAIRED, InForceReason.REPAIRED],
  [ListingStatus.EXPIRED, InForceReason.ENDED],
]);

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

/**
 * An ISO timestamp as microseconds since 1970, exact to the microsecond (finer digits are dropped):
 * recorded times are compared at least as finely as anything writes them.
 * @throws RangeError unless it has a zone and names a real day and time.
 */
export function instant(value: string, name: string): number {
  const match = TIMESTAMP.exec(value);
  // Date.parse itself would roll 2024-02-30 over to March; it reads the first three fraction digits.
  const ms = match && isRealDay(match[1]) ? Date.parse(value) : NaN;
  if (Number.isNaN(ms)) {
    throw new RangeError(`${name} must be an ISO 8601 timestamp with a zone, got ${JSON.stringify(value)}`);
  }
  const micros = Number(`${(match![4] ?? '').slice(4, 7)}000`.slice(0, 3));
  return ms * 1000 + micros;
}

/** Whether `value` is an ISO 8601 timestamp with a zone naming a real day and time. */
export function isZonedTimestamp(value: unknown): value is string {
  return (
    typeof value === 'string' &&
    TIMESTAMP.test(value) &&
    !Number.isNaN(Date.parse(value)) &&
    isRealDay(value.slice(0, 10))
  );
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
 * day.
 * @throws RangeError when `date` is not a real `YYYY-MM-DD` day.
 */
export function chinaDayEnd(date: string): Date {
  return new Date(utcMidnight(date, 'date') - CHINA_UTC_OFFSET_MS + DAY_MS);
}

/**
 * The events of `history` recorded at or before `knownAt` (µs, see instant()), in the order they were recorded:
 * by `recordedAt`, ties kept in the order given (the store gives them in commit order).
 * @throws RangeError when an event's `recordedAt` is malformed.
 */
export function knownEvents<E extends { recordedAt: string }>(history: readonly E[], knownAt: number): E[] {
  return history
    .map((event, i) => ({ event, i, ms: instant(event.recordedAt, 'history[].recordedAt') }))
    .filter((e) => e.ms <= knownAt)
    .sort((a, b) => a.ms - b.ms || a.i - b.i)
    .map((e) => e.event);
}

/**
 * A list entry as the registry knew it at `knownAt` (ISO timestamp with a zone).
 * - approved or rejected: such an event is known;
 * - its period: the one set by the latest known PROPOSED or CORRECTED event, else the entry's own;
 * - its termination: of the ending acts known, the latest of each kind corrects earlier ones of that
 *   kind; the earliest effective day of those wins (ties: REVOKED, REPAIRED, then EXPIRED).
 * @throws RangeError when a date or timestamp is malformed.
 */
export function knownListing(listing: InForceListing, knownAt: string): KnownListing {
  const events = knownEvents(listing.history, instant(knownAt, 'knownAt'));
  let period: ValidPeriod = { from: listing.effectiveFrom, to: listing.effectiveTo };
  const endings = new Map<string, string>();
  for (const event of events) {
    if (event.period) period = event.period;
    if (ENDING.has(event.status)) {
      endings.set(event.status, event.effectiveDate ?? chinaDateOf(new Date(event.recordedAt)));
    }
  }
  utcMidnight(period.from, 'effectiveFrom');
  if (period.to !== null) utcMidnight(period.to, 'effectiveTo');
  let termination: KnownListing['termination'] = null;
  for (const [status, reason] of ENDING) {
    const from = endings.get(status);
    if (from === undefined) continue;
    utcMidnight(from, 'effectiveDate');
    if (termination === null || from < termination.from) termination = { from, reason };
  }
  return {
    approved: events.some((e) => e.status === ListingStatus.ACTIVE),
    rejected: events.some((e) => e.status === ListingStatus.REJECTED),
    period,
    termination,
  };
}

/**
 * Whether `listing` counts on the day `asOf` (valid time), as the registry knew it at `knownAt`
 * (recorded time). It counts when its approval is known, no rejection is known, `asOf` lies within
 * its known period and no known ending act is effective on or before `asOf`. Otherwise the reason is
 * the first that applies: REJECTED; NOT_APPROVED; the termination's (REVOKED, REPAIRED or ENDED);
 * NOT_YET_EFFECTIVE; ENDED.
 *
 * @param asOf the calendar day asked about, `YYYY-MM-DD` in China Standard Time.
 * @param knownAt ISO timestamp with a zone; defaults to now.
 * @throws RangeError when a date or timestamp (including an event's) is malformed.
 */
export function inForceAt(
  listing: InForceListing,
  asOf: string,
  knownAt: string = new Date().toISOString(),
): InForceResult {
  utcMidnight(asOf, 'asOf');
  return inForceOn(knownListing(listing, knownAt), asOf);
}

/** Whether an entry as known (knownListing) counts on the day `asOf`; see inForceAt. */
export function inForceOn(known: KnownListing, asOf: string): InForceResult {
  if (known.rejected) return { inForce: false, reason: InForceReason.REJECTED };
  if (!known.approved) return { inForce: false, reason: InForceReason.NOT_APPROVED };
  if (known.termination && asOf >= known.termination.from) {
    return { inForce: false, reason: known.termination.reason };
  }
  if (asOf < known.period.from) return { inForce: false, reason: InForceReason.NOT_YET_EFFECTIVE };
  if (known.period.to !== null && asOf > known.period.to) {
    return { inForce: false, reason: InForceReason.ENDED };
  }
  return { inForce: true, reason: InForceReason.IN_FORCE };
}
