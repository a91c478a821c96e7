import { chinaDateOf } from '../common/china-date';

/**
 * Rules of the identifiers that match subjects: the resident ID number (GB 11643-1999), the Unified
 * Social Credit Code (GB 32100-2015, with its GB 11714 organisation code) and passports or other
 * foreign IDs. Pure functions: no framework, no I/O, so they serve the API, imports and scripts alike.
 */

/** The kinds of identifier a subject can carry (DOMAIN.md, Identifiers). */
export const IdentifierType = {
  RESIDENT_ID: 'RESIDENT_ID',
  USCC: 'USCC',
  PASSPORT: 'PASSPORT',
  OTHER: 'OTHER',
} as const;
export type IdentifierType = (typeof IdentifierType)[keyof typeof IdentifierType];

/** Every identifier type, for `@IsIn` and the like. */
export const IDENTIFIER_TYPES: readonly IdentifierType[] = Object.values(IdentifierType);

/** The label users see for each identifier type. */
export const IDENTIFIER_TYPE_LABELS: Readonly<Record<IdentifierType, string>> = {
  RESIDENT_ID: '居民身份证号码',
  USCC: '统一社会信用代码',
  PASSPORT: '护照',
  OTHER: '其他证件',
};

/** Stable codes of the ways an identifier can be wrong; API errors carry them as they are. */
export const IdentifierErrorCode = {
  RESIDENT_ID_LENGTH: 'RESIDENT_ID_LENGTH',
  RESIDENT_ID_CHARACTERS: 'RESIDENT_ID_CHARACTERS',
  RESIDENT_ID_BIRTH_DATE: 'RESIDENT_ID_BIRTH_DATE',
  RESIDENT_ID_CHECKSUM: 'RESIDENT_ID_CHECKSUM',
  USCC_LENGTH: 'USCC_LENGTH',
  USCC_CHARACTERS: 'USCC_CHARACTERS',
  USCC_CHECKSUM: 'USCC_CHECKSUM',
  /**
   * The whole code checks out but its embedded organisation code (positions 9–17) fails GB 11714.
   * Kept apart from USCC_CHECKSUM so a caller can choose to accept such a code after a person looks.
   */
  USCC_ORG_CODE_CHECKSUM: 'USCC_ORG_CODE_CHECKSUM',
  IDENTIFIER_FORMAT: 'IDENTIFIER_FORMAT',
  /** A passport or other foreign ID without its issuing country: it could match no stored one. */
  COUNTRY_REQUIRED: 'COUNTRY_REQUIRED',
  COUNTRY_INVALID: 'COUNTRY_INVALID',
  /** A Chinese identifier (resident ID, USCC) with a foreign issuing country. */
  COUNTRY_NOT_ALLOWED: 'COUNTRY_NOT_ALLOWED',
} as const;
export type IdentifierErrorCode = (typeof IdentifierErrorCode)[keyof typeof IdentifierErrorCode];

/** The normalised identifier, or why it was refused. */
export type IdentifierResult =
  { ok: true; value: string } | { ok: false; code: IdentifierErrorCode; message: string };

const ok = (value: string): IdentifierResult => ({ ok: true, value });
const fail = (code: IdentifierErrorCode, message: string): IdentifierResult => ({ ok: false, code, message });

// ---------------------------------------------------------------------------------------------------
// Resident ID, GB 11643-1999

const RESIDENT_ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2] as const;
const RESIDENT_ID_CHECK_CHARS = '10X98765432';

/**
 * Nobody born earlier was alive when resident IDs were first issued (1984), so an older date is a
 * typing error rather than a historical record; years before 1900 are still accepted.
 */
const MIN_BIRTH_YEAR = 1800;

/** Offset of China Standard Time: whether a birth date is "in the future" is judged by the issuer's calendar. */

/**
 * The check character of a resident ID from its first 17 digits.
 * @throws RangeError when `first17` is not exactly 17 ASCII digits.
 */
export function residentIdCheckChar(first17: string): string {
  if (!/^[0-9]{17}$/.test(first17)) throw new RangeError('residentIdCheckChar expects 17 digits');
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * RESIDENT_ID_WEIGHTS[i];
  return RESIDENT_ID_CHECK_CHARS[sum % 11];
}

