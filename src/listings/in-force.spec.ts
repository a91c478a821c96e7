import { chinaDateOf } from '../common/china-date';
import fc from 'fast-check';
import {
  chinaDayEnd,
  chinaDayStart,
  IN_FORCE_REASON_LABELS,
  IN_FORCE_REASONS,
  InForceListing,
  InForceReason,
  InForceResult,
  inForceAt,
  inForceOn,
  instant,
  isZonedTimestamp,
  knownEvents,
  knownListing,
  LISTING_EVENT_KINDS,
  ListingEvent,
  ListingEventKind,
  ValidPeriod,
} from './in-force';
import { LISTING_STATUSES } from './listing-lifecycle';

const DAY_MS = 24 * 60 * 60 * 1000;
const ev = (
  status: ListingEventKind,
  recordedAt: string,
  more: Partial<ListingEvent> = {},
): ListingEvent => ({
  status,
  recordedAt,
  ...more,
});
/** An ending act (REVOKED, REPAIRED, EXPIRED) recorded at `recordedAt`, effective from `effectiveDate`. */
const act = (status: 'REVOKED' | 'REPAIRED' | 'EXPIRED', recordedAt: string, effectiveDate: string) =>
  ev(status, recordedAt, { effectiveDate });
const corrected = (recordedAt: string, from: string, to: string | null) =>
  ev('CORRECTED', recordedAt, { period: { from, to } });

/** Proposed on 2024-02-20, approved at 10:00 Beijing time on 2024-03-01, running 2024-03-01 to 2026-02-28. */
const PROPOSED_AT = '2024-02-20T01:00:00Z';
const APPROVED_AT = '2024-03-01T02:00:00Z';
const approved = (extra: ListingEvent[] = [], effectiveTo: string | null = '2026-02-28'): InForceListing => ({
  history: [ev('PROPOSED', PROPOSED_AT), ev('ACTIVE', APPROVED_AT), ...extra],
  effectiveFrom: '2024-03-01',
  effectiveTo,
});
/** The same entry, its period set on its PROPOSED event as the store now records it. */
const approvedWithPeriod = (period: ValidPeriod, extra: ListingEvent[] = []): InForceListing => ({
  history: [ev('PROPOSED', PROPOSED_AT, { period }), ev('ACTIVE', APPROVED_AT), ...extra],
  // The row's own dates: only used when no known event carries a period.
  effectiveFrom: '1999-01-01',
  effectiveTo: '1999-01-01',
});
const LATER = '2030-01-01T00:00:00Z';

describe('China Standard Time days', () => {
  it('starts and ends a day at midnight UTC+8, the end being exclusive', () => {
    expect(chinaDayStart('2024-03-01').toISOString()).toBe('2024-02-29T16:00:00.000Z');
    expect(chinaDayEnd('2024-03-01').toISOString()).toBe('2024-03-01T16:00:00.000Z');
    expect(chinaDayEnd('2024-12-31').toISOString()).toBe('2024-12-31T16:00:00.000Z');
    expect(chinaDayEnd('2024-02-29').getTime() - chinaDayStart('2024-02-29').getTime()).toBe(DAY_MS);
  });

  it('gives the Beijing calendar date of an instant', () => {
    expect(chinaDateOf(new Date('2024-03-01T15:59:59.999Z'))).toBe('2024-03-01');
    expect(chinaDateOf(new Date('2024-03-01T16:00:00Z'))).toBe('2024-03-02');
  });

  it('refuses dates that are not real days', () => {
    for (const bad of ['2024-02-30', '2023-02-29', '2024-3-1', '20240301', '2024-03-01T00:00:00Z', '']) {
      expect(() => chinaDayEnd(bad)).toThrow(RangeError);
    }
  });

  it('round-trips: every instant of a day falls on that day (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: Date.UTC(1900, 0, 1), max: Date.UTC(2100, 0, 1) }), (ms) => {
        const date = chinaDateOf(new Date(ms));
        expect(chinaDayStart(date).getTime()).toBeLessThanOrEqual(ms);
        expect(chinaDayEnd(date).getTime()).toBeGreaterThan(ms);
      }),
    );
  });
});

describe('timestamps (recorded time)', () => {
  it.each([
    '2024-03-01T02:00:00Z',
    '2024-03-01T02:00Z',
    '2024-03-01T10:00:00+08:00',
    '2024-03-01T10:00:00.123456+08:00',
    '2024-02-29T23:59:59.999-05:30',
    '2024-03-01t02:00:00z',
  ])('accepts %s', (value) => {
    expect(isZonedTimestamp(value)).toBe(true);
    const micros = Number((/\.\d{3}(\d{1,3})/.exec(value)?.[1] ?? '').padEnd(3, '0'));
    expect(instant(value, 'x')).toBe(Date.parse(value) * 1000 + micros);
  });

  it.each([
    ['no zone', '2024-03-01T02:00:00'],
    ['a date only', '2024-03-01'],
    ['a day that does not exist', '2024-02-30T00:00:00Z'],
    ['24:00', '2024-03-01T24:00:00Z'],
    ['a bad zone', '2024-03-01T02:00:00+8'],
    ['empty', ''],
  ])('refuses %s', (_name, value) => {
    expect(isZonedTimestamp(value)).toBe(false);
    expect(() => instant(value, 'recordedAt')).toThrow(RangeError);
    expect(() => instant(value, 'recordedAt')).toThrow(/recordedAt/);
  });

  it('isZonedTimestamp refuses what is not a string', () => {
    for (const value of [null, undefined, 0, new Date(), {}]) expect(isZonedTimestamp(value)).toBe(false);
  });
});

