import { AsyncLocalStorage } from 'node:async_hooks';
import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { changeSignal, closeChangeNotes, openChangeNotes } from '../changes/change-notes';
import { writeChanges } from '../changes/changes.repository';
import { writeWebhookDeliveries } from '../webhooks/webhooks.repository';

/**
 * Work a request asks to be done inside each of its write transactions, just before the commit
 * (the idempotency key marks its write there, so the two commit together or not at all).
 */
export type BeforeCommit = (manager: EntityManager) => Promise<void>;

const beforeCommit = new AsyncLocalStorage<BeforeCommit>();

/** Runs `fn` so that every Transactions.run inside it (same async context) calls `hook` before committing. */
export function withBeforeCommit<T>(hook: BeforeCommit, fn: () => Promise<T>): Promise<T> {
  return beforeCommit.run(hook, fn);
}

/**
 * Runs a unit of work in one database transaction. A change and its audit entry are written through
 * the same manager, so they commit together or not at all; so do the change-feed rows of what it
 * changed, written last, and the webhook deliveries of those rows (docs/integration.md).
 */
@Injectable()
export class Transactions {
  constructor(private readonly dataSource: DataSource) {}

  async run<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    const hook = beforeCommit.getStore();
    let changed = false;
    const result = await this.dataSource.transaction(async (m) => {
      openChangeNotes(m);
      try {
        const value = await work(m);
        if (hook) await hook(m);
        // The feed rows last: writing them takes the lock that orders commits (docs/integration.md).
        const notes = closeChangeNotes(m);
        const seqs = await writeChanges(m, notes);
        // The webhook outbox commits with the feed rows it carries (docs/integration.md, "Webhooks").
        await writeWebhookDeliveries(m, seqs);
        changed = notes.size > 0;
        return value;
      } finally {
        closeChangeNotes(m);
      }
    });
    if (changed) changeSignal.emit('committed');
    return result;
  }
}
