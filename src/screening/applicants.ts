import {
  arrayMaxSize,
  arrayMinSize,
  isArray,
  isIn,
  isInt,
  isNotEmpty,
  isString,
  matches,
  max,
  maxLength,
  min,
} from 'class-validator';
import { ErrorDetail } from '../common/errors/app-error';
import { validationFailed } from '../common/errors/validation';
import { trim, trimName, upper } from '../common/transforms';
import { IDENTIFIER_TYPES } from '../identifiers/identifiers';
import { isZonedTimestamp } from '../listings/in-force';
import { RULE_CODE_PATTERN, isIsoDate } from '../rules/rules';
import { hasLetterOrDigit } from '../subjects/name-key';
import { SubjectKind } from '../subjects/subjects.types';
import {
  ApplicantDto,
  ApplicantIdentifierDto,
  CheckCreateDto,
  CheckEnvelopeDto,
  DOMAIN_MESSAGE,
  KNOWN_AT_MESSAGE,
  MAX_APPLICANTS,
} from './screening.dto';
import { MAX_LOOKBACK_YEARS } from './verdict';

/**
 * A check request, validated and normalised without class-transformer and class-validator's
 * decorator machinery, which costs about 25 µs an applicant (a quarter of a second for 10,000) where
 * this costs about one, and about a tenth of a single check's CPU for the rest of the request. It
 * applies exactly the constraints written on `CheckCreateDto`, `ApplicantDto` and
 * `ApplicantIdentifierDto` (with class-validator's own functions) and answers them in the same shape:
 * one detail per field, the most basic failure first, the same codes and messages, the same trimming.
 * `applicants.spec.ts` holds the two to each other on generated input; change both together.
 *
 * Differences, on purpose: an array given as an applicant or as an identifier is refused
 * (class-validator would validate its elements instead, and let an empty array through), and an
 * object given as the list gets only "must be an array" (class-validator also validates it as an
 * applicant).
 */

type Plain = Record<string, unknown>;

const KINDS = Object.values(SubjectKind);
const COUNTRY = /^[A-Z]{2,3}$/;
/** The properties of ApplicantDto and ApplicantIdentifierDto (a test holds these to the classes). */
export const APPLICANT_FIELDS = new Set(['ref', 'kind', 'name', 'organisation', 'identifier']);
export const IDENTIFIER_FIELDS = new Set(['type', 'value', 'issuingCountry']);
/** The properties of CheckEnvelopeDto (CheckCreateDto but its applicants), in the order it declares them. */
export const ENVELOPE_FIELDS = new Set([
  'domain',
  'asOf',
  'knownAt',
  'purpose',
  'reference',
  'lookbackYears',
]);

const isObject = (value: unknown): value is Plain =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const absent = (value: unknown) => value === null || value === undefined;

/** The first failure of a string field: type, then emptiness, then length. */
function text(
  value: unknown,
  property: string,
  limit: number,
  required: boolean,
): { code: string; message: string } | null {
  if (!isString(value)) return { code: 'IS_STRING', message: `${property} must be a string` };
  if (required && !isNotEmpty(value))
    return { code: 'IS_NOT_EMPTY', message: `${property} should not be empty` };
  if (!maxLength(value, limit)) {
    return {
      code: 'MAX_LENGTH',
      message: `${property} must be shorter than or equal to ${limit} characters`,
    };
  }
  return null;
}

/** Each field of `value` the DTO does not declare; `path` '' for the body's own fields. */
function unknownFields(value: Plain, known: Set<string>, path: string, details: ErrorDetail[]): void {
  for (const key of Object.keys(value)) {
    if (!known.has(key)) {
      details.push({
        field: path ? `${path}.${key}` : key,
        code: 'UNKNOWN_FIELD',
        message: `property ${key} should not exist`,
      });
    }
  }
}

/** An optional string field (absent and null pass): its first failure, as `text` finds it. */
function optionalText(
  value: unknown,
  property: string,
  limit: number,
  field: string,
  details: ErrorDetail[],
) {
  if (absent(value)) return;
  const error = text(value, property, limit, false);
  if (error) details.push({ field, ...error });
}

function identifierOf(value: Plain, path: string, details: ErrorDetail[]): ApplicantIdentifierDto {
  unknownFields(value, IDENTIFIER_FIELDS, path, details);
  if (!isIn(value.type, IDENTIFIER_TYPES)) {
    details.push({
      field: `${path}.type`,
      code: 'IS_IN',
      message: `type must be one of the following values: ${IDENTIFIER_TYPES.join(', ')}`,
    });
  }
  const valueError = text(value.value, 'value', 64, true);
  if (valueError) details.push({ field: `${path}.value`, ...valueError });
  const country = upper({ value: value.issuingCountry });
  if (!absent(country) && !matches(country as string, COUNTRY)) {
    details.push({
      field: `${path}.issuingCountry`,
      code: 'MATCHES',
      message: `issuingCountry must match ${COUNTRY} regular expression`,
    });
  }
  // Members in JCS order (see applicantOf).
  return {
    ...(country !== undefined ? { issuingCountry: country as string } : {}),
    type: value.type as ApplicantIdentifierDto['type'],
    value: value.value as string,
  };
}