describe('knownEvents', () => {
  const a = ev('PROPOSED', '2024-01-01T00:00:00Z');
  const b = ev('ACTIVE', '2024-01-02T08:00:00+08:00'); // 2024-01-02T00:00Z
  const c = ev('REVOKED', '2024-01-02T00:00:00Z'); // the same instant as b
  const d = ev('REPAIRED', '2024-01-03T00:00:00Z');

  it('keeps the events recorded at or before knownAt, in recorded order, ties in the order given', () => {
    const known = instant('2024-01-02T00:00:00Z', 'knownAt');
    expect(knownEvents([d, c, a, b], known)).toEqual([a, c, b]);
    expect(knownEvents([b, d, a, c], known)).toEqual([a, b, c]);
    expect(knownEvents([a, b], known - 1)).toEqual([a]);
    expect(knownEvents([a, b, c, d], instant('2023-12-31T23:59:59.999999Z', 'knownAt'))).toEqual([]);
  });

  it('refuses a malformed recordedAt, even one after knownAt', () => {
    expect(() => knownEvents([a, ev('ACTIVE', '2099-01-01')], instant('2024-06-01T00:00:00Z', 'k'))).toThrow(
      /history\[\]\.recordedAt/,
    );
  });
});

describe('knownListing', () => {
  it('reads approval, rejection, the latest known period and the earliest termination', () => {
    const listing = approvedWithPeriod({ from: '2024-03-01', to: '2026-02-28' }, [
      corrected('2024-05-01T00:00:00Z', '2024-03-01', '2027-02-28'),
      act('REPAIRED', '2025-01-10T00:00:00Z', '2025-02-01'),
      act('REVOKED', '2025-01-20T00:00:00Z', '2025-01-15'),
    ]);
    expect(knownListing(listing, LATER)).toEqual({
      approved: true,
      rejected: false,
      period: { from: '2024-03-01', to: '2027-02-28' },
      termination: { from: '2025-01-15', reason: 'REVOKED' },
    });
    expect(knownListing(listing, '2025-01-15T00:00:00Z')).toEqual({
      approved: true,
      rejected: false,
      period: { from: '2024-03-01', to: '2027-02-28' },
      termination: { from: '2025-02-01', reason: 'REPAIRED' },
    });
    expect(knownListing(listing, '2024-04-01T00:00:00Z')).toEqual({
      approved: true,
      rejected: false,
      period: { from: '2024-03-01', to: '2026-02-28' },
      termination: null,
    });
    expect(knownListing(listing, '2024-02-25T00:00:00Z')).toEqual({
      approved: false,
      rejected: false,
      period: { from: '2024-03-01', to: '2026-02-28' },
      termination: null,
    });
  });

  it("falls back to the row's own period when no known event carries one", () => {
    expect(knownListing(approved(), LATER).period).toEqual({ from: '2024-03-01', to: '2026-02-28' });
    const proposedWithPeriod = approvedWithPeriod({ from: '2024-03-01', to: null });
    expect(knownListing(proposedWithPeriod, '2024-02-19T00:00:00Z').period).toEqual({
      from: '1999-01-01',
      to: '1999-01-01',
    });
  });

  it('reads a rejection', () => {
    const rejected = { ...approved(), history: [ev('PROPOSED', PROPOSED_AT), ev('REJECTED', APPROVED_AT)] };
    expect(knownListing(rejected, LATER)).toMatchObject({ approved: false, rejected: true });
  });

  it('dates an ending act without an effective date on the Beijing day it was recorded', () => {
    const listing = approved([ev('REVOKED', '2025-01-01T16:30:00Z', { effectiveDate: null })]);
    expect(knownListing(listing, LATER).termination).toEqual({ from: '2025-01-02', reason: 'REVOKED' });
  });
});