const isLeapYear = (year: number): boolean => (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;

function daysInMonth(year: number, month: number): number {
  if (month === 2) return isLeapYear(year) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** Today's date in China as YYYYMMDD, comparable as a string with a birth date. */
function chinaDateStamp(today: Date): string {
  return chinaDateOf(today).replace(/-/g, '');
}

/** Whether YYYYMMDD is a real calendar date, not before MIN_BIRTH_YEAR and not after today. */
function isPlausibleBirthDate(yyyymmdd: string, today: Date): boolean {
  const year = Number(yyyymmdd.slice(0, 4));
  const month = Number(yyyymmdd.slice(4, 6));
  const day = Number(yyyymmdd.slice(6, 8));
  if (year < MIN_BIRTH_YEAR || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) {
    return false;
  }
  return yyyymmdd <= chinaDateStamp(today);
}

/**
 * Validates a resident ID and gives its normal form: 18 characters, upper-case check character.
 * The older 15-digit form is converted (century `19` inserted before the year, check character added).
 * @param today the reference for "a birth date cannot be in the future"; now by default.
 */
export function normalizeResidentId(input: string, today: Date = new Date()): IdentifierResult {
  const value = input.trim();
  let first17: string;
  if (value.length === 18) {
    first17 = value.slice(0, 17);
    if (!/^[0-9]{17}[0-9Xx]$/.test(value)) {
      return fail(
        IdentifierErrorCode.RESIDENT_ID_CHARACTERS,
        'A resident ID number has 17 digits followed by a digit or X.',
      );
    }
  } else if (value.length === 15) {
    if (!/^[0-9]{15}$/.test(value)) {
      return fail(
        IdentifierErrorCode.RESIDENT_ID_CHARACTERS,
        'A 15-digit resident ID number has digits only.',
      );
    }
    first17 = `${value.slice(0, 6)}19${value.slice(6)}`;
  } else {
    return fail(
      IdentifierErrorCode.RESIDENT_ID_LENGTH,
      'A resident ID number has 18 characters (or 15 digits).',
    );
  }

  if (!isPlausibleBirthDate(first17.slice(6, 14), today)) {
    return fail(
      IdentifierErrorCode.RESIDENT_ID_BIRTH_DATE,
      'The birth date in the resident ID number (characters 7 to 14) is not a valid past date.',
    );
  }

  const check = residentIdCheckChar(first17);
  if (value.length === 18 && value[17].toUpperCase() !== check) {
    return fail(
      IdentifierErrorCode.RESIDENT_ID_CHECKSUM,
      'The check character of the resident ID number does not match: the number is mistyped.',
    );
  }
  return ok(first17 + check);
}

// ---------------------------------------------------------------------------------------------------
// Unified Social Credit Code, GB 32100-2015, and the organisation code inside it, GB 11714

/** The USCC alphabet: I, O, Z, S and V are left out because they read like 1, 0, 2, 5 and U. */
const USCC_CHARS = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28] as const;
const ORG_CODE_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2] as const;

/**
 * The check character of a USCC from its first 17 characters (upper case).
 * @throws RangeError when `first17` is not 17 characters of the USCC alphabet.
 */
export function uscCheckChar(first17: string): string {
  if (!/^[0-9A-HJ-NPQRTUWXY]{17}$/.test(first17)) {
    throw new RangeError('uscCheckChar expects 17 characters of 0-9 and A-Y without I, O, S, V, Z');
  }
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += USCC_CHARS.indexOf(first17[i]) * USCC_WEIGHTS[i];
  return USCC_CHARS[(31 - (sum % 31)) % 31];
}

/**
 * The check character of a GB 11714 organisation code from its 8 body characters (0-9, A-Z upper case).
 * @throws RangeError when `first8` is not 8 characters of 0-9 and A-Z.
 */
export function orgCodeCheckChar(first8: string): string {
  if (!/^[0-9A-Z]{8}$/.test(first8))
    throw new RangeError('orgCodeCheckChar expects 8 characters of 0-9 and A-Z');
  let sum = 0;
  for (let i = 0; i < 8; i++) sum += parseInt(first8[i], 36) * ORG_CODE_WEIGHTS[i];
  const check = 11 - (sum % 11);
  return check === 10 ? 'X' : check === 11 ? '0' : String(check);
}

/**
 * Validates a Unified Social Credit Code and gives its normal form (18 characters, upper case).
 * The first character is deliberately not restricted to 1, 5, 9 or Y: registration authorities
 * outside those ranges issue codes too.
 */
