import { buildMessage, ValidateBy, ValidationOptions } from 'class-validator';

/**
 * The search form of a name: Unicode NFKC (full-width letters, digits and brackets become their
 * half-width forms), lower case, and without whitespace, punctuation, symbols or invisible format
 * characters (zero-width spaces, direction marks), so that "某某大学（北京）", "某某大学(北京)",
 * "某某大学 北京" and "某某大学\u200b(北京)" compare equal.
 */
export function nameKey(name: string): string {
  return name
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[\p{P}\p{S}\p{Z}\p{Cf}\s]/gu, '');
}

/**
 * Whether a name has something to match by: a letter or a digit once normalised (NFKC makes "🄐" an
 * "(A)"), which its key keeps. A name of punctuation alone has an empty key, and as a search criterion
 * it would match every subject.
 */
export const hasLetterOrDigit = (name: string): boolean => /[\p{L}\p{N}]/u.test(name.normalize('NFKC'));

/** A name (or, with `each`, every name of a list) has a letter or a digit; code HAS_LETTER_OR_DIGIT. */
export const HasLetterOrDigit = (options?: ValidationOptions): PropertyDecorator =>
  ValidateBy(
    {
      name: 'hasLetterOrDigit',
      validator: {
        validate: (value) => typeof value !== 'string' || hasLetterOrDigit(value),
        defaultMessage: buildMessage((each) => `${each}$property must contain a letter or a digit`, options),
      },
    },
    options,
  );
