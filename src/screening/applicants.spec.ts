import 'reflect-metadata';
import canonicalize from 'canonicalize';
import { Type } from 'class-transformer';
import { IsArray, ValidateNested } from 'class-validator';
import fc from 'fast-check';
import { AppError, ErrorDetail } from '../common/errors/app-error';
import { createValidationPipe } from '../common/errors/validation';
import { IDENTIFIER_TYPES } from '../identifiers/identifiers';
import { SubjectKind } from '../subjects/subjects.types';
import { parseApplicants, validateApplicants } from './applicants';
import { ApplicantDto } from './screening.dto';

/** The applicants validated the slow way: class-transformer and class-validator over ApplicantDto. */
class ByDecorators {
  @ValidateNested({ each: true })
  @Type(() => ApplicantDto)
  @IsArray()
  applicants: ApplicantDto[];
}

const pipe = createValidationPipe();

async function byDecorators(applicant: unknown): Promise<{ details: ErrorDetail[]; applicant?: unknown }> {
  try {
    const dto = (await pipe.transform(
      { applicants: [applicant] },
      { type: 'body', metatype: ByDecorators, data: '' },
    )) as ByDecorators;
    return { details: [], applicant: dto.applicants[0] };
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    return { details: error.details };
  }
}

const padded = (text: fc.Arbitrary<string>) =>
  fc
    .tuple(fc.constantFrom('', ' ', '\t', '  \n'), text, fc.constantFrom('', ' ', '　'))
    .map((p) => p.join(''));
const textOf = (max: number) =>
  fc.oneof(
    padded(fc.string({ maxLength: 8 })),
    padded(fc.string({ unit: 'binary', maxLength: 12 })),
    // Around the limit, with characters outside the BMP (class-validator counts a surrogate pair as one).
    fc.integer({ min: max - 2, max: max + 2 }).map((n) => '字'.repeat(n)),
    fc.integer({ min: max - 2, max: max + 2 }).map((n) => '𠀀'.repeat(n)),
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

const applicantArb = fc.oneof(
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
);

describe('validateApplicants', () => {
  it('answers exactly as class-validator does over ApplicantDto: details, or the same normalised applicant', async () => {
    await fc.assert(
      fc.asyncProperty(applicantArb, async (applicant) => {
        // Arrays as applicants or identifiers are refused on purpose (see applicants.ts): left out here.
        fc.pre(
          !Array.isArray(applicant) &&
            !Array.isArray((applicant as { identifier?: unknown } | null)?.identifier),
        );
        const slow = await byDecorators(applicant);
        const fast = validateApplicants([applicant]);
        expect(fast.details).toEqual(slow.details);
        if (slow.details.length === 0) {
          expect(canonicalize(fast.applicants[0])).toBe(canonicalize(slow.applicant));
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('trims names and organisations and upper-cases the issuing country', () => {
    expect(
      parseApplicants([
        {
          ref: 'A-1',
          name: '  张三 ',
          organisation: ' 某大学 ',
          identifier: { type: 'PASSPORT', value: 'E1', issuingCountry: ' us ' },
        },
      ]),
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

  it('throws 400 VALIDATION_FAILED with the details', () => {
    try {
      parseApplicants([{ name: '' }]);
      throw new Error('no error thrown');
    } catch (error) {
      expect(error).toBeInstanceOf(AppError);
      expect(error).toMatchObject({
        status: 400,
        code: 'VALIDATION_FAILED',
        details: [{ field: 'applicants.0.name', code: 'IS_NOT_EMPTY' }],
      });
    }
  });
});
