import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { escapeLike } from '../common/sql';
import { UserEntity } from './user.entity';

export interface UserListFilter {
  role?: string;
  disabled?: boolean;
  text?: string;
  offset: number;
  limit: number;
}

/** Queries of users and of their failed logins; writes take the caller's transaction. */
@Injectable()
export class UsersRepository {
  constructor(private readonly dataSource: DataSource) {}

  private repo(manager?: EntityManager) {
    return (manager ?? this.dataSource.manager).getRepository(UserEntity);
  }

  findById(id: string, manager?: EntityManager): Promise<UserEntity | null> {
    return this.repo(manager).findOneBy({ id });
  }

  findByIdForUpdate(manager: EntityManager, id: string): Promise<UserEntity | null> {
    return this.repo(manager).findOne({ where: { id }, lock: { mode: 'pessimistic_write' } });
  }

  /** Locks the other enabled administrators, so two demotions cannot both leave none. */
  async otherEnabledAdminExists(manager: EntityManager, id: string): Promise<boolean> {
    const rows = await manager.query(
      `SELECT id FROM app_user WHERE 'ADMIN' = ANY(roles) AND disabled_at IS NULL AND id <> $1 FOR UPDATE`,
      [id],
    );
    return rows.length > 0;
  }

  /** Case-insensitive, with the password hash (for login and password changes only). */
  findWithPasswordByUsername(username: string): Promise<UserEntity | null> {
    return this.repo()
      .createQueryBuilder('u')
      .addSelect('u.passwordHash')
      .where('lower(u.username) = lower(:username)', { username })
      .getOne();
  }

  findWithPasswordById(id: string): Promise<UserEntity | null> {
    return this.repo()
      .createQueryBuilder('u')
      .addSelect('u.passwordHash')
      .where('u.id = :id', { id })
      .getOne();
  }

  existsByUsername(username: string, manager?: EntityManager): Promise<boolean> {
    return this.repo(manager)
      .createQueryBuilder('u')
      .where('lower(u.username) = lower(:username)', { username })
      .getExists();
  }

  count(manager?: EntityManager): Promise<number> {
    return this.repo(manager).count();
  }

  /** Serialises the first-administrator check across instances starting together. */
  async lockForBootstrap(manager: EntityManager): Promise<void> {
    await manager.query('LOCK TABLE app_user IN SHARE ROW EXCLUSIVE MODE');
  }

  async list(filter: UserListFilter): Promise<{ items: UserEntity[]; total: number }> {
    const qb = this.repo().createQueryBuilder('u').orderBy('lower(u.username)', 'ASC');
    if (filter.role) qb.andWhere(':role = ANY(u.roles)', { role: filter.role });
    if (filter.disabled !== undefined) qb.andWhere(`u.disabledAt IS ${filter.disabled ? 'NOT ' : ''}NULL`);
    if (filter.text) {
      qb.andWhere('(u.username ILIKE :text OR u.displayName ILIKE :text)', {
        text: `%${escapeLike(filter.text)}%`,
      });
    }
    const [items, total] = await qb.skip(filter.offset).take(filter.limit).getManyAndCount();
    return { items, total };
  }

  save(manager: EntityManager, user: UserEntity): Promise<UserEntity> {
    return this.repo(manager).save(user);
  }

  create(manager: EntityManager, data: Partial<UserEntity>): Promise<UserEntity> {
    const repo = this.repo(manager);
    return repo.save(repo.create(data));
  }

  async recentLoginFailures(usernameKey: string, since: Date): Promise<Date[]> {
    const rows: { at: Date }[] = await this.dataSource.query(
      'SELECT at FROM login_failure WHERE username_key = $1 AND at >= $2 ORDER BY at',
      [usernameKey, since],
    );
    return rows.map((r) => r.at);
  }

  async addLoginFailure(manager: EntityManager, usernameKey: string, at: Date, ip?: string): Promise<void> {
    await manager.query('INSERT INTO login_failure (username_key, at, ip) VALUES ($1, $2, $3)', [
      usernameKey,
      at,
      ip ?? null,
    ]);
  }

  async clearLoginFailures(manager: EntityManager, usernameKey: string): Promise<void> {
    await manager.query('DELETE FROM login_failure WHERE username_key = $1', [usernameKey]);
  }
}
