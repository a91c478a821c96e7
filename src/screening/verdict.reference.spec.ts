/**
 * The verdict (verdict.ts, in-force.ts) held equal to the brute-force reference model
 * (verdict.reference.ts) over random histories of one subject: decisions, measures, list entries,
 * approvals, rejections, ending acts and corrections, recorded at any instants relative to the valid
 * dates they state, asked about on any day (`asOf`) as known at any instant (`knownAt`).
 *
 * Histories come from a small simulation of the service (listings.service.ts, cases.service.ts): a
 * command it would refuse is dropped, and a BLACK or WATCH approval ends RED entries as the service
 * does, so only histories the registry can hold are generated. The projection to `ScreeningCandidate`
 * is what SCREENING_SQL (screening.repository.ts) hands the service.
 */
import fc from 'fast-check';
import { RULE_DATA_V1 } from '../../migrations/1764300200000-CreateRuleSets';
import { CASE_TRANSITIONS, CaseStatus, isDecided } from '../cases/case-lifecycle';
import { ListingEvent } from '../listings/in-force';
import { ListingStatus, ListType } from '../listings/listing-lifecycle';
import { addDays, addMonths, measureType, RuleData } from '../rules/rules';
import {
  CaseEvent,
  decide,
  ScreeningCandidate,
  ScreeningCase,
  ScreeningListing,
  ScreeningMeasure,
  Verdict,
} from './verdict';
import { EndingAct, HistoryEvent, instantNs, referenceVerdict, ReferenceVerdict } from './verdict.reference';

const rulesV1 = (): RuleData => structuredClone(RULE_DATA_V1) as RuleData;
const DOMAINS = rulesV1().reviewDomains.map((d) => d.code);

// ---------------------------------------------------------------------------------------------------
// Projection: the event list as the database hands it to the service.

const HOUR_MS = 60 * 60 * 1000;
const DAY_MS = 24 * HOUR_MS;

/** Stable sort by recorded instant, ties in the order given (SQL: ORDER BY recorded_at, id). */
function byRecordedAt<E extends { recordedAt: string }>(events: readonly E[]): E[] {
  return events
    .map((e, i) => ({ e, i, at: instantNs(e.recordedAt) }))
    .sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.i - b.i))
    .map((x) => x.e);
}

const listingEventOf = (e: HistoryEvent): ListingEvent | null => {
  const base = { recordedAt: e.recordedAt, effectiveDate: null, period: null };
  switch (e.kind) {
    case 'LISTING_PROPOSED':
      return { ...base, status: 'PROPOSED', period: { from: e.from, to: e.to } };
    case 'LISTING_APPROVED':
      return { ...base, status: 'ACTIVE' };
    case 'LISTING_REJECTED':
      return { ...base, status: 'REJECTED' };
    case 'LISTING_ENDED':
      return { ...base, status: e.act, effectiveDate: e.effectiveDate };
    case 'LISTING_CORRECTED':
      return { ...base, status: 'CORRECTED', period: { from: e.from, to: e.to } };
    default:
      return null;
  }
};

/**
 * One identifier-matched subject as SCREENING_SQL gives it: each row with its whole history (every
 * event, whatever its recorded time) and its columns as they stand now, i.e. as the latest event
 * overall left them; rejected proposals left out.
 */
