import type { FastifyRequest } from 'fastify';
import type { Principal } from '../auth/principal';

/**
 * Who acts and in which request. Services take it explicitly, so the audit entry of a change names
 * its actor and request id without ambient state.
 */
export interface RequestContext {
  principal?: Principal;
  requestId: string;
  ip?: string;
}

export function requestContextOf(request: FastifyRequest): RequestContext {
  return { principal: (request as { user?: Principal }).user, requestId: request.id, ip: request.ip };
}

/** The context of work started by the service itself (start-up, CLI, scheduled tasks). */
export function systemContext(requestId = 'system'): RequestContext {
  return { requestId };
}
