import type { ThrottlerStorage } from '@nestjs/throttler';
import { DataSource } from 'typeorm';

type ThrottlerStorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

/**
 * One statement per counted request: the caller's row for this limit is started, or counted within
 * its fixed window of `ttl` ms, or restarted when its window has passed. Concurrent requests of one
 * caller on several instances serialise on the row, so none is lost.
 */
const INCREMENT = `
  INSERT INTO rate_limit_counter AS c (key, window_start, expires_at, hits)
  SELECT $1, w.start, w.start + $2 * interval '1 millisecond', 1
  FROM (SELECT to_timestamp(floor(extract(epoch FROM clock_timestamp()) * 1000 / $2) * $2 / 1000.0) AS start) AS w
  ON CONFLICT (key) DO UPDATE SET
    hits = CASE WHEN c.window_start = EXCLUDED.window_start THEN c.hits + 1 ELSE 1 END,
    window_start = EXCLUDED.window_start,
    expires_at = EXCLUDED.expires_at
  RETURNING hits, ceil(extract(epoch FROM (expires_at - clock_timestamp())))::int AS "expiresIn"`;

/** What both stores answer once a request is counted: `hits` in the current window, ending in `expiresIn` s. */
function record(hits: number, expiresIn: number, limit: number): ThrottlerStorageRecord {
  const seconds = Math.max(1, expiresIn);
  const isBlocked = hits > limit;
  return { totalHits: hits, timeToExpire: seconds, isBlocked, timeToBlockExpire: isBlocked ? seconds : 0 };
}

/**
 * Rate-limit counters in the process's memory (RATE_LIMIT_STORE=memory, the default): one count per
 * caller and limit in fixed windows of the limit's length, as the PostgreSQL store counts, at a
 * constant cost per request. (The throttler's own store keeps a timestamp per request and filters them
 * all on every request: at 500 requests/s from one API client that is 30,000 entries a request.)
 * Windows that have ended are dropped once per window length.
 */
export class MemoryThrottlerStorage implements ThrottlerStorage {
  private readonly counters = new Map<string, { windowEnd: number; hits: number }>();
  private sweepAt = 0;

  constructor(private readonly now: () => number = Date.now) {}

  /** Counters held (callers seen in windows not yet swept). */
  get size(): number {
    return this.counters.size;
  }

  increment(
    key: string,
    ttl: number,
    limit: number,
    _blockDuration: number,
    throttlerName: string,
  ): Promise<ThrottlerStorageRecord> {
    const now = this.now();
    if (now >= this.sweepAt) {
      for (const [k, c] of this.counters) if (c.windowEnd <= now) this.counters.delete(k);
      this.sweepAt = now + ttl;
    }
    const id = `${throttlerName}:${key}`;
    let counter = this.counters.get(id);
    if (!counter || counter.windowEnd <= now) {
      counter = { windowEnd: (Math.floor(now / ttl) + 1) * ttl, hits: 0 };
      this.counters.set(id, counter);
    }
    counter.hits++;
    return Promise.resolve(record(counter.hits, Math.ceil((counter.windowEnd - now) / 1000), limit));
  }
}

/**
 * Rate-limit counters in PostgreSQL (RATE_LIMIT_STORE=postgres), so that several instances behind a
 * load balancer share one limit per caller. Fixed windows of the limit's length, as in memory: a
 * caller over the limit is refused until the window ends. Expired rows are deleted by housekeeping.
 */
export class PostgresThrottlerStorage implements ThrottlerStorage {
  constructor(private readonly dataSource: DataSource) {}

  async increment(
    key: string,
    ttl: number,
    limit: number,
    _blockDuration: number,
    throttlerName: string,
  ): Promise<ThrottlerStorageRecord> {
    const [{ hits, expiresIn }] = (await this.dataSource.query(INCREMENT, [
      `${throttlerName}:${key}`,
      ttl,
    ])) as {
      hits: number;
      expiresIn: number;
    }[];
    return record(hits, expiresIn, limit);
  }
}