function project(history: readonly HistoryEvent[]): ScreeningCandidate {
  const cases: ScreeningCase[] = [];
  const caseIds = [...new Set(history.flatMap((e) => (e.kind === 'CASE_STATUS' ? [e.caseId] : [])))];
  for (const id of caseIds) {
    const steps: CaseEvent[] = byRecordedAt(
      history.flatMap((e) =>
        e.kind === 'CASE_STATUS' && e.caseId === id
          ? [{ status: e.status, recordedAt: e.recordedAt, decisionDate: e.decisionDate }]
          : [],
      ),
    );
    const latest = steps.at(-1)!;
    cases.push({
      id,
      status: latest.status,
      decisionNumber: `测〔2024〕${id}号`,
      authority: '国家自然科学基金委员会',
      decisionDate: latest.decisionDate,
      misconductTypes: ['PLAGIARISM'],
      severity: 'SERIOUS',
      history: steps,
    });
  }

  const measures: ScreeningMeasure[] = history.flatMap((e) =>
    e.kind === 'MEASURE_RECORDED'
      ? [
          {
            id: e.measureId,
            caseId: e.caseId,
            type: e.type,
            startDate: e.start,
            endDate: e.end,
            lifetime: e.lifetime,
            domains: [...e.domains],
            recordedAt: e.recordedAt,
          },
        ]
      : [],
  );

  const listings: ScreeningListing[] = [];
  for (const proposal of history) {
    if (proposal.kind !== 'LISTING_PROPOSED') continue;
    const own = history.filter((e) => 'listingId' in e && e.listingId === proposal.listingId);
    const events = byRecordedAt(own.map(listingEventOf).filter((e): e is ListingEvent => e !== null));
    const period = events.filter((e) => e.period).at(-1)!.period!;
    const status = events.filter((e) => e.status !== 'CORRECTED').at(-1)!.status as ListingStatus;
    if (status === 'REJECTED') continue;
    listings.push({
      id: proposal.listingId,
      listType: proposal.listType,
      status,
      effectiveFrom: period.from,
      effectiveTo: period.to,
      history: events,
      underObjection: false,
      caseId: proposal.caseId,
      designationDocument: proposal.listType === 'RED' ? `沪科信〔2025〕${proposal.listingId}号` : null,
    });
  }

  return {
    match: 'IDENTIFIER',
    subjectId: 'subject-1',
    subjectName: '张某某',
    maskedIdentifier: '110105********002X',
    listings,
    measures,
    cases,
  };
}

interface Query {
  domain: string;
  asOf: string;
  knownAt: string;
  lookbackYears?: number;
  rules: RuleData;
}

/** What the property compares: outcome, evidence (kind, record, effect) and the incentive's entry. */
function essence(v: Verdict): ReferenceVerdict {
  return {
    outcome: v.outcome,
    evidence: v.evidence
      .map((e) => ({ kind: e.kind, recordId: e.recordId, effect: e.effect }))
      .sort((a, b) => compare(a.kind, b.kind) || compare(a.recordId, b.recordId)),
    incentiveListingId: v.incentive?.listingId ?? null,
  };
}

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

const service = (history: readonly HistoryEvent[], q: Query): ReferenceVerdict =>
  essence(
    decide({
      domain: q.domain,
      asOf: q.asOf,
      knownAt: q.knownAt,
      ...(q.lookbackYears !== undefined && { lookbackYears: q.lookbackYears }),
      rules: q.rules,
      ruleVersion: 1,
      candidates: [project(history)],
    }),
  );

// ---------------------------------------------------------------------------------------------------
// A small simulation of the service, turning commands into the events it would record.

const BASE = '2020-01-01';
/** Valid dates: 2020-01-01 to 2030-12-31. */
const SPAN_DAYS = 4017;
const day = (offset: number): string => addDays(BASE, offset);
/** Recorded instants: 2019-01-01 to 2031-12-31. */
const T_MIN = Date.UTC(2019, 0, 1);
const T_MAX = Date.UTC(2031, 11, 31);

const ZONES = ['Z', '+08:00', '-05:00'] as const;
type Zone = (typeof ZONES)[number];
const ZONE_MS: Record<Zone, number> = { Z: 0, '+08:00': 8 * HOUR_MS, '-05:00': -5 * HOUR_MS };

/**
 * An instant (microseconds since 1970) written in a zone, as a timestamptz comes back from the
 * database: microseconds shown when there are any below the millisecond.
 */
function stamp(us: number, zone: Zone): string {
  const iso = new Date(Math.floor(us / 1000) + ZONE_MS[zone]).toISOString().slice(0, -1);
  const micros = us % 1000;
  return `${iso}${micros === 0 ? '' : String(micros).padStart(3, '0')}${zone}`;
}

/** Milliseconds since 1970 of an instant, cut to the millisecond as a JavaScript Date holds it. */
const msOf = (recordedAt: string): number => Number(instantNs(recordedAt) / 1_000_000n);

interface SimCase {
  id: string;
  status: CaseStatus;
  decisionDate: string | null;
}

interface SimListing {
  id: string;
  listType: ListType;
  caseId: string | null;
  status: ListingStatus;
  from: string;
  to: string | null;
  terminatedFrom: string | null;
  lastAct: EndingAct | null;
}

