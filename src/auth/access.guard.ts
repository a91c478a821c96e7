import { ExecutionContext, HttpStatus, Injectable, Type } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import type { FastifyRequest } from 'fastify';
import { AppError, CommonErrorCode } from '../common/errors/app-error';
import { ACCESS_KEY, PUBLIC_KEY } from './access.decorators';
import { AccessRequirement, isAllowed, Principal } from './principal';
import { loginCredentials } from './login-credentials';

export const AuthErrorCodes = {
  AUTH_TOKEN_EXPIRED: 'AUTH_TOKEN_EXPIRED',
  ACCESS_DENIED: 'ACCESS_DENIED',
} as const;

const hasExpiredToken = (info: unknown): boolean =>
  (Array.isArray(info) ? info : [info]).some((i) => (i as Error | undefined)?.name === 'TokenExpiredError');

/** The caller passport found, or the 401 its strategies' failure means. */
function authenticated<T>(error: unknown, user: T | false, info: unknown): T {
  if (error) throw error;
  if (!user) {
    throw hasExpiredToken(info)
      ? new AppError(
          HttpStatus.UNAUTHORIZED,
          AuthErrorCodes.AUTH_TOKEN_EXPIRED,
          'The access token has expired: refresh it',
        )
      : new AppError(
          HttpStatus.UNAUTHORIZED,
          CommonErrorCode.UNAUTHENTICATED,
          'Valid credentials are required',
        );
  }
  return user;
}

/**
 * The 'api-key' strategy alone, for a request that carries `X-Api-Key` and no `Authorization` header:
 * the 'jwt' strategy could only fail on it, and its failure (an Error with a stack) was a measurable
 * part of an API client's check.
 */
class ApiKeyAuthentication extends AuthGuard('api-key') {
  override handleRequest<T>(error: unknown, user: T | false, info: unknown): T {
    return authenticated(error, user, info);
  }
}

/**
 * Who may call a route, read as the access guard reads it: 'PUBLIC', the @Access requirement (a
 * method's overrides its controller's), or undefined for nobody. The test of README's route table
 * reads the routes through this too, so the table is checked against what the guard enforces.
 */
export function routeAccess(
  reflector: Reflector,
  handler: ReturnType<ExecutionContext['getHandler']>,
  controller: Type<unknown>,
): 'PUBLIC' | AccessRequirement | undefined {
  const targets = [handler, controller];
  if (reflector.getAllAndOverride<boolean>(PUBLIC_KEY, targets)) return 'PUBLIC';
  return reflector.getAllAndOverride<AccessRequirement | undefined>(ACCESS_KEY, targets);
}

/**
 * The one global guard. A route is open only if marked @Public; otherwise the caller must present
 * a user's access token or an API client's key (passport strategies 'jwt' then 'api-key'), and hold
 * a role or scope the route's @Access names. A route that declares nothing is refused to everyone.
 */
@Injectable()
export class AccessGuard extends AuthGuard(['jwt', 'api-key']) {
  private readonly byKey = new ApiKeyAuthentication();

  constructor(private readonly reflector: Reflector) {
    super();
  }

  override async canActivate(context: ExecutionContext): Promise<boolean> {
    const access = routeAccess(this.reflector, context.getHandler(), context.getClass());
    if (access === 'PUBLIC') return true;
    const request = context.switchToHttp().getRequest<FastifyRequest & { user: Principal }>();
    const keyOnly =
      typeof request.headers['x-api-key'] === 'string' && request.headers.authorization === undefined;
    await (keyOnly ? this.byKey.canActivate(context) : super.canActivate(context));
    const principal = request.user;
    if (!access || !isAllowed(principal, access)) {
      throw new AppError(
        HttpStatus.FORBIDDEN,
        AuthErrorCodes.ACCESS_DENIED,
        principal.kind === 'USER'
          ? 'Your roles do not allow this'
          : 'This API client has no scope that allows this',
      );
    }
    return true;
  }

  override handleRequest<T>(error: unknown, user: T | false, info: unknown): T {
    return authenticated(error, user, info);
  }
}

/**
 * Guard of POST /auth/login: passport-local. It refuses a request without credentials before
 * LocalStrategy sees it; that refusal gets the same per-field 400 as any other bad credentials.
 */
@Injectable()
export class LocalAuthGuard extends AuthGuard('local') {
  override handleRequest<T>(error: unknown, user: T | false, _info: unknown, context: ExecutionContext): T {
    if (error) throw error;
    if (!user) {
      loginCredentials(context.switchToHttp().getRequest<FastifyRequest>().body);
      // Not reached: passport-local only fails a body that lacks a username or a password.
      throw new AppError(
        HttpStatus.BAD_REQUEST,
        CommonErrorCode.VALIDATION_FAILED,
        'username and password are required',
      );
    }
    return user;
  }
}
