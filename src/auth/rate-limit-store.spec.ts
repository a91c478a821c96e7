import { MemoryThrottlerStorage } from './rate-limit-store';

describe('MemoryThrottlerStorage', () => {
  const minute = 60_000;

  it('counts a caller within a fixed window and refuses past the limit until the window ends', async () => {
    let now = 10 * minute + 15_000; // 45 s left in the window
    const store = new MemoryThrottlerStorage(() => now);
    const first = await store.increment('API_CLIENT:a', minute, 2, minute, 'default');
    expect(first).toEqual({ totalHits: 1, timeToExpire: 45, isBlocked: false, timeToBlockExpire: 0 });
    await store.increment('API_CLIENT:a', minute, 2, minute, 'default');
    now += 20_000;
    const third = await store.increment('API_CLIENT:a', minute, 2, minute, 'default');
    expect(third).toEqual({ totalHits: 3, timeToExpire: 25, isBlocked: true, timeToBlockExpire: 25 });

    now = 11 * minute; // the next window
    const next = await store.increment('API_CLIENT:a', minute, 2, minute, 'default');
    expect(next).toMatchObject({ totalHits: 1, isBlocked: false, timeToExpire: 60 });
  });

  it('keeps callers and limits apart', async () => {
    const store = new MemoryThrottlerStorage(() => 5 * minute);
    await store.increment('ip:1', minute, 5, minute, 'default');
    await store.increment('ip:1', minute, 5, minute, 'default');
    expect((await store.increment('ip:1', minute, 5, minute, 'login')).totalHits).toBe(1);
    expect((await store.increment('ip:2', minute, 5, minute, 'default')).totalHits).toBe(1);
    expect((await store.increment('ip:1', minute, 5, minute, 'default')).totalHits).toBe(3);
  });

  it('drops the counters of windows that have ended', async () => {
    let now = 0;
    const store = new MemoryThrottlerStorage(() => now);
    for (let i = 0; i < 100; i++) await store.increment(`ip:${i}`, minute, 5, minute, 'default');
    expect(store.size).toBe(100);
    now = minute + 1;
    await store.increment('ip:new', minute, 5, minute, 'default');
    expect(store.size).toBe(1);
  });

  it('answers at least one second to wait, also in the last milliseconds of a window', async () => {
    const store = new MemoryThrottlerStorage(() => minute - 1);
    const answer = await store.increment('ip:1', minute, 0, minute, 'default');
    expect(answer).toMatchObject({ isBlocked: true, timeToExpire: 1, timeToBlockExpire: 1 });
  });
});
