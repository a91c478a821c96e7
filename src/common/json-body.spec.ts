import fc from 'fast-check';
import { scanJson } from './json-body';

const deeper = (text: string, max: number) => scanJson(Buffer.from(text, 'utf8'), max) === 'too-deep';
const nested = (levels: number) => `${'{"a":['.repeat(levels)}1${']}'.repeat(levels)}`;

describe('scanJson: nesting deeper than max', () => {
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

describe('scanJson: text PostgreSQL refuses', () => {
  const scan = (text: string) => scanJson(Buffer.from(text, 'utf8'), 32);

  it('suspects NUL and half a pair escaped, alone, reversed or cut off, and reads whole pairs', () => {
    expect(scan('{"organisation":"x\\udfffy"}')).toBe('suspect-text');
    expect(scan('["\\uD83D"]')).toBe('suspect-text');
    expect(scan('["\\ude00\\ud83d"]')).toBe('suspect-text');
    expect(scan('["\\ud83d\\\\ude00"]')).toBe('suspect-text');
    expect(scan('{"\\ud800":1}')).toBe('suspect-text');
    expect(scan('["\\ud83d\\ude00", "😀", "\\u00e9\\u5f20"]')).toBe('ok');
    expect(scan('{"username":"a\\u0000b"}')).toBe('suspect-text');
    expect(scan('{"username":"a\\\\u0000b"}')).toBe('ok');
    expect(scan('["\\\\udfff"]')).toBe('ok');
  });

  it('suspects exactly the bodies whose strings hold NUL or are not well-formed Unicode (property)', () => {
    const units = fc
      .array(fc.oneof(fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: 0xd7f0, max: 0xe010 })), {
        maxLength: 8,
      })
      .map((codes) => String.fromCharCode(...codes));
    const LONE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
    const whole = (text: string) => !LONE.test(text) && !text.includes('\u0000');
    const wellFormed = (value: unknown): boolean =>
      typeof value === 'string'
        ? whole(value)
        : value !== null && typeof value === 'object'
          ? Object.entries(value as object).every(([k, v]) => whole(k) && wellFormed(v))
          : true;
    fc.assert(
      fc.property(fc.dictionary(units, fc.oneof(units, fc.array(units, { maxLength: 3 }))), (value) => {
        expect(scan(JSON.stringify(value)) === 'suspect-text').toBe(!wellFormed(value));
      }),
      { numRuns: 2000 },
    );
  });
});
