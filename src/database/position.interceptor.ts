import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { mergeMap, Observable } from 'rxjs';
import { ReplicaSet } from './replicas';

/** The response header of a write: the primary's WAL position once its transaction has committed. */
export const POSITION_HEADER = 'registry-position';

const READS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * With read replicas configured, every successful write answers with `Registry-Position`: the
 * primary's WAL position after the handler returned (its transaction committed before), so at or past
 * the write's commit record. A check sent with it as `Registry-Min-Position` is answered only by a
 * replica that has replayed the write (read-your-writes). Without replicas nothing is added.
 */
@Injectable()
export class PositionInterceptor implements NestInterceptor {
  constructor(private readonly replicas: ReplicaSet) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    if (!this.replicas.configured || READS.has(request.method)) return next.handle();
    const reply = context.switchToHttp().getResponse<FastifyReply>();
    return next.handle().pipe(
      mergeMap(async (body: unknown) => {
        void reply.header(POSITION_HEADER, await this.replicas.primaryPosition());
        return body;
      }),
    );
  }
}
