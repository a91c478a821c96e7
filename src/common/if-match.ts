import type { ApiHeaderOptions } from '@nestjs/swagger';
import { AppError } from './errors/app-error';

/** `If-Match: "3"` (or `3`) → 3; absent → undefined; anything else → 400. */
export function parseIfMatch(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const match = /^\s*(?:W\/)?"?(\d{1,9})"?\s*$/.exec(value);
  if (!match)
    throw AppError.badRequest(
      'INVALID_IF_MATCH',
      'If-Match must be a version number such as "3"',
      'If-Match',
    );
  return Number(match[1]);
}

/** `@ApiHeader(IF_MATCH)`: the optional version header of a change guarded by optimistic locking. */
export const IF_MATCH: ApiHeaderOptions = {
  name: 'If-Match',
  required: false,
  description: 'The version you read; 412 if it changed since',
};
