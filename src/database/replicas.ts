import { HttpStatus, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { Pool, type PoolConfig } from 'pg';
import { DataSource } from 'typeorm';
import { AppError } from '../common/errors/app-error';
import { Env } from '../config/env';
import { screeningPoolConfig } from './data-source';

/** A WAL position as PostgreSQL writes it (`16/B374D848`): two hexadecimal halves of a 64-bit number. */
const LSN = /^([0-9A-F]{1,8})\/([0-9A-F]{1,8})$/i;

/** The 64-bit number of a WAL position, or undefined when the text is not one. */
export function parseLsn(text: string): bigint | undefined {
  const m = LSN.exec(text.trim());
  return m ? (BigInt(`0x${m[1]}`) << 32n) | BigInt(`0x${m[2]}`) : undefined;
}

export const ReplicaErrorCode = {
  POSITION_INVALID: 'POSITION_INVALID',
  REPLICA_LAGGING: 'REPLICA_LAGGING',
} as const;

/** What a check read from: the primary, or a replica and the WAL position it had replayed. */
export interface ReadSource {
  name: string;
  /** Undefined: the primary (the screening pool's own). */
  pool?: Pool;
  /** The replica's replay position when it was chosen (the primary's answer has none). */
  position?: string;
}

/** A primary WAL position and when it was read. */
interface Sample {
  at: number;
  lsn: bigint;
}

interface Replica {
  name: string;
  pool: Pool;
  /** Replay position at the last poll. */
  replay?: bigint;
  replayText?: string;
  /**
   * The latest moment the replica is known to have replayed everything the primary had written:
   * the time of the newest primary sample at or below its replay position. Its lag is at most
   * `now - caughtUpAt`.
   */
  caughtUpAt?: number;
  /** Whether the last poll reached it (and found it in recovery, i.e. a standby). */
  healthy: boolean;
  /** Its state at the last poll, to log changes once (undefined before the first poll). */
  state?: ReplicaState;
}

/** What the last poll found a replica to be, for checks. */
export type ReplicaState = 'IN_USE' | 'LAGGING' | 'NOT_A_STANDBY' | 'UNREACHABLE';

/** The state of a replica from its last poll: reachable and a standby, and within the lag bound. */
export function replicaState(
  poll: { reached: boolean; standby: boolean; lagMs?: number },
  maxLagMs: number,
): ReplicaState {
  if (!poll.reached) return 'UNREACHABLE';
  if (!poll.standby) return 'NOT_A_STANDBY';
  return poll.lagMs !== undefined && poll.lagMs <= maxLagMs ? 'IN_USE' : 'LAGGING';
}

/**
 * The log line of a replica's change of state, or undefined when it stayed as it was. The first poll
 * is reported only when the replica cannot be used, so a healthy start-up stays quiet.
 */
export function replicaTransition(
  name: string,
  before: ReplicaState | undefined,
  after: ReplicaState,
  maxLagMs: number,
): { level: 'log' | 'warn'; message: string } | undefined {
  if (before === after || (before === undefined && after === 'IN_USE')) return undefined;
  const why: Record<ReplicaState, string> = {
    IN_USE: 'in use for checks again',
    LAGGING: `lagging more than ${maxLagMs} ms: checks skip it`,
    NOT_A_STANDBY: 'not in recovery (not a standby): checks skip it',
    UNREACHABLE: 'unreachable: checks skip it',
  };
  return { level: after === 'IN_USE' ? 'log' : 'warn', message: `${name} ${why[after]}` };
}

/** The lag bound a replica had at `now`, from the primary samples it has caught up with. */
export function caughtUpAt(samples: readonly Sample[], replay: bigint): number | undefined {
  let at: number | undefined;
  for (const s of samples) if (s.lsn <= replay && (at === undefined || s.at > at)) at = s.at;
  return at;
}

/**
 * Read replicas for checks (DATABASE_REPLICA_URLS). Every REPLICA_POLL_MS the primary's WAL position
 * is read, then each replica's replay position: a replica that has replayed up to a primary sample
 * taken at time T holds every transaction committed before T, so its lag is at most now − T (an honest
 * bound, also when nothing is being written). Checks go to a replica within REPLICA_MAX_LAG_MS, round
 * robin; with a minimum position (read-your-writes) only to one that has replayed it. When none
 * qualifies, the primary answers, or with REPLICA_LAG_POLICY=refuse a 503 REPLICA_LAGGING.
 */
@Injectable()
export class ReplicaSet implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(ReplicaSet.name);
  private readonly replicas: Replica[];
  private samples: Sample[] = [];
  private timer?: NodeJS.Timeout;
  private polling?: Promise<void>;
  private next = 0;
  private warned = false;

  constructor(
    private readonly dataSource: DataSource,
    private readonly env: Env,
  ) {
    const urls = (env.DATABASE_REPLICA_URLS ?? '').split(',').filter(Boolean);
    const main = (this.dataSource.driver as unknown as { master?: { options?: PoolConfig } }).master;
    this.replicas = urls.map((url, i) => {
      // The primary's pool settings (size, timeouts) and plans, on the replica's server.
      const pool = new Pool(
        screeningPoolConfig(main?.options ?? {}, {
          connectionString: url,
          application_name: 'registry screening (replica)',
        }),
      );
      pool.on('error', () => undefined); // an idle client's lost connection; the pool replaces it
      return { name: `replica-${i + 1}`, pool, healthy: false };
    });
  }

  get configured(): boolean {
    return this.replicas.length > 0;
  }

  async onModuleInit(): Promise<void> {
    if (!this.configured) return;
    await this.poll();
    const tick = () => {
      this.timer = setTimeout(() => {
        this.polling = this.poll().finally(() => {
          this.polling = undefined;
          if (this.timer) tick();
        });
      }, this.env.REPLICA_POLL_MS);
      this.timer.unref();
    };
    tick();
  }

  /** After the HTTP server has closed (Nest's last hook), so a check in flight still has its pool. */
  async onApplicationShutdown(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.polling;
    await Promise.all(this.replicas.map((r) => r.pool.end()));
  }

  /** The primary's current WAL position: a write's position, for a later read-your-writes check. */
  async primaryPosition(): Promise<string> {
    const [{ lsn }] = (await this.dataSource.query('SELECT pg_current_wal_lsn()::text AS lsn')) as {
      lsn: string;
    }[];
    return lsn;
  }

  /** Each replica's state, for health and tests. */
  status(now = Date.now()): {
    name: string;
    healthy: boolean;
    state?: ReplicaState;
    position?: string;
    lagMs?: number;
  }[] {
    return this.replicas.map((r) => ({
      name: r.name,
      healthy: r.healthy,
      state: r.state,
      position: r.replayText,
      lagMs: r.caughtUpAt === undefined ? undefined : now - r.caughtUpAt,
    }));
  }

  /**
   * Where a check reads from. `minPosition` (a WAL position from a write's `Registry-Position`
   * header) asks for read-your-writes: a replica is used only if it has replayed that far.
   * @throws AppError 400 POSITION_INVALID, 503 REPLICA_LAGGING (REPLICA_LAG_POLICY=refuse)
   */
  async choose(minPosition?: string): Promise<ReadSource> {
    const min = minPosition === undefined ? undefined : parseLsn(minPosition);
    if (minPosition !== undefined && min === undefined) {
      throw AppError.badRequest(
        ReplicaErrorCode.POSITION_INVALID,
        'Registry-Min-Position must be a WAL position such as 16/B374D848',
        'Registry-Min-Position',
      );
    }
    if (!this.configured) return { name: 'primary' };
    const now = Date.now();
    const fresh = this.replicas.filter(
      (r) => r.healthy && r.caughtUpAt !== undefined && now - r.caughtUpAt <= this.env.REPLICA_MAX_LAG_MS,
    );
    for (let i = 0; i < fresh.length; i++) {
      const replica = fresh[(this.next + i) % fresh.length];
      let position = replica.replayText;
      if (min !== undefined && (replica.replay === undefined || replica.replay < min)) {
        // The last poll may be older than the write: ask the replica itself.
        position = await this.replayOf(replica);
        if (position === undefined || parseLsn(position)! < min) continue;
      }
      this.next = (this.next + i + 1) % fresh.length;
      return { name: replica.name, pool: replica.pool, position };
    }
    if (this.env.REPLICA_LAG_POLICY === 'refuse') {
      throw new AppError(
        HttpStatus.SERVICE_UNAVAILABLE,
        ReplicaErrorCode.REPLICA_LAGGING,
        min === undefined
          ? `No replica is within ${this.env.REPLICA_MAX_LAG_MS} ms of the primary; try again shortly`
          : `No replica has replayed position ${minPosition} yet; try again shortly`,
      );
    }
    return { name: 'primary' };
  }

  private async replayOf(replica: Replica): Promise<string | undefined> {
    try {
      const { rows } = await replica.pool.query<{ lsn: string | null }>(
        'SELECT pg_last_wal_replay_lsn()::text AS lsn',
      );
      return rows[0].lsn ?? undefined;
    } catch {
      return undefined;
    }
  }

  private async poll(): Promise<void> {
    let primary: bigint;
    const at = Date.now();
    try {
      primary = parseLsn(await this.primaryPosition())!;
    } catch (error) {
      if (!this.warned)
        this.logger.warn(`replica lag unknown: the primary did not answer (${String(error)})`);
      this.warned = true;
      return;
    }
    this.warned = false;
    this.samples.push({ at, lsn: primary });
    // Samples older than the lag bound cannot make a replica usable again: keep the rest.
    const horizon = at - this.env.REPLICA_MAX_LAG_MS - this.env.REPLICA_POLL_MS;
    this.samples = this.samples.filter((s) => s.at >= horizon);
    await Promise.all(
      this.replicas.map(async (replica) => {
        try {
          const { rows } = await replica.pool.query<{ lsn: string | null; standby: boolean }>(
            'SELECT pg_last_wal_replay_lsn()::text AS lsn, pg_is_in_recovery() AS standby',
          );
          const replay = rows[0].lsn === null ? undefined : parseLsn(rows[0].lsn);
          replica.healthy = rows[0].standby && replay !== undefined;
          if (replica.healthy && replay !== undefined) {
            replica.replay = replay;
            replica.replayText = rows[0].lsn!;
            const caught = caughtUpAt(this.samples, replay);
            if (caught !== undefined) replica.caughtUpAt = Math.max(replica.caughtUpAt ?? 0, caught);
          }
          this.report(replica, { reached: true, standby: replica.healthy }, at);
        } catch {
          replica.healthy = false;
          this.report(replica, { reached: false, standby: false }, at);
        }
      }),
    );
  }

  /** Logs a replica's change of state (lagging, unreachable, back in use) once, when it happens. */
  private report(replica: Replica, poll: { reached: boolean; standby: boolean }, now: number): void {
    const lagMs = replica.caughtUpAt === undefined ? undefined : now - replica.caughtUpAt;
    const state = replicaState({ ...poll, lagMs }, this.env.REPLICA_MAX_LAG_MS);
    const change = replicaTransition(replica.name, replica.state, state, this.env.REPLICA_MAX_LAG_MS);
    replica.state = state;
    if (change) this.logger[change.level](change.message);
  }
}
