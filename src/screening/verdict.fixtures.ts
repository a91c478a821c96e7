/**
 * Builders and fast-check arbitraries for the verdict tests: one applicant's facts, each test
 * changing only what it is about.
 */
import fc from 'fast-check';
import { RULE_DATA_V1 } from '../../migrations/1764300200000-CreateRuleSets';
import { CASE_STATUSES, isDecided } from '../cases/case-lifecycle';
import { ListingEvent, ListingEventKind, knownEvents } from '../listings/in-force';
import { ListingStatus, ListType } from '../listings/listing-lifecycle';
import { addDays, RuleData } from '../rules/rules';
import {
  CaseEvent,
  MatchKind,
  ScreeningCandidate,
  ScreeningCase,
  ScreeningListing,
  ScreeningMeasure,
  VerdictInput,
} from './verdict';

/** A fresh, mutable copy of the seeded rule set version 1. */
export const rulesV1 = (): RuleData => structuredClone(RULE_DATA_V1) as RuleData;

export const DOMAINS = rulesV1().reviewDomains.map((d) => d.code);

/** Long after every date the tests use: the registry knows all of their history. */
export const LATER = '2070-01-01T00:00:00Z';

/** An instant on a Beijing calendar day. */
export const at = (date: string, time = '10:00'): string => `${date}T${time}:00+08:00`;
/** An event of an entry's history recorded at `when`, with what it carries (`effectiveDate`, `period`). */
export const ev = (
  status: ListingEventKind,
  when: string,
  more: Partial<ListingEvent> = {},
): ListingEvent => ({
  status,
  recordedAt: when,
  ...more,
});
/** An act ending an entry, recorded at `when` and taking effect from `effectiveDate` (valid time). */
export const ending = (
  status: 'REVOKED' | 'REPAIRED' | 'EXPIRED',
  when: string,
  effectiveDate: string,
): ListingEvent => ev(status, when, { effectiveDate });
/** A correction of an entry's period, recorded at `when`. */
export const correction = (when: string, from: string, to: string | null): ListingEvent =>
  ev('CORRECTED', when, { period: { from, to } });
/** A step of a case's history: the status it moved to at `when` and the decision date it stated. */
export const step = (status: string, when: string, decisionDate: string | null = null): CaseEvent => ({
  status,
  recordedAt: when,
  decisionDate,
});

/** 国家自然科学基金委员会's decision of 2024-06-30. */
export const decidedCase = (over: Partial<ScreeningCase> = {}): ScreeningCase => ({
  id: 'case-1',
  status: 'DECIDED',
  decisionNumber: '国科金监处〔2024〕3号',
  authority: '国家自然科学基金委员会',
  decisionDate: '2024-06-30',
  misconductTypes: ['PLAGIARISM'],
  severity: 'SERIOUS',
  ...over,
});

/** A four-year BAN_FUNDED_ACTIVITY on PROJECT_FUNDING from 2024-07-01 to 2028-06-30. */
export const bar = (over: Partial<ScreeningMeasure> = {}): ScreeningMeasure => ({
  id: 'measure-1',
  caseId: 'case-1',
  type: 'BAN_FUNDED_ACTIVITY',
  startDate: '2024-07-01',
  endDate: '2028-06-30',
  lifetime: false,
  domains: ['PROJECT_FUNDING'],
  ...over,
});

/** An entry proposed 2024-06-30, approved 2024-07-01, running 2024-07-01 to 2027-06-30. */
export const entry = (listType: ListType, over: Partial<ScreeningListing> = {}): ScreeningListing => ({
  id: `${listType.toLowerCase()}-1`,
  listType,
  status: 'ACTIVE',
  effectiveFrom: '2024-07-01',
  effectiveTo: '2027-06-30',
  history: [ev('PROPOSED', at('2024-06-30')), ev('ACTIVE', at('2024-07-01'))],
  underObjection: false,
  caseId: listType === 'RED' ? null : 'case-1',
  designationDocument: listType === 'RED' ? '沪科信〔2025〕12号' : null,
  ...over,
});

