import { Injectable } from '@nestjs/common';
import { AuditService } from '../audit/audit.service';
import { ApiClientPrincipal, Scope } from '../auth/principal';
import { AppError } from '../common/errors/app-error';
import { explainUniqueViolation } from '../common/errors/unique-violation';
import { RequestContext } from '../common/request-context';
import { Transactions } from '../database/transactions';
import { ApiClientEntity } from './api-client.entity';
import { ApiClientsRepository } from './api-clients.repository';
import { generateApiKey, hashApiKey } from './api-keys';

export enum ApiClientErrorCode {
  API_CLIENT_NOT_FOUND = 'API_CLIENT_NOT_FOUND',
  API_CLIENT_NAME_TAKEN = 'API_CLIENT_NAME_TAKEN',
}

/** lastUsedAt is written at most this often per client, so the key's hot path stays a read. */
const TOUCH_INTERVAL_MS = 60_000;

/**
 * A known key's principal is kept this long, so a client sending many requests costs one look-up
 * every few seconds rather than one per request. Revoking evicts at once on this instance; other
 * instances of the service stop accepting the key within this time.
 */
export const API_KEY_CACHE_MS = 5_000;
/** At most this many keys are cached (unknown keys never are), so the cache cannot be grown by guessing. */
const API_KEY_CACHE_SIZE = 1_000;

const nameTaken = (name: string) =>
  AppError.conflict(ApiClientErrorCode.API_CLIENT_NAME_TAKEN, `An active API client is named "${name}"`, [
    { field: 'name', code: ApiClientErrorCode.API_CLIENT_NAME_TAKEN, message: 'is taken' },
  ]);

@Injectable()
export class ApiClientsService {
  private readonly touched = new Map<string, number>();
  /** By key hash (hex): the principal and when it was looked up. */
  private readonly known = new Map<string, { principal: ApiClientPrincipal; at: number }>();

  constructor(
    private readonly clients: ApiClientsRepository,
    private readonly audit: AuditService,
    private readonly tx: Transactions,
  ) {}

  /** Creates a client and returns its key, which is never stored nor shown again. */
  create(
    ctx: RequestContext,
    name: string,
    scopes: Scope[],
  ): Promise<{ client: ApiClientEntity; key: string }> {
    // Two creations of one name at once: the loser's unique violation becomes the same 409.
    return explainUniqueViolation(
      'api_client_name_key',
      () => this.createWith(ctx, name, scopes),
      () => Promise.reject(nameTaken(name)),
    );
  }

  private createWith(
    ctx: RequestContext,
    name: string,
    scopes: Scope[],
  ): Promise<{ client: ApiClientEntity; key: string }> {
    return this.tx.run(async (m) => {
      if (await this.clients.activeNameExists(m, name)) throw nameTaken(name);
      const { key, hash, prefix } = generateApiKey();
      const client = await this.clients.create(m, {
        name,
        scopes: [...new Set(scopes)].sort(),
        keyHash: hash,
        keyPrefix: prefix,
        createdBy: ctx.principal?.kind === 'USER' ? ctx.principal.id : null,
      });
      await this.audit.record(m, ctx, {
        action: 'API_CLIENT_CREATED',
        targetType: 'API_CLIENT',
        targetId: client.id,
        changes: { after: { name: client.name, scopes: client.scopes, keyPrefix: client.keyPrefix } },
      });
      return { client, key };
    });
  }

  list(includeRevoked: boolean): Promise<ApiClientEntity[]> {
    return this.clients.list(includeRevoked);
  }

  async revoke(ctx: RequestContext, id: string): Promise<ApiClientEntity> {
    const revoked = await this.tx.run(async (m) => {
      const client = await this.clients.findById(id, m);
      if (!client)
        throw AppError.notFound(ApiClientErrorCode.API_CLIENT_NOT_FOUND, `No API client has id ${id}`);
      if (client.revokedAt) return client;
      client.revokedAt = new Date();
      const saved = await this.clients.save(m, client);
      await this.audit.record(m, ctx, {
        action: 'API_CLIENT_REVOKED',
        targetType: 'API_CLIENT',
        targetId: id,
        changes: { before: { revoked: false }, after: { revoked: true } },
      });
      return saved;
    });
    // After the commit: a request in between would otherwise cache the key again as still active.
    this.forget(id);
    return revoked;
  }

  /** The principal behind a key, or null for an unknown or revoked key. */
  async authenticate(key: string): Promise<ApiClientPrincipal | null> {
    const hash = hashApiKey(key);
    const cacheKey = hash.toString('hex');
    const now = Date.now();
    const cached = this.known.get(cacheKey);
    let principal: ApiClientPrincipal;
    if (cached && now - cached.at < API_KEY_CACHE_MS) {
      principal = cached.principal;
    } else {
      const client = await this.clients.findActiveByKeyHash(hash);
      if (!client) {
        this.known.delete(cacheKey);
        return null;
      }
      principal = { kind: 'API_CLIENT', id: client.id, name: client.name, scopes: client.scopes };
      if (this.known.size >= API_KEY_CACHE_SIZE) this.known.delete(this.known.keys().next().value!);
      this.known.set(cacheKey, { principal, at: now });
    }
    if (now - (this.touched.get(principal.id) ?? 0) > TOUCH_INTERVAL_MS) {
      this.touched.set(principal.id, now);
      void this.clients.touch(principal.id, new Date(now)).catch(() => this.touched.delete(principal.id));
    }
    return principal;
  }

  private forget(clientId: string): void {
    for (const [k, v] of this.known) if (v.principal.id === clientId) this.known.delete(k);
  }
}
