import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { EMBEDDED_PG_SETTINGS } from '../../src/database/embedded-postgres';
import { PostgresCluster } from '../faults/postgres-cluster';

/**
 * The embedded server's settings keep the working set across a restart: with them, the pages in
 * shared buffers at shutdown are listed (autoprewarm) and read back by the next start before any
 * query asks for them. Run on a cluster of the embedded distribution's binaries started with exactly
 * those settings (but the address ones, which the cluster sets itself).
 */
describe('embedded PostgreSQL settings across a restart', () => {
  const { listen_addresses: _a, unix_socket_directories: _s, ...settings } = EMBEDDED_PG_SETTINGS;
  let cluster: PostgresCluster;

  beforeAll(async () => {
    cluster = await PostgresCluster.create(settings);
  });
  afterAll(async () => {
    await cluster.destroy();
  });

  const withClient = async <T>(work: (db: Client) => Promise<T>): Promise<T> => {
    const db = new Client({ connectionString: cluster.url() });
    await db.connect();
    try {
      return await work(db);
    } finally {
      await db.end();
    }
  };
  const cachedPages = (db: Client) =>
    db
      .query<{ pages: number }>(
        `SELECT count(*)::int AS pages FROM pg_buffercache b
         WHERE b.relfilenode = pg_relation_filenode('hot')
           AND b.reldatabase = (SELECT oid FROM pg_database WHERE datname = current_database())`,
      )
      .then((r) => r.rows[0].pages);

  it('lists the pages in shared buffers at shutdown and reads them back at the next start', async () => {
    const relfilenode = await withClient(async (db) => {
      expect((await db.query(`SHOW shared_preload_libraries`)).rows[0].shared_preload_libraries).toBe(
        'pg_prewarm',
      );
      await db.query(`CREATE EXTENSION pg_buffercache`);
      await db.query(
        `CREATE TABLE hot AS SELECT g AS id, md5(g::text) AS v FROM generate_series(1, 20000) g`,
      );
      await db.query(`SELECT count(*) FROM hot`);
      expect(await cachedPages(db)).toBeGreaterThan(0);
      return (await db.query(`SELECT pg_relation_filenode('hot') AS n`)).rows[0].n as number;
    });
    await cluster.stop('fast');

    const blocks = join(cluster.dir, 'autoprewarm.blocks');
    expect(existsSync(blocks)).toBe(true);
    // After a "<<count>>" line, one line per page: database,tablespace,relfilenode,fork,block.
    const listed = readFileSync(blocks, 'utf8')
      .split('\n')
      .filter((line) => line.split(',')[2] === String(relfilenode));
    expect(listed.length).toBeGreaterThan(0);

    await cluster.start();
    await withClient(async (db) => {
      // Read back by the autoprewarm worker in the background; no query here reads the table.
      let pages = 0;
      for (let i = 0; i < 100 && pages < listed.length; i++) {
        pages = await cachedPages(db);
        if (pages < listed.length) await new Promise((r) => setTimeout(r, 100));
      }
      expect(pages).toBe(listed.length);
    });
  });
});
