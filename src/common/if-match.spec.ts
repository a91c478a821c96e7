import fc from 'fast-check';
import { AppError } from './errors/app-error';
import { parseIfMatch } from './if-match';

/** The AppError parseIfMatch throws for a value, or a failure if it throws none. */
function errorOf(value: string): AppError {
  try {
    parseIfMatch(value);
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    return error as AppError;
  }
  throw new Error(`parseIfMatch(${JSON.stringify(value)}) did not throw`);
}

describe('parseIfMatch', () => {
  it.each([
    ['"3"', 3],
    ['3', 3],
    ['W/"3"', 3],
    [' "3" ', 3],
    ['"0"', 0],
    ['"123456789"', 123456789],
  ])('reads %j as version %d', (header, version) => {
    expect(parseIfMatch(header)).toBe(version);
  });

  it('answers undefined when the header is absent', () => {
    expect(parseIfMatch(undefined)).toBeUndefined();
  });

  it('refuses abc with 400 INVALID_IF_MATCH naming the header', () => {
    const error = errorOf('abc');
    expect(error.status).toBe(400);
    expect(error.code).toBe('INVALID_IF_MATCH');
    expect(error.details).toEqual([{ field: 'If-Match', code: 'INVALID_IF_MATCH', message: error.message }]);
  });

  it.each(['', '*', '"3", "4"', '-1', '3.5', '"abc"', 'W/3x', '1234567890', '"3"x'])(
    'refuses %j with 400 INVALID_IF_MATCH',
    (header) => {
      const error = errorOf(header);
      expect(error.status).toBe(400);
      expect(error.code).toBe('INVALID_IF_MATCH');
    },
  );

  it('reads back any version it is given in quotes (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 999_999_999 }), fc.boolean(), (version, weak) => {
        expect(parseIfMatch(`${weak ? 'W/' : ''}"${version}"`)).toBe(version);
        expect(parseIfMatch(String(version))).toBe(version);
      }),
    );
  });
});
