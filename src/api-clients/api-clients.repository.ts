import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { ApiClientEntity } from './api-client.entity';

@Injectable()
export class ApiClientsRepository {
  constructor(private readonly dataSource: DataSource) {}

  private repo(manager?: EntityManager) {
    return (manager ?? this.dataSource.manager).getRepository(ApiClientEntity);
  }

  /** The hot path of every API-key request: one indexed look-up by hash. */
  findActiveByKeyHash(keyHash: Buffer): Promise<ApiClientEntity | null> {
    return this.repo()
      .createQueryBuilder('c')
      .where('c.keyHash = :keyHash AND c.revokedAt IS NULL', { keyHash })
      .getOne();
  }

  findById(id: string, manager?: EntityManager): Promise<ApiClientEntity | null> {
    return this.repo(manager).findOne({
      where: { id },
      lock: manager ? { mode: 'pessimistic_write' } : undefined,
    });
  }

  list(includeRevoked: boolean): Promise<ApiClientEntity[]> {
    const qb = this.repo().createQueryBuilder('c').orderBy('c.createdAt', 'DESC');
    if (!includeRevoked) qb.where('c.revokedAt IS NULL');
    return qb.getMany();
  }

  activeNameExists(manager: EntityManager, name: string): Promise<boolean> {
    return this.repo(manager)
      .createQueryBuilder('c')
      .where('lower(c.name) = lower(:name) AND c.revokedAt IS NULL', { name })
      .getExists();
  }

  create(manager: EntityManager, data: Partial<ApiClientEntity>): Promise<ApiClientEntity> {
    const repo = this.repo(manager);
    return repo.save(repo.create(data));
  }

  save(manager: EntityManager, client: ApiClientEntity): Promise<ApiClientEntity> {
    return this.repo(manager).save(client);
  }

  async touch(id: string, at: Date): Promise<void> {
    await this.dataSource.query('UPDATE api_client SET last_used_at = $2 WHERE id = $1', [id, at]);
  }
}
