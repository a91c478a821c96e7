/**
 * Builders and fast-check arbitraries for the verdict tests: one applicant's facts, each test
 * changing only what it is about.
 */
import fc from 'fast-check';
import { RULE_DATA_V1 } from '../../migrations/1764300200000-CreateRuleSets';
import { CASE_STATUSES } from '../cases/case-lifecycle';
import { ListingStatusEvent } from '../listings/in-force';
import { ListingStatus, ListType } from '../listings/listing-lifecycle';
import { addDays, RuleData } from '../rules/rules';
import {
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
export const ev = (status: ListingStatus, when: string): ListingStatusEvent => ({ status, at: when });

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

/** The same entry with later events appended to its history. */
export const withEvents = (listing: ScreeningListing, ...events: ListingStatusEvent[]): ScreeningListing => ({
  ...listing,
  status: events.at(-1)?.status ?? listing.status,
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
// Arbitraries: every fact of an applicant random, dates 2020–2035.

const BASE = '2020-01-01';
const SPAN_DAYS = 3650;
export const dayOf = (offset: number): string => addDays(BASE, offset);
const hour = fc.integer({ min: 0, max: 23 }).map((h) => `${String(h).padStart(2, '0')}:30`);

const caseArb = fc.record({
  status: fc.constantFrom(...CASE_STATUSES),
  decision: fc.integer({ min: 0, max: SPAN_DAYS }),
});

const measureArb = fc.record({
  type: fc.constantFrom(...rulesV1().measureTypes.map((m) => m.code)),
  start: fc.integer({ min: 0, max: SPAN_DAYS }),
  /** Length in days; null: for life. */
  length: fc.option(fc.integer({ min: 0, max: 2000 }), { nil: null, freq: 5 }),
  domains: fc.subarray(DOMAINS),
  caseIndex: fc.nat(),
});

export const listingArb = fc.record({
  listType: fc.constantFrom<ListType>('BLACK', 'WATCH', 'RED'),
  from: fc.integer({ min: 0, max: SPAN_DAYS }),
  /** Length in days; null: open-ended. */
  length: fc.option(fc.integer({ min: 0, max: 2000 }), { nil: null, freq: 5 }),
  proposedBefore: fc.integer({ min: 0, max: 60 }),
  proposedAt: hour,
  /** Days from proposal to approval; null: never approved. */
  approvedAfter: fc.option(fc.integer({ min: 0, max: 120 }), { nil: null, freq: 5 }),
  approvedAt: hour,
  /** A later event that ends the entry for good. */
  ending: fc.option(
    fc.record({
      status: fc.constantFrom<ListingStatus>('REVOKED', 'REPAIRED', 'REJECTED'),
      after: fc.integer({ min: 0, max: 2000 }),
      at: hour,
    }),
    { nil: null, freq: 3 },
  ),
  underObjection: fc.boolean(),
  caseIndex: fc.nat(),
});

type SeedOf<A> = A extends fc.Arbitrary<infer T> ? T : never;
export type ListingSeed = SeedOf<typeof listingArb>;

/** A list entry from its seed; the ending event, if any, only where the life of an entry allows it. */
export function buildListing(id: string, seed: ListingSeed, caseIds: readonly string[]): ScreeningListing {
  const proposedDay = addDays(dayOf(seed.from), -seed.proposedBefore);
  const history = [ev('PROPOSED', at(proposedDay, seed.proposedAt))];
  const approvedDay = seed.approvedAfter === null ? null : addDays(proposedDay, seed.approvedAfter);
  if (approvedDay !== null) history.push(ev('ACTIVE', at(approvedDay, seed.approvedAt)));
  const ending = seed.ending;
  const fits = ending && (ending.status === 'REJECTED') === (approvedDay === null);
  if (ending && fits) {
    history.push(ev(ending.status, at(addDays(approvedDay ?? proposedDay, ending.after), ending.at)));
  }
  const isRed = seed.listType === 'RED';
  return {
    id,
    listType: seed.listType,
    status: history.at(-1)!.status,
    effectiveFrom: dayOf(seed.from),
    effectiveTo: seed.length === null ? null : dayOf(seed.from + seed.length),
    history,
    underObjection: seed.underObjection,
    caseId: isRed || caseIds.length === 0 ? null : caseIds[seed.caseIndex % caseIds.length],
    designationDocument: isRed ? `designation ${id}` : null,
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

/** A random candidate number `i`, its ids unique across candidates. */
function buildCandidate(i: number, seed: SeedOf<typeof candidateArb>): ScreeningCandidate {
  const cases: ScreeningCase[] = seed.cases.map((c, j) => ({
    ...decidedCase(),
    id: `case-${i}-${j}`,
    status: c.status,
    decisionNumber: `测〔2024〕${i}${j}号`,
    decisionDate: dayOf(c.decision),
  }));
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
      knownAt: seed.knownAt === null ? LATER : `${dayOf(seed.knownAt)}T04:00:00Z`,
      lookbackYears: seed.lookbackYears,
    }),
  );
