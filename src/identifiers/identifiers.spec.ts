import fc from 'fast-check';
import { AppError } from '../common/errors/app-error';
import { requireIdentifier } from './identifier-errors';
import {
  IDENTIFIER_TYPE_LABELS,
  IDENTIFIER_TYPES,
  IdentifierResult,
  IdentifierType,
  issuingCountryOf,
  normalizeIdentifier,
  normalizeResidentId,
  normalizeUscc,
  orgCodeCheckChar,
  residentIdCheckChar,
  uscCheckChar,
} from './identifiers';

const TODAY = new Date('2026-06-01T12:00:00Z');
const DIGITS = '0123456789';
const USCC_CHARS = '0123456789ABCDEFGHJKLMNPQRTUWXY';

const valueOf = (result: IdentifierResult): string => {
  if (!result.ok) throw new Error(`expected a valid identifier, got ${result.code}`);
  return result.value;
};
const codeOf = (result: IdentifierResult): string | undefined => (result.ok ? undefined : result.code);

const charsOf = (alphabet: string, length: number): fc.Arbitrary<string> =>
  fc
    .array(fc.constantFrom(...alphabet), { minLength: length, maxLength: length })
    .map((chars) => chars.join(''));

/** A birth date YYYYMMDD that is a real day between 1800 and TODAY. */
const birthDate = (min = '1800-01-01', max = '2026-06-01'): fc.Arbitrary<string> =>
  fc
    .date({ min: new Date(`${min}T00:00:00Z`), max: new Date(`${max}T00:00:00Z`), noInvalidDate: true })
    .map((d) => d.toISOString().slice(0, 10).replace(/-/g, ''));

const residentIdBody = fc
  .tuple(charsOf(DIGITS, 6), birthDate(), charsOf(DIGITS, 3))
  .map(([area, date, sequence]) => area + date + sequence);

/** 17 USCC characters whose positions 9–17 form a valid GB 11714 organisation code. */
const usccBody = fc
  .tuple(charsOf(USCC_CHARS, 8), charsOf(USCC_CHARS, 8))
  .map(([head, org]) => head + org + orgCodeCheckChar(org));

/** Every string that differs from `value` in exactly one position, using the characters allowed there. */
const oneCharChanges = (value: string, allowedAt: (position: number) => string): string[] =>
  [...value].flatMap((current, i) =>
    [...allowedAt(i)].filter((c) => c !== current).map((c) => value.slice(0, i) + c + value.slice(i + 1)),
  );

describe('IdentifierType', () => {
  it('has a Chinese label for every type', () => {
    expect(IDENTIFIER_TYPES).toEqual(['RESIDENT_ID', 'USCC', 'PASSPORT', 'OTHER']);
    expect(IDENTIFIER_TYPE_LABELS).toEqual({
      RESIDENT_ID: '居民身份证号码',
      USCC: '统一社会信用代码',
      PASSPORT: '护照',
      OTHER: '其他证件',
    });
  });
});