const earlier = (a: string | null, b: string): string => (a !== null && a < b ? a : b);

class Registry {
  readonly events: HistoryEvent[] = [];
  private readonly cases: SimCase[] = [];
  private readonly listings: SimListing[] = [];
  private measures = 0;

  constructor(private readonly rules: RuleData) {}

  apply(c: Command, recordedAt: string): void {
    const pick = <T>(items: readonly T[], i: number): T | undefined =>
      items.length === 0 ? undefined : items[i % items.length];
    switch (c.op) {
      case 'case': {
        const id = `case-${this.cases.length}`;
        const decisionDate = isDecided(c.initial) ? day(c.date) : null;
        this.cases.push({ id, status: c.initial, decisionDate });
        this.events.push({ kind: 'CASE_STATUS', recordedAt, caseId: id, status: c.initial, decisionDate });
        return;
      }
      case 'caseStep': {
        const kase = pick(this.cases, c.pick);
        const to = kase && pick(CASE_TRANSITIONS[kase.status], c.choice);
        if (!kase || !to) return;
        // A decided step states the decision date: the one given, else the case's.
        const decisionDate = isDecided(to)
          ? c.restate || kase.decisionDate === null
            ? day(c.date)
            : kase.decisionDate
          : null;
        Object.assign(kase, { status: to, decisionDate: decisionDate ?? kase.decisionDate });
        this.events.push({ kind: 'CASE_STATUS', recordedAt, caseId: kase.id, status: to, decisionDate });
        return;
      }
      case 'measure': {
        const kase = pick(
          this.cases.filter((k) => isDecided(k.status)),
          c.pick,
        );
        if (!kase) return;
        const type = pick(this.rules.measureTypes, c.type)!;
        const timing = measureType(this.rules, type.code)!.timing;
        const lifetime = timing === 'PERIOD_OR_LIFETIME' && c.lifetime;
        const start = timing === 'NONE' || (timing === 'DEADLINE' && c.noStart) ? null : day(c.start);
        const end = timing === 'NONE' || lifetime ? null : day(c.start + c.length);
        const allowed = type.allowedDomains;
        const domains =
          type.isBar && allowed.length > 0
            ? [...new Set(c.domains.map((i) => allowed[i % allowed.length]))]
            : [];
        this.events.push({
          kind: 'MEASURE_RECORDED',
          recordedAt,
          measureId: `measure-${this.measures++}`,
          caseId: kase.id,
          type: type.code,
          start,
          end,
          lifetime,
          domains: domains.sort(),
        });
        return;
      }
      case 'propose': {
        const from = day(c.from);
        const to = c.length === null ? null : day(c.from + c.length);
        let caseId: string | null = null;
        if (c.listType === 'RED') {
          if (this.sanctionOverlaps(from, to)) return;
        } else {
          const kase = pick(
            this.cases.filter((k) => isDecided(k.status)),
            c.pick,
          );
          if (!kase) return;
          caseId = kase.id;
        }
        const listing: SimListing = {
          id: `listing-${this.listings.length}`,
          listType: c.listType,
          caseId,
          status: 'PROPOSED',
          from,
          to,
          terminatedFrom: null,
          lastAct: null,
        };
        this.listings.push(listing);
        this.events.push({
          kind: 'LISTING_PROPOSED',
          recordedAt,
          listingId: listing.id,
          listType: c.listType,
          caseId,
          from,
          to,
        });
        return;
      }
      case 'approve':
      case 'reject': {
        const l = pick(
          this.listings.filter((x) => x.status === 'PROPOSED'),
          c.pick,
        );
        if (!l) return;
        if (c.op === 'reject') {
          l.status = 'REJECTED';
          this.events.push({ kind: 'LISTING_REJECTED', recordedAt, listingId: l.id });
          return;
        }
        if (l.listType === 'RED' && this.sanctionOverlaps(l.from, l.to)) return;
        l.status = 'ACTIVE';
        this.events.push({ kind: 'LISTING_APPROVED', recordedAt, listingId: l.id });
        if (l.listType !== 'RED') this.endRedEntries(l, recordedAt);
        return;
      }
      case 'end': {
        const act = c.act;
        const l = pick(
          this.listings.filter(
            (x) =>
              (x.status === 'ACTIVE' || x.status === 'EXPIRED') &&
              !(act === 'REPAIRED' && x.listType === 'RED'),
          ),
          c.pick,
        );
        if (l) this.move(l, act, day(c.date), recordedAt);
        return;
      }
      case 'correct': {
        const l = pick(
          this.listings.filter((x) => x.status !== 'REJECTED'),
          c.pick,
        );
        if (!l || (c.from === undefined && c.to === undefined && c.terminatedFrom === undefined)) return;
        const from = c.from === undefined ? l.from : day(c.from);
        const to = c.to === undefined ? l.to : c.to === null ? null : day(c.to);
        if (to !== null && to < from) return;
        if (c.terminatedFrom !== undefined && l.lastAct === null) return;
        const periodChanged = from !== l.from || to !== l.to;
        if (periodChanged && l.listType === 'RED' && this.sanctionOverlaps(from, to)) return;
        Object.assign(l, { from, to });
        if (periodChanged) {
          this.events.push({ kind: 'LISTING_CORRECTED', recordedAt, listingId: l.id, from, to });
        }
        if (c.terminatedFrom !== undefined && l.lastAct !== null) {
          l.terminatedFrom = day(c.terminatedFrom);
          this.events.push({
            kind: 'LISTING_ENDED',
            recordedAt,
            listingId: l.id,
            act: l.lastAct,
            effectiveDate: l.terminatedFrom,
          });
        }
        return;
      }
    }
  }

