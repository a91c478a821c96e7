const NUL = String.fromCharCode(0);

/** PostgreSQL text and jsonb cannot hold U+0000: it is replaced, so one stray byte cannot fail a write. */
export const withoutNul = (text: string): string => text.replaceAll(NUL, '\uFFFD');

/**
 * Removes Unicode format characters (category Cf: zero-width spaces and joiners, direction marks, soft
 * hyphens, the BOM…). They are invisible, so a name holding them looks like another name, or like
 * nothing, while comparing different.
 */
export const withoutFormatCharacters = (text: string): string => text.replace(/\p{Cf}/gu, '');

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export interface TextProblem {
  field: string;
  code: 'NUL_CHARACTER' | 'INVALID_UNICODE';
  message: string;
}

/** What PostgreSQL's text and jsonb refuse in a string: a NUL character, or half of a surrogate pair. */
function problemOf(text: string, field: string): TextProblem | undefined {
  const name = field || 'the value';
  if (text.includes(NUL))
    return { field, code: 'NUL_CHARACTER', message: `${name} must not contain NUL characters` };
  if (LONE_SURROGATE.test(text)) {
    return {
      field,
      code: 'INVALID_UNICODE',
      message: `${name} holds half of a UTF-16 surrogate pair, which is not a Unicode character`,
    };
  }
  return undefined;
}

/**
 * The first string in a request's input (a parsed JSON body, a query object, a path parameter) that
 * PostgreSQL could not store, keys included, with its dotted path (`applicants.3.name`). Stored or
 * even compared, such a string fails the statement, which answered 500; it is a 400 instead.
 */
export function textProblem(value: unknown, path = ''): TextProblem | undefined {
  if (typeof value === 'string') return problemOf(value, path);
  if (value === null || typeof value !== 'object') return undefined;
  for (const [key, item] of Object.entries(value as object)) {
    const field = path ? `${path}.${key}` : key;
    const problem = problemOf(key, field) ?? textProblem(item, field);
    if (problem) return problem;
  }
  return undefined;
}