describe('inForceAt', () => {
  it('has a Chinese label for every reason', () => {
    expect(IN_FORCE_REASONS).toEqual([
      'IN_FORCE',
      'NOT_APPROVED',
      'REJECTED',
      'NOT_YET_EFFECTIVE',
      'ENDED',
      'REVOKED',
      'REPAIRED',
    ]);
    for (const r of IN_FORCE_REASONS) expect(IN_FORCE_REASON_LABELS[r]).toMatch(/\p{Script=Han}/u);
  });

  it('knows the statuses and the correction as event kinds', () => {
    expect(LISTING_EVENT_KINDS).toEqual([...LISTING_STATUSES, 'CORRECTED']);
  });

  type Row = [string, InForceListing, string, string, InForceReason];
  const table: Row[] = [
    // IN_FORCE
    ['inside the period', approved(), '2025-06-01', LATER, 'IN_FORCE'],
    ['on the first day, approved that morning', approved(), '2024-03-01', LATER, 'IN_FORCE'],
    ['on the last day (inclusive)', approved(), '2026-02-28', LATER, 'IN_FORCE'],
    ['open-ended, decades later', approved([], null), '2099-12-31', LATER, 'IN_FORCE'],
    ['an event exactly at knownAt is known', approved(), '2025-06-01', APPROVED_AT, 'IN_FORCE'],
    [
      'the period set on the PROPOSED event, not the row, decides',
      approvedWithPeriod({ from: '2024-03-01', to: '2026-02-28' }),
      '2025-06-01',
      LATER,
      'IN_FORCE',
    ],
    [
      'approved later, known: counts on an earlier day of its period',
      { ...approved(), effectiveFrom: '2024-01-01' },
      '2024-01-15',
      LATER,
      'IN_FORCE',
    ],
    [
      'approved later, asked once the approval is recorded: counts on the first day of its period',
      { ...approved(), effectiveFrom: '2024-01-01' },
      '2024-01-01',
      APPROVED_AT,
      'IN_FORCE',
    ],
    [
      'approved at 00:00 Beijing time the next day still counts on the day before',
      { ...approved(), history: [ev('ACTIVE', '2024-03-02T00:00:00+08:00')] },
      '2024-03-01',
      LATER,
      'IN_FORCE',
    ],
    [
      'a revocation counts from its effective date, not before: the day before still counts',
      approved([act('REVOKED', '2025-01-01T02:00:00Z', '2025-01-01')]),
      '2024-12-31',
      LATER,
      'IN_FORCE',
    ],
    [
      'a future-dated revocation: the entry counts until the day before',
      approved([act('REVOKED', '2025-01-01T02:00:00Z', '2025-09-01')]),
      '2025-08-31',
      LATER,
      'IN_FORCE',
    ],
    [
      'a backdated revocation not yet recorded at knownAt',
      approved([act('REVOKED', '2025-06-10T02:00:00Z', '2025-01-01')]),
      '2025-03-01',
      '2025-06-10T01:59:59Z',
      'IN_FORCE',
    ],
    [
      'a later revocation corrects an earlier one to a later date',
      approved([
        act('REVOKED', '2025-01-01T02:00:00Z', '2025-01-01'),
        act('REVOKED', '2025-02-01T02:00:00Z', '2025-09-01'),
      ]),
      '2025-06-01',
      LATER,
      'IN_FORCE',
    ],
    [
      'an EXPIRED act effective after asOf does not stop it yet',
      approved([act('EXPIRED', '2025-01-01T02:00:00Z', '2025-07-01')]),
      '2025-06-30',
      LATER,
      'IN_FORCE',
    ],
    [
      'a correction extending the period',
      approved([corrected('2025-01-01T02:00:00Z', '2024-03-01', '2027-02-28')]),
      '2026-06-01',
      LATER,
      'IN_FORCE',
    ],
    [
      'a correction not yet known: the period as it then stood',
      approved([corrected('2025-01-01T02:00:00Z', '2024-03-01', '2024-12-31')]),
      '2025-06-01',
      '2024-12-31T00:00:00Z',
      'IN_FORCE',
    ],
    // NOT_APPROVED
    [
      'only proposed',
      { history: [ev('PROPOSED', PROPOSED_AT)], effectiveFrom: '2024-03-01', effectiveTo: null },
      '2025-06-01',
      LATER,
      'NOT_APPROVED',
    ],
    [
      'no history at all',
      { history: [], effectiveFrom: '2024-03-01', effectiveTo: null },
      '2025-06-01',
      LATER,
      'NOT_APPROVED',
    ],
    ['approval not yet known at knownAt', approved(), '2025-06-01', '2024-03-01T01:59:59Z', 'NOT_APPROVED'],
    [
      'approved later, asked before the approval is recorded: no day counts, not even an earlier one',
      { ...approved(), effectiveFrom: '2024-01-01' },
      '2024-01-15',
      '2024-02-29T00:00:00Z',
      'NOT_APPROVED',
    ],
    [
      'an EXPIRED event is no approval',
      {
        history: [ev('EXPIRED', PROPOSED_AT, { effectiveDate: '2030-01-01' })],
        effectiveFrom: '2024-03-01',
        effectiveTo: null,
      },
      '2025-06-01',
      LATER,
      'NOT_APPROVED',
    ],
    [
      'a CORRECTED event is no approval',
      {
        history: [ev('PROPOSED', PROPOSED_AT), corrected(APPROVED_AT, '2024-03-01', null)],
        effectiveFrom: '2024-03-01',
        effectiveTo: null,
      },
      '2025-06-01',
      LATER,
      'NOT_APPROVED',
    ],
    [
      'not approved outranks a known ending act',
      {
        history: [ev('PROPOSED', PROPOSED_AT), act('REVOKED', APPROVED_AT, '2024-03-01')],
        effectiveFrom: '2024-03-01',
        effectiveTo: null,
      },
      '2025-06-01',
      LATER,
      'NOT_APPROVED',
    ],
    // REJECTED
    [
      'rejected proposal',
      {
        history: [ev('PROPOSED', PROPOSED_AT), ev('REJECTED', '2024-02-25T00:00:00Z')],
        effectiveFrom: '2024-03-01',
        effectiveTo: null,
      },
      '2025-06-01',
      LATER,
      'REJECTED',
    ],
    [
      'rejected proposal, asked for a day before its period',
      {
        history: [ev('PROPOSED', PROPOSED_AT), ev('REJECTED', '2024-02-25T00:00:00Z')],
        effectiveFrom: '2024-03-01',
        effectiveTo: null,
      },
      '2024-01-01',
      LATER,
      'REJECTED',
    ],
    // NOT_YET_EFFECTIVE
    [
      'approved early, period starts later',
      { ...approved(), effectiveFrom: '2024-04-01' },
      '2024-03-15',
      LATER,
      'NOT_YET_EFFECTIVE',
    ],
    [
      'dates the wrong way round, before the end',
      { ...approved(), effectiveFrom: '2025-01-01', effectiveTo: '2024-06-01' },
      '2024-05-01',
      LATER,
      'NOT_YET_EFFECTIVE',
    ],
    [
      'a correction moving the start later',
      approved([corrected('2024-03-05T00:00:00Z', '2024-06-01', '2026-02-28')]),
      '2024-05-31',
      LATER,
      'NOT_YET_EFFECTIVE',
    ],
    [
      'a revocation effective after asOf does not outrank a period not yet begun',
      { ...approved([act('REVOKED', '2024-03-10T00:00:00Z', '2024-05-01')]), effectiveFrom: '2024-04-01' },
      '2024-03-15',
      LATER,
      'NOT_YET_EFFECTIVE',
    ],
    // ENDED
    ['the day after the last day', approved(), '2026-03-01', LATER, 'ENDED'],
    ['stored ACTIVE with effectiveTo in the past', approved(), '2027-01-01', LATER, 'ENDED'],
    [
      'ended and marked EXPIRED',
      approved([act('EXPIRED', '2026-03-01T00:00:00+08:00', '2026-03-01')]),
      '2026-06-01',
      LATER,
      'ENDED',
    ],
    [
      'an EXPIRED act ends it early, from its effective date (a RED entry ended by a BLACK one)',
      approved([act('EXPIRED', '2025-01-01T02:00:00Z', '2025-01-01')]),
      '2025-01-01',
      LATER,
      'ENDED',
    ],
    [
      'an EXPIRED act without a date takes effect on the Beijing day it was recorded',
      approved([ev('EXPIRED', '2025-01-01T16:30:00Z')]),
      '2025-01-02',
      LATER,
      'ENDED',
    ],
    [
      'a correction shortening the period',
      approved([corrected('2025-01-01T02:00:00Z', '2024-03-01', '2025-03-31')]),
      '2025-04-01',
      LATER,
      'ENDED',
    ],
    [
      'the latest correction wins over an earlier one',
      approved([
        corrected('2025-01-01T02:00:00Z', '2024-03-01', '2027-12-31'),
        corrected('2025-02-01T02:00:00Z', '2024-03-01', '2025-03-31'),
      ]),
      '2025-04-01',
      LATER,
      'ENDED',
    ],
    [
      'expired, then revoked from a later day: the earlier act gives the reason',
      approved([
        act('EXPIRED', '2026-03-01T00:00:00Z', '2026-03-01'),
        act('REVOKED', '2026-05-01T00:00:00Z', '2026-05-01'),
      ]),
      '2026-06-01',
      LATER,
      'ENDED',
    ],
    // REVOKED
    [
      'revoked before the day',
      approved([act('REVOKED', '2025-01-01T00:00:00Z', '2025-01-01')]),
      '2025-06-01',
      LATER,
      'REVOKED',
    ],
    [
      'revoked from the very day asked about',
      approved([act('REVOKED', '2025-01-01T02:00:00Z', '2025-01-01')]),
      '2025-01-01',
      LATER,
      'REVOKED',
    ],
    [
      'an old revocation without a date, recorded at 23:59:59.999 Beijing time that day',
      approved([ev('REVOKED', '2025-01-01T15:59:59.999Z')]),
      '2025-01-01',
      LATER,
      'REVOKED',
    ],
    [
      'a backdated revocation, once recorded, counts from its date',
      approved([act('REVOKED', '2025-06-10T02:00:00Z', '2025-01-01')]),
      '2025-03-01',
      LATER,
      'REVOKED',
    ],
    [
      'revoked from its first day: not even the first day counts',
      approved([act('REVOKED', '2025-06-10T02:00:00Z', '2024-03-01')]),
      '2024-03-01',
      LATER,
      'REVOKED',
    ],
    [
      'revoked after the end, backdated to before it, asked after the end',
      approved([
        act('EXPIRED', '2026-03-01T00:00:00Z', '2026-03-01'),
        act('REVOKED', '2026-05-01T00:00:00Z', '2025-01-01'),
      ]),
      '2026-06-01',
      LATER,
      'REVOKED',
    ],
    [
      'revocation wins over a period not yet begun',
      { ...approved([act('REVOKED', '2024-03-10T00:00:00Z', '2024-03-10')]), effectiveFrom: '2024-04-01' },
      '2024-03-15',
      LATER,
      'REVOKED',
    ],
    [
      'revocation wins over a period already over',
      approved([act('REVOKED', '2025-01-01T00:00:00Z', '2025-01-01')]),
      '2027-01-01',
      LATER,
      'REVOKED',
    ],
    [
      'a later revocation corrects an earlier one to an earlier date',
      approved([
        act('REVOKED', '2025-01-01T02:00:00Z', '2025-09-01'),
        act('REVOKED', '2025-02-01T02:00:00Z', '2025-05-01'),
      ]),
      '2025-06-01',
      LATER,
      'REVOKED',
    ],
    // REPAIRED
    [
      'repaired before the day',
      approved([act('REPAIRED', '2025-01-01T00:00:00Z', '2025-01-01')]),
      '2025-06-01',
      LATER,
      'REPAIRED',
    ],
    [
      'the earliest effective ending act gives the reason, not the earliest recorded',
      approved([
        act('REVOKED', '2025-01-01T00:00:00Z', '2025-02-01'),
        act('REPAIRED', '2025-01-20T00:00:00Z', '2025-01-10'),
      ]),
      '2025-06-01',
      LATER,
      'REPAIRED',
    ],
    [
      'a corrected revocation moved after a repair: the repair gives the reason',
      approved([
        act('REVOKED', '2025-01-01T00:00:00Z', '2025-01-01'),
        act('REPAIRED', '2025-01-10T00:00:00Z', '2025-02-01'),
        act('REVOKED', '2025-01-20T00:00:00Z', '2025-03-01'),
      ]),
      '2025-06-01',
      LATER,
      'REPAIRED',
    ],
  ];

  it.each(table)('%s', (_name, listing, asOf, knownAt, reason) => {
    expect(inForceAt(listing, asOf, knownAt)).toEqual({ inForce: reason === 'IN_FORCE', reason });
  });

  it('covers every reason in the table', () => {
    expect(new Set(table.map((row) => row[4]))).toEqual(new Set(IN_FORCE_REASONS));
  });

  it('answers as the registry knew it, on both clocks (docs/domain.md, Time)', () => {
    // A BLACK entry 2024-03-01–2029-02-28, proposed, approved later, revoked still later from X.
    const X = '2026-01-01';
    const listing: InForceListing = {
      history: [
        ev('PROPOSED', PROPOSED_AT, { period: { from: '2024-03-01', to: '2029-02-28' } }),
        ev('ACTIVE', '2025-06-01T02:00:00Z'),
        act('REVOKED', '2027-05-01T02:00:00Z', X),
      ],
      effectiveFrom: '2024-03-01',
      effectiveTo: '2029-02-28',
    };
    const days = ['2024-03-01', '2025-12-31', X, '2029-02-28'];
    const answers = (knownAt: string) => days.map((day) => inForceAt(listing, day, knownAt).inForce);
    // Known proposed only: counts on no day.
    expect(answers('2024-06-01T00:00:00Z')).toEqual([false, false, false, false]);
    // Approval known: every day of the period, even those before the approval.
    expect(answers('2025-06-01T02:00:00Z')).toEqual([true, true, true, true]);
    // Revocation known: up to X − 1, not from X.
    expect(answers('2027-05-01T02:00:00Z')).toEqual([true, true, false, false]);
    expect(inForceAt(listing, X, LATER).reason).toBe('REVOKED');
  });

  it('answers as before a correction when knownAt is before it', () => {
    const listing = approved([
      corrected('2025-01-01T02:00:00Z', '2024-06-01', '2025-06-30'),
      act('REVOKED', '2025-02-01T02:00:00Z', '2025-05-01'),
      act('REVOKED', '2025-03-01T02:00:00Z', '2025-06-01'),
    ]);
    const at = (asOf: string, knownAt: string) => inForceAt(listing, asOf, knownAt).reason;
    expect(at('2024-04-01', '2024-12-31T00:00:00Z')).toBe('IN_FORCE');
    expect(at('2024-04-01', '2025-01-01T02:00:00Z')).toBe('NOT_YET_EFFECTIVE');
    expect(at('2025-12-01', '2024-12-31T00:00:00Z')).toBe('IN_FORCE');
    expect(at('2025-12-01', '2025-01-01T02:00:00Z')).toBe('ENDED');
    expect(at('2025-05-15', '2025-02-01T02:00:00Z')).toBe('REVOKED');
    expect(at('2025-05-15', '2025-03-01T02:00:00Z')).toBe('IN_FORCE');
    expect(at('2025-06-01', '2025-03-01T02:00:00Z')).toBe('REVOKED');
  });

  it('keeps the order given for corrections recorded at the same instant (commit order)', () => {
    const t = '2025-01-01T02:00:00Z';
    const first = corrected(t, '2024-03-01', '2025-03-31');
    const second = corrected(t, '2024-03-01', '2027-12-31');
    expect(inForceAt(approved([first, second]), '2026-06-01', LATER).reason).toBe('IN_FORCE');
    expect(inForceAt(approved([second, first]), '2026-06-01', LATER).reason).toBe('ENDED');
  });

  it('breaks a tie between ending acts effective the same day the same way whatever their order', () => {
    const day = '2025-01-01';
    const a = approved([
      act('EXPIRED', '2025-01-03T00:00:00Z', day),
      act('REPAIRED', '2025-01-02T00:00:00Z', day),
      act('REVOKED', '2025-01-04T00:00:00Z', day),
    ]);
    const b = { ...a, history: [...a.history].reverse() };
    expect(inForceAt(a, '2025-06-01', LATER).reason).toBe('REVOKED');
    expect(inForceAt(b, '2025-06-01', LATER).reason).toBe('REVOKED');
    const c = approved([
      act('EXPIRED', '2025-01-03T00:00:00Z', day),
      act('REPAIRED', '2025-01-02T00:00:00Z', day),
    ]);
    expect(inForceAt(c, '2025-06-01', LATER).reason).toBe('REPAIRED');
  });

  it('a known rejection outranks everything, an approval included', () => {
    const l = approved([ev('REJECTED', '2024-03-02T00:00:00Z'), act('REVOKED', LATER, '2024-03-01')]);
    expect(inForceAt(l, '2025-06-01', LATER)).toEqual({ inForce: false, reason: 'REJECTED' });
  });

  it('ignores events not yet known at knownAt', () => {
    const listing = approved([act('REVOKED', '2025-01-01T00:00:00Z', '2024-12-01')]);
    expect(inForceAt(listing, '2025-06-01', '2024-12-31T23:59:59Z').reason).toBe('IN_FORCE');
    expect(inForceAt(listing, '2024-12-15', '2024-12-31T23:59:59Z').reason).toBe('IN_FORCE');
    expect(inForceAt(listing, '2025-06-01', '2025-01-01T00:00:00Z').reason).toBe('REVOKED');
    expect(inForceAt(listing, '2024-12-15', '2025-01-01T00:00:00Z').reason).toBe('REVOKED');
    expect(inForceAt(listing, '2024-11-30', '2025-01-01T00:00:00Z').reason).toBe('IN_FORCE');
  });

  it('does not know an event recorded a fraction of a millisecond after knownAt', () => {
    const knownAt = '2025-01-01T00:00:00.000100Z';
    const revocation = act('REVOKED', '2025-01-01T00:00:00.000900Z', '2025-01-01');
    expect(inForceAt(approved([revocation]), '2025-06-01', knownAt).reason).toBe('IN_FORCE');
    expect(inForceAt(approved([revocation]), '2025-06-01', '2025-01-01T00:00:00.000900Z').reason).toBe(
      'REVOKED',
    );
  });

  it('knows everything recorded until now by default, and nothing later', () => {
    expect(inForceAt(approved(), '2025-06-01').reason).toBe('IN_FORCE');
    const future = approved([act('REVOKED', '2999-01-01T00:00:00Z', '2025-01-01')], null);
    expect(inForceAt(future, '2999-06-01').reason).toBe('IN_FORCE');
    expect(inForceAt(future, '2999-06-01', '2999-01-01T00:00:00Z').reason).toBe('REVOKED');
  });

  it('reads timestamps in any zone and with microseconds, dating an undated act on the Beijing day', () => {
    const listing = approved([ev('REVOKED', '2025-01-01T23:59:59.999999+08:00')]);
    expect(inForceAt(listing, '2025-01-01', LATER).reason).toBe('REVOKED');
    expect(inForceAt(listing, '2024-12-31', LATER).reason).toBe('IN_FORCE');
    // 11:30 in New York on 2025-01-01 is 00:30 on 2025-01-02 in Beijing.
    const western = approved([ev('REPAIRED', '2025-01-01T11:30:00-05:00')]);
    expect(inForceAt(western, '2025-01-01', LATER).reason).toBe('IN_FORCE');
    expect(inForceAt(western, '2025-01-02', LATER).reason).toBe('REPAIRED');
  });

  it.each([
    ['asOf not a real day', approved(), '2024-02-30', LATER],
    ['asOf with a time', approved(), '2024-03-01T00:00:00Z', LATER],
    ['knownAt without a zone', approved(), '2025-06-01', '2030-01-01T00:00:00'],
    ['knownAt a date only', approved(), '2025-06-01', '2030-01-01'],
    ['knownAt on a day that does not exist', approved(), '2025-06-01', '2030-02-30T00:00:00Z'],
    ['an event at 24:00', approved([ev('REVOKED', '2025-01-01T24:00:00Z')]), '2025-06-01', LATER],
    ['effectiveFrom malformed', { ...approved(), effectiveFrom: '2024/03/01' }, '2025-06-01', LATER],
    ['effectiveTo malformed', approved([], '2026-02-31'), '2025-06-01', LATER],
    [
      'an effectiveDate malformed',
      approved([act('REVOKED', '2025-01-01T00:00:00Z', '2025-1-1')]),
      '2025-06-01',
      LATER,
    ],
    [
      'a corrected period malformed',
      approved([corrected('2025-01-01T00:00:00Z', '2024-03-01', '2026-02-30')]),
      '2025-06-01',
      LATER,
    ],
  ])('refuses malformed input: %s', (_name, listing, asOf, knownAt) => {
    expect(() => inForceAt(listing, asOf, knownAt)).toThrow(RangeError);
  });
});

