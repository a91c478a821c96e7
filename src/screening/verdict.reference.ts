/**
 * A reference model of the screening verdict (docs/domain.md, "Time"): small, slow and obviously
 * correct, for a property test to hold `decide` (verdict.ts) and `inForceAt` (in-force.ts) equal to.
 * It is written from the specification alone and shares none of their code: it takes one subject's
 * whole history as a flat list of events, keeps those recorded by `knownAt`, replays them in recorded
 * order to rebuild what the registry held then, and asks plainly whether `asOf` is a day each record
 * counts on.
 *
 * Not for production: it reads one identifier-matched subject, trusts its input (dates well formed,
 * events in a lifecycle the service allows) and renders no sentences.
 */
import { isDecided } from '../cases/case-lifecycle';
import { ListType } from '../listings/listing-lifecycle';
import { addDays, addMonths, barredDomains, measureType, RuleData } from '../rules/rules';

/** The acts that end a list entry from a day of their own. */
export type EndingAct = 'REVOKED' | 'REPAIRED' | 'EXPIRED';

/**
 * One thing the registry recorded about the subject. `recordedAt` is recorded time (an ISO instant
 * with a zone); every other date is valid time (`YYYY-MM-DD`).
 */
export type HistoryEvent =
  /** A case moved to `status`, stating `decisionDate` (null before any decision). */
  | { kind: 'CASE_STATUS'; recordedAt: string; caseId: string; status: string; decisionDate: string | null }
  /** A measure against the subject was recorded with its case's decision. */
  | {
      kind: 'MEASURE_RECORDED';
      recordedAt: string;
      measureId: string;
      caseId: string;
      type: string;
      start: string | null;
      end: string | null;
      lifetime: boolean;
      domains: readonly string[];
    }
  /** A list entry was proposed for the period `from`–`to` (`to` null: open-ended). */
  | {
      kind: 'LISTING_PROPOSED';
      recordedAt: string;
      listingId: string;
      listType: ListType;
      caseId: string | null;
      from: string;
      to: string | null;
    }
  | { kind: 'LISTING_APPROVED'; recordedAt: string; listingId: string }
  | { kind: 'LISTING_REJECTED'; recordedAt: string; listingId: string }
  /** An act ending the entry from `effectiveDate` on; a later act of the same kind corrects it. */
  | { kind: 'LISTING_ENDED'; recordedAt: string; listingId: string; act: EndingAct; effectiveDate: string }
  /** The entry's period, corrected. */
  | { kind: 'LISTING_CORRECTED'; recordedAt: string; listingId: string; from: string; to: string | null };

export interface ReferenceQuery {
  /** A review domain code of `rules`. */
  domain: string;
  /** Valid time: the day asked about. */
  asOf: string;
  /** Recorded time: an ISO instant with a zone. */
  knownAt: string;
  lookbackYears?: number;
  rules: RuleData;
}

export type ReferenceEffect = 'BLOCK' | 'REVIEW' | 'INCENTIVE';

export interface ReferenceEvidence {
  kind: 'MEASURE' | 'LISTING' | 'CASE';
  recordId: string;
  effect: ReferenceEffect;
}

export interface ReferenceVerdict {
  outcome: 'BLOCK' | 'REVIEW' | 'CLEAR';
  /** Sorted by kind, then record id. */
  evidence: ReferenceEvidence[];
  /** The RED entry giving the incentive, or null. */
  incentiveListingId: string | null;
}

// ---------------------------------------------------------------------------------------------------
// The registry's state at knownAt, rebuilt by replaying what it had recorded by then.

interface CaseState {
  status: string;
  decisionDate: string | null;
}

interface MeasureState {
  id: string;
  caseId: string;
  type: string;
  start: string | null;
  end: string | null;
  lifetime: boolean;
  domains: readonly string[];
}

interface ListingState {
  id: string;
  listType: ListType;
  caseId: string | null;
  /** The period of the latest proposal or correction replayed. */
  from: string;
  to: string | null;
  approved: boolean;
  rejected: boolean;
  /** Per kind of ending act, the date of the latest one replayed. */
  acts: Map<EndingAct, string>;
}