describe('resident ID (GB 11643-1999)', () => {
  it.each(['11010519491231002X', '440524188001010014'])('accepts the DOMAIN.md vector %s', (id) => {
    expect(normalizeResidentId(id, TODAY)).toEqual({ ok: true, value: id });
  });

  it('normalises a lower-case x and surrounding spaces', () => {
    expect(normalizeResidentId(' 11010519491231002x\n', TODAY)).toEqual({
      ok: true,
      value: '11010519491231002X',
    });
  });

  it('refuses the DOMAIN.md invalid vector for its check character', () => {
    expect(normalizeResidentId('110105194912310021', TODAY)).toMatchObject({
      ok: false,
      code: 'RESIDENT_ID_CHECKSUM',
    });
  });

  it('computes the check character', () => {
    expect(residentIdCheckChar('11010519491231002')).toBe('X');
    expect(residentIdCheckChar('44052418800101001')).toBe('4');
    expect(() => residentIdCheckChar('1101051949123100')).toThrow(RangeError);
    expect(() => residentIdCheckChar('1101051949123100A')).toThrow(RangeError);
  });

  it('converts the 15-digit form to the 18-digit one', () => {
    const eighteen = '11010519491231002X';
    const fifteen = eighteen.slice(0, 6) + eighteen.slice(8, 17);
    expect(fifteen).toBe('110105491231002');
    expect(normalizeResidentId(fifteen, TODAY)).toEqual({ ok: true, value: eighteen });
  });

  it.each([
    ['1101051949123100', 'RESIDENT_ID_LENGTH'],
    ['', 'RESIDENT_ID_LENGTH'],
    ['1101051949123100212', 'RESIDENT_ID_LENGTH'],
    ['11010519491231002Y', 'RESIDENT_ID_CHARACTERS'],
    ['1101051949123100X2', 'RESIDENT_ID_CHARACTERS'],
    ['11010519491231002 ', 'RESIDENT_ID_LENGTH'],
    ['11010549123100X', 'RESIDENT_ID_CHARACTERS'],
    ['110105 19491231002X', 'RESIDENT_ID_LENGTH'],
  ])('refuses %j with %s', (id, code) => {
    expect(codeOf(normalizeResidentId(id, TODAY))).toBe(code);
  });

  it.each([
    ['19490230', 'no 30 February'],
    ['19001329', 'no month 13'],
    ['19000229', '1900 was not a leap year'],
    ['17991231', 'before anyone who could hold an ID was born'],
    ['20260602', 'after the reference day'],
  ])('refuses birth date %s (%s)', (date) => {
    const body = `110105${date}002`;
    expect(codeOf(normalizeResidentId(body + residentIdCheckChar(body), TODAY))).toBe(
      'RESIDENT_ID_BIRTH_DATE',
    );
  });

  it('accepts 29 February of 2000 and a birth on the reference day in China', () => {
    for (const date of ['20000229', '20260601']) {
      const body = `110105${date}002`;
      expect(normalizeResidentId(body + residentIdCheckChar(body), TODAY).ok).toBe(true);
    }
    // 20:00 UTC on 1 June is already 2 June in China.
    const body = '11010520260602002';
    expect(normalizeResidentId(body + residentIdCheckChar(body), new Date('2026-06-01T20:00:00Z')).ok).toBe(
      true,
    );
  });

  it('refuses an impossible date in the 15-digit form', () => {
    expect(codeOf(normalizeResidentId('110105490230002', TODAY))).toBe('RESIDENT_ID_BIRTH_DATE');
  });

  it('always validates a valid body with its computed check character', () => {
    fc.assert(
      fc.property(residentIdBody, (body) => {
        const id = body + residentIdCheckChar(body);
        expect(normalizeResidentId(id, TODAY)).toEqual({ ok: true, value: id });
      }),
    );
  });

  it('never validates an ID with exactly one character changed', () => {
    fc.assert(
      fc.property(residentIdBody, (body) => {
        const id = body + residentIdCheckChar(body);
        const changes = oneCharChanges(id, (i) => (i === 17 ? `${DIGITS}X` : DIGITS));
        return changes.every((changed) => !normalizeResidentId(changed, TODAY).ok);
      }),
    );
  });

  it('converts every valid 15-digit ID to a valid 18-digit ID', () => {
    fc.assert(
      fc.property(
        charsOf(DIGITS, 6),
        birthDate('1900-01-01', '1999-12-31'),
        charsOf(DIGITS, 3),
        (area, date, sequence) => {
          const fifteen = area + date.slice(2) + sequence;
          const eighteen = valueOf(normalizeResidentId(fifteen, TODAY));
          expect(eighteen.slice(0, 17)).toBe(area + date + sequence);
          expect(normalizeResidentId(eighteen, TODAY)).toEqual({ ok: true, value: eighteen });
        },
      ),
    );
  });
});

