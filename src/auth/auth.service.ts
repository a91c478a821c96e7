import { HttpStatus, Injectable, OnModuleInit } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { AuditService } from '../audit/audit.service';
import { AppError } from '../common/errors/app-error';
import { RequestContext } from '../common/request-context';
import { Env } from '../config/env';
import { Transactions } from '../database/transactions';
import { RefreshTokensRepository } from '../users/refresh-tokens.repository';
import { UserEntity } from '../users/user.entity';
import { UsersRepository } from '../users/users.repository';
import { lockedUntil, lockoutLookbackMs } from './lockout';
import { dummyPasswordHash, verifyPassword } from './password';
import { UserPrincipal } from './principal';

export enum AuthErrorCode {
  AUTH_INVALID_CREDENTIALS = 'AUTH_INVALID_CREDENTIALS',
  AUTH_LOCKED = 'AUTH_LOCKED',
  AUTH_INVALID_REFRESH_TOKEN = 'AUTH_INVALID_REFRESH_TOKEN',
}

export interface TokenPair {
  accessToken: string;
  tokenType: 'Bearer';
  expiresIn: number;
  refreshToken: string;
  refreshExpiresAt: string;
}

export interface AccessTokenPayload {
  sub: string;
  usr: string;
  /** The user's password change time when the token was issued: a later change voids the token. */
  pwc: number;
}

export const JWT_AUDIENCE = 'research-integrity-registry';

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest();

const invalidCredentials = () =>
  new AppError(
    HttpStatus.UNAUTHORIZED,
    AuthErrorCode.AUTH_INVALID_CREDENTIALS,
    'Invalid username or password',
  );

const invalidRefresh = () =>
  new AppError(
    HttpStatus.UNAUTHORIZED,
    AuthErrorCode.AUTH_INVALID_REFRESH_TOKEN,
    'The refresh token is invalid, expired or revoked',
  );

export const toUserPrincipal = (u: UserEntity): UserPrincipal => ({
  kind: 'USER',
  id: u.id,
  username: u.username,
  roles: u.roles,
});

/**
 * Logins, lockouts and tokens. Answers never tell whether a username exists: an unknown user, a
 * disabled one and a wrong password all answer AUTH_INVALID_CREDENTIALS after the same work, and
 * failures lock a username whether or not it exists.
 */
@Injectable()
export class AuthService implements OnModuleInit {
  constructor(
    private readonly users: UsersRepository,
    private readonly refreshTokens: RefreshTokensRepository,
    private readonly audit: AuditService,
    private readonly tx: Transactions,
    private readonly jwt: JwtService,
    private readonly env: Env,
  ) {}

  /** Hashes the dummy password now: otherwise the first unknown username would take longer to refuse. */
  async onModuleInit(): Promise<void> {
    await dummyPasswordHash();
  }

  async authenticate(ctx: RequestContext, username: string, password: string): Promise<UserEntity> {
    const key = username.trim().toLowerCase();
    const now = new Date();
    const failures = await this.users.recentLoginFailures(key, new Date(now.getTime() - lockoutLookbackMs()));
    const locked = lockedUntil(failures, now);
    if (locked) {
      await this.tx.run((m) =>
        this.audit.record(m, ctx, {
          action: 'AUTH_LOGIN_REFUSED_LOCKED',
          actor: { type: 'ANONYMOUS', name: key },
        }),
      );
      throw this.lockedError(locked);
    }
    const user = await this.users.findWithPasswordByUsername(key);
    const usable = user && !user.disabledAt ? user : undefined;
    const ok = await verifyPassword(usable?.passwordHash, password);
    if (ok && usable) return usable;

    const lockedNow = lockedUntil([...failures, now], now);
    await this.tx.run(async (m) => {
      await this.users.addLoginFailure(m, key, now, ctx.ip);
      await this.audit.record(m, ctx, {
        action: 'AUTH_LOGIN_FAILED',
        actor: { type: 'ANONYMOUS', name: key },
        targetType: user ? 'USER' : undefined,
        targetId: user?.id,
        changes: {
          ip: ctx.ip,
          reason: !user ? 'UNKNOWN_USER' : user.disabledAt ? 'DISABLED' : 'WRONG_PASSWORD',
        },
      });
      if (lockedNow) {
        await this.audit.record(m, ctx, {
          action: 'AUTH_LOCKED',
          actor: { type: 'SYSTEM' },
          targetType: user ? 'USER' : undefined,
          targetId: user?.id,
          changes: { username: key, until: lockedNow.toISOString() },
        });
      }
    });
    throw lockedNow ? this.lockedError(lockedNow) : invalidCredentials();
  }

