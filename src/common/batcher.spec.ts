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

  it('fails every item of a failed flush, and only those', async () => {
    let calls = 0;
    const batcher = new Batcher<number>(
      async () => {
        calls++;
        if (calls === 1) throw new Error('commit failed');
      },
      { maxWaitMs: 1, maxBatch: 100, maxConcurrent: 1 },
    );
    const first = Promise.allSettled([batcher.submit(1), batcher.submit(2)]);
    expect((await first).map((r) => r.status)).toEqual(['rejected', 'rejected']);
    await expect(batcher.submit(3)).resolves.toBeUndefined();
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