  private move(l: SimListing, act: EndingAct, effectiveDate: string, recordedAt: string): void {
    Object.assign(l, { status: act, terminatedFrom: earlier(l.terminatedFrom, effectiveDate), lastAct: act });
    this.events.push({ kind: 'LISTING_ENDED', recordedAt, listingId: l.id, act, effectiveDate });
  }

  /** listings.repository.ts sanctionOverlaps: an approved BLACK or WATCH entry runs on a day of [from, to]. */
  private sanctionOverlaps(from: string, to: string | null): boolean {
    return this.listings.some(
      (l) =>
        l.listType !== 'RED' &&
        ['ACTIVE', 'EXPIRED', 'REPAIRED', 'REVOKED'].includes(l.status) &&
        (l.to === null || l.to >= from) &&
        (l.terminatedFrom === null || l.terminatedFrom > from) &&
        (to === null || l.from <= to) &&
        (l.terminatedFrom === null || l.terminatedFrom > l.from),
    );
  }

  /** listings.service.ts endRedEntries, in the approval's transaction. */
  private endRedEntries(cause: SimListing, recordedAt: string): void {
    const from = cause.from;
    for (const red of this.listings) {
      if (red.listType !== 'RED' || red.status !== 'ACTIVE' || (red.to !== null && red.to < from)) continue;
      if (cause.to !== null && red.from > cause.to) continue;
      if (from <= red.from) this.move(red, 'REVOKED', red.from, recordedAt);
      else this.move(red, 'EXPIRED', from, recordedAt);
    }
  }
}

// ---------------------------------------------------------------------------------------------------
// Arbitraries.

const dayArb = fc.integer({ min: 0, max: SPAN_DAYS });
const lengthArb = fc.integer({ min: 0, max: 2200 });

