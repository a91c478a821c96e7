import 'reflect-metadata';
import canonicalize from 'canonicalize';
import fc from 'fast-check';
import { AppError, ErrorDetail } from '../common/errors/app-error';
import { createValidationPipe } from '../common/errors/validation';
import { IDENTIFIER_TYPES } from '../identifiers/identifiers';
import { SubjectKind } from '../subjects/subjects.types';
import { getMetadataStorage } from 'class-validator';
import {
  APPLICANT_FIELDS,
  ENVELOPE_FIELDS,
  IDENTIFIER_FIELDS,
  parseCheckRequest,
  validateApplicants,
} from './applicants';
import { ApplicantDto, ApplicantIdentifierDto, CheckCreateDto, CheckEnvelopeDto } from './screening.dto';

const pipe = createValidationPipe();

/** The slow way: class-transformer and class-validator over CheckCreateDto and its ApplicantDto items. */
async function byDecorators(body: object): Promise<{ details: ErrorDetail[]; dto?: unknown }> {
  try {
    return {
      details: [],
      dto: await pipe.transform(body, { type: 'body', metatype: CheckCreateDto, data: '' }),
    };
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    return { details: error.details };
  }
}

async function fast(body: unknown): Promise<{ details: ErrorDetail[]; dto?: unknown }> {
  try {
    return { details: [], dto: parseCheckRequest(body) };
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    return { details: error.details };
  }
}

const padded = (text: fc.Arbitrary<string>) =>
  fc
    .tuple(fc.constantFrom('', ' ', '\t', '  \n', '\u200b'), text, fc.constantFrom('', ' ', '　', '\u2060 '))
    .map((p) => p.join(''));
const textOf = (max: number) =>
  fc.oneof(
    padded(fc.string({ maxLength: 8 })),
    padded(fc.string({ unit: 'binary', maxLength: 12 })),
    // Around the limit, with characters outside the BMP (class-validator counts a surrogate pair as one).
    fc.integer({ min: max - 2, max: max + 2 }).map((n) => '字'.repeat(n)),
    fc.integer({ min: max - 2, max: max + 2 }).map((n) => '𠀀'.repeat(n)),
    // Punctuation alone, around the limit too: which of MAX_LENGTH and HAS_LETTER_OR_DIGIT speaks first.
    fc.integer({ min: max - 2, max: max + 2 }).map((n) => '%'.repeat(n)),
    fc.constantFrom('', '   '),
  );
const junk = fc.oneof(fc.integer(), fc.boolean(), fc.constant(null), fc.constant([]), fc.constant({}));
const optional = <T>(arb: fc.Arbitrary<T>) => fc.oneof(arb, junk);

const identifierArb = fc.oneof(
  fc.record(
    {
      type: optional(fc.constantFrom(...IDENTIFIER_TYPES, 'PASSPORTX', 'resident_id')),
      value: optional(textOf(64)),
      issuingCountry: optional(fc.constantFrom('US', ' us ', 'usa', 'U', 'ABCD', '12', '')),
      extra: fc.string(),
    },
    { requiredKeys: [] },
  ),
  junk,
  fc.string({ maxLength: 4 }),
);

/** Mostly valid, so that many generated requests pass and their normalised forms are compared too. */
const mostly = <T>(valid: fc.Arbitrary<T>, invalid: fc.Arbitrary<unknown>) =>
  fc.oneof({ weight: 5, arbitrary: valid }, { weight: 1, arbitrary: invalid });
const validApplicantArb = fc.record(
  {
    ref: fc.string({ maxLength: 20 }),
    kind: fc.constantFrom(...Object.values(SubjectKind)),
    name: padded(fc.constantFrom('张三', 'Zhang San', '某某科技有限公司', '张\u200b三')),
    organisation: padded(fc.string({ maxLength: 10 })),
    identifier: fc.record(
      {
        type: fc.constantFrom(...IDENTIFIER_TYPES),
        value: fc.string({ minLength: 1, maxLength: 20 }),
        issuingCountry: fc.constantFrom('US', ' us ', 'chn'),
      },
      { requiredKeys: ['type', 'value'] },
    ),
  },
  { requiredKeys: ['name'] },
);
const applicantArb = mostly(
  validApplicantArb,
  fc.oneof(
    fc.record(
      {
        ref: optional(textOf(100)),
        kind: optional(fc.constantFrom(...Object.values(SubjectKind), 'ROBOT')),
        name: optional(textOf(200)),
        organisation: optional(textOf(200)),
        identifier: identifierArb,
        surname: fc.string(),
      },
      { requiredKeys: [] },
    ),
    junk,
    fc.string({ maxLength: 4 }),
  ),
);