interface State {
  cases: Map<string, CaseState>;
  measures: MeasureState[];
  listings: Map<string, ListingState>;
}

/**
 * An ISO instant with a zone in nanoseconds since 1970, exactly, whatever fraction it is written with
 * (the database records recorded time to the millisecond, timestamptz(3)).
 */
export function instantNs(iso: string): bigint {
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2})?)(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/i.exec(iso);
  const whole = m ? Date.parse(`${m[1]}${m[3]}`) : NaN;
  if (!m || Number.isNaN(whole)) throw new RangeError(`not an ISO instant with a zone: ${iso}`);
  return BigInt(whole) * 1_000_000n + BigInt((m[2] ?? '').padEnd(9, '0'));
}

/** The events recorded at or before `knownAt`, in recorded order; ties keep the order given. */
function recordedBy(history: readonly HistoryEvent[], knownAt: string): HistoryEvent[] {
  const limit = instantNs(knownAt);
  return history
    .map((event, index) => ({ event, index, at: instantNs(event.recordedAt) }))
    .filter((e) => e.at <= limit)
    .sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.index - b.index))
    .map((e) => e.event);
}

function replay(events: readonly HistoryEvent[]): State {
  const state: State = { cases: new Map(), measures: [], listings: new Map() };
  const listing = (id: string): ListingState => {
    const found = state.listings.get(id);
    if (!found) throw new Error(`an event of list entry ${id} was recorded before its proposal`);
    return found;
  };
  for (const e of events) {
    switch (e.kind) {
      case 'CASE_STATUS':
        state.cases.set(e.caseId, { status: e.status, decisionDate: e.decisionDate });
        break;
      case 'MEASURE_RECORDED':
        state.measures.push({
          id: e.measureId,
          caseId: e.caseId,
          type: e.type,
          start: e.start,
          end: e.end,
          lifetime: e.lifetime,
          domains: e.domains,
        });
        break;
      case 'LISTING_PROPOSED':
        state.listings.set(e.listingId, {
          id: e.listingId,
          listType: e.listType,
          caseId: e.caseId,
          from: e.from,
          to: e.to,
          approved: false,
          rejected: false,
          acts: new Map(),
        });
        break;
      case 'LISTING_APPROVED':
        listing(e.listingId).approved = true;
        break;
      case 'LISTING_REJECTED':
        listing(e.listingId).rejected = true;
        break;
      case 'LISTING_ENDED':
        listing(e.listingId).acts.set(e.act, e.effectiveDate);
        break;
      case 'LISTING_CORRECTED':
        Object.assign(listing(e.listingId), { from: e.from, to: e.to });
        break;
    }
  }
  return state;
}

// ---------------------------------------------------------------------------------------------------
// The days each record counts on. ISO dates compare as strings.

/**
 * Whether a list entry, as known, counts on `day`: it is approved and not rejected, the day lies in
 * its period, and no ending act has taken effect by then (each act stops it from its own date on).
 */
function listingCountsOn(l: ListingState, day: string): boolean {
  if (!l.approved || l.rejected) return false;
  if (day < l.from) return false;
  if (l.to !== null && day > l.to) return false;
  for (const effective of l.acts.values()) {
    if (day >= effective) return false;
  }
  return true;
}

/**
 * The last day of the run of days a list entry counts on (it counts on a single stretch of days):
 * the end of its period or the day before its first ending act, whichever is first; null when
 * neither exists (it never stops).
 */
function listingLastDay(l: ListingState): string | null {
  const bounds = [l.to, ...[...l.acts.values()].map(dayBefore)].filter((d): d is string => d !== null);
  return bounds.length === 0 ? null : bounds.reduce((a, b) => (b < a ? b : a));
}

const dayBefore = (date: string): string => addDays(date, -1);