function applicantOf(value: Plain, path: string, details: ErrorDetail[]): ApplicantDto {
  unknownFields(value, APPLICANT_FIELDS, path, details);
  // Keys are copied as given (null stays null), trimmed where the DTO trims.
  const name = trimName({ value: value.name });
  optionalText(value.ref, 'ref', 100, `${path}.ref`, details);
  if (!absent(value.kind) && !isIn(value.kind, KINDS)) {
    details.push({
      field: `${path}.kind`,
      code: 'IS_IN',
      message: `kind must be one of the following values: ${KINDS.join(', ')}`,
    });
  }
  const nameError =
    text(name, 'name', 200, true) ??
    (hasLetterOrDigit(name as string)
      ? null
      : { code: 'HAS_LETTER_OR_DIGIT', message: 'name must contain a letter or a digit' });
  if (nameError) details.push({ field: `${path}.name`, ...nameError });
  const organisation = trimName({ value: value.organisation });
  optionalText(organisation, 'organisation', 200, `${path}.organisation`, details);
  let identifier = value.identifier;
  if (isObject(identifier)) {
    identifier = identifierOf(identifier, `${path}.identifier`, details);
  } else if (identifier !== undefined && identifier !== null) {
    details.push({
      field: `${path}.identifier`,
      code: 'NESTED_VALIDATION',
      message: 'nested property identifier must be either object or array',
    });
  }
  // Members in JCS order, so that the input hash's canonical JSON (ScreeningService) writes the
  // applicant without sorting a copy of it.
  const applicant: Plain = {};
  if (identifier !== undefined) applicant.identifier = identifier;
  if (value.kind !== undefined) applicant.kind = value.kind;
  applicant.name = name;
  if (organisation !== undefined) applicant.organisation = organisation;
  if (value.ref !== undefined) applicant.ref = value.ref;
  return applicant as unknown as ApplicantDto;
}

/**
 * Field-by-field problems of `values` (already known to be an array), in order, with each applicant
 * normalised as ApplicantDto's transforms would.
 */
export function validateApplicants(values: readonly unknown[]): {
  applicants: ApplicantDto[];
  details: ErrorDetail[];
} {
  const details: ErrorDetail[] = [];
  const applicants = values.map((value, index) => {
    const path = `applicants.${index}`;
    if (isObject(value)) return applicantOf(value, path, details);
    details.push({
      field: path,
      code: 'NESTED_VALIDATION',
      message: 'each value in nested property applicants must be either object or array',
    });
    return value as ApplicantDto;
  });
  return { applicants, details };
}

/** Everything of a check request but its applicants, as the ValidationPipe checks CheckEnvelopeDto. */
function envelopeOf(value: Plain, details: ErrorDetail[]): CheckEnvelopeDto {
  unknownFields(value, ENVELOPE_FIELDS, '', details);
  // Keys are copied as given (null stays null), the purpose trimmed as the DTO trims it.
  const envelope: Plain = {};
  for (const key of ENVELOPE_FIELDS) if (value[key] !== undefined) envelope[key] = value[key];
  if (!matches(value.domain as string, RULE_CODE_PATTERN)) {
    details.push({ field: 'domain', code: 'MATCHES', message: DOMAIN_MESSAGE });
  }
  if (!absent(value.asOf) && !isIsoDate(value.asOf)) {
    details.push({ field: 'asOf', code: 'IS_CALENDAR_DATE', message: 'asOf must be a date YYYY-MM-DD' });
  }
  if (!absent(value.knownAt) && !isZonedTimestamp(value.knownAt)) {
    details.push({ field: 'knownAt', code: 'IS_ZONED_TIMESTAMP', message: KNOWN_AT_MESSAGE });
  }
  const purpose = trim({ value: value.purpose });
  if (purpose !== undefined) envelope.purpose = purpose;
  const purposeError = text(purpose, 'purpose', 500, true);
  if (purposeError) details.push({ field: 'purpose', ...purposeError });
  optionalText(value.reference, 'reference', 100, 'reference', details);
  const years = value.lookbackYears;
  if (!absent(years)) {
    if (!isInt(years)) {
      details.push({
        field: 'lookbackYears',
        code: 'IS_INT',
        message: 'lookbackYears must be an integer number',
      });
    } else if (!min(years, 0)) {
      details.push({ field: 'lookbackYears', code: 'MIN', message: 'lookbackYears must not be less than 0' });
    } else if (!max(years, MAX_LOOKBACK_YEARS)) {
      details.push({
        field: 'lookbackYears',
        code: 'MAX',
        message: `lookbackYears must not be greater than ${MAX_LOOKBACK_YEARS}`,
      });
    }
  }
  return envelope as unknown as CheckEnvelopeDto;
}

/** What is wrong with the applicant list as a list: the most basic failure, as class-validator words it. */
function listError(values: unknown): ErrorDetail | null {
  const field = 'applicants';
  if (!isArray(values)) return { field, code: 'IS_ARRAY', message: 'applicants must be an array' };
  if (!arrayMinSize(values, 1)) {
    return { field, code: 'ARRAY_MIN_SIZE', message: 'applicants must contain at least 1 elements' };
  }
  if (!arrayMaxSize(values, MAX_APPLICANTS)) {
    return {
      field,
      code: 'ARRAY_MAX_SIZE',
      message: `applicants must contain no more than ${MAX_APPLICANTS} elements`,
    };
  }
  return null;
}

/**
 * A check request's body, validated as the global ValidationPipe would validate CheckCreateDto (see
 * above), so that 10,000 applicants are never turned into class instances. Every problem is answered
 * in one 400 VALIDATION_FAILED.
 */
export function parseCheckRequest(body: unknown): CheckCreateDto {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw validationFailed([{ field: 'body', code: 'IS_OBJECT', message: 'the body must be a JSON object' }]);
  }
  const { applicants: values, ...rest } = body as Plain;
  const details: ErrorDetail[] = [];
  const envelope = envelopeOf(rest, details);
  const problem = listError(values);
  let applicants: ApplicantDto[] = [];
  if (problem) details.push(problem);
  else {
    const checked = validateApplicants(values as unknown[]);
    applicants = checked.applicants;
    details.push(...checked.details);
  }
  if (details.length > 0) throw validationFailed(details);
  return Object.assign(envelope, { applicants }) as CheckCreateDto;
}
