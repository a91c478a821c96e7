const NUL = String.fromCharCode(0);

/** PostgreSQL text and jsonb cannot hold U+0000: it is replaced, so one stray byte cannot fail a write. */
export const withoutNul = (text: string): string => text.replaceAll(NUL, '\uFFFD');