/** The first and last day of a measure's term; null: unbounded on that side. */
function measureTerm(m: MeasureState, c: CaseState): { from: string | null; to: string | null } {
  return { from: m.start ?? c.decisionDate, to: m.lifetime ? null : m.end };
}

function isBar(rules: RuleData, m: MeasureState): boolean {
  const type = measureType(rules, m.type);
  // A type the rules no longer know bars when it names domains (only bars do).
  return type ? type.isBar : m.domains.length > 0;
}

// ---------------------------------------------------------------------------------------------------
// The verdict.

/** The verdict for one identifier-matched subject with this whole history. */
export function referenceVerdict(history: readonly HistoryEvent[], q: ReferenceQuery): ReferenceVerdict {
  const { cases, measures, listings } = replay(recordedBy(history, q.knownAt));
  const decided = (caseId: string): CaseState | undefined => {
    const c = cases.get(caseId);
    return c && isDecided(c.status) ? c : undefined;
  };

  const evidence: ReferenceEvidence[] = [];
  const cited = new Set<string>();

  // Bars of decided cases running on asOf in this domain.
  for (const m of measures) {
    const c = decided(m.caseId);
    if (!c || !isBar(q.rules, m) || !m.domains.includes(q.domain)) continue;
    const { from, to } = measureTerm(m, c);
    if ((from === null || from <= q.asOf) && (to === null || q.asOf <= to)) {
      evidence.push({ kind: 'MEASURE', recordId: m.id, effect: 'BLOCK' });
      cited.add(m.caseId);
    }
  }

  // List entries counting on asOf.
  const red: ListingState[] = [];
  for (const l of listings.values()) {
    if (!listingCountsOn(l, q.asOf)) continue;
    let effect: ReferenceEffect;
    if (l.listType === 'BLACK') {
      effect = barredDomains(q.rules, { list: 'BLACK' }).includes(q.domain) ? 'BLOCK' : 'REVIEW';
    } else if (l.listType === 'WATCH') {
      effect = 'REVIEW';
    } else {
      effect = 'INCENTIVE';
      red.push(l);
    }
    evidence.push({ kind: 'LISTING', recordId: l.id, effect });
    if (l.caseId !== null) cited.add(l.caseId);
  }

  // Look-back: decided cases not cited above whose decision or a measure's end lies in the window.
  if (q.lookbackYears !== undefined) {
    const first = addMonths(q.asOf, -12 * q.lookbackYears);
    const inWindow = (d: string | null) => d !== null && first <= d && d <= q.asOf;
    for (const [caseId, c] of cases) {
      if (!isDecided(c.status) || cited.has(caseId)) continue;
      const ends = measures.filter((m) => m.caseId === caseId).map((m) => measureTerm(m, c).to);
      if ([c.decisionDate, ...ends].some(inWindow)) {
        evidence.push({ kind: 'CASE', recordId: caseId, effect: 'REVIEW' });
      }
    }
  }

  const effects = evidence.map((e) => e.effect);
  const outcome = effects.includes('BLOCK') ? 'BLOCK' : effects.includes('REVIEW') ? 'REVIEW' : 'CLEAR';
  const kept = outcome === 'BLOCK' ? evidence.filter((e) => e.effect !== 'INCENTIVE') : evidence;

  // The incentive: the RED entry counting longest (never stopping beats any day), then the lowest id.
  let incentive: ListingState | null = null;
  if (outcome !== 'BLOCK') {
    for (const l of red) {
      if (incentive === null || runsLonger(l, incentive)) incentive = l;
    }
  }

  return {
    outcome,
    evidence: kept.sort((a, b) => compare(a.kind, b.kind) || compare(a.recordId, b.recordId)),
    incentiveListingId: incentive?.id ?? null,
  };
}

function runsLonger(a: ListingState, b: ListingState): boolean {
  const [lastA, lastB] = [listingLastDay(a), listingLastDay(b)];
  if (lastA !== lastB) return lastA === null || (lastB !== null && lastA > lastB);
  return a.id < b.id;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
