interface Pending<T> {
  item: T;
  resolve: () => void;
  reject: (error: unknown) => void;
}

export interface BatcherOptions {
  /** Longest an item waits for companions before its batch is written. */
  maxWaitMs: number;
  maxBatch: number;
  /** Batches written at the same time. */
  maxConcurrent: number;
}

/**
 * How the receipts and audit entries of checks are group-committed: a batch leaves after 2 ms or at 200
 * items, at most 4 at once. The benchmark's equal-guarantees baseline uses the same settings.
 */
export const RECEIPT_BATCH: BatcherOptions = { maxWaitMs: 2, maxBatch: 200, maxConcurrent: 4 };

/**
 * Group commit for inserts: items submitted by concurrent requests within a moment of each other are
 * written by one `flush` (one statement, one transaction, one durable commit), and each submitter
 * resumes when that flush has committed. A failed batch is retried item by item, so only the items
 * the database refuses fail.
 */
export class Batcher<T> {
  private queue: Pending<T>[] = [];
  private timer?: NodeJS.Timeout;
  private inFlight = new Set<Promise<void>>();

  constructor(
    private readonly flush: (items: T[]) => Promise<void>,
    private readonly options: BatcherOptions,
  ) {}

  submit(item: T): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.schedule();
    });
  }

  /** Writes whatever is queued and waits for every batch in flight. */
  async drain(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    while (this.queue.length > 0 || this.inFlight.size > 0) {
      if (this.queue.length > 0 && this.inFlight.size < this.options.maxConcurrent) this.start();
      else await Promise.race(this.inFlight);
    }
  }

  private schedule(): void {
    if (this.inFlight.size >= this.options.maxConcurrent) return; // a finishing batch picks the queue up
    if (this.queue.length >= this.options.maxBatch) {
      this.start();
    } else {
      this.timer ??= setTimeout(() => {
        this.timer = undefined;
        this.start();
      }, this.options.maxWaitMs);
    }
  }

  /**
   * Writes a batch; if it fails, writes its items one by one, so an item the database refuses fails
   * alone instead of taking its companions down with it.
   */
  private async write(batch: Pending<T>[]): Promise<void> {
    try {
      await this.flush(batch.map((p) => p.item));
      batch.forEach((p) => p.resolve());
    } catch (error) {
      if (batch.length === 1) {
        batch[0].reject(error);
        return;
      }
      for (const pending of batch) await this.write([pending]);
    }
  }

  private start(): void {
    const batch = this.queue.splice(0, this.options.maxBatch);
    if (batch.length === 0) return;
    const running = this.write(batch);
    this.inFlight.add(running);
    void running.finally(() => {
      this.inFlight.delete(running);
      if (this.queue.length > 0) this.schedule();
    });
  }
}
