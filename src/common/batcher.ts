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
 * Group commit for inserts: items submitted by concurrent requests within a moment of each other are
 * written by one `flush` (one statement, one transaction, one durable commit), and each submitter
 * resumes when that flush has committed. If the flush fails, every item of its batch fails.
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

  private start(): void {
    const batch = this.queue.splice(0, this.options.maxBatch);
    if (batch.length === 0) return;
    const running = this.flush(batch.map((p) => p.item)).then(
      () => batch.forEach((p) => p.resolve()),
      (error: unknown) => batch.forEach((p) => p.reject(error)),
    );
    this.inFlight.add(running);
    void running.finally(() => {
      this.inFlight.delete(running);
      if (this.queue.length > 0) this.schedule();
    });
  }
}