/** The status the store keeps for a history: that of the latest status event (a correction is none). */
export const statusOf = (history: readonly ListingEvent[], fallback: ListingStatus): ListingStatus =>
  (knownEvents(history, Number.POSITIVE_INFINITY)
    .filter((e) => e.status !== 'CORRECTED')
    .at(-1)?.status as ListingStatus | undefined) ?? fallback;

/** The same entry with later events appended to its history, its stored status the last one appended. */
export const withEvents = (listing: ScreeningListing, ...events: ListingEvent[]): ScreeningListing => ({
  ...listing,
  status: (events.filter((e) => e.status !== 'CORRECTED').at(-1)?.status as ListingStatus) ?? listing.status,
  history: [...listing.history, ...events],
});

/** 张某某, matched by identifier, with the decided case and nothing else. */
export const candidate = (over: Partial<ScreeningCandidate> = {}): ScreeningCandidate => ({
  match: 'IDENTIFIER',
  subjectId: 'subject-1',
  subjectName: '张某某',
  maskedIdentifier: '110105********002X',
  listings: [],
  measures: [],
  cases: [decidedCase()],
  ...over,
});

/** Screening for PROJECT_FUNDING on 2025-06-01, all history known, rule set version 1. */
export const verdictInput = (over: Partial<VerdictInput> = {}): VerdictInput => ({
  domain: 'PROJECT_FUNDING',
  asOf: '2025-06-01',
  knownAt: LATER,
  rules: rulesV1(),
  ruleVersion: 1,
  candidates: [],
  ...over,
});

// ---------------------------------------------------------------------------------------------------
// Arbitraries: every fact of an applicant random, dates 2020–2035, recorded on both clocks.

const BASE = '2020-01-01';
const SPAN_DAYS = 3650;
export const dayOf = (offset: number): string => addDays(BASE, offset);
const hour = fc.integer({ min: 0, max: 23 }).map((h) => String(h).padStart(2, '0'));

const caseArb = fc.record({
  status: fc.constantFrom(...CASE_STATUSES),
  decision: fc.integer({ min: 0, max: SPAN_DAYS }),
  /**
   * Days from the decision to when it was recorded (a decision taken elsewhere may be entered long
   * after); null: a case without a history, always known.
   */
  recordedAfter: fc.option(fc.integer({ min: 0, max: 400 }), { nil: null, freq: 3 }),
  /** A decided case decided again after review, later, stating a new decision date. */
  redecided: fc.option(
    fc.record({ after: fc.integer({ min: 0, max: 800 }), shift: fc.integer({ min: -30, max: 800 }) }),
    { nil: null, freq: 3 },
  ),
});

const measureArb = fc.record({
  type: fc.constantFrom(...rulesV1().measureTypes.map((m) => m.code)),
  start: fc.integer({ min: 0, max: SPAN_DAYS }),
  /** Length in days; null: for life. */
  length: fc.option(fc.integer({ min: 0, max: 2000 }), { nil: null, freq: 5 }),
  domains: fc.subarray(DOMAINS),
  caseIndex: fc.nat(),
  /** Days from its start to when it was recorded; null: always known. */
  recordedAfter: fc.option(fc.integer({ min: -30, max: 400 }), { nil: null, freq: 3 }),
});