const envelopeArb = fc.record(
  {
    domain: mostly(fc.constant('PROJECT_FUNDING'), fc.oneof(fc.constantFrom('catering', ''), junk)),
    purpose: mostly(padded(fc.constantFrom('2027 call', '复核')), fc.oneof(fc.constantFrom('', '  '), junk)),
    asOf: mostly(fc.constant('2026-11-27'), fc.oneof(fc.constantFrom('2026-02-30', '2026-1-1'), junk)),
    knownAt: mostly(
      fc.constantFrom('2026-11-27T09:30:00+08:00', '2026-11-27T01:30:00.123Z'),
      fc.oneof(fc.constantFrom('2026-11-27T09:30:00', '2026-02-30T00:00:00Z', 'now'), junk),
    ),
    reference: mostly(fc.constantFrom('CALL-2027-01', ' 项目 '), fc.oneof(textOf(100), junk)),
    lookbackYears: mostly(fc.constantFrom(0, 3, 10), fc.oneof(fc.constantFrom(11, -1, 2.5, '3'), junk)),
    colour: fc.string(),
  },
  { requiredKeys: ['domain', 'purpose'] },
);
const bodyArb = fc.tuple(
  envelopeArb,
  fc.oneof(
    { weight: 6, arbitrary: fc.array(applicantArb, { minLength: 1, maxLength: 3 }) },
    { weight: 1, arbitrary: fc.oneof(fc.constant([]), junk) },
  ),
);

describe('the fields validateApplicants knows', () => {
  const validated = (target: new () => object) =>
    new Set(
      getMetadataStorage()
        .getTargetValidationMetadatas(target, '', true, false)
        .map((m) => m.propertyName),
    );

  it('are the properties the DTOs validate, so a new field cannot slip past the one pass', () => {
    expect(APPLICANT_FIELDS).toEqual(validated(ApplicantDto));
    expect(IDENTIFIER_FIELDS).toEqual(validated(ApplicantIdentifierDto));
    expect(ENVELOPE_FIELDS).toEqual(validated(CheckEnvelopeDto));
  });
});

describe('parseCheckRequest', () => {
  it('answers exactly as the ValidationPipe over CheckCreateDto does: its details, or the same request', async () => {
    let valid = 0;
    await fc.assert(
      fc.asyncProperty(bodyArb, async ([envelope, applicants]) => {
        // Left out of the comparison, refused on purpose (see applicants.ts): arrays as applicants or
        // identifiers, and an object as the list (class-validator validates it as one applicant).
        fc.pre(
          Array.isArray(applicants)
            ? applicants.every(
                (a) =>
                  !Array.isArray(a) && !Array.isArray((a as { identifier?: unknown } | null)?.identifier),
              )
            : typeof applicants !== 'object' || applicants === null,
        );
        const body = { ...envelope, applicants };
        const slow = await byDecorators(body);
        const quick = await fast(body);
        expect(quick.details).toEqual(slow.details);
        if (slow.details.length === 0) {
          valid++;
          expect(canonicalize(quick.dto)).toBe(canonicalize(slow.dto));
          // Each applicant's members are already in JCS order, so its input hash's canonical JSON
          // is JSON.stringify alone (ScreeningService).
          for (const applicant of (quick.dto as CheckCreateDto).applicants)
            expect(JSON.stringify(applicant)).toBe(canonicalize(applicant));
        }
      }),
      { numRuns: 2000 },
    );
    // The generators reach both outcomes.
    expect(valid).toBeGreaterThan(50);
  });

  it('throws 400 VALIDATION_FAILED with the details of the list and of the rest at once', () => {
    let thrown: unknown;
    try {
      parseCheckRequest({ domain: 'PROJECT_FUNDING', applicants: [{ name: '' }] });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(AppError);
    expect(thrown).toMatchObject({
      status: 400,
      code: 'VALIDATION_FAILED',
      details: [
        { field: 'purpose', code: 'IS_STRING' },
        { field: 'applicants.0.name', code: 'IS_NOT_EMPTY' },
      ],
    });
  });

  it('refuses a body that is not an object', async () => {
    for (const body of [null, [], 'text', 3]) {
      expect((await fast(body)).details).toEqual([
        expect.objectContaining({ field: 'body', code: 'IS_OBJECT' }),
      ]);
    }
  });
});

describe('validateApplicants', () => {
  it('trims names and organisations and upper-cases the issuing country', () => {
    expect(
      validateApplicants([
        {
          ref: 'A-1',
          name: '  张三 ',
          organisation: ' 某大学 ',
          identifier: { type: 'PASSPORT', value: 'E1', issuingCountry: ' us ' },
        },
      ]).applicants,
    ).toEqual([
      {
        ref: 'A-1',
        name: '张三',
        organisation: '某大学',
        identifier: { type: 'PASSPORT', value: 'E1', issuingCountry: 'US' },
      },
    ]);
  });

  it('names every offending field of every row, by its path', () => {
    const { details } = validateApplicants([
      { name: 'ok' },
      { name: ' ', organisation: 5, colour: 'red' },
      'not an object',
      { name: 'x', identifier: { type: 'NOPE', value: '' } },
    ]);
    expect(details.map((d) => `${d.field} ${d.code}`)).toEqual([
      'applicants.1.colour UNKNOWN_FIELD',
      'applicants.1.name IS_NOT_EMPTY',
      'applicants.1.organisation IS_STRING',
      'applicants.2 NESTED_VALIDATION',
      'applicants.3.identifier.type IS_IN',
      'applicants.3.identifier.value IS_NOT_EMPTY',
    ]);
  });

  it('refuses an array given as an applicant or as an identifier', () => {
    const { details } = validateApplicants([
      [],
      { name: 'x', identifier: [{ type: 'RESIDENT_ID', value: '1' }] },
    ]);
    expect(details).toEqual([
      expect.objectContaining({ field: 'applicants.0', code: 'NESTED_VALIDATION' }),
      expect.objectContaining({ field: 'applicants.1.identifier', code: 'NESTED_VALIDATION' }),
    ]);
  });
});
