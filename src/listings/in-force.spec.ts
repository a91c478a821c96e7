import { chinaDateOf } from '../common/china-date';
import fc from 'fast-check';
import {
  chinaDayEnd,
  chinaDayStart,
  IN_FORCE_REASON_LABELS,
  IN_FORCE_REASONS,
  InForceListing,
  InForceReason,
  inForceAt,
  ListingStatusEvent,
} from './in-force';
import { LISTING_STATUSES, ListingStatus } from './listing-lifecycle';

const DAY_MS = 24 * 60 * 60 * 1000;
const ev = (status: ListingStatus, at: string): ListingStatusEvent => ({ status, at });

/** Proposed on 2024-02-20, approved at 10:00 Beijing time on 2024-03-01, running 2024-03-01 to 2026-02-28. */
const PROPOSED_AT = '2024-02-20T01:00:00Z';
const APPROVED_AT = '2024-03-01T02:00:00Z';
const approved = (
  extra: ListingStatusEvent[] = [],
  effectiveTo: string | null = '2026-02-28',
): InForceListing => ({
  history: [ev('PROPOSED', PROPOSED_AT), ev('ACTIVE', APPROVED_AT), ...extra],
  effectiveFrom: '2024-03-01',
  effectiveTo,
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

  type Row = [string, InForceListing, string, string, InForceReason];
  const table: Row[] = [
    // IN_FORCE
    ['inside the period', approved(), '2025-06-01', LATER, 'IN_FORCE'],
    ['on the first day, approved that morning', approved(), '2024-03-01', LATER, 'IN_FORCE'],
    ['on the last day (inclusive)', approved(), '2026-02-28', LATER, 'IN_FORCE'],
    ['open-ended, decades later', approved([], null), '2099-12-31', LATER, 'IN_FORCE'],
    [
      'stored EXPIRED too early does not stop it',
      approved([ev('EXPIRED', '2025-01-01T00:00:00Z')]),
      '2025-06-01',
      LATER,
      'IN_FORCE',
    ],
    [
      'revocation is not retroactive',
      approved([ev('REVOKED', '2025-01-01T00:00:00Z')]),
      '2024-12-31',
      LATER,
      'IN_FORCE',
    ],
    ['an event exactly at knownAt is known', approved(), '2025-06-01', APPROVED_AT, 'IN_FORCE'],
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
      'period backdated before approval counts only from the approval day',
      { ...approved(), effectiveFrom: '2024-01-01' },
      '2024-02-29',
      LATER,
      'NOT_APPROVED',
    ],
    [
      'approved at 00:00 Beijing time the next day',
      { ...approved(), history: [ev('ACTIVE', '2024-03-02T00:00:00+08:00')] },
      '2024-03-01',
      LATER,
      'NOT_APPROVED',
    ],
    [
      'an EXPIRED event is no approval',
      { history: [ev('EXPIRED', PROPOSED_AT)], effectiveFrom: '2024-03-01', effectiveTo: null },
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
    // ENDED
    ['the day after the last day', approved(), '2026-03-01', LATER, 'ENDED'],
    ['stored ACTIVE with effectiveTo in the past', approved(), '2027-01-01', LATER, 'ENDED'],
    [
      'ended and marked EXPIRED',
      approved([ev('EXPIRED', '2026-03-01T00:00:00+08:00')]),
      '2026-06-01',
      LATER,
      'ENDED',
    ],
    // REVOKED
    [
      'revoked before the day',
      approved([ev('REVOKED', '2025-01-01T00:00:00Z')]),
      '2025-06-01',
      LATER,
      'REVOKED',
    ],
    [
      'revoked at 23:59:59.999 Beijing time that day',
      approved([ev('REVOKED', '2025-01-01T15:59:59.999Z')]),
      '2025-01-01',
      LATER,
      'REVOKED',
    ],
    [
      'revoked after the end, asked after the end',
      approved([ev('EXPIRED', '2026-03-01T00:00:00Z'), ev('REVOKED', '2026-05-01T00:00:00Z')]),
      '2026-06-01',
      LATER,
      'REVOKED',
    ],
    [
      'revocation wins over a period not yet begun',
      { ...approved([ev('REVOKED', '2024-03-10T00:00:00Z')]), effectiveFrom: '2024-04-01' },
      '2024-03-15',
      LATER,
      'REVOKED',
    ],
    // REPAIRED
    [
      'repaired before the day',
      approved([ev('REPAIRED', '2025-01-01T00:00:00Z')]),
      '2025-06-01',
      LATER,
      'REPAIRED',
    ],
    [
      'the earliest ending event gives the reason',
      approved([ev('REVOKED', '2025-02-01T00:00:00Z'), ev('REPAIRED', '2025-01-01T00:00:00Z')]),
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

  it('breaks a tie between ending events at the same instant the same way whatever their order', () => {
    const at = '2025-01-01T00:00:00Z';
    const a = approved([ev('REPAIRED', at), ev('REVOKED', at), ev('REJECTED', at)]);
    const b = approved([ev('REJECTED', at), ev('REVOKED', at), ev('REPAIRED', at)]);
    expect(inForceAt(a, '2025-06-01', LATER).reason).toBe('REVOKED');
    expect(inForceAt(b, '2025-06-01', LATER).reason).toBe('REVOKED');
  });

  it('ignores events not yet known at knownAt', () => {
    const listing = approved([ev('REVOKED', '2025-01-01T00:00:00Z')]);
    expect(inForceAt(listing, '2025-06-01', '2024-12-31T23:59:59Z').reason).toBe('IN_FORCE');
    expect(inForceAt(listing, '2025-06-01', '2025-01-01T00:00:00Z').reason).toBe('REVOKED');
  });

  it('knows everything recorded until now by default, and nothing later', () => {
    expect(inForceAt(approved(), '2025-06-01').reason).toBe('IN_FORCE');
    const future = approved([ev('REVOKED', '2999-01-01T00:00:00Z')], null);
    expect(inForceAt(future, '2999-06-01').reason).toBe('IN_FORCE');
  });

  it('reads timestamps in any zone and with microseconds', () => {
    const listing = approved([ev('REVOKED', '2025-01-01T23:59:59.999999+08:00')]);
    expect(inForceAt(listing, '2025-01-01', LATER).reason).toBe('REVOKED');
    expect(inForceAt(listing, '2024-12-31', LATER).reason).toBe('IN_FORCE');
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
  ])('refuses malformed input: %s', (_name, listing, asOf, knownAt) => {
    expect(() => inForceAt(listing, asOf, knownAt)).toThrow(RangeError);
  });
});

describe('inForceAt properties', () => {
  const MIN_DAY = Date.UTC(2000, 0, 1) / DAY_MS;
  const MAX_DAY = Date.UTC(2040, 11, 31) / DAY_MS;
  const dateOfDay = (day: number) => new Date(day * DAY_MS).toISOString().slice(0, 10);
  const isoOf = (ms: number) => new Date(ms).toISOString();

  const day = fc.integer({ min: MIN_DAY, max: MAX_DAY });
  const date = day.map(dateOfDay);
  const ms = fc.integer({ min: MIN_DAY * DAY_MS, max: (MAX_DAY + 1) * DAY_MS });
  const timestamp = ms.map(isoOf);
  const event = fc.record({ status: fc.constantFrom(...LISTING_STATUSES), at: timestamp });
  const history = fc.array(event, { maxLength: 8 });
  const period = fc
    .tuple(day, fc.option(fc.integer({ min: 0, max: 4000 }), { nil: null }))
    .map(([from, length]) => ({
      effectiveFrom: dateOfDay(from),
      effectiveTo: length === null ? null : dateOfDay(from + length),
    }));
  const listing: fc.Arbitrary<InForceListing> = fc
    .tuple(history, period)
    .map(([events, dates]) => ({ history: events, ...dates }));

  it('(a) never counts on a day outside [effectiveFrom, effectiveTo]', () => {
    fc.assert(
      fc.property(
        listing,
        fc.integer({ min: 1, max: 5000 }),
        fc.boolean(),
        timestamp,
        (l, offset, before, knownAt) => {
          const from = Date.parse(l.effectiveFrom) / DAY_MS;
          const to = l.effectiveTo === null ? null : Date.parse(l.effectiveTo) / DAY_MS;
          fc.pre(before || to !== null);
          const asOf = dateOfDay(before ? from - offset : to! + offset);
          const result = inForceAt(l, asOf, knownAt);
          expect(result.inForce).toBe(false);
          expect(result.reason).not.toBe('IN_FORCE');
        },
      ),
    );
  });

  it('(b) a listing revoked at T never counts on a day starting after T, once T is known', () => {
    fc.assert(
      fc.property(listing, ms, fc.nat(), fc.integer({ min: 0, max: 5000 }), (l, t, knownLag, daysAfter) => {
        const revoked = { ...l, history: [...l.history, ev('REVOKED', isoOf(t))] };
        const firstDayAfter = chinaDateOf(new Date(t + DAY_MS));
        const asOf = dateOfDay(Date.parse(firstDayAfter) / DAY_MS + daysAfter);
        expect(chinaDayStart(asOf).getTime()).toBeGreaterThan(t);
        expect(inForceAt(revoked, asOf, isoOf(t + knownLag)).inForce).toBe(false);
        // The day T falls on does not count either: its end is after T.
        expect(inForceAt(revoked, chinaDateOf(new Date(t)), isoOf(t + knownLag)).inForce).toBe(false);
      }),
    );
  });

  it('(c) events after knownAt never change the answer', () => {
    fc.assert(
      fc.property(
        listing,
        date,
        ms,
        fc.array(fc.tuple(fc.constantFrom(...LISTING_STATUSES), fc.integer({ min: 1 }))),
        (l, asOf, known, later) => {
          const extra = later.map(([status, lag]) => ev(status, isoOf(known + lag)));
          const withLater = { ...l, history: [...l.history, ...extra] };
          expect(inForceAt(withLater, asOf, isoOf(known))).toEqual(inForceAt(l, asOf, isoOf(known)));
        },
      ),
    );
  });

  it('(d) a listing only ever proposed never counts', () => {
    fc.assert(
      fc.property(
        fc.array(timestamp, { maxLength: 5 }),
        period,
        date,
        timestamp,
        (times, dates, asOf, knownAt) => {
          const l = { history: times.map((at) => ev('PROPOSED', at)), ...dates };
          expect(inForceAt(l, asOf, knownAt)).toEqual({ inForce: false, reason: 'NOT_APPROVED' });
        },
      ),
    );
  });

  it('stored PROPOSED and EXPIRED events never change the answer: expiry is a matter of dates', () => {
    fc.assert(
      fc.property(
        listing,
        fc.array(
          fc.record({ status: fc.constantFrom('PROPOSED' as const, 'EXPIRED' as const), at: timestamp }),
        ),
        date,
        timestamp,
        (l, bookkeeping, asOf, knownAt) => {
          const more = { ...l, history: [...l.history, ...bookkeeping] };
          expect(inForceAt(more, asOf, knownAt)).toEqual(inForceAt(l, asOf, knownAt));
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
      fc.property(ms, period, date, fc.nat(), (approvedAt, dates, asOf, knownLag) => {
        const l = { history: [ev('ACTIVE', isoOf(approvedAt))], ...dates };
        const expected =
          chinaDayEnd(asOf).getTime() > approvedAt &&
          asOf >= dates.effectiveFrom &&
          (dates.effectiveTo === null || asOf <= dates.effectiveTo);
        expect(inForceAt(l, asOf, isoOf(approvedAt + knownLag)).inForce).toBe(expected);
      }),
    );
  });
});
