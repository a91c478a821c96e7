import { AsyncLocalStorage } from 'node:async_hooks';
import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';

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
 * the same manager, so they commit together or not at all.
 */
@Injectable()
export class Transactions {
  constructor(private readonly dataSource: DataSource) {}

  run<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    const hook = beforeCommit.getStore();
    if (!hook) return this.dataSource.transaction(work);
    return this.dataSource.transaction(async (manager) => {
      const result = await work(manager);
      await hook(manager);
      return result;
    });
  }
}
