import { Batcher } from './batcher';

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('Batcher', () => {
  it('writes items submitted together in one flush and resolves each after it', async () => {
    const flushed: number[][] = [];
    const batcher = new Batcher<number>(
      async (items) => {
        flushed.push(items);
      },
      { maxWaitMs: 5, maxBatch: 100, maxConcurrent: 1 },
    );
    await Promise.all([1, 2, 3].map((i) => batcher.submit(i)));
    expect(flushed).toEqual([[1, 2, 3]]);
  });

  it('splits at maxBatch', async () => {
    const sizes: number[] = [];
    const batcher = new Batcher<number>(
      async (items) => {
        sizes.push(items.length);
      },
      { maxWaitMs: 5, maxBatch: 4, maxConcurrent: 2 },
    );
    await Promise.all(Array.from({ length: 10 }, (_, i) => batcher.submit(i)));
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(10);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(4);
  });

  it('retries a failed batch item by item, so only the refused item fails', async () => {
    const batcher = new Batcher<number>(
      async (items) => {
        if (items.includes(2)) throw new Error('refused');
      },
      { maxWaitMs: 1, maxBatch: 100, maxConcurrent: 1 },
    );
    const results = await Promise.allSettled([1, 2, 3].map((i) => batcher.submit(i)));
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
  });

  it('fails every item when the database refuses them all', async () => {
    const batcher = new Batcher<number>(
      async () => {
        throw new Error('database down');
      },
      { maxWaitMs: 1, maxBatch: 100, maxConcurrent: 1 },
    );
    const results = await Promise.allSettled([1, 2].map((i) => batcher.submit(i)));
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
  });

  it('never runs more flushes at once than allowed, and drain waits for all', async () => {
    let running = 0;
    let peak = 0;
    const batcher = new Batcher<number>(
      async () => {
        running++;
        peak = Math.max(peak, running);
        await tick(5);
        running--;
      },
      { maxWaitMs: 0, maxBatch: 1, maxConcurrent: 3 },
    );
    const all = Array.from({ length: 12 }, (_, i) => batcher.submit(i));
    await batcher.drain();
    await Promise.all(all);
    expect(peak).toBeLessThanOrEqual(3);
    expect(running).toBe(0);
  });
});
