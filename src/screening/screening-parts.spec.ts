import fc from 'fast-check';
import { partBounds, SCREEN_PART_SIZE } from './screening.repository';

describe('partBounds', () => {
  it('cuts a 10,000-applicant check into four parts of 2,500', () => {
    expect(partBounds(10_000, SCREEN_PART_SIZE)).toEqual([
      [0, 2500],
      [2500, 5000],
      [5000, 7500],
      [7500, 10_000],
    ]);
  });

  it('keeps a check of one part whole, one applicant included', () => {
    expect(partBounds(1, SCREEN_PART_SIZE)).toEqual([[0, 1]]);
    expect(partBounds(SCREEN_PART_SIZE, SCREEN_PART_SIZE)).toEqual([[0, SCREEN_PART_SIZE]]);
  });

  it('covers every item once, in order, with as few parts as the size allows and sizes one apart', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 20_000 }), fc.integer({ min: 1, max: 5_000 }), (count, size) => {
        const bounds = partBounds(count, size);
        expect(bounds.length).toBe(Math.ceil(count / size));
        expect(bounds[0][0]).toBe(0);
        expect(bounds[bounds.length - 1][1]).toBe(count);
        const wrong = bounds.filter(
          ([from, to], i) => (i > 0 && from !== bounds[i - 1][1]) || to - from < 1 || to - from > size,
        );
        expect(wrong).toEqual([]);
        const sizes = bounds.map(([from, to]) => to - from);
        expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
      }),
    );
  });
});
