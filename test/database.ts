import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { databaseUrl } from './global-setup';

export interface TestDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

async function withAdmin<T>(fn: (admin: Client) => Promise<T>): Promise<T> {
  const admin = new Client({ connectionString: process.env.TEST_PG_ADMIN_URL });
  await admin.connect();
  try {
    return await fn(admin);
  } finally {
    await admin.end();
  }
}

/**
 * A database of its own for one test file, cloned from the migrated template of this run, or empty
 * (no migrations applied) when asked.
 */
export async function createTestDatabase(options: { empty?: boolean } = {}): Promise<TestDatabase> {
  const adminUrl = process.env.TEST_PG_ADMIN_URL;
  const template = process.env.TEST_TEMPLATE_DB;
  if (!adminUrl || !template) throw new Error('the e2e global setup did not run (TEST_PG_ADMIN_URL unset)');
  const name = `${template}_${randomBytes(4).toString('hex')}`;
  await withAdmin(async (admin) => {
    // Two clones of one template at the same instant can collide on the template's lock: retry.
    for (let attempt = 1; ; attempt++) {
      try {
        await admin.query(
          `CREATE DATABASE ${admin.escapeIdentifier(name)}` +
            (options.empty ? '' : ` TEMPLATE ${admin.escapeIdentifier(template)}`),
        );
        return;
      } catch (error) {
        if (attempt >= 10 || !/being accessed by other users/.test(String(error))) throw error;
        await new Promise((r) => setTimeout(r, 100 * attempt));
      }
    }
  });
  return {
    name,
    url: databaseUrl(adminUrl, name),
    drop: () =>
      withAdmin((admin) =>
        admin.query(`DROP DATABASE IF EXISTS ${admin.escapeIdentifier(name)} WITH (FORCE)`),
      ).then(() => undefined),
  };
}