describe('inForceAt properties', () => {
  const MIN_DAY = Date.UTC(2000, 0, 1) / DAY_MS;
  const MAX_DAY = Date.UTC(2040, 11, 31) / DAY_MS;
  const dateOfDay = (day: number) => new Date(day * DAY_MS).toISOString().slice(0, 10);
  const dayOfDate = (date: string) => Date.parse(date) / DAY_MS;
  const isoOf = (ms: number) => new Date(ms).toISOString();
  const ENDING_KINDS = ['REVOKED', 'REPAIRED', 'EXPIRED'] as const;

  const day = fc.integer({ min: MIN_DAY, max: MAX_DAY });
  const date = day.map(dateOfDay);
  const ms = fc.integer({ min: MIN_DAY * DAY_MS, max: (MAX_DAY + 1) * DAY_MS });
  const timestamp = ms.map(isoOf);
  const periodArb: fc.Arbitrary<ValidPeriod> = fc
    .tuple(day, fc.option(fc.integer({ min: 0, max: 4000 }), { nil: null }))
    .map(([from, length]) => ({
      from: dateOfDay(from),
      to: length === null ? null : dateOfDay(from + length),
    }));
  /**
   * Any event as the store records it: a period on PROPOSED and CORRECTED (PROPOSED without one, as
   * before the migration), an effective date on an ending act (or none, as before the migration).
   */
  const event: fc.Arbitrary<ListingEvent> = fc
    .record({
      status: fc.constantFrom(...LISTING_EVENT_KINDS),
      recordedAt: timestamp,
      period: fc.option(periodArb, { nil: undefined }),
      effectiveDate: fc.option(date, { nil: undefined }),
    })
    .map(({ status, recordedAt, period, effectiveDate }) => ({
      status,
      recordedAt,
      ...(status === 'CORRECTED' ? { period: period ?? { from: '2020-01-01', to: null } } : {}),
      ...(status === 'PROPOSED' && period ? { period } : {}),
      ...((ENDING_KINDS as readonly string[]).includes(status) && effectiveDate ? { effectiveDate } : {}),
    }));
  /** Histories whose events were recorded at distinct instants: their order cannot matter. */
  const history = fc.uniqueArray(event, { maxLength: 8, selector: (e) => e.recordedAt });
  const listing: fc.Arbitrary<InForceListing> = fc
    .tuple(history, periodArb)
    .map(([events, p]) => ({ history: events, effectiveFrom: p.from, effectiveTo: p.to }));

  /**
   * The rule of docs/domain.md, "Time", written out plainly: replay what was recorded by knownAt, one
   * event at a time, then ask the questions in the documented order.
   */
  function reference(l: InForceListing, asOf: string, knownAt: string): InForceResult {
    const k = Date.parse(knownAt);
    const known = l.history
      .map((e, i) => ({ e, i, t: Date.parse(e.recordedAt) }))
      .filter((x) => x.t <= k)
      .sort((a, b) => (a.t !== b.t ? a.t - b.t : a.i - b.i));
    let approvedKnown = false;
    let rejectedKnown = false;
    let from = l.effectiveFrom;
    let to = l.effectiveTo;
    const latestOfKind: Record<string, string> = {};
    for (const { e, t } of known) {
      if (e.status === 'ACTIVE') approvedKnown = true;
      if (e.status === 'REJECTED') rejectedKnown = true;
      if ((e.status === 'PROPOSED' || e.status === 'CORRECTED') && e.period) {
        from = e.period.from;
        to = e.period.to;
      }
      if ((ENDING_KINDS as readonly string[]).includes(e.status)) {
        latestOfKind[e.status] = e.effectiveDate ?? new Date(t + 8 * 3600 * 1000).toISOString().slice(0, 10);
      }
    }
    const no = (reason: InForceReason): InForceResult => ({ inForce: false, reason });
    if (rejectedKnown) return no('REJECTED');
    if (!approvedKnown) return no('NOT_APPROVED');
    const reasonOf = { REVOKED: 'REVOKED', REPAIRED: 'REPAIRED', EXPIRED: 'ENDED' } as const;
    const inEffect = ENDING_KINDS.filter((kind) => kind in latestOfKind && latestOfKind[kind] <= asOf);
    if (inEffect.length > 0) {
      // The earliest effective; on the same day, REVOKED before REPAIRED before EXPIRED.
      const first = inEffect.reduce((a, b) => (latestOfKind[b] < latestOfKind[a] ? b : a));
      return no(reasonOf[first]);
    }
    if (asOf < from) return no('NOT_YET_EFFECTIVE');
    if (to !== null && asOf > to) return no('ENDED');
    return { inForce: true, reason: 'IN_FORCE' };
  }

  it('agrees with the reference model over random histories', () => {
    fc.assert(
      fc.property(listing, date, timestamp, (l, asOf, knownAt) => {
        const expected = reference(l, asOf, knownAt);
        expect(inForceAt(l, asOf, knownAt)).toEqual(expected);
        expect(inForceOn(knownListing(l, knownAt), asOf)).toEqual(expected);
      }),
      { numRuns: 1000 },
    );
  });

  it('agrees with the reference model when asked at the instants and on the days the history names', () => {
    const pointed = listing.chain((l) => {
      const instants = l.history.map((e) => e.recordedAt);
      const days = l.history.flatMap((e) => [
        ...(e.effectiveDate ? [e.effectiveDate, dateOfDay(dayOfDate(e.effectiveDate) - 1)] : []),
        ...(e.period ? [e.period.from, ...(e.period.to ? [e.period.to] : [])] : []),
      ]);
      return fc.tuple(
        fc.constant(l),
        days.length > 0 ? fc.constantFrom(...days) : date,
        instants.length > 0 ? fc.constantFrom(...instants) : timestamp,
      );
    });
    fc.assert(
      fc.property(pointed, ([l, asOf, knownAt]) => {
        expect(inForceAt(l, asOf, knownAt)).toEqual(reference(l, asOf, knownAt));
      }),
      { numRuns: 1000 },
    );
  });

  it('(a) never counts on a day outside its known period', () => {
    fc.assert(
      fc.property(
        listing,
        fc.integer({ min: 1, max: 5000 }),
        fc.boolean(),
        timestamp,
        (l, offset, before, knownAt) => {
          const { period } = knownListing(l, knownAt);
          const from = dayOfDate(period.from);
          const to = period.to === null ? null : dayOfDate(period.to);
          fc.pre(before || to !== null);
          const asOf = dateOfDay(before ? from - offset : to! + offset);
          const result = inForceAt(l, asOf, knownAt);
          expect(result.inForce).toBe(false);
          expect(result.reason).not.toBe('IN_FORCE');
        },
      ),
    );
  });

  it('(b) a listing revoked from X never counts on X or after, once the revocation is known', () => {
    fc.assert(
      fc.property(
        listing,
        ms,
        day,
        fc.nat(),
        fc.integer({ min: 0, max: 5000 }),
        (l, t, x, knownLag, daysAfter) => {
          // The latest revocation recorded: no later one corrects its date.
          const last = Math.max(t, ...l.history.map((e) => Date.parse(e.recordedAt)));
          const revoked = { ...l, history: [...l.history, act('REVOKED', isoOf(last), dateOfDay(x))] };
          const knownAt = isoOf(last + knownLag);
          expect(inForceAt(revoked, dateOfDay(x + daysAfter), knownAt).inForce).toBe(false);
          // The day before X answers as though there had been no revocation: it supersedes earlier ones.
          const unrevoked = { ...l, history: l.history.filter((e) => e.status !== 'REVOKED') };
          expect(inForceAt(revoked, dateOfDay(x - 1), knownAt).inForce).toBe(
            inForceAt(unrevoked, dateOfDay(x - 1), knownAt).inForce,
          );
        },
      ),
    );
  });

  it('(c) events recorded after knownAt never change the answer', () => {
    fc.assert(
      fc.property(
        listing,
        date,
        ms,
        fc.array(fc.tuple(event, fc.integer({ min: 1, max: 10 * 365 * DAY_MS }))),
        (l, asOf, known, later) => {
          const extra = later.map(([e, lag]) => ({ ...e, recordedAt: isoOf(known + lag) }));
          const withLater = { ...l, history: [...l.history, ...extra] };
          expect(inForceAt(withLater, asOf, isoOf(known))).toEqual(inForceAt(l, asOf, isoOf(known)));
        },
      ),
    );
  });

  it('(d) a listing only ever proposed never counts', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(timestamp, fc.option(periodArb, { nil: undefined })), { maxLength: 5 }),
        periodArb,
        date,
        timestamp,
        (proposals, p, asOf, knownAt) => {
          const l = {
            history: proposals.map(([recordedAt, period]) => ev('PROPOSED', recordedAt, { period })),
            effectiveFrom: p.from,
            effectiveTo: p.to,
          };
          expect(inForceAt(l, asOf, knownAt)).toEqual({ inForce: false, reason: 'NOT_APPROVED' });
        },
      ),
    );
  });

  it('(e) PROPOSED events without a period, and EXPIRED acts effective after the end, change nothing', () => {
    // Entries whose period is the row's own (no event carries one) and with no EXPIRED act of their
    // own, which one added later would supersede.
    const plain = listing.map((l) => ({
      ...l,
      history: l.history.filter((e) => e.status !== 'EXPIRED').map(({ period: _period, ...e }) => e),
    }));
    fc.assert(
      fc.property(
        plain,
        fc.array(timestamp, { maxLength: 3 }),
        fc.array(fc.tuple(timestamp, fc.nat({ max: 400 })), { maxLength: 2 }),
        date,
        timestamp,
        (l, proposals, expiries, asOf, knownAt) => {
          const more = { ...l, history: [...l.history, ...proposals.map((t) => ev('PROPOSED', t))] };
          expect(inForceAt(more, asOf, knownAt)).toEqual(inForceAt(l, asOf, knownAt));
          fc.pre(l.effectiveTo !== null);
          const end = dayOfDate(l.effectiveTo!);
          const expired = {
            ...l,
            history: [
              ...l.history,
              ...expiries.map(([t, lag]) => act('EXPIRED', t, dateOfDay(end + 1 + lag))),
            ],
          };
          expect(inForceAt(expired, asOf, knownAt).inForce).toBe(inForceAt(l, asOf, knownAt).inForce);
        },
      ),
    );
  });

  it('does not depend on the order of the history, and counts exactly when the reason is IN_FORCE', () => {
    const shuffled = listing.chain((l) =>
      fc.tuple(
        fc.constant(l),
        fc.shuffledSubarray([...l.history], { minLength: l.history.length, maxLength: l.history.length }),
      ),
    );
    fc.assert(
      fc.property(shuffled, date, timestamp, ([l, permuted], asOf, knownAt) => {
        const result = inForceAt(l, asOf, knownAt);
        expect(result.inForce).toBe(result.reason === 'IN_FORCE');
        expect(inForceAt({ ...l, history: permuted }, asOf, knownAt)).toEqual(result);
      }),
    );
  });

  it('agrees with the plain rule for a listing approved once and never ended', () => {
    fc.assert(
      fc.property(
        ms,
        periodArb,
        date,
        fc.integer({ min: -1000 * DAY_MS, max: 1000 * DAY_MS }),
        (approvedAt, p, asOf, knownLag) => {
          const l = { history: [ev('ACTIVE', isoOf(approvedAt))], effectiveFrom: p.from, effectiveTo: p.to };
          // Once the approval is known, every day of the period counts, whenever it was approved.
          const expected = knownLag >= 0 && asOf >= p.from && (p.to === null || asOf <= p.to);
          expect(inForceAt(l, asOf, isoOf(approvedAt + knownLag)).inForce).toBe(expected);
        },
      ),
    );
  });
});
