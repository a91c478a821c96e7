import { HttpStatus, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { hashPassword, verifyPassword } from '../auth/password';
import { Role } from '../auth/principal';
import { AppError } from '../common/errors/app-error';
import { explainUniqueViolation } from '../common/errors/unique-violation';
import { RequestContext, systemContext } from '../common/request-context';
import { Env } from '../config/env';
import { Transactions } from '../database/transactions';
import { RefreshTokensRepository } from './refresh-tokens.repository';
import { UserEntity } from './user.entity';
import { UserListFilter, UsersRepository } from './users.repository';

export enum UserErrorCode {
  USER_NOT_FOUND = 'USER_NOT_FOUND',
  USERNAME_TAKEN = 'USERNAME_TAKEN',
  USER_VERSION_MISMATCH = 'USER_VERSION_MISMATCH',
  USER_CANNOT_DISABLE_SELF = 'USER_CANNOT_DISABLE_SELF',
  LAST_ADMIN = 'LAST_ADMIN',
  PASSWORD_INCORRECT = 'PASSWORD_INCORRECT',
  PASSWORD_UNCHANGED = 'PASSWORD_UNCHANGED',
}

export interface UserCreateInput {
  username: string;
  displayName: string;
  password: string;
  roles: Role[];
}

const view = (u: UserEntity) => ({
  username: u.username,
  displayName: u.displayName,
  roles: u.roles,
  disabled: !!u.disabledAt,
});

const usernameTaken = (username: string) =>
  AppError.conflict(UserErrorCode.USERNAME_TAKEN, `The username "${username}" is taken`, [
    { field: 'username', code: UserErrorCode.USERNAME_TAKEN, message: 'is taken' },
  ]);

/** Users and their roles. Every change is audited in its own transaction. */
@Injectable()
export class UsersService implements OnApplicationBootstrap {
  private readonly logger = new Logger(UsersService.name);

  constructor(
    private readonly users: UsersRepository,
    private readonly refreshTokens: RefreshTokensRepository,
    private readonly audit: AuditService,
    private readonly tx: Transactions,
    private readonly env: Env,
  ) {}

  /**
   * A fresh database has no user, so nobody could use the service: create the administrator named by
   * BOOTSTRAP_ADMIN_USERNAME/PASSWORD if both are set, or say how to create one.
   */
  async onApplicationBootstrap(): Promise<void> {
    const { BOOTSTRAP_ADMIN_USERNAME: username, BOOTSTRAP_ADMIN_PASSWORD: password } = this.env;
    if (username && password) {
      const created = await this.tx.run(async (m) => {
        await this.users.lockForBootstrap(m);
        if ((await this.users.count(m)) > 0) return false;
        await this.createWith(m, systemContext('bootstrap'), {
          username,
          displayName: 'Administrator',
          password,
          roles: [Role.ADMIN],
        });
        return true;
      });
      if (created)
        this.logger.log(`created the first administrator "${username}" from BOOTSTRAP_ADMIN_USERNAME`);
    } else if ((await this.users.count()) === 0) {
      this.logger.warn(
        'no user exists yet: create the first administrator with ' +
          '`npm run cli -- user:create --username admin --role ADMIN` or set BOOTSTRAP_ADMIN_USERNAME/PASSWORD',
      );
    }
  }

  async get(id: string): Promise<UserEntity> {
    const user = await this.users.findById(id);
    if (!user) throw AppError.notFound(UserErrorCode.USER_NOT_FOUND, `No user has id ${id}`);
    return user;
  }

  list(filter: UserListFilter) {
    return this.users.list(filter);
  }

  create(ctx: RequestContext, input: UserCreateInput): Promise<UserEntity> {
    // Two creations of one username at once: the loser's unique violation becomes the same 409.
    return explainUniqueViolation(
      'app_user_username_key',
      () => this.tx.run((m) => this.createWith(m, ctx, input)),
      () => Promise.reject(usernameTaken(input.username)),
    );
  }

  private async createWith(
    m: EntityManager,
    ctx: RequestContext,
    input: UserCreateInput,
  ): Promise<UserEntity> {
    if (await this.users.existsByUsername(input.username, m)) throw usernameTaken(input.username);
    const user = await this.users.create(m, {
      username: input.username,
      displayName: input.displayName,
      passwordHash: await hashPassword(input.password),
      roles: [...new Set(input.roles)].sort(),
    });
    await this.audit.record(m, ctx, {
      action: 'USER_CREATED',
      targetType: 'USER',
      targetId: user.id,
      changes: { after: view(user) },
    });
    return user;
  }

  setRoles(ctx: RequestContext, id: string, roles: Role[], expectedVersion?: number): Promise<UserEntity> {
    return this.change(ctx, id, expectedVersion, 'USER_ROLES_CHANGED', async (m, user) => {
      const next = [...new Set(roles)].sort();
      if (user.roles.includes(Role.ADMIN) && !next.includes(Role.ADMIN))
        await this.assertNotLastAdmin(m, user);
      user.roles = next;
    });
  }

  disable(ctx: RequestContext, id: string, expectedVersion?: number): Promise<UserEntity> {
    return this.change(ctx, id, expectedVersion, 'USER_DISABLED', async (m, user) => {
      if (ctx.principal?.kind === 'USER' && ctx.principal.id === id) {
        throw AppError.conflict(
          UserErrorCode.USER_CANNOT_DISABLE_SELF,
          'You cannot disable your own account',
        );
      }
      if (user.roles.includes(Role.ADMIN)) await this.assertNotLastAdmin(m, user);
      user.disabledAt ??= new Date();
      await this.refreshTokens.revokeAllOfUser(m, user.id, 'USER_DISABLED');
    });
  }

  enable(ctx: RequestContext, id: string, expectedVersion?: number): Promise<UserEntity> {
    return this.change(ctx, id, expectedVersion, 'USER_ENABLED', async (_m, user) => {
      user.disabledAt = null;
    });
  }

  /** A user changes their own password; every refresh token and older access token stops working. */
  async changeOwnPassword(ctx: RequestContext, userId: string, current: string, next: string): Promise<void> {
    const user = await this.users.findWithPasswordById(userId);
    if (!user || !(await verifyPassword(user.passwordHash, current))) {
      throw new AppError(
        HttpStatus.BAD_REQUEST,
        UserErrorCode.PASSWORD_INCORRECT,
        'The current password is wrong',
        [{ field: 'currentPassword', code: UserErrorCode.PASSWORD_INCORRECT, message: 'is wrong' }],
      );
    }
    if (current === next) {
      throw AppError.badRequest(
        UserErrorCode.PASSWORD_UNCHANGED,
        'The new password equals the current one',
        'newPassword',
      );
    }
    const passwordHash = await hashPassword(next);
    await this.tx.run(async (m) => {
      user.passwordHash = passwordHash;
      user.passwordChangedAt = new Date();
      await this.users.save(m, user);
      await this.refreshTokens.revokeAllOfUser(m, user.id, 'PASSWORD_CHANGED');
      await this.audit.record(m, ctx, {
        action: 'USER_PASSWORD_CHANGED',
        targetType: 'USER',
        targetId: user.id,
      });
    });
  }

  private async change(
    ctx: RequestContext,
    id: string,
    expectedVersion: number | undefined,
    action: string,
    mutate: (m: EntityManager, user: UserEntity) => Promise<void>,
  ): Promise<UserEntity> {
    return this.tx.run(async (m) => {
      const user = await this.users.findByIdForUpdate(m, id);
      if (!user) throw AppError.notFound(UserErrorCode.USER_NOT_FOUND, `No user has id ${id}`);
      if (expectedVersion !== undefined && user.version !== expectedVersion) {
        throw new AppError(
          HttpStatus.PRECONDITION_FAILED,
          UserErrorCode.USER_VERSION_MISMATCH,
          `The user changed since version ${expectedVersion}; it is at version ${user.version}`,
        );
      }
      const before = view(user);
      await mutate(m, user);
      const saved = await this.users.save(m, user);
      await this.audit.record(m, ctx, {
        action,
        targetType: 'USER',
        targetId: id,
        changes: { before, after: view(saved) },
      });
      return saved;
    });
  }

  private async assertNotLastAdmin(m: EntityManager, user: UserEntity): Promise<void> {
    if (!(await this.users.otherEnabledAdminExists(m, user.id))) {
      throw AppError.conflict(
        UserErrorCode.LAST_ADMIN,
        'This is the last enabled administrator; appoint another first',
      );
    }
  }
}
