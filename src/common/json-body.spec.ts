import fc from 'fast-check';
import { jsonDeeperThan } from './json-body';

const deeper = (text: string, max: number) => jsonDeeperThan(Buffer.from(text, 'utf8'), max);
const nested = (levels: number) => `${'{"a":['.repeat(levels)}1${']}'.repeat(levels)}`;

describe('jsonDeeperThan', () => {
  it('counts objects and arrays alike', () => {
    expect(deeper(nested(16), 32)).toBe(false);
    expect(deeper(`[${nested(16)}]`, 32)).toBe(true);
    expect(deeper('1', 0)).toBe(false);
    expect(deeper('{}', 0)).toBe(true);
  });

  it('reads brackets inside strings as text, escaped quotes included', () => {
    expect(deeper(JSON.stringify({ name: '[{'.repeat(100) }), 1)).toBe(false);
    expect(deeper(JSON.stringify({ name: '\\"[[[[' }), 1)).toBe(false);
    expect(deeper(JSON.stringify({ name: '张三"{{{{', more: ['王五'] }), 2)).toBe(false);
  });

  it('stops at the first level too deep of a huge body', () => {
    expect(deeper('['.repeat(1_000_000), 32)).toBe(true);
  });

  it('agrees with the depth of the parsed value (property)', () => {
    const depth = (value: unknown): number =>
      value !== null && typeof value === 'object'
        ? 1 + Math.max(0, ...Object.values(value as object).map(depth))
        : 0;
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), fc.integer({ min: 0, max: 7 }), (value, max) => {
        expect(deeper(JSON.stringify(value), max)).toBe(depth(value) > max);
      }),
    );
  });
});
