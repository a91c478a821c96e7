const NUL = String.fromCharCode(0);

/** PostgreSQL text and jsonb cannot hold U+0000: it is replaced, so one stray byte cannot fail a write. */
export const withoutNul = (text: string): string => text.replaceAll(NUL, '\uFFFD');

/**
 * Removes Unicode format characters (category Cf: zero-width spaces and joiners, direction marks, soft
 * hyphens, the BOM…). They are invisible, so a name holding them looks like another name, or like
 * nothing, while comparing different.
 */
export const withoutFormatCharacters = (text: string): string => text.replace(/\p{Cf}/gu, '');