describe('unified social credit code (GB 32100-2015)', () => {
  it.each(['914403001922038216', '9144030071526726XG', '91110000802100433B', '91350100M000100Y43'])(
    'accepts the DOMAIN.md vector %s',
    (code) => {
      expect(normalizeUscc(code)).toEqual({ ok: true, value: code });
      expect(orgCodeCheckChar(code.slice(8, 16))).toBe(code[16]);
    },
  );

  it.each(['914403001922038217', '9133010057462616XH', '91110000800088421P'])(
    'refuses the DOMAIN.md vector %s for its check character',
    (code) => {
      expect(codeOf(normalizeUscc(code))).toBe('USCC_CHECKSUM');
    },
  );

  it('normalises lower case and surrounding spaces', () => {
    expect(normalizeUscc(' 9144030071526726xg ')).toEqual({ ok: true, value: '9144030071526726XG' });
  });

  it('does not restrict the first character to 1, 5, 9 or Y', () => {
    const body = '21440300192203821';
    expect(normalizeUscc(body + uscCheckChar(body)).ok).toBe(true);
  });

  it.each([
    ['91440300192203821', 'USCC_LENGTH'],
    ['9144030019220382166', 'USCC_LENGTH'],
    ['91440300I92203821O', 'USCC_CHARACTERS'],
    ['9144030019220382 6', 'USCC_CHARACTERS'],
    ['91440300-922038216', 'USCC_CHARACTERS'],
  ])('refuses %j with %s', (code, error) => {
    expect(codeOf(normalizeUscc(code))).toBe(error);
  });

  it('reports a bad organisation code apart, when the whole code checks out', () => {
    // 19220382 has organisation check character 1; 2 is wrong, and the USCC check is recomputed over it.
    const body = '91440300192203822';
    const code = body + uscCheckChar(body);
    expect(normalizeUscc(code)).toMatchObject({ ok: false, code: 'USCC_ORG_CODE_CHECKSUM' });
  });

  it('computes the organisation code check character, with X for 10 and 0 for 11', () => {
    expect(orgCodeCheckChar('19220382')).toBe('1');
    expect(orgCodeCheckChar('71526726')).toBe('X');
    expect(orgCodeCheckChar('M000100Y')).toBe('4');
    expect(orgCodeCheckChar('00000000')).toBe('0');
    expect(() => orgCodeCheckChar('1922038')).toThrow(RangeError);
  });

  it('refuses to compute a check character from characters outside the alphabet', () => {
    expect(() => uscCheckChar('9144030019220382I')).toThrow(RangeError);
    expect(() => uscCheckChar('9144030019220382')).toThrow(RangeError);
  });

  it('always validates a valid body with its computed check character', () => {
    fc.assert(
      fc.property(usccBody, (body) => {
        const code = body + uscCheckChar(body);
        expect(normalizeUscc(code)).toEqual({ ok: true, value: code });
      }),
    );
  });

  it('never fails the USCC checksum for any 17 characters with the computed check character', () => {
    fc.assert(
      fc.property(charsOf(USCC_CHARS, 17), (body) => {
        expect(codeOf(normalizeUscc(body + uscCheckChar(body)))).not.toBe('USCC_CHECKSUM');
      }),
    );
  });

  it('never validates a code with exactly one character changed', () => {
    fc.assert(
      fc.property(usccBody, (body) => {
        const code = body + uscCheckChar(body);
        const changes = oneCharChanges(code, () => USCC_CHARS);
        return changes.every((changed) => codeOf(normalizeUscc(changed)) === 'USCC_CHECKSUM');
      }),
    );
  });
});

describe('passport and other identifiers', () => {
  it('removes whitespace and upper-cases', () => {
    expect(normalizeIdentifier('PASSPORT', ' e 1234 5678 ')).toEqual({ ok: true, value: 'E12345678' });
    expect(normalizeIdentifier('OTHER', 'ab-12\t34')).toEqual({ ok: true, value: 'AB-1234' });
  });

  it.each(['', '   ', 'A'.repeat(33), 'AB/12', 'É1234'])('refuses %j with IDENTIFIER_FORMAT', (value) => {
    expect(codeOf(normalizeIdentifier('PASSPORT', value))).toBe('IDENTIFIER_FORMAT');
  });

  it('accepts 1 and 32 characters', () => {
    expect(normalizeIdentifier('OTHER', 'A').ok).toBe(true);
    expect(normalizeIdentifier('OTHER', 'A'.repeat(32)).ok).toBe(true);
  });
});

