import { CallHandler, ExecutionContext, Injectable, NestInterceptor, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { mergeMap, Observable } from 'rxjs';
import { ReplicaSet } from './replicas';

/** The response header of a write: the primary's WAL position once its transaction has committed. */
export const POSITION_HEADER = 'registry-position';

const READS = new Set(['GET', 'HEAD', 'OPTIONS']);
const NO_POSITION = 'registry:no-position';

/**
 * Marks a POST that changes nothing a later check reads (POST /checks itself: it stores only its
 * receipt): no position is read for it, so a client that passes on the last position it was given does
 * not make its next check wait for a replica to replay a receipt.
 */
export const NoWritePosition = () => SetMetadata(NO_POSITION, true);

/**
 * With read replicas configured, every successful write answers with `Registry-Position`: the
 * primary's WAL position after the handler returned (its transaction committed before), so at or past
 * the write's commit record. A check sent with it as `Registry-Min-Position` is answered only by a
 * replica that has replayed the write (read-your-writes). Without replicas nothing is added.
 */
@Injectable()
export class PositionInterceptor implements NestInterceptor {
  constructor(
    private readonly replicas: ReplicaSet,
    private readonly reflector: Reflector,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    if (
      !this.replicas.configured ||
      READS.has(request.method) ||
      this.reflector.get<boolean>(NO_POSITION, context.getHandler())
    ) {
      return next.handle();
    }
    const reply = context.switchToHttp().getResponse<FastifyReply>();
    return next.handle().pipe(
      mergeMap(async (body: unknown) => {
        // The write has committed: failing to read the position must not turn it into an error
        // (a client would retry it). Without the header, a later check simply reads from the primary
        // or any replica within the lag bound.
        const position = await this.replicas.primaryPosition().catch(() => undefined);
        if (position) void reply.header(POSITION_HEADER, position);
        return body;
      }),
    );
  }
}