export const listingArb = fc.record({
  listType: fc.constantFrom<ListType>('BLACK', 'WATCH', 'RED'),
  from: fc.integer({ min: 0, max: SPAN_DAYS }),
  /** Length in days; null: open-ended. */
  length: fc.option(fc.integer({ min: 0, max: 2000 }), { nil: null, freq: 5 }),
  /** The PROPOSED event carries the period, as the store now records it (else: old data). */
  periodOnProposal: fc.boolean(),
  proposedBefore: fc.integer({ min: 0, max: 60 }),
  proposedAt: hour,
  /** Days from proposal to approval, possibly long after the period began; null: never approved. */
  approvedAfter: fc.option(fc.integer({ min: 0, max: 1500 }), { nil: null, freq: 5 }),
  approvedAt: hour,
  /** A later act that ends the entry (or a rejection of the proposal). */
  ending: fc.option(
    fc.record({
      status: fc.constantFrom<ListingStatus>('REVOKED', 'REPAIRED', 'REJECTED', 'EXPIRED'),
      after: fc.integer({ min: 0, max: 2000 }),
      at: hour,
      /** Effective date, in days from the day recorded: backdated, future-dated; null: none (old data). */
      effective: fc.option(fc.integer({ min: -800, max: 400 }), { nil: null, freq: 4 }),
    }),
    { nil: null, freq: 3 },
  ),
  /** A correction of the period, recorded after the approval. */
  correction: fc.option(
    fc.record({
      after: fc.integer({ min: 0, max: 1500 }),
      at: hour,
      shift: fc.integer({ min: -400, max: 400 }),
      length: fc.option(fc.integer({ min: 0, max: 2000 }), { nil: null, freq: 5 }),
    }),
    { nil: null, freq: 4 },
  ),
  underObjection: fc.boolean(),
  caseIndex: fc.nat(),
});

type SeedOf<A> = A extends fc.Arbitrary<infer T> ? T : never;
export type ListingSeed = SeedOf<typeof listingArb>;

/**
 * A list entry from its seed; the ending event, if any, only where the life of an entry allows it.
 * Events whose order matters when recorded at the same instant (two periods) never are: proposals are
 * recorded at :30 past the hour, corrections at :45.
 */
export function buildListing(id: string, seed: ListingSeed, caseIds: readonly string[]): ScreeningListing {
  const effectiveFrom = dayOf(seed.from);
  const effectiveTo = seed.length === null ? null : dayOf(seed.from + seed.length);
  const proposedDay = addDays(effectiveFrom, -seed.proposedBefore);
  const history = [
    ev(
      'PROPOSED',
      at(proposedDay, `${seed.proposedAt}:30`),
      seed.periodOnProposal ? { period: { from: effectiveFrom, to: effectiveTo } } : {},
    ),
  ];
  const approvedDay = seed.approvedAfter === null ? null : addDays(proposedDay, seed.approvedAfter);
  if (approvedDay !== null) history.push(ev('ACTIVE', at(approvedDay, `${seed.approvedAt}:30`)));
  const end = seed.ending;
  const fits = end && (end.status === 'REJECTED') === (approvedDay === null);
  if (end && fits) {
    const recordedDay = addDays(approvedDay ?? proposedDay, end.after);
    const effectiveDate =
      end.status === 'REJECTED' || end.effective === null
        ? {}
        : { effectiveDate: addDays(recordedDay, end.effective) };
    history.push(ev(end.status, at(recordedDay, `${end.at}:30`), effectiveDate));
  }
  const fix = seed.correction;
  let period = { from: effectiveFrom, to: effectiveTo };
  if (fix && approvedDay !== null) {
    const from = addDays(effectiveFrom, fix.shift);
    period = { from, to: fix.length === null ? null : addDays(from, fix.length) };
    history.push(correction(at(addDays(approvedDay, fix.after), `${fix.at}:45`), period.from, period.to));
  }
  const isRed = seed.listType === 'RED';
  return {
    id,
    listType: seed.listType,
    status: statusOf(history, 'PROPOSED'),
    // The row holds the latest version.
    effectiveFrom: period.from,
    effectiveTo: period.to,
    history,
    underObjection: seed.underObjection,
    caseId: isRed || caseIds.length === 0 ? null : caseIds[seed.caseIndex % caseIds.length],
    designationDocument: isRed ? `designation ${id}` : null,
  };
}

