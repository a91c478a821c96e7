/**
 * Bulk export figures (docs/integration.md, "Bulk export"): rows a second and the peak RSS of the
 * service's process for each format, exporting every subject (with a resident ID each) over HTTP to a
 * client that counts and drops the bytes. The client runs in the same process, so the RSS is an upper
 * bound of the server's.
 *
 * Run: DATABASE_URL=postgres://… npm run bench:export   (a server on which a database may be created
 * and dropped; without it an embedded PostgreSQL). BENCH_ROWS=100000,1000000 sets the sizes,
 * BENCH_FORMATS=csv,xlsx,ndjson the formats; each size is also run once with identifiers=full (ndjson).
 */
import 'reflect-metadata';
import http from 'node:http';
import { Role } from '../src/auth/principal';
import { createDataSource } from '../src/database/data-source';
import { generator, residentId } from '../src/demo/demo-data';
import { IdentifierType } from '../src/identifiers/identifiers';
import { PersonalDataProtector } from '../src/personal-data/personal-data.protector';
import { startBenchApp } from './bench-app';

const SIZES = (process.env.BENCH_ROWS ?? '100000').split(',').map(Number);
const FORMATS = (process.env.BENCH_FORMATS ?? 'csv,xlsx,ndjson').split(',');

const report = (line: string) => process.stdout.write(`${line}\n`);
const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;

async function main(): Promise<void> {
  const bench = await startBenchApp({ DATABASE_STATEMENT_TIMEOUT_MS: '0' });
  const { app, base } = bench;
  const ds = createDataSource(bench.databaseUrl, 2);
  await ds.initialize();
  try {
    const auth = await bench.user(Role.RECORDER);

    const protector = app.get(PersonalDataProtector);
    const id = residentId(generator(7));
    let seeded = 0;
    report(`bulk export benchmark (PostgreSQL ${(await ds.query('SHOW server_version'))[0].server_version})`);
    for (const size of SIZES) {
      const seedStarted = Date.now();
      // One real ciphertext for every identifier: a full export decrypts each one as it would any other.
      await ds.query(
        `WITH s AS (
           INSERT INTO subject (kind, name, name_key, organisation, organisation_key)
           SELECT 'NATURAL_PERSON', '批量' || g, 'pl' || g, '某某大学', 'mmdx' FROM generate_series($1::int + 1, $2::int) g
           RETURNING id)
         INSERT INTO subject_identifier (subject_id, type, lookup_hash, ciphertext, masked)
         SELECT id, 'RESIDENT_ID', decode(md5(id::text), 'hex'), $3, $4 FROM s`,
        [seeded, size, protector.encrypt(id), protector.mask(IdentifierType.RESIDENT_ID, id)],
      );
      await ds.query('VACUUM ANALYZE subject');
      await ds.query('VACUUM ANALYZE subject_identifier');
      report(`  ${size.toLocaleString('en-US')} subjects seeded in ${Date.now() - seedStarted} ms`);
      seeded = size;
      const runs = [
        ...FORMATS.map((format) => ({ format, identifiers: 'masked' })),
        { format: 'ndjson', identifiers: 'full' },
      ];
      for (const { format, identifiers } of runs) {
        const path = `/api/v1/exports/subjects?format=${format}&identifiers=${identifiers}&purpose=benchmark`;
        const startRss = process.memoryUsage().rss;
        let peak = startRss;
        const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
        const started = Date.now();
        const bytes = await download(base + path, auth);
        const ms = Date.now() - started;
        clearInterval(sampler);
        report(
          `  ${format.padEnd(6)} ${identifiers.padEnd(6)} ${size.toLocaleString('en-US')} rows in ${ms} ms = ` +
            `${Math.round((size * 1000) / ms).toLocaleString('en-US')} rows/s, ${mib(bytes)} sent; ` +
            `RSS ${mib(startRss)} → peak ${mib(peak)} (+${mib(peak - startRss)})`,
        );
      }
    }
  } finally {
    await ds.destroy();
    await bench.close();
  }
}

/** Reads a whole answer, counting and dropping its bytes. */
function download(address: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    http
      .get(address, { headers }, (res) => {
        if (res.statusCode !== 200) {
          reject(new Error(`${address}: ${res.statusCode}`));
          res.resume();
          return;
        }
        let bytes = 0;
        res.on('data', (chunk: Buffer) => (bytes += chunk.length));
        res.on('end', () => resolve(bytes));
        res.on('error', reject);
      })
      .on('error', reject);
  });
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
