import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { AddressInfo } from 'node:net';
import { Client } from 'pg';
import { createApp } from '../src/app.factory';
import { createLogger } from '../src/common/logging/logger';
import { validateEnv } from '../src/config/env';
import { createDataSource } from '../src/database/data-source';
import { startEmbeddedPostgres } from '../src/database/embedded-postgres';

/**
 * A new database with every migration applied, on DATABASE_URL's server (one on which a database may
 * be created and dropped) or, without it, on an embedded PostgreSQL. `drop()` removes the database and
 * stops the embedded server.
 */
export async function benchDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
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
  const migrate = createDataSource(url.toString(), 2);
  await migrate.initialize();
  await migrate.runMigrations({ transaction: 'each' });
  await migrate.destroy();
  return {
    url: url.toString(),
    drop: async () => {
      await admin.query(`DROP DATABASE ${name} WITH (FORCE)`);
      await admin.end();
      await stop();
    },
  };
}

/**
 * The service as production builds it, on `databaseUrl`, listening on a free port of 127.0.0.1, with
 * fresh secrets; `env` adds to the benchmark's settings (warnings only in the log, test mode).
 */
export async function benchApp(
  databaseUrl: string,
  env: Record<string, string>,
): Promise<{ app: NestFastifyApplication; base: string }> {
  const secrets = {
    jwtSecret: randomBytes(32).toString('hex'),
    piiHmacKey: randomBytes(32),
    piiEncryptionKeys: [{ id: 'b1', key: randomBytes(32) }],
    receiptSigningKey: { kid: 'b1', seed: randomBytes(32) },
  };
  const app = await createApp(
    {
      env: validateEnv({ NODE_ENV: 'test', DATABASE_URL: databaseUrl, LOG_LEVEL: 'warn', ...env }),
      databaseUrl,
      secrets,
    },
    createLogger({ LOG_LEVEL: 'warn', LOG_FORMAT: 'json' }),
  );
  await app.listen(0, '127.0.0.1');
  return { app, base: `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}` };
}
