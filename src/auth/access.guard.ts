import { ExecutionContext, HttpStatus, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import { AppError, CommonErrorCode } from '../common/errors/app-error';
import { ACCESS_KEY, PUBLIC_KEY } from './access.decorators';
import { AccessRequirement, isAllowed, Principal } from './principal';

export const AuthErrorCodes = {
  AUTH_TOKEN_EXPIRED: 'AUTH_TOKEN_EXPIRED',
  ACCESS_DENIED: 'ACCESS_DENIED',
} as const;

const hasExpiredToken = (info: unknown): boolean =>
  (Array.isArray(info) ? info : [info]).some((i) => (i as Error | undefined)?.name === 'TokenExpiredError');

/**
 * The one global guard. A route is open only if marked @Public; otherwise the caller must present
 * a user's access token or an API client's key (passport strategies 'jwt' then 'api-key'), and hold
 * a role or scope the route's @Access names. A route that declares nothing is refused to everyone.
 */
@Injectable()
export class AccessGuard extends AuthGuard(['jwt', 'api-key']) {
  constructor(private readonly reflector: Reflector) {
    super();
  }

  override async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_KEY, targets)) return true;
    await super.canActivate(context);
    const principal = context.switchToHttp().getRequest<{ user: Principal }>().user;
    const requirement = this.reflector.getAllAndOverride<AccessRequirement | undefined>(ACCESS_KEY, targets);
    if (!requirement || !isAllowed(principal, requirement)) {
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
}

/** Guard of POST /auth/login: passport-local, with its "missing credentials" answered as a 400. */
@Injectable()
export class LocalAuthGuard extends AuthGuard('local') {
  override handleRequest<T>(error: unknown, user: T | false, info: unknown): T {
    if (error) throw error;
    if (!user) {
      throw new AppError(
        HttpStatus.BAD_REQUEST,
        CommonErrorCode.VALIDATION_FAILED,
        'username and password are required',
        [
          {
            field: 'username',
            code: 'IS_NOT_EMPTY',
            message: String((info as Error | undefined)?.message ?? 'required'),
          },
          {
            field: 'password',
            code: 'IS_NOT_EMPTY',
            message: String((info as Error | undefined)?.message ?? 'required'),
          },
        ],
      );
    }
    return user;
  }
}
