import fc from 'fast-check';
import { AppError } from '../common/errors/app-error';
import { parseVersion } from './rules.controller';

describe('parseVersion', () => {
  it.each([
    ['1', 1],
    ['42', 42],
    ['2147483647', 2147483647],
  ])('reads %j as %d', (value, version) => {
    expect(parseVersion(value)).toBe(version);
  });

  it.each(['', '0', '01', '-1', '1.5', '1e2', '0x10', ' 1', 'abc', '2147483648', '99999999999'])(
    'refuses %j with 400 INVALID_VERSION naming the parameter',
    (value) => {
      let error: unknown;
      try {
        parseVersion(value);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(AppError);
      expect(error).toMatchObject({
        status: 400,
        code: 'INVALID_VERSION',
        details: [expect.objectContaining({ field: 'version' })],
      });
    },
  );

  it('reads back any version written in digits (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2147483647 }), (v) => expect(parseVersion(String(v))).toBe(v)),
    );
  });
});
