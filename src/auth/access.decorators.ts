import { applyDecorators, createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import { ApiBearerAuth, ApiSecurity } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { RequestContext, requestContextOf } from '../common/request-context';
import { AccessRequirement, Role, Scope } from './principal';

export const PUBLIC_KEY = 'access:public';
export const ACCESS_KEY = 'access:requirement';

/** Opens a route to everyone, without credentials (health, docs, public disclosure, login). */
export const Public = () => SetMetadata(PUBLIC_KEY, true);

/**
 * Declares who may call a route: users holding any of `roles` (ADMIN implies RECORDER and
 * APPROVER), API clients holding any of `scopes`. A route that is neither @Public nor declares
 * access is refused to everyone: security by default.
 */
export const Access = (requirement: { roles?: Role[]; scopes?: Scope[] }) =>
  applyDecorators(
    SetMetadata(ACCESS_KEY, requirement satisfies AccessRequirement),
    ApiBearerAuth(),
    ...(requirement.scopes?.length ? [ApiSecurity('api-key')] : []),
  );

/** The request's context: who acts (from the guard) and the request id. */
export const Ctx = createParamDecorator((_: unknown, ctx: ExecutionContext): RequestContext =>
  requestContextOf(ctx.switchToHttp().getRequest<FastifyRequest>()),
);
