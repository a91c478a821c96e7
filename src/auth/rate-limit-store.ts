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

/**
 * Rate-limit counters in PostgreSQL (RATE_LIMIT_STORE=postgres), so that several instances behind a
 * load balancer share one limit per caller. Fixed windows of the limit's length: a caller over the
 * limit is refused until the window ends (the in-memory store slides its window instead; both allow
 * at most the limit in any one window). Expired rows are deleted by housekeeping.
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
    const seconds = Math.max(1, expiresIn);
    const isBlocked = hits > limit;
    return { totalHits: hits, timeToExpire: seconds, isBlocked, timeToBlockExpire: isBlocked ? seconds : 0 };
  }
}