  private lockedError(until: Date): AppError {
    return new AppError(
      HttpStatus.UNAUTHORIZED,
      AuthErrorCode.AUTH_LOCKED,
      `Too many failed logins for this username: try again after ${until.toISOString()}`,
    );
  }

  /** After a successful authentication: a new token family, the failures forgotten, the login audited. */
  async login(ctx: RequestContext, user: UserEntity): Promise<TokenPair> {
    return this.tx.run(async (m) => {
      await this.users.clearLoginFailures(m, user.username.toLowerCase());
      const pair = await this.issue(m, user, randomUUID());
      await this.audit.record(
        m,
        { ...ctx, principal: toUserPrincipal(user) },
        {
          action: 'AUTH_LOGIN',
          targetType: 'USER',
          targetId: user.id,
          changes: { ip: ctx.ip },
        },
      );
      return pair;
    });
  }

  /**
   * Rotates a refresh token: the old one is revoked and a new one issued in the same family. A token
   * used twice means it was copied: the whole family is revoked.
   */
  async refresh(ctx: RequestContext, refreshToken: string): Promise<TokenPair> {
    const outcome = await this.tx.run(async (m) => {
      const row = await this.refreshTokens.findByHashForUpdate(m, sha256(refreshToken));
      if (!row) return { error: invalidRefresh() };
      if (row.revokedAt) {
        const revoked = await this.refreshTokens.revokeFamily(m, row.familyId, 'REUSE_DETECTED');
        if (revoked > 0) {
          await this.audit.record(m, ctx, {
            action: 'AUTH_REFRESH_REUSED',
            actor: { type: 'SYSTEM' },
            targetType: 'USER',
            targetId: row.userId,
            changes: { familyRevoked: revoked },
          });
        }
        return { error: invalidRefresh() };
      }
      const user = await this.users.findById(row.userId, m);
      if (row.expiresAt <= new Date() || !user || user.disabledAt) return { error: invalidRefresh() };
      await this.refreshTokens.revoke(m, row.id, 'ROTATED');
      return { pair: await this.issue(m, user, row.familyId) };
    });
    if (outcome.error) throw outcome.error;
    return outcome.pair!;
  }

  /** Revokes the refresh token's whole family (this login on every device it was copied to). */
  async logout(ctx: RequestContext, refreshToken: string): Promise<void> {
    await this.tx.run(async (m) => {
      const row = await this.refreshTokens.findByHashForUpdate(m, sha256(refreshToken));
      if (!row || row.revokedAt) throw invalidRefresh();
      await this.refreshTokens.revokeFamily(m, row.familyId, 'LOGOUT');
      await this.audit.record(m, ctx, { action: 'AUTH_LOGOUT', targetType: 'USER', targetId: row.userId });
    });
  }

  private async issue(
    m: Parameters<RefreshTokensRepository['insert']>[0],
    user: UserEntity,
    familyId: string,
  ) {
    const refreshToken = randomBytes(32).toString('base64url');
    const refreshExpiresAt = new Date(Date.now() + this.env.REFRESH_TOKEN_TTL_DAYS * 86_400_000);
    await this.refreshTokens.insert(m, {
      userId: user.id,
      familyId,
      tokenHash: sha256(refreshToken),
      expiresAt: refreshExpiresAt,
    });
    const payload: AccessTokenPayload = {
      sub: user.id,
      usr: user.username,
      pwc: user.passwordChangedAt.getTime(),
    };
    return {
      accessToken: await this.jwt.signAsync(payload),
      tokenType: 'Bearer' as const,
      expiresIn: this.env.JWT_ACCESS_TTL_SECONDS,
      refreshToken,
      refreshExpiresAt: refreshExpiresAt.toISOString(),
    };
  }

  /** The principal of a valid access token, or null: the user must exist, be enabled, and not have changed password since. */
  async principalFor(payload: AccessTokenPayload): Promise<UserPrincipal | null> {
    const user = await this.users.findById(payload.sub);
    if (!user || user.disabledAt) return null;
    if (payload.pwc !== user.passwordChangedAt.getTime()) return null;
    return toUserPrincipal(user);
  }
}