describe('issuingCountryOf', () => {
  it('requires the country of a passport or other foreign ID, as an ISO 3166 code', () => {
    expect(issuingCountryOf('PASSPORT', 'US')).toEqual({ ok: true, value: 'US' });
    expect(issuingCountryOf('OTHER', 'DEU')).toEqual({ ok: true, value: 'DEU' });
    for (const missing of [undefined, '']) {
      expect(issuingCountryOf('PASSPORT', missing)).toEqual({
        ok: false,
        code: 'COUNTRY_REQUIRED',
        message: 'A PASSPORT needs its issuing country (ISO 3166 code, e.g. US)',
      });
    }
    expect(codeOf(issuingCountryOf('OTHER', 'U.S.'))).toBe('COUNTRY_INVALID');
  });

  it('gives a Chinese identifier no country, letting the spellings of China through', () => {
    for (const type of ['RESIDENT_ID', 'USCC'] as const) {
      for (const given of [undefined, '', 'CN', 'CHN', '中国']) {
        expect(issuingCountryOf(type, given)).toEqual({ ok: true, value: '' });
      }
      expect(issuingCountryOf(type, 'US')).toEqual({
        ok: false,
        code: 'COUNTRY_NOT_ALLOWED',
        message: `A ${type} is Chinese: leave the issuing country empty`,
      });
    }
  });
});

describe('normalizeIdentifier', () => {
  it('dispatches on the type', () => {
    expect(normalizeIdentifier('RESIDENT_ID', '11010519491231002x')).toEqual({
      ok: true,
      value: '11010519491231002X',
    });
    expect(normalizeIdentifier('USCC', '91350100m000100y43')).toEqual({
      ok: true,
      value: '91350100M000100Y43',
    });
    // The same characters are a valid passport number but not a valid resident ID.
    expect(codeOf(normalizeIdentifier('RESIDENT_ID', '110105194912310021'))).toBe('RESIDENT_ID_CHECKSUM');
    expect(normalizeIdentifier('PASSPORT', '110105194912310021').ok).toBe(true);
  });

  it('passes the reference date to the birth-date check', () => {
    const body = '11010520260602002';
    const id = body + residentIdCheckChar(body);
    expect(codeOf(normalizeIdentifier('RESIDENT_ID', id, TODAY))).toBe('RESIDENT_ID_BIRTH_DATE');
    expect(normalizeIdentifier('RESIDENT_ID', id, new Date('2026-06-03T00:00:00Z')).ok).toBe(true);
  });

  it('throws on a type outside IdentifierType', () => {
    expect(() => normalizeIdentifier('DRIVING_LICENCE' as IdentifierType, 'X1')).toThrow(RangeError);
  });

  it('is idempotent for every type and any input', () => {
    const noisy = (value: fc.Arbitrary<string>) =>
      fc
        .tuple(value, fc.boolean(), fc.constantFrom('', ' ', '\t', '  \n'))
        .map(([v, lower, space]) => space + (lower ? v.toLowerCase() : v) + space);
    const inputs = fc.oneof(
      residentIdBody.map((b) => b + residentIdCheckChar(b)),
      residentIdBody.map((b) => b.slice(0, 6) + b.slice(8)),
      usccBody.map((b) => b + uscCheckChar(b)),
      charsOf(`${USCC_CHARS}IOSVZ -`, 12),
      fc.string({ maxLength: 40 }),
    );
    fc.assert(
      fc.property(fc.constantFrom(...IDENTIFIER_TYPES), noisy(inputs), (type, input) => {
        const first = normalizeIdentifier(type, input, TODAY);
        if (first.ok) expect(normalizeIdentifier(type, first.value, TODAY)).toEqual(first);
      }),
      { numRuns: 500 },
    );
  });

  it('produces a valid result for noisy spellings of valid identifiers', () => {
    fc.assert(
      fc.property(usccBody, fc.constantFrom(' ', '\t', ''), (body, space) => {
        const code = body + uscCheckChar(body);
        expect(valueOf(normalizeIdentifier('USCC', space + code.toLowerCase() + space))).toBe(code);
      }),
    );
  });
});

describe('requireIdentifier', () => {
  it('gives the normal form', () => {
    expect(requireIdentifier('RESIDENT_ID', '11010519491231002x', 'identifier')).toBe('11010519491231002X');
  });

  it('throws a 400 AppError with the identifier code against the field', () => {
    let thrown: unknown;
    try {
      requireIdentifier('USCC', '914403001922038217', 'subject.uscc');
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(AppError);
    expect(thrown).toMatchObject({
      status: 400,
      code: 'USCC_CHECKSUM',
      details: [{ field: 'subject.uscc', code: 'USCC_CHECKSUM' }],
    });
  });
});
