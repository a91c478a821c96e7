import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { createDataSource } from '../src/database/data-source';
import { EmbeddedPostgres, startEmbeddedPostgres } from '../src/database/embedded-postgres';

export interface TestRun {
  embedded?: EmbeddedPostgres;
  dataDir?: string;
  adminUrl: string;
  template: string;
}

declare global {
  var __REGISTRY_TEST_RUN__: TestRun | undefined;
}

export function databaseUrl(adminUrl: string, database: string): string {
  const url = new URL(adminUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

/**
 * One real PostgreSQL for the whole run: TEST_DATABASE_URL's server, or an embedded one in a fresh
 * temporary folder. The migrations run once, into a template database; each e2e file then clones
 * the template into a database of its own (test/database.ts), so files run in parallel.
 */
export default async function globalSetup(): Promise<void> {
  const started = Date.now();
  const run: Partial<TestRun> = { template: `registry_test_${randomBytes(4).toString('hex')}` };
  if (process.env.TEST_DATABASE_URL) {
    run.adminUrl = process.env.TEST_DATABASE_URL;
  } else {
    run.dataDir = await mkdtemp(join(tmpdir(), 'registry-test-'));
    await chmod(run.dataDir, 0o755);
    run.embedded = await startEmbeddedPostgres({
      dataDir: run.dataDir,
      port: 0,
      database: 'postgres',
      ephemeral: true,
    });
    run.adminUrl = run.embedded.adminUrl;
  }
  globalThis.__REGISTRY_TEST_RUN__ = run as TestRun;

  const admin = new Client({ connectionString: run.adminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${admin.escapeIdentifier(run.template!)}`);
  } finally {
    await admin.end();
  }
  const dataSource = createDataSource(databaseUrl(run.adminUrl!, run.template!), 1);
  await dataSource.initialize();
  try {
    await dataSource.runMigrations({ transaction: 'each' });
  } finally {
    await dataSource.destroy();
  }

  process.env.TEST_PG_ADMIN_URL = run.adminUrl;
  process.env.TEST_TEMPLATE_DB = run.template;
  process.stdout.write(
    `\ne2e database: ${run.embedded ? 'embedded PostgreSQL' : 'TEST_DATABASE_URL'}, template ${run.template} ` +
      `migrated in ${Date.now() - started} ms\n`,
  );
}