/** A case from its seed: its history, if it has one, leads to the status and decision date it has now. */
function buildCase(id: string, decisionNumber: string, seed: SeedOf<typeof caseArb>): ScreeningCase {
  const decisionDate = dayOf(seed.decision);
  const decided = isDecided(seed.status);
  if (seed.recordedAfter === null) {
    return { ...decidedCase(), id, status: seed.status, decisionNumber, decisionDate };
  }
  const recordedDay = dayOf(seed.decision + seed.recordedAfter);
  const history = [
    step('REPORTED', at(addDays(decisionDate, -90), '09:30')),
    step(seed.status, at(recordedDay, '10:30'), decided ? decisionDate : null),
  ];
  if (decided && seed.redecided) {
    history.push(
      step('REVIEW_REQUESTED', at(addDays(recordedDay, seed.redecided.after), '11:30'), decisionDate),
    );
    history.push(
      step(
        'DECIDED',
        at(addDays(recordedDay, seed.redecided.after + 30), '11:45'),
        addDays(decisionDate, seed.redecided.shift),
      ),
    );
  }
  const latest = history.at(-1)!;
  return {
    ...decidedCase(),
    id,
    status: latest.status,
    decisionNumber,
    decisionDate: latest.decisionDate,
    history,
  };
}

const candidateArb = fc.record({
  match: fc.constantFrom<MatchKind>(
    'IDENTIFIER',
    'IDENTIFIER',
    'NAME_ORGANISATION',
    'NAME_CONFLICTING_IDENTIFIER',
  ),
  cases: fc.array(caseArb, { maxLength: 2 }),
  measures: fc.array(measureArb, { maxLength: 3 }),
  listings: fc.array(listingArb, { maxLength: 3 }),
});

/** A random candidate number `i`, its ids and decision numbers unique across candidates. */
function buildCandidate(i: number, seed: SeedOf<typeof candidateArb>): ScreeningCandidate {
  const cases = seed.cases.map((c, j) => buildCase(`case-${i}-${j}`, `测〔2024〕${i}${j}号`, c));
  const caseIds = cases.map((c) => c.id);
  const measures: ScreeningMeasure[] =
    cases.length === 0
      ? []
      : seed.measures.map((m, j) => ({
          id: `measure-${i}-${j}`,
          caseId: caseIds[m.caseIndex % caseIds.length],
          type: m.type,
          startDate: dayOf(m.start),
          endDate: m.length === null ? null : dayOf(m.start + m.length),
          lifetime: m.length === null,
          domains: m.domains,
          ...(m.recordedAfter !== null && { recordedAt: at(dayOf(m.start + m.recordedAfter), '15:00') }),
        }));
  const listings = seed.listings.map((l, j) => buildListing(`listing-${i}-${j}`, l, caseIds));
  return candidate({
    match: seed.match,
    subjectId: `subject-${i}`,
    subjectName: `申请人${i}`,
    cases,
    measures,
    listings,
  });
}

/** A knownAt on day `offset` (12:00 Beijing time): never the instant of an event built here. */
export const knownAtOf = (offset: number): string => `${dayOf(offset)}T04:00:00Z`;

/** One applicant's facts at random: 1–3 candidates, a domain, a day, sometimes a look-back window. */
export const inputArb: fc.Arbitrary<VerdictInput> = fc
  .record({
    candidates: fc.array(candidateArb, { minLength: 1, maxLength: 3 }),
    domain: fc.constantFrom(...DOMAINS),
    asOf: fc.integer({ min: -200, max: SPAN_DAYS + 2200 }),
    knownAt: fc.option(fc.integer({ min: 0, max: SPAN_DAYS + 2200 }), { nil: null, freq: 3 }),
    lookbackYears: fc.option(fc.integer({ min: 0, max: 10 }), { nil: undefined }),
  })
  .map((seed) =>
    verdictInput({
      candidates: seed.candidates.map((c, i) => buildCandidate(i, c)),
      domain: seed.domain,
      asOf: dayOf(seed.asOf),
      knownAt: seed.knownAt === null ? LATER : knownAtOf(seed.knownAt),
      lookbackYears: seed.lookbackYears,
    }),
  );
