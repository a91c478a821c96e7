import { AsyncLocalStorage } from 'node:async_hooks';
import { createHash } from 'node:crypto';
import {
  CallHandler,
  ExecutionContext,
  HttpStatus,
  Injectable,
  Logger,
  NestInterceptor,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import canonicalize from 'canonicalize';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { from, lastValueFrom, Observable } from 'rxjs';
import type { Principal } from '../auth/principal';
import { AppError } from '../common/errors/app-error';
import { Env } from '../config/env';
import { withBeforeCommit } from '../database/transactions';
import { IdempotencyErrorCode } from './idempotency.errors';
import { IdempotencyCaller, IdempotencyRecord, IdempotencyRepository } from './idempotency.repository';
import {
  IDEMPOTENCY_HEADER,
  IDEMPOTENT_KEY,
  IdempotentOptions,
  REPLAYED_HEADER,
} from './idempotent.decorator';

/**
 * A request IN_FLIGHT this long without a committed write is taken to have died (crash, kill -9):
 * a retry with the same request takes the key over. No request of this service runs that long.
 */
export const IDEMPOTENCY_LEASE_MS = 10 * 60_000;

const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

/** Thrown by `fingerprint` when the key already has its answer: the interceptor replays it. */
class Replay {
  constructor(readonly record: IdempotencyRecord) {}
}

/** The idempotency state of one request, reachable from its handler (multipart routes). */
export class IdempotencyScope {
  private static readonly storage = new AsyncLocalStorage<IdempotencyScope>();
  claimed = false;

  constructor(readonly claim: (parts: unknown[]) => Promise<void>) {}

  static run<T>(scope: IdempotencyScope, fn: () => Promise<T>): Promise<T> {
    return IdempotencyScope.storage.run(scope, fn);
  }

  /**
   * Routes declared `@Idempotent({ fingerprint: 'handler' })` call this with what identifies the
   * request once they have read it, before writing anything. A no-op without an Idempotency-Key.
   */
  static async fingerprint(parts: unknown[]): Promise<void> {
    await IdempotencyScope.storage.getStore()?.claim(parts);
  }
}

/** What a key is bound to: the method, the path and what identifies the request (its body). */
export const requestHashOf = (method: string, url: string, parts: unknown[]): Buffer =>
  createHash('sha256')
    .update(`${method} ${url}\n`)
    .update(canonicalize(parts) ?? '')
    .digest();

/**
 * Makes the POSTs marked `@Idempotent()` safe to retry (docs/reliability.md, "Idempotency"): the key
 * is claimed before the handler runs, marked in the same transaction as the handler's write, and the
 * answer (2xx only) stored for replay. An error answer frees the key when nothing was written, so
 * a corrected retry runs afresh.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  private readonly logger = new Logger(IdempotencyInterceptor.name);

  constructor(
    private readonly reflector: Reflector,
    private readonly repository: IdempotencyRepository,
    private readonly env: Env,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const options = this.reflector.get<Required<IdempotentOptions> | undefined>(
      IDEMPOTENT_KEY,
      context.getHandler(),
    );
    if (!options) return next.handle();
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const reply = context.switchToHttp().getResponse<FastifyReply>();
    const header = request.headers[IDEMPOTENCY_HEADER];
    const principal = (request as { user?: Principal }).user;
    if (header === undefined || !principal) return next.handle();
    if (typeof header !== 'string' || !KEY_PATTERN.test(header)) {
      throw AppError.badRequest(
        IdempotencyErrorCode.IDEMPOTENCY_KEY_INVALID,
        'Idempotency-Key must be 1 to 255 visible ASCII characters, given once',
        'Idempotency-Key',
      );
    }
    const caller: IdempotencyCaller = { type: principal.kind, id: principal.id };
    return from(this.handle(caller, header, options, request, reply, next));
  }

  private async handle(
    caller: IdempotencyCaller,
    key: string,
    options: Required<IdempotentOptions>,
    request: FastifyRequest,
    reply: FastifyReply,
    next: CallHandler,
  ): Promise<unknown> {
    const url = request.url.split('?')[0];
    const scope = new IdempotencyScope(async (parts) => {
      if (scope.claimed) return;
      await this.claim(caller, key, requestHashOf(request.method, url, parts));
      scope.claimed = true;
    });
    try {
      if (options.fingerprint === 'body') await scope.claim([request.body ?? null]);
      const body = await IdempotencyScope.run(scope, () =>
        withBeforeCommit(
          (m) => (scope.claimed ? this.repository.markWritten(m, caller, key) : Promise.resolve()),
          () => lastValueFrom(next.handle(), { defaultValue: undefined }),
        ),
      );
      if (scope.claimed) {
        const location = reply.getHeader('location');
        // The change is committed: failing to keep its answer must not turn it into an error answer.
        await this.repository
          .complete(caller, key, {
            status: reply.statusCode,
            body: body === undefined ? null : JSON.stringify(body),
            location: typeof location === 'string' ? location : null,
          })
          .catch((error: unknown) =>
            this.logger.warn({ err: error }, 'the answer to an Idempotency-Key could not be kept'),
          );
      }
      return body;
    } catch (error) {
      if (error instanceof Replay) return this.replay(error.record, reply);
      if (error instanceof AppError && error.code === IdempotencyErrorCode.IDEMPOTENCY_KEY_IN_FLIGHT) {
        void reply.header('retry-after', '1');
      }
      if (scope.claimed) await this.repository.release(caller, key).catch(() => undefined);
      throw error;
    }
  }

  /** Claims the key, or throws: a Replay, 422 for another request, 409 while the first still runs. */
  private async claim(caller: IdempotencyCaller, key: string, requestHash: Buffer): Promise<void> {
    const ttlMs = this.env.IDEMPOTENCY_KEY_TTL_HOURS * 3_600_000;
    for (let attempt = 0; attempt < 3; attempt++) {
      if (await this.repository.claim(caller, key, requestHash, ttlMs, IDEMPOTENCY_LEASE_MS)) return;
      const record = await this.repository.find(caller, key);
      if (!record) continue; // released or purged in between: claim again
      if (!record.requestHash.equals(requestHash)) {
        throw new AppError(
          HttpStatus.UNPROCESSABLE_ENTITY,
          IdempotencyErrorCode.IDEMPOTENCY_KEY_REUSED,
          'This Idempotency-Key was used for a different request: use a new key for a new request',
          [
            {
              field: 'Idempotency-Key',
              code: IdempotencyErrorCode.IDEMPOTENCY_KEY_REUSED,
              message: 'Used before',
            },
          ],
        );
      }
      if (record.state === 'DONE') throw new Replay(record);
      if (record.writeCommitted && Date.now() - record.createdAt.getTime() > IDEMPOTENCY_LEASE_MS) {
        throw AppError.conflict(
          IdempotencyErrorCode.IDEMPOTENCY_ANSWER_LOST,
          'The first request with this key was carried out but its answer was lost: look the record up instead of retrying',
        );
      }
      break;
    }
    throw AppError.conflict(
      IdempotencyErrorCode.IDEMPOTENCY_KEY_IN_FLIGHT,
      'A request with this Idempotency-Key is still running: retry after it has been answered',
    );
  }

  private replay(record: IdempotencyRecord, reply: FastifyReply): unknown {
    void reply.status(record.responseStatus ?? 200).header(REPLAYED_HEADER, 'true');
    if (record.responseLocation) void reply.header('location', record.responseLocation);
    return record.responseBody === null ? undefined : (JSON.parse(record.responseBody) as unknown);
  }
}