/** The commands of the simulation; an index (`pick`) chooses among the rows it may apply to. */
const COMMANDS = {
  case: fc.record({
    op: fc.constant('case' as const),
    initial: fc.constantFrom<CaseStatus>('REPORTED', 'DECIDED', 'DECIDED', 'FINAL'),
    date: dayArb,
  }),
  caseStep: fc.record({
    op: fc.constant('caseStep' as const),
    pick: fc.nat(9),
    choice: fc.nat(9),
    restate: fc.boolean(),
    date: dayArb,
  }),
  measure: fc.record({
    op: fc.constant('measure' as const),
    pick: fc.nat(9),
    type: fc.nat(99),
    noStart: fc.boolean(),
    lifetime: fc.boolean(),
    start: dayArb,
    length: lengthArb,
    domains: fc.array(fc.nat(9), { minLength: 1, maxLength: 3 }),
  }),
  propose: fc.record({
    op: fc.constant('propose' as const),
    listType: fc.constantFrom<ListType>('BLACK', 'WATCH', 'RED', 'RED'),
    pick: fc.nat(9),
    from: dayArb,
    length: fc.option(lengthArb, { nil: null, freq: 4 }),
  }),
  proposeRed: fc.record({
    op: fc.constant('propose' as const),
    listType: fc.constant<ListType>('RED'),
    pick: fc.nat(9),
    from: dayArb,
    length: fc.option(lengthArb, { nil: null, freq: 4 }),
  }),
  approve: fc.record({ op: fc.constant('approve' as const), pick: fc.nat(9) }),
  reject: fc.record({ op: fc.constant('reject' as const), pick: fc.nat(9) }),
  end: fc.record({
    op: fc.constant('end' as const),
    pick: fc.nat(9),
    act: fc.constantFrom<EndingAct>('REVOKED', 'REPAIRED'),
    date: dayArb,
  }),
  correct: fc.record(
    {
      op: fc.constant('correct' as const),
      pick: fc.nat(9),
      from: dayArb,
      to: fc.option(dayArb, { nil: null, freq: 4 }),
      terminatedFrom: dayArb,
    },
    { requiredKeys: ['op', 'pick'] },
  ),
};
type Command = (typeof COMMANDS)[keyof typeof COMMANDS] extends fc.Arbitrary<infer T> ? T : never;

/** A mix of commands, each as likely as its weight. */
function commandsArb(weights: Partial<Record<keyof typeof COMMANDS, number>>): fc.Arbitrary<Command> {
  return fc.oneof(
    ...Object.entries(weights).map(([op, weight]) => ({
      weight,
      arbitrary: COMMANDS[op as keyof typeof COMMANDS] as fc.Arbitrary<Command>,
    })),
  );
}

/** Everything: cases moving along, measures, entries of every list and what happens to them. */
const EVERYTHING = commandsArb({
  case: 2,
  caseStep: 2,
  measure: 2,
  propose: 4,
  approve: 8,
  reject: 1,
  end: 3,
  correct: 2,
});

/** Several RED entries, ended by BLACK or WATCH ones, revoked and corrected: the incentive's choice. */
const RED_ENTRIES = commandsArb({ propose: 2, proposeRed: 4, approve: 6, end: 3, correct: 2 });

/** List entries only, ended and corrected often: the life of an entry on every day and instant. */
const ENTRIES = commandsArb({ propose: 3, approve: 5, reject: 1, end: 4, correct: 4 });

/** When each command was recorded: after the one before, by nothing (one instant), minutes or days. */
const gapArb = fc.oneof(
  { weight: 1, arbitrary: fc.constant(0) },
  { weight: 2, arbitrary: fc.integer({ min: 1, max: 3 * HOUR_MS }) },
  { weight: 4, arbitrary: fc.integer({ min: 1, max: 200 * DAY_MS }) },
);

/**
 * A history: the start of the recording, then the commands as they were recorded, to the millisecond
 * as the database records them (timestamptz(3)).
 */
const historyArb = (commands: fc.Arbitrary<Command>) =>
  fc
    .record({
      start: fc.integer({ min: T_MIN, max: T_MAX - 3 * 365 * DAY_MS }),
      /** One or two decided cases first, so that entries have something to rest on. */
      cases: fc.array(
        fc.record({ initial: fc.constantFrom<CaseStatus>('DECIDED', 'FINAL'), date: dayArb, gap: gapArb }),
        { minLength: 1, maxLength: 2 },
      ),
      steps: fc.array(
        fc.record({
          command: commands,
          gap: gapArb,
          zone: fc.constantFrom(...ZONES),
        }),
        { minLength: 6, maxLength: 30, size: 'medium' },
      ),
      barredByBlack: fc.option(fc.subarray(DOMAINS), { nil: null, freq: 3 }),
    })
    .map(({ start, cases, steps, barredByBlack }) => {
      const rules = rulesV1();
      if (barredByBlack !== null) rules.blackListBarredDomains = barredByBlack;
      const registry = new Registry(rules);
      let us = start * 1000;
      const prologue = cases.map(({ initial, date, gap }) => ({
        command: { op: 'case' as const, initial, date },
        gap,
        zone: 'Z' as const,
      }));
      for (const { command, gap, zone } of [...prologue, ...steps]) {
        us += gap * 1000;
        registry.apply(command, stamp(us, zone));
      }
      return { history: registry.events, rules };
    });

