/**
 * Bulk import figures (docs/integration.md, "Bulk import"): rows a second of a dry run and of a real
 * run of one file of 10,000 decisions (one person each, a third of them with a black-list entry),
 * and of re-uploading it (every row already recorded).
 *
 * Run: DATABASE_URL=postgres://… npm run bench:import   (a server on which a database may be created
 * and dropped; without it an embedded PostgreSQL). BENCH_IMPORT_ROWS changes the row count.
 */
import 'reflect-metadata';
import { Role } from '../src/auth/principal';
import { csvLine } from '../src/common/csv';
import { generator, personName, residentId, universityName } from '../src/demo/demo-data';
import { IMPORT_COLUMNS } from '../src/imports/import-columns';
import { startBenchApp } from './bench-app';

const ROWS = Number(process.env.BENCH_IMPORT_ROWS ?? 10_000);
const out = (line = '') => process.stdout.write(`${line}\n`);

function file(): Buffer {
  const g = generator(7);
  const keys = IMPORT_COLUMNS.map((c) => c.key);
  const lines = [csvLine(keys)];
  for (let i = 0; i < ROWS; i++) {
    const black = i % 3 === 0;
    const row: Record<string, string> = {
      decisionNumber: `测科〔2019〕${i + 1}号`,
      authority: '某省科学技术厅',
      decisionDate: '2019-06-30',
      severity: 'SERIOUS',
      misconductTypes: 'PLAGIARISM',
      source: 'COMPLAINT_REPORT',
      kind: 'NATURAL_PERSON',
      name: personName(g),
      organisation: universityName(g),
      idNumber: residentId(g),
      roles: 'RESEARCHER',
      measureType: black ? 'SERIOUS_DB_ENTRY' : 'BAN_FUNDED_ACTIVITY',
      measureStart: '2019-07-01',
      measureEnd: '2022-06-30',
      domains: black ? '' : 'PROJECT_FUNDING',
    };
    lines.push(csvLine(keys.map((k) => row[k] ?? '')));
  }
  return Buffer.from(lines.join(''), 'utf8');
}

async function main(): Promise<void> {
  const bench = await startBenchApp();
  const recorder = await bench.user(Role.RECORDER);
  const csv = file();
  const upload = async (dryRun: boolean) => {
    const form = new FormData();
    form.set('dryRun', String(dryRun));
    form.set('file', new Blob([csv], { type: 'text/csv' }), 'decisions.csv');
    const started = performance.now();
    const res = await fetch(`${bench.base}/api/v1/imports/decisions`, {
      method: 'POST',
      headers: recorder,
      body: form,
    });
    const ms = performance.now() - started;
    const body = (await res.json()) as { newRows: number; unchangedRows: number };
    if (res.status >= 400) throw new Error(`${res.status} ${JSON.stringify(body).slice(0, 500)}`);
    return { ms, body };
  };
  const report = (what: string, r: { ms: number; body: { newRows: number; unchangedRows: number } }) =>
    out(
      `${what.padEnd(28)} ${(r.ms / 1000).toFixed(1).padStart(6)} s  ` +
        `${Math.round((ROWS * 1000) / r.ms)
          .toLocaleString('en-US')
          .padStart(6)} rows/s  ` +
        `(new ${r.body.newRows}, unchanged ${r.body.unchangedRows})`,
    );
  out(`bulk import, ${ROWS.toLocaleString('en-US')} rows (${(csv.length / 1024 / 1024).toFixed(1)} MiB CSV)`);
  report('dry run', await upload(true));
  report('real run (one transaction)', await upload(false));
  report('re-upload (all unchanged)', await upload(false));
  await bench.close();
}

main().catch((error) => {
  process.stderr.write(`${String(error?.stack ?? error)}\n`);
  process.exit(1);
});
