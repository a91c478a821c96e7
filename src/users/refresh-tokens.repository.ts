import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';

export interface RefreshTokenRow {
  id: string;
  userId: string;
  familyId: string;
  expiresAt: Date;
  revokedAt: Date | null;
}

/** Refresh tokens are stored only as SHA-256 hashes; a family is the chain of rotations of one login. */
@Injectable()
export class RefreshTokensRepository {
  constructor(private readonly dataSource: DataSource) {}

  async insert(
    manager: EntityManager,
    row: { userId: string; familyId: string; tokenHash: Buffer; expiresAt: Date },
  ) {
    await manager.query(
      'INSERT INTO refresh_token (user_id, family_id, token_hash, expires_at) VALUES ($1, $2, $3, $4)',
      [row.userId, row.familyId, row.tokenHash, row.expiresAt],
    );
  }

  /** Locks the row so two concurrent refreshes of one token cannot both succeed. */
  async findByHashForUpdate(manager: EntityManager, tokenHash: Buffer): Promise<RefreshTokenRow | undefined> {
    const [row] = await manager.query(
      `SELECT id, user_id AS "userId", family_id AS "familyId", expires_at AS "expiresAt", revoked_at AS "revokedAt"
       FROM refresh_token WHERE token_hash = $1 FOR UPDATE`,
      [tokenHash],
    );
    return row;
  }

  async revoke(manager: EntityManager, id: string, reason: string): Promise<void> {
    await manager.query(
      'UPDATE refresh_token SET revoked_at = now(), revoked_reason = $2 WHERE id = $1 AND revoked_at IS NULL',
      [id, reason],
    );
  }

  async revokeFamily(manager: EntityManager, familyId: string, reason: string): Promise<number> {
    const [, count] = await manager.query(
      'UPDATE refresh_token SET revoked_at = now(), revoked_reason = $2 WHERE family_id = $1 AND revoked_at IS NULL',
      [familyId, reason],
    );
    return count;
  }

  async revokeAllOfUser(manager: EntityManager, userId: string, reason: string): Promise<number> {
    const [, count] = await manager.query(
      'UPDATE refresh_token SET revoked_at = now(), revoked_reason = $2 WHERE user_id = $1 AND revoked_at IS NULL',
      [userId, reason],
    );
    return count;
  }
}
