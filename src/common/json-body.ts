import type { FastifyBodyParser, FastifyInstance } from 'fastify';
import { AppError, CommonErrorCode } from './errors/app-error';
import { validationFailed } from './errors/validation';
import { textProblem } from './text';

/** Deepest nesting of objects and arrays a JSON body may have; the API's own bodies nest 4 levels at most. */
export const MAX_JSON_DEPTH = 32;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACKET = 0x5b;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACKET = 0x5d;
const CLOSE_BRACE = 0x7d;

export type JsonScan = 'ok' | 'too-deep' | 'suspect-text';

const LOWER_U = 0x75;

/** The code unit of the `\uXXXX` escape whose `u` is at `at`, or -1 when the four hex digits are not there. */
function escapedUnit(body: Buffer, at: number): number {
  if (body[at] !== LOWER_U || at + 4 >= body.length) return -1;
  const unit = Number.parseInt(body.toString('latin1', at + 1, at + 5), 16);
  return Number.isNaN(unit) ? -1 : unit;
}

const isHigh = (unit: number) => unit >= 0xd800 && unit <= 0xdbff;
const isLow = (unit: number) => unit >= 0xdc00 && unit <= 0xdfff;

/**
 * One pass over raw JSON text, without parsing: whether objects and arrays nest deeper than `max`
 * (brackets inside strings are text), and whether a string may hold text PostgreSQL refuses: a
 * `\u0000` escape, or a `\uD800`–`\uDFFF` escape that is not one half of a pair (valid JSON grammar,
 * but not Unicode). Raw UTF-8 can encode neither (a raw NUL is not valid JSON; the decoder replaces a
 * raw surrogate), so escapes are the only way in, and bodies without such escapes are never walked.
 * The bytes looked at are ASCII, which never occurs inside a multi-byte UTF-8 character. Malformed
 * text is left for the parser to refuse.
 */
export function scanJson(body: Buffer, max: number): JsonScan {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < body.length; i++) {
    const byte = body[i];
    if (inString) {
      if (byte === BACKSLASH) {
        i++;
        if (body[i] !== LOWER_U) continue;
        const unit = escapedUnit(body, i);
        if (unit === 0 || isLow(unit)) return 'suspect-text';
        if (!isHigh(unit)) continue;
        // A high surrogate must be followed at once by an escaped low one.
        if (body[i + 5] !== BACKSLASH || !isLow(escapedUnit(body, i + 6))) return 'suspect-text';
        i += 10;
      } else if (byte === QUOTE) inString = false;
    } else if (byte === QUOTE) inString = true;
    // Plain comparisons: this runs over every byte of a 10,000-applicant body (about 1.2 MiB).
    else if (byte === OPEN_BRACE || byte === OPEN_BRACKET) {
      if (++depth > max) return 'too-deep';
    } else if (byte === CLOSE_BRACE || byte === CLOSE_BRACKET) depth--;
  }
  return 'ok';
}

/**
 * The JSON body parser of every route: Fastify's own (prototype poisoning refused), behind a bound on
 * nesting and a check of the text. Parsed bodies are walked recursively (class-transformer,
 * class-validator), so a body nested thousands of levels deep overflowed the stack and answered 500;
 * it is a 400 before it is parsed. A string PostgreSQL cannot store (see `textProblem`) failed the
 * statement it reached, an audit entry's jsonb among them, with a 500; it is a 400 naming the field.
 */
export function boundedJsonParser(fastify: FastifyInstance): FastifyBodyParser<Buffer> {
  const parse = fastify.getDefaultJsonParser('error', 'error');
  return (request, body, done) => {
    const scan = scanJson(body, MAX_JSON_DEPTH);
    if (scan === 'ok') return parse(request, body.toString('utf8'), done);
    if (scan === 'too-deep') {
      const message = `The JSON body is nested more than ${MAX_JSON_DEPTH} levels deep`;
      return done(AppError.badRequest(CommonErrorCode.BODY_TOO_DEEP, message, 'body'), undefined);
    }
    parse(request, body.toString('utf8'), (error, value) => {
      if (error) return done(error, undefined);
      const problem = textProblem(value);
      if (problem) return done(validationFailed([problem]), undefined);
      done(null, value);
    });
  };
}