export function normalizeUscc(input: string): IdentifierResult {
  const value = input.trim().toUpperCase();
  if (value.length !== 18) {
    return fail(IdentifierErrorCode.USCC_LENGTH, 'A unified social credit code has 18 characters.');
  }
  if (!/^[0-9A-HJ-NPQRTUWXY]{18}$/.test(value)) {
    return fail(
      IdentifierErrorCode.USCC_CHARACTERS,
      'A unified social credit code uses digits and the letters A-Y except I, O, S, V and Z.',
    );
  }
  if (uscCheckChar(value.slice(0, 17)) !== value[17]) {
    return fail(
      IdentifierErrorCode.USCC_CHECKSUM,
      'The check character of the unified social credit code does not match: the code is mistyped.',
    );
  }
  if (orgCodeCheckChar(value.slice(8, 16)) !== value[16]) {
    return fail(
      IdentifierErrorCode.USCC_ORG_CODE_CHECKSUM,
      'The organisation code inside the unified social credit code (characters 9 to 17) does not check out.',
    );
  }
  return ok(value);
}

// ---------------------------------------------------------------------------------------------------
// Passports and other identifiers: no checksum, only a canonical spelling so exact matching works

/** Passport or other foreign ID: whitespace removed, upper case, 1–32 characters of A-Z, 0-9 and hyphen. */
export function normalizeOtherIdentifier(input: string): IdentifierResult {
  const value = input.replace(/\s+/g, '').toUpperCase();
  if (!/^[A-Z0-9-]{1,32}$/.test(value)) {
    return fail(
      IdentifierErrorCode.IDENTIFIER_FORMAT,
      'A passport or other identifier has 1 to 32 characters: letters A-Z, digits and hyphens.',
    );
  }
  return ok(value);
}

/**
 * Validates an identifier of the given type and gives its normal form, the only form that may be
 * hashed, stored or compared.
 * @param today reference date for the resident ID birth-date check; now by default.
 */
export function normalizeIdentifier(type: IdentifierType, value: string, today?: Date): IdentifierResult {
  switch (type) {
    case IdentifierType.RESIDENT_ID:
      return normalizeResidentId(value, today);
    case IdentifierType.USCC:
      return normalizeUscc(value);
    case IdentifierType.PASSPORT:
    case IdentifierType.OTHER:
      return normalizeOtherIdentifier(value);
    default: {
      const unknown: never = type;
      throw new RangeError(`Unknown identifier type ${String(unknown)}`);
    }
  }
}

// ---------------------------------------------------------------------------------------------------
// Issuing country

/**
 * The identifier types issued abroad. Their numbers are unique only within the issuing country, so
 * they are stored, and matched, together with it (docs/personal-data.md).
 */
export const FOREIGN_IDENTIFIER_TYPES: readonly IdentifierType[] = [
  IdentifierType.PASSPORT,
  IdentifierType.OTHER,
];

/** Spellings of China let through on a Chinese identifier, which is stored without a country. */
const CHINA = new Set(['CN', 'CHN', '中国']);

/**
 * The issuing country to match an identifier of `type` with, from what a caller gave (trimmed and
 * upper-cased; empty or undefined when none): an ISO 3166 code for a passport or other foreign ID,
 * the empty string for a Chinese identifier. Checks and check jobs both apply it, so that one input
 * gets one answer; a passport without its country is refused rather than matched against nothing.
 */
export function issuingCountryOf(type: IdentifierType, given: string | undefined): IdentifierResult {
  if (!FOREIGN_IDENTIFIER_TYPES.includes(type)) {
    return !given || CHINA.has(given)
      ? ok('')
      : fail(
          IdentifierErrorCode.COUNTRY_NOT_ALLOWED,
          `A ${type} is Chinese: leave the issuing country empty`,
        );
  }
  if (!given) {
    return fail(
      IdentifierErrorCode.COUNTRY_REQUIRED,
      `A ${type} needs its issuing country (ISO 3166 code, e.g. US)`,
    );
  }
  if (!/^[A-Z]{2,3}$/.test(given)) {
    return fail(
      IdentifierErrorCode.COUNTRY_INVALID,
      'The issuing country is not an ISO 3166 alpha-2 or alpha-3 code (e.g. US)',
    );
  }
  return ok(given);
}

/** An identifier as one cell of a file: `TYPE:value`, or `TYPE:COUNTRY:value` for a foreign one. */
export function identifierCell(
  type: string,
  issuingCountry: string | null | undefined,
  value: string,
): string {
  return `${type}:${issuingCountry ? `${issuingCountry}:` : ''}${value}`;
}