/** Every valid date of a history: where the answer may turn. */
function validDates(history: readonly HistoryEvent[]): string[] {
  return history.flatMap((e) => {
    switch (e.kind) {
      case 'CASE_STATUS':
        return e.decisionDate !== null ? [e.decisionDate] : [];
      case 'MEASURE_RECORDED':
        return [e.start, e.end].filter((d): d is string => d !== null);
      case 'LISTING_PROPOSED':
      case 'LISTING_CORRECTED':
        return [e.from, e.to].filter((d): d is string => d !== null);
      case 'LISTING_ENDED':
        return [e.effectiveDate];
      default:
        return [];
    }
  });
}

const queryArb = fc.record({
  domain: fc.constantFrom(...DOMAINS),
  lookbackYears: fc.option(fc.integer({ min: 0, max: 5 }), { nil: undefined }),
  /** A day next to a date of the history or to the day it leaves a look-back window, or any day. */
  asOf: fc.record({
    near: fc.oneof({ weight: 3, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
    random: fc.integer({ min: -400, max: SPAN_DAYS + 400 }),
    index: fc.nat(),
    offset: fc.integer({ min: -1, max: 1 }),
    years: fc.constantFrom(0, 0, 0, 1, 3, 5),
  }),
  /**
   * An event's own recorded instant (its millisecond) give or take a millisecond, any instant from a
   * month before the first event to a month after the last, or after them all.
   */
  knownAt: fc.record({
    mode: fc.constantFrom('event', 'event', 'between', 'after'),
    fraction: fc.double({ min: 0, max: 1, noNaN: true }),
    index: fc.nat(),
    offset: fc.constantFrom(-1, 0, 0, 1),
    zone: fc.constantFrom(...ZONES),
  }),
});

/** A history and a question about it. */
const scenarioArb = (commands: fc.Arbitrary<Command>) =>
  fc.tuple(historyArb(commands), queryArb).map(([{ history, rules }, q]) => {
    const dates = validDates(history);
    const asOf =
      q.asOf.near && dates.length > 0
        ? addDays(addMonths(dates[q.asOf.index % dates.length], 12 * q.asOf.years), q.asOf.offset)
        : day(q.asOf.random);
    const instants = history.map((e) => msOf(e.recordedAt));
    const first = Math.min(T_MAX, ...instants) - 30 * DAY_MS;
    const last = Math.max(T_MIN, ...instants) + 30 * DAY_MS;
    const knownAtMs =
      q.knownAt.mode === 'event'
        ? instants[q.knownAt.index % instants.length] + q.knownAt.offset
        : q.knownAt.mode === 'between'
          ? Math.round(first + q.knownAt.fraction * (last - first))
          : last + Math.round(q.knownAt.fraction * 5 * 365 * DAY_MS);
    const query: Query = {
      domain: q.domain,
      asOf,
      // Whole milliseconds, as the service passes knownAt (screening.service.ts knownAtOf).
      knownAt: stamp(knownAtMs * 1000, q.knownAt.zone),
      ...(q.lookbackYears !== undefined && { lookbackYears: q.lookbackYears }),
      rules,
    };
    return { history, query };
  });

// ---------------------------------------------------------------------------------------------------
// Examples from the issue, each answered alike by the service and the reference.

const bj = (date: string, time = '10:00'): string => `${date}T${time}:00+08:00`;
const decided = (caseId: string, decisionDate: string, recordedAt: string): HistoryEvent => ({
  kind: 'CASE_STATUS',
  recordedAt,
  caseId,
  status: 'DECIDED',
  decisionDate,
});
const proposed = (
  listingId: string,
  listType: ListType,
  from: string,
  to: string | null,
  recordedAt: string,
  caseId: string | null = listType === 'RED' ? null : 'case-1',
): HistoryEvent => ({ kind: 'LISTING_PROPOSED', recordedAt, listingId, listType, caseId, from, to });
const approved = (listingId: string, recordedAt: string): HistoryEvent => ({
  kind: 'LISTING_APPROVED',
  recordedAt,
  listingId,
});
const ended = (
  listingId: string,
  act: EndingAct,
  effectiveDate: string,
  recordedAt: string,
): HistoryEvent => ({
  kind: 'LISTING_ENDED',
  recordedAt,
  listingId,
  act,
  effectiveDate,
});

const ask = (asOf: string, knownAt: string, over: Partial<Query> = {}): Query => ({
  domain: 'PROJECT_FUNDING',
  asOf,
  knownAt,
  rules: rulesV1(),
  ...over,
});

/** The answer both give, in the shape the property compares. */
function answer(history: readonly HistoryEvent[], q: Query): ReferenceVerdict {
  const reference = referenceVerdict(history, q);
  expect(service(history, q)).toEqual(reference);
  return reference;
}

const blocked = (kind: 'LISTING' | 'MEASURE', recordId: string): ReferenceVerdict => ({
  outcome: 'BLOCK',
  evidence: [{ kind, recordId, effect: 'BLOCK' }],
  incentiveListingId: null,
});
const CLEAR: ReferenceVerdict = { outcome: 'CLEAR', evidence: [], incentiveListingId: null };
const incentive = (listingId: string): ReferenceVerdict => ({
  outcome: 'CLEAR',
  evidence: [{ kind: 'LISTING', recordId: listingId, effect: 'INCENTIVE' }],
  incentiveListingId: listingId,
});

describe('the reference model and the service on the examples of the issue', () => {
  it('a 2024 decision recorded and approved today bars its whole period; before its approval, nothing', () => {
    const now = Date.now();
    const today = (minutesAgo: number) => new Date(now - minutesAgo * 60_000).toISOString();
    const history = [
      decided('case-1', '2024-06-30', today(30)),
      proposed('black-1', 'BLACK', '2024-07-01', '2029-06-30', today(20)),
      approved('black-1', today(10)),
    ];
    const knownNow = new Date(now).toISOString();
    expect(answer(history, ask('2025-06-01', knownNow))).toEqual(blocked('LISTING', 'black-1'));
    expect(answer(history, ask('2024-07-01', knownNow))).toEqual(blocked('LISTING', 'black-1'));
    expect(answer(history, ask('2029-06-30', knownNow))).toEqual(blocked('LISTING', 'black-1'));
    expect(answer(history, ask('2029-07-01', knownNow))).toEqual(CLEAR);
    // knownAt left to its default, now.
    const candidates = [project(history)];
    expect(
      decide({ domain: 'PROJECT_FUNDING', asOf: '2025-06-01', rules: rulesV1(), ruleVersion: 1, candidates }),
    ).toMatchObject({ outcome: 'BLOCK' });
    // Between the proposal and its approval.
    expect(answer(history, ask('2025-06-01', today(15)))).toEqual(CLEAR);
  });

  it('a revocation effective X counts up to X−1 and not from X, once it is known', () => {
    const history = [
      decided('case-1', '2024-02-20', bj('2024-02-21')),
      proposed('black-1', 'BLACK', '2024-03-01', '2029-02-28', bj('2024-02-22')),
      approved('black-1', bj('2024-03-01')),
      // Recorded in May, backdated to 15 January.
      ended('black-1', 'REVOKED', '2025-01-15', bj('2025-05-10')),
    ];
    const later = bj('2025-06-01');
    expect(answer(history, ask('2025-01-14', later))).toEqual(blocked('LISTING', 'black-1'));
    expect(answer(history, ask('2025-01-15', later))).toEqual(CLEAR);
    expect(answer(history, ask('2028-01-01', later))).toEqual(CLEAR);
    // Before the revocation was recorded the entry ran to its end.
    const before = bj('2025-05-10', '09:59');
    expect(answer(history, ask('2025-01-15', before))).toEqual(blocked('LISTING', 'black-1'));
    expect(answer(history, ask('2028-01-01', before))).toEqual(blocked('LISTING', 'black-1'));
  });

  it('a historical RED designation approved later gives its incentive on its own past days', () => {
    const history = [
      proposed('red-1', 'RED', '2021-01-01', '2023-12-31', bj('2025-03-01')),
      approved('red-1', bj('2025-04-01')),
    ];
    const later = bj('2025-06-01');
    expect(answer(history, ask('2021-01-01', later))).toEqual(incentive('red-1'));
    expect(answer(history, ask('2023-12-31', later))).toEqual(incentive('red-1'));
    expect(answer(history, ask('2024-01-01', later))).toEqual(CLEAR);
    expect(answer(history, ask('2022-06-01', bj('2025-03-31')))).toEqual(CLEAR);
  });

  it("a BLACK entry's EXPIRED act on a RED one ends it from the BLACK entry's first day", () => {
    const approval = bj('2024-05-20');
    const history = [
      proposed('red-1', 'RED', '2022-01-01', '2027-12-31', bj('2021-11-01')),
      approved('red-1', bj('2022-01-10')),
      decided('case-1', '2024-02-20', bj('2024-02-21')),
      proposed('black-1', 'BLACK', '2024-03-01', '2026-02-28', bj('2024-02-22')),
      // The approval ends the RED entry in the same transaction (listings.service.ts endRedEntries).
      approved('black-1', approval),
      ended('red-1', 'EXPIRED', '2024-03-01', approval),
    ];
    const later = bj('2025-06-01');
    expect(answer(history, ask('2024-02-29', later))).toEqual(incentive('red-1'));
    expect(answer(history, ask('2024-03-01', later))).toEqual(blocked('LISTING', 'black-1'));
    expect(answer(history, ask('2026-03-01', later))).toEqual(CLEAR);
    // Where the BLACK entry does not bar, it warns; the RED entry has ended all the same.
    const notBarred = rulesV1();
    notBarred.blackListBarredDomains = ['AWARD'];
    expect(answer(history, ask('2024-03-01', later, { rules: notBarred }))).toEqual({
      outcome: 'REVIEW',
      evidence: [{ kind: 'LISTING', recordId: 'black-1', effect: 'REVIEW' }],
      incentiveListingId: null,
    });
    // Before the approval was recorded the RED entry still counted.
    expect(answer(history, ask('2024-03-01', bj('2024-05-19')))).toEqual(incentive('red-1'));
  });

  it('a look-back window finds a case whose only measure is a warning', () => {
    const history: HistoryEvent[] = [
      decided('case-1', '2023-05-10', bj('2023-05-12')),
      {
        kind: 'MEASURE_RECORDED',
        recordedAt: bj('2023-05-12'),
        measureId: 'measure-1',
        caseId: 'case-1',
        type: 'WARNING',
        start: null,
        end: null,
        lifetime: false,
        domains: [],
      },
    ];
    const later = bj('2025-06-01');
    expect(answer(history, ask('2025-06-01', later, { lookbackYears: 3 }))).toEqual({
      outcome: 'REVIEW',
      evidence: [{ kind: 'CASE', recordId: 'case-1', effect: 'REVIEW' }],
      incentiveListingId: null,
    });
    // The window [asOf − 3 years, asOf] holds 2023-05-10 up to asOf 2026-05-10.
    expect(answer(history, ask('2026-05-10', later, { lookbackYears: 3 })).outcome).toBe('REVIEW');
    expect(answer(history, ask('2026-05-11', later, { lookbackYears: 3 }))).toEqual(CLEAR);
    expect(answer(history, ask('2023-05-10', later, { lookbackYears: 0 })).outcome).toBe('REVIEW');
    expect(answer(history, ask('2025-06-01', later, { lookbackYears: 1 }))).toEqual(CLEAR);
    expect(answer(history, ask('2025-06-01', later))).toEqual(CLEAR);
    expect(answer(history, ask('2025-06-01', bj('2023-05-11'), { lookbackYears: 3 }))).toEqual(CLEAR);
  });
});

// ---------------------------------------------------------------------------------------------------
// The properties.

describe('decide agrees with the brute-force reference model', () => {
  it('on random histories of cases, measures and list entries (property)', () => {
    fc.assert(
      fc.property(scenarioArb(EVERYTHING), ({ history, query }) => {
        expect(service(history, query)).toEqual(referenceVerdict(history, query));
      }),
      { numRuns: 1000 },
    );
  });

  it('on random histories of list entries, ended and corrected (property)', () => {
    fc.assert(
      fc.property(scenarioArb(ENTRIES), ({ history, query }) => {
        expect(service(history, query)).toEqual(referenceVerdict(history, query));
      }),
      { numRuns: 1000 },
    );
  });

  it('on random histories of RED entries ended by BLACK and WATCH ones (property)', () => {
    fc.assert(
      fc.property(scenarioArb(RED_ENTRIES), ({ history, query }) => {
        expect(service(history, query)).toEqual(referenceVerdict(history, query));
      }),
      { numRuns: 1000 },
    );
  });
});
