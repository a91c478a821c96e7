/**
 * Audit trail throughput: how many entries a second the service can write in request transactions
 * while the sealer chains them, how fast the sealer alone chains a backlog, and how long
 * verification takes. Run: npm run bench:audit  (DATABASE_URL, or an embedded PostgreSQL).
 */
import 'reflect-metadata';
import { AuditRepository } from '../src/audit/audit.repository';
import { AuditService } from '../src/audit/audit.service';
import { Role } from '../src/auth/principal';
import { RequestContext } from '../src/common/request-context';
import { createDataSource } from '../src/database/data-source';
import { benchDatabase } from './bench-setup';

const WORKERS = Number(process.env.BENCH_WORKERS ?? 16);
const ENTRIES = Number(process.env.BENCH_ENTRIES ?? 20_000);
const BACKLOG = Number(process.env.BENCH_BACKLOG ?? 100_000);

const ctx: RequestContext = {
  requestId: 'bench',
  principal: {
    kind: 'USER',
    id: '6f1c1c9e-2a57-4a5e-9d0c-0d6c1b3f9a11',
    username: 'reviewer',
    roles: [Role.REVIEWER],
  },
};
const event = (i: number) => ({
  action: 'CHECK_RUN',
  targetType: 'CHECK',
  targetId: String(i),
  purpose: '2026 provincial key R&D programme, first round',
  changes: { domain: 'PROJECT_FUNDING', applicants: 1, verdict: 'CLEAR' },
});

const rate = (n: number, ms: number) => `${Math.round((n * 1000) / ms).toLocaleString('en-US')}/s`;

async function main(): Promise<void> {
  const database = await benchDatabase();
  const ds = createDataSource(database.url, WORKERS + 2);
  await ds.initialize();
  try {
    const audit = new AuditService(new AuditRepository(ds), ds);

    // 1. One entry per transaction from concurrent workers (the shape of single checks), sealer running.
    let sealing = true;
    const sealer = (async () => {
      while (sealing) {
        await audit.sealPending();
        await new Promise((r) => setTimeout(r, 200));
      }
    })();
    let next = 0;
    const started = Date.now();
    await Promise.all(
      Array.from({ length: WORKERS }, async () => {
        for (let i = next++; i < ENTRIES; i = next++) {
          await ds.transaction((m) => audit.record(m, ctx, event(i)));
        }
      }),
    );
    const writeMs = Date.now() - started;
    sealing = false;
    await sealer;
    await audit.sealPending();
    const lagMs = Date.now() - started - writeMs;

    // 2. One entry per request through group commit (concurrent requests share commits).
    const groupedStarted = Date.now();
    let g = 0;
    await Promise.all(
      Array.from({ length: WORKERS * 4 }, async () => {
        for (let i = g++; i < ENTRIES; i = g++) await audit.recordGrouped(ctx, event(i));
      }),
    );
    const groupedMs = Date.now() - groupedStarted;

    // 3. Entries in batches of 100 per transaction (the shape of a batch check).
    const batchStarted = Date.now();
    let batch = 0;
    await Promise.all(
      Array.from({ length: WORKERS }, async () => {
        for (let b = batch++; b < ENTRIES / 100; b = batch++) {
          await ds.transaction((m) =>
            audit.recordMany(
              m,
              ctx,
              Array.from({ length: 100 }, (_, i) => event(b * 100 + i)),
            ),
          );
        }
      }),
    );
    const batchMs = Date.now() - batchStarted;

    // 4. The sealer alone on a backlog.
    await ds.query(
      `INSERT INTO audit_entry (at, actor_type, actor_id, actor_name, actor_roles, action, target_type, target_id,
         request_id, purpose, changes)
       SELECT now(), 'USER', $1, 'reviewer', '{REVIEWER}', 'CHECK_RUN', 'CHECK', g::text, 'bench', 'backlog',
         '{"domain":"PROJECT_FUNDING","verdict":"CLEAR"}'::jsonb
       FROM generate_series(1, $2) g`,
      [ctx.principal!.id, BACKLOG],
    );
    const sealStarted = Date.now();
    const sealed = await audit.sealPending();
    const sealMs = Date.now() - sealStarted;

    const verifyStarted = Date.now();
    const verified = await audit.verify();
    const verifyMs = Date.now() - verifyStarted;

    const lines = [
      `audit trail benchmark (${WORKERS} concurrent writers, PostgreSQL ${(await ds.query('SHOW server_version'))[0].server_version})`,
      `  one entry per transaction:   ${ENTRIES} entries in ${writeMs} ms = ${rate(ENTRIES, writeMs)}; sealed ${lagMs} ms after the last write`,
      `  one entry per request, group commit (${WORKERS * 4} concurrent): ${ENTRIES} entries in ${groupedMs} ms = ${rate(ENTRIES, groupedMs)}`,
      `  100 entries per transaction: ${ENTRIES} entries in ${batchMs} ms = ${rate(ENTRIES, batchMs)}`,
      `  sealer alone:                ${sealed} entries in ${sealMs} ms = ${rate(sealed ?? 0, sealMs)}`,
      `  verify:                      ${verified.verified} links in ${verifyMs} ms = ${rate(verified.verified, verifyMs)} (ok=${verified.ok})`,
    ];
    process.stdout.write(lines.join('\n') + '\n');
  } finally {
    await ds.destroy();
    await database.drop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
