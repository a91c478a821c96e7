import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiHeader, ApiResponse } from '@nestjs/swagger';

export const IDEMPOTENT_KEY = 'idempotency:route';
export const IDEMPOTENCY_HEADER = 'idempotency-key';
export const REPLAYED_HEADER = 'idempotent-replayed';

export interface IdempotentOptions {
  /**
   * Where the request's fingerprint comes from: the parsed JSON body (default), or the handler, which
   * calls `IdempotencyScope.fingerprint` once it has read a multipart body.
   */
  fingerprint?: 'body' | 'handler';
}

/**
 * Opts a POST into `Idempotency-Key` (docs/reliability.md): a retry with the same key and request
 * gets the first answer again, marked `Idempotent-Replayed: true`; the same key with another request
 * is a 422 IDEMPOTENCY_KEY_REUSED; a retry while the first is still running a 409
 * IDEMPOTENCY_KEY_IN_FLIGHT with Retry-After. Keys are per caller and kept IDEMPOTENCY_KEY_TTL_HOURS.
 */
export const Idempotent = (options: IdempotentOptions = {}) =>
  applyDecorators(
    SetMetadata(IDEMPOTENT_KEY, { fingerprint: options.fingerprint ?? 'body' }),
    ApiHeader({
      name: 'Idempotency-Key',
      required: false,
      description:
        'Any string of 1 to 255 visible ASCII characters, unique per intended change (a UUID). A retry with ' +
        'the same key and request gets the first answer again (header Idempotent-Replayed: true); kept 24 h.',
    }),
    ApiResponse({
      status: 409,
      description: 'IDEMPOTENCY_KEY_IN_FLIGHT: the first request with this key is still running',
    }),
    ApiResponse({
      status: 422,
      description: 'IDEMPOTENCY_KEY_REUSED: this key was used for another request',
    }),
  );
