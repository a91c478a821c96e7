/**
 * The application as a benchmark runs it: a fresh database (on DATABASE_URL's server, or an embedded
 * PostgreSQL) with every migration applied, the app listening on a free local port, rate limits off,
 * and helpers to call it and to make signed-in users.
 */
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { createApp } from '../src/app.factory';
import { Role } from '../src/auth/principal';
import { createLogger } from '../src/common/logging/logger';
import { systemContext } from '../src/common/request-context';
import { validateEnv } from '../src/config/env';
import { createDataSource } from '../src/database/data-source';
import { startEmbeddedPostgres } from '../src/database/embedded-postgres';
import { UsersService } from '../src/users/users.service';

export type BenchApp = Awaited<ReturnType<typeof startBenchApp>>;

/**
 * A fresh, empty database for a benchmark: on DATABASE_URL's server, or on an embedded PostgreSQL
 * started for the run. `drop` deletes it (and stops the embedded server).
 */
export async function benchDatabase(): Promise<{ databaseUrl: string; drop: () => Promise<void> }> {
  let adminUrl = process.env.DATABASE_URL;
  let stop = async () => undefined as void;
  if (!adminUrl) {
    const dir = await mkdtemp(join(tmpdir(), 'registry-bench-'));
    await chmod(dir, 0o755);
    const pg = await startEmbeddedPostgres({ dataDir: dir, port: 0, database: 'postgres', ephemeral: true });
    adminUrl = pg.adminUrl;
    stop = async () => {
      await pg.stop();
      await rm(dir, { recursive: true, force: true });
    };
  }
  const name = `registry_bench_${randomBytes(3).toString('hex')}`;
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const drop = async () => {
    await admin.query(`DROP DATABASE ${name} WITH (FORCE)`);
    await admin.end();
    await stop();
  };
  return { databaseUrl: url.toString(), drop };
}

/** `env` adds to or overrides the benchmark's settings. */
export async function startBenchApp(extraEnv: Record<string, string> = {}) {
  const { databaseUrl, drop } = await benchDatabase();
  const migrate = createDataSource(databaseUrl, 2);
  await migrate.initialize();
  await migrate.runMigrations({ transaction: 'each' });
  await migrate.destroy();

  const env = validateEnv({
    NODE_ENV: 'test',
    DATABASE_URL: databaseUrl,
    DATABASE_POOL_SIZE: '20',
    RATE_LIMIT_PER_MINUTE: '100000000',
    RATE_LIMIT_PUBLIC_PER_MINUTE: '100000000',
    LOG_LEVEL: 'warn',
    ...extraEnv,
  });
  const secrets = {
    jwtSecret: randomBytes(32).toString('hex'),
    piiHmacKey: randomBytes(32),
    piiEncryptionKeys: [{ id: 'b1', key: randomBytes(32) }],
    receiptSigningKey: { kid: 'b1', seed: randomBytes(32) },
  };
  const app = await createApp(
    { env, databaseUrl, secrets },
    createLogger({ LOG_LEVEL: 'warn', LOG_FORMAT: 'json' }),
  );
  await app.listen(0, '127.0.0.1');
  const base = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
  const call = async (method: string, path: string, headers: Record<string, string>, body?: unknown) => {
    const res = await fetch(base + path, {
      method,
      headers: { ...headers, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    if (res.status >= 400) throw new Error(`${method} ${path}: ${res.status} ${text}`);
    return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : null };
  };
  const user = async (role: Role) => {
    const username = `b${randomBytes(4).toString('hex')}`;
    const password = `pw-${randomBytes(8).toString('hex')}`;
    await app
      .get(UsersService)
      .create(systemContext('bench'), { username, displayName: username, password, roles: [role] });
    const tokens = (await call('POST', '/api/v1/auth/login', {}, { username, password })).body;
    return { Authorization: `Bearer ${tokens.accessToken}` };
  };
  const close = async () => {
    await app.close();
    await drop();
  };
  return { app, base, databaseUrl, call, user, close };
}
