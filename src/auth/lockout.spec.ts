import fc from 'fast-check';
import { DEFAULT_LOCKOUT, lockedUntil } from './lockout';

const MIN = 60_000;
const t0 = new Date('2026-11-27T10:00:00Z').getTime();
const at = (minutes: number) => new Date(t0 + minutes * MIN);

describe('lockedUntil', () => {
  it('does not lock after four failures', () => {
    expect(lockedUntil([0, 1, 2, 3].map(at), at(4))).toBeNull();
  });

  it('locks for 15 minutes from the fifth failure within 15 minutes', () => {
    const failures = [0, 1, 2, 3, 4].map(at);
    expect(lockedUntil(failures, at(5))).toEqual(at(19));
    expect(lockedUntil(failures, at(18.99))).toEqual(at(19));
    expect(lockedUntil(failures, at(19))).toBeNull();
  });

  it('does not lock when five failures are spread over more than 15 minutes', () => {
    expect(lockedUntil([0, 4, 8, 12, 16].map(at), at(16.5))).toBeNull();
  });

  it('counts exactly 15 minutes as within the window', () => {
    expect(lockedUntil([0, 5, 10, 14, 15].map(at), at(15))).toEqual(at(30));
  });

  it('ignores the order failures are given in', () => {
    expect(lockedUntil([4, 0, 3, 1, 2].map(at), at(5))).toEqual(at(19));
  });

  it('never locks with fewer failures than the threshold (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 60 }), { maxLength: DEFAULT_LOCKOUT.maxFailures - 1 }),
        (mins) => {
          expect(lockedUntil(mins.map(at), at(30))).toBeNull();
        },
      ),
    );
  });

  it('a lock never outlasts 15 minutes after the last failure (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 60 }), { minLength: 1, maxLength: 20 }),
        fc.integer({ min: 0, max: 120 }),
        (mins, now) => {
          const until = lockedUntil(mins.map(at), at(now));
          if (until)
            expect(until.getTime()).toBeLessThanOrEqual(
              at(Math.max(...mins)).getTime() + DEFAULT_LOCKOUT.lockMs,
            );
        },
      ),
    );
  });
});
