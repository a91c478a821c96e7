import { rm } from 'node:fs/promises';
import { Client } from 'pg';

/** Drops every database this run made (the template and its clones) and stops the embedded server. */
export default async function globalTeardown(): Promise<void> {
  const run = globalThis.__REGISTRY_TEST_RUN__;
  if (!run) return;
  if (run.embedded) {
    await run.embedded.stop();
    if (run.dataDir) await rm(run.dataDir, { recursive: true, force: true });
    return;
  }
  const admin = new Client({ connectionString: run.adminUrl });
  await admin.connect();
  try {
    const { rows } = await admin.query<{ datname: string }>(
      "SELECT datname FROM pg_database WHERE datname LIKE $1 || '%' ORDER BY length(datname) DESC",
      [run.template],
    );
    for (const { datname } of rows) {
      await admin.query(`DROP DATABASE IF EXISTS ${admin.escapeIdentifier(datname)} WITH (FORCE)`);
    }
  } finally {
    await admin.end();
  }
}
