import { AsyncLocalStorage } from 'node:async_hooks';
import { Injectable, OnModuleDestroy } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { EntityManager } from 'typeorm';
import { Principal } from '../auth/principal';
import { Batcher } from '../common/batcher';
import { RequestContext } from '../common/request-context';
import { ChainBreak, ChainVerifier, chainHash, cleanText, GENESIS_HASH, redactChanges } from './audit-chain';
import { AuditFilter, AuditInsert, AuditRepository, AuditRow, SealRound } from './audit.repository';

/** What a feature tells the audit trail about one change or read. */
export interface AuditEvent {
  action: string;
  targetType?: string;
  targetId?: string;
  /** Why the caller acted, where they said (required for checks). */
  purpose?: string;
  /** What changed: `{ before, after }`, or what was read. Identifiers are masked, secrets dropped. */
  changes?: unknown;
  /** Acting as someone other than the request's principal (failed logins name the attempted user). */
  actor?: { type: 'ANONYMOUS' | 'SYSTEM'; name?: string };
}

export interface VerifyResult {
  ok: boolean;
  /** Links that hold, in order from the first. */
  verified: number;
  /** Entries written but not sealed yet (their transactions were still open moments ago). */
  pending: number;
  firstBroken?: ChainBreak;
}

/** Who an entry (or any record of an act) names: the principal, or SYSTEM when there is none. */
export function actorOf(principal: Principal | undefined, override?: AuditEvent['actor']) {
  if (override || !principal) {
    return {
      actorType: override?.type ?? 'SYSTEM',
      actorId: null,
      actorName: override?.name ?? null,
      actorRoles: [],
    };
  }
  return principal.kind === 'USER'
    ? {
        actorType: 'USER' as const,
        actorId: principal.id,
        actorName: principal.username,
        actorRoles: principal.roles,
      }
    : {
        actorType: 'API_CLIENT' as const,
        actorId: principal.id,
        actorName: principal.name,
        actorRoles: principal.scopes,
      };
}

/**
 * The audit trail other modules call. `record` writes inside the caller's transaction, so a change
 * and its entry commit together or not at all; the sealer chains entries afterwards (docs/audit.md).
 */
@Injectable()
export class AuditService implements OnModuleDestroy {
  static readonly SEAL_BATCH = 5000;

  /** Entries whose only companion write is the entry itself (reads, checks), grouped into shared commits. */
  private readonly grouped: Batcher<AuditInsert>;

  /** Entries held by `recordingTogether` until its work ends. */
  private readonly collecting = new AsyncLocalStorage<{ manager: EntityManager; entries: AuditInsert[] }>();

  constructor(
    private readonly repository: AuditRepository,
    dataSource: DataSource,
  ) {
    this.grouped = new Batcher(
      (entries) => dataSource.transaction((m) => this.repository.insert(m, entries)),
      { maxWaitMs: 2, maxBatch: 1000, maxConcurrent: 4 },
    );
  }

  async onModuleDestroy(): Promise<void> {
    await this.grouped.drain();
  }

  toInsert(ctx: RequestContext, event: AuditEvent, at = new Date()): AuditInsert {
    const actor = actorOf(ctx.principal, event.actor);
    return {
      at,
      ...actor,
      actorName: cleanText(actor.actorName),
      action: event.action,
      targetType: event.targetType ?? null,
      targetId: cleanText(event.targetId),
      requestId: ctx.requestId,
      purpose: cleanText(event.purpose),
      changes: event.changes === undefined ? null : redactChanges(event.changes),
    };
  }

  async record(manager: EntityManager, ctx: RequestContext, event: AuditEvent): Promise<void> {
    const collected = this.collecting.getStore();
    if (collected?.manager === manager) {
      collected.entries.push(this.toInsert(ctx, event));
      return;
    }
    await this.repository.insert(manager, [this.toInsert(ctx, event)]);
  }

  /**
   * Runs `work` so that the entries it records through `manager` are written together when it ends,
   * in the order recorded and in the same transaction, instead of one statement each: a bulk import
   * calls the normal write paths for thousands of records. If `work` fails, nothing is written (the
   * transaction rolls back anyway).
   */
  async recordingTogether<T>(manager: EntityManager, work: () => Promise<T>): Promise<T> {
    const collected = { manager, entries: [] as AuditInsert[] };
    const result = await this.collecting.run(collected, work);
    for (let i = 0; i < collected.entries.length; i += AuditService.SEAL_BATCH) {
      await this.repository.insert(manager, collected.entries.slice(i, i + AuditService.SEAL_BATCH));
    }
    return result;
  }

  async recordMany(manager: EntityManager, ctx: RequestContext, events: AuditEvent[]): Promise<void> {
    const at = new Date();
    await this.repository.insert(
      manager,
      events.map((e) => this.toInsert(ctx, e, at)),
    );
  }

  /**
   * Records an event that changes nothing else (a read of personal data, a check) through group
   * commit: it shares one insert and one commit with concurrent requests' entries, and resolves once
   * committed, so the caller still answers only after its entry is durable.
   */
  recordGrouped(ctx: RequestContext, event: AuditEvent): Promise<void> {
    return this.grouped.submit(this.toInsert(ctx, event));
  }

  /** Chains every committed entry not sealed yet; returns how many were sealed (null: another instance is sealing). */
  async sealPending(): Promise<number | null> {
    const round: SealRound = { afterSeq: '0', sealed: 0 };
    for (;;) {
      const batch = await this.repository.sealBatch(round, AuditService.SEAL_BATCH, chainHash, GENESIS_HASH);
      if (batch === null) return round.sealed > 0 ? round.sealed : null;
      if (batch.complete) return round.sealed;
    }
  }

  /** Seals what is pending, then recomputes the whole chain from the first link. */
  async verify(): Promise<VerifyResult> {
    await this.sealPending();
    const verifier = new ChainVerifier();
    let after = '0';
    for (;;) {
      const links = await this.repository.links(after, 5000);
      for (const link of links) {
        const broken = verifier.check(link);
        if (broken) return { ok: false, verified: verifier.count, pending: 0, firstBroken: broken };
      }
      if (links.length < 5000) break;
      after = links[links.length - 1].position;
    }
    const { entries, sealed } = await this.repository.counts();
    return { ok: true, verified: verifier.count, pending: Math.max(0, entries - sealed) };
  }

  find(filter: AuditFilter, limit: number, order: 'ASC' | 'DESC' = 'DESC'): Promise<AuditRow[]> {
    return this.repository.find(filter, limit, order);
  }

  head() {
    return this.repository.head();
  }
}
