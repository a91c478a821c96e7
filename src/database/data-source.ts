import { join } from 'node:path';
import type { PoolConfig } from 'pg';
import { DataSource, DataSourceOptions } from 'typeorm';

const ROOT = join(__dirname, '..', '..');

/**
 * The one description of the database connection, shared by the service, the CLI and the tests.
 * Entities and migrations are found by file name so that a new feature or a generated migration needs
 * no registration; the same globs match the TypeScript sources (tests) and the compiled output (dist).
 * The schema comes only from migrations: `synchronize` stays off.
 */
export interface DatabaseTimeouts {
  /** Longest wait for a connection: a new one to the server, or a free one of a full pool. */
  connectTimeoutMs: number;
  /** Longest a statement may run, enforced by the server; 0: no limit. */
  statementTimeoutMs: number;
  /** How long a pool keeps a connection nobody uses before closing it; 0: until the pool ends. */
  idleTimeoutMs: number;
}

/**
 * Pool and session settings that bound every wait on the database: a call made while the server is
 * down or unreachable fails within these instead of hanging (and is answered 503 DATABASE_UNAVAILABLE).
 * The client-side `query_timeout` backs the server's `statement_timeout` for a server that stops
 * answering without closing the connection. Idle connections are kept for minutes, not pg-pool's
 * 10 seconds: under steady load that default closed and reopened connections every few seconds,
 * and each new one starts a server process that reads its catalogs and plans the check statement
 * again while checks wait (docs/performance.md).
 */
function timeoutOptions(t: DatabaseTimeouts): Record<string, number> {
  return {
    connectionTimeoutMillis: t.connectTimeoutMs,
    idleTimeoutMillis: t.idleTimeoutMs,
    ...(t.statementTimeoutMs > 0
      ? { statement_timeout: t.statementTimeoutMs, query_timeout: t.statementTimeoutMs + t.connectTimeoutMs }
      : {}),
  };
}

export function dataSourceOptions(
  url: string,
  poolSize = 10,
  timeouts?: DatabaseTimeouts,
): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    entities: [join(ROOT, 'src', '**', '*.entity.{ts,js}')],
    migrations: [join(ROOT, 'migrations', '*.{ts,js}')],
    migrationsTableName: 'typeorm_migrations',
    migrationsTransactionMode: 'each',
    synchronize: false,
    // Extensions are created by migrations; generated uuids use pgcrypto's gen_random_uuid().
    installExtensions: false,
    uuidExtension: 'pgcrypto',
    logging: false,
    extra: {
      max: poolSize,
      application_name: 'research-integrity-registry',
      ...(timeouts ? timeoutOptions(timeouts) : {}),
    },
  };
}

export function createDataSource(url: string, poolSize?: number): DataSource {
  return new DataSource(dataSourceOptions(url, poolSize));
}

/**
 * A pool for the check statement: the main pool's settings (size, timeouts, credentials) with the
 * statement run as a generic plan, planned once per connection. `overrides`: another server (a read
 * replica's URL) or name.
 */
export function screeningPoolConfig(main: PoolConfig, overrides: PoolConfig = {}): PoolConfig {
  return {
    ...main,
    application_name: `${main.application_name ?? 'registry'} screening`,
    options: '-c plan_cache_mode=force_generic_plan',
    ...overrides,
  };
}
