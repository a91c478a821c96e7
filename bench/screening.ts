/**
 * Screening benchmark: seeds a registry (default 1,000,000 subjects, 2,000,000 records) with COPY into
 * a fresh, migrated database, then drives the real service (Nest on Fastify, API-key auth, receipts
 * and audit on) and a bare Fastify + pg baseline doing the same indexed look-up, both over HTTP on
 * 127.0.0.1 with autocannon; times 10,000-applicant checks; reads the service's memory; and prints
 * EXPLAIN (ANALYZE, BUFFERS) of the batch look-ups. docs/performance.md reports a run.
 *
 * Run: npm run bench   (DATABASE_URL for an external server, otherwise an embedded PostgreSQL)
 * BENCH_SUBJECTS=100000 for a quick run; the other BENCH_* variables are listed in CONFIG below.
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { cpus, release, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Client } from 'pg';
import { freePort } from '../src/database/embedded-postgres';
import { generator, Generator } from '../src/demo/demo-data';
import { todayIn } from '../src/rules/rules';
import { MAX_APPLICANTS } from '../src/screening/screening.dto';
import { SCREENING_SQL } from '../src/screening/screening.repository';
import { nameKey } from '../src/subjects/name-key';
import {
  applicants as drawApplicants,
  baseEnv,
  checkBody,
  cleanups,
  compile,
  cpuLines,
  cpuPerRequest,
  fmt,
  load as loadRun,
  LoadFigures,
  loadLine,
  median,
  memoryOf,
  mib,
  out,
  paced,
  POOL_SIZE,
  ROOT,
  runBenchmark,
  sampleRss,
  seconds,
  seededRegistry,
  setting,
  startChild,
  startService,
  stopChild,
  timedCheck,
  waitForHttp,
  waitForQuiet as waitForQuietFor,
} from './harness';
import { PROFILES } from './screening-data';

const CONFIG = {
  subjects: Math.max(1000, Math.floor(setting('BENCH_SUBJECTS', 1_000_000))),
  /** Seconds of measured load per server, after `warmup` seconds not counted. */
  duration: setting('BENCH_DURATION', 15),
  warmup: setting('BENCH_WARMUP', 3),
  connections: setting('BENCH_CONNECTIONS', 50),
  /** Requests a second of the open-loop runs that measure latency below saturation (0: skip them). */
  rate: setting('BENCH_RATE', 200),
  /** Share of single checks whose identifier is in the registry. */
  hitShare: setting('BENCH_HIT_SHARE', 0.5),
  batchSize: Math.min(MAX_APPLICANTS, setting('BENCH_BATCH_SIZE', MAX_APPLICANTS)),
  batchRuns: Math.max(1, setting('BENCH_BATCH_RUNS', 5)),
  /** Share of a batch's applicants whose identifier is in the registry. */
  batchHitShare: setting('BENCH_BATCH_HIT_SHARE', 0.2),
  /** Seconds to wait, before each measurement, for other processes to leave the CPU (0: do not wait). */
  quietWait: setting('BENCH_QUIET_WAIT', 180),
  /** The whole run is stopped (and cleaned up) after this many seconds. */
  timeLimit: setting('BENCH_TIME_LIMIT', 3600),
  seed: setting('BENCH_SEED', 20261127),
  /** The service's LOG_LEVEL: `warn` writes no line per request, `info` (its default) one. */
  logLevel: process.env.BENCH_LOG_LEVEL || 'warn',
  /** A folder: the service runs with --cpu-prof and writes its CPU profile there when it stops. */
  cpuProfileDir: process.env.BENCH_CPU_PROFILE_DIR || null,
};
/** The service's default CHECK_BODY_LIMIT_BYTES: the benchmark runs with the default. */
const CHECK_BODY_LIMIT = 4_194_304;

const applicants = (g: Generator, count: number, hitShare: number) =>
  drawApplicants(g, count, hitShare, CONFIG.subjects);
const load = (
  port: number,
  path: string,
  headers: Record<string, string>,
  bodies: string[],
  durationS: number,
  g: Generator,
  cpu: Record<string, () => number[]> = {},
) => loadRun(port, path, headers, bodies, durationS, CONFIG.connections, g, cpu);
const waitForQuiet = (ours: Record<string, () => number[]>) => waitForQuietFor(ours, CONFIG.quietWait);

// ---------------------------------------------------------------------------------------------------
// EXPLAIN

/** A PostgreSQL array literal of text, bytea (Buffers) or NULL elements, for EXECUTE in EXPLAIN. */
function arrayLiteral(values: unknown[]): string {
  const element = (v: unknown) =>
    v === null
      ? 'NULL'
      : Buffer.isBuffer(v)
        ? `"\\\\x${v.toString('hex')}"`
        : `"${String(v).replace(/["\\]/g, '\\$&')}"`;
  return `{${values.map(element).join(',')}}`;
}

/** EXPLAIN (ANALYZE, BUFFERS) lines, with the inlined 10,000-element array literals elided. */
async function explain(client: Client, sql: string, values: unknown[]): Promise<string[]> {
  const { rows } = await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, BUFFERS) ${sql}`, values);
  return rows.map((r) =>
    r['QUERY PLAN'].replace(
      /'\{[^']{100,}\}'/g,
      (literal) => `'{…${fmt(literal.split(',').length)} elements…}'`,
    ),
  );
}

/**
 * How PostgreSQL plans one screening statement run as the service runs it for single-applicant checks
 * (a named prepared statement with a one-element array, executed again and again on a connection):
 * how many generic and custom plans plan_cache_mode chose, and the time per execution.
 */
async function planCache(
  client: Client,
  name: string,
  sql: string,
  values: unknown[],
): Promise<{ generic: number; custom: number; ms: number }> {
  const statement = `bench_${name}_${randomBytes(3).toString('hex')}`;
  for (let i = 0; i < 20; i++) await client.query({ name: statement, text: sql, values });
  const started = performance.now();
  for (let i = 0; i < 200; i++) await client.query({ name: statement, text: sql, values });
  const ms = (performance.now() - started) / 200;
  const { rows } = await client.query(
    'SELECT generic_plans::int AS generic, custom_plans::int AS custom FROM pg_prepared_statements WHERE name = $1',
    [statement],
  );
  return { ...rows[0], ms };
}

/** First plan line, the scans under it, its buffers, and the planning and execution times. */
function planSummary(plan: string[]): string {
  const buffers = plan.find((l) => l.trim().startsWith('Buffers:'))?.trim() ?? '';
  const time = (label: string) =>
    plan
      .find((l) => l.startsWith(label))
      ?.replace(label, '')
      .trim() ?? '?';
  const scans = plan
    .filter((l) => /Scan (on|using) /.test(l))
    .map((l) =>
      l
        .trim()
        .replace(/^->\s+/, '')
        .replace(/\s+\(.*$/, ''),
    );
  return (
    `${plan[0].replace(/\s+\(cost=[^)]*\)/, '')}\n      scans: ${[...new Set(scans)].join('; ')}` +
    `\n      ${buffers}; planning ${time('Planning Time:')}, execution ${time('Execution Time:')}`
  );
}

// ---------------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const runStarted = Date.now();
  const g = generator(CONFIG.seed);
  const today = todayIn();
  const work = await mkdtemp(join(tmpdir(), 'registry-bench-'));
  await chmod(work, 0o755);
  cleanups.push(() => rm(work, { recursive: true, force: true }));

  out(`screening benchmark, ${new Date().toISOString()}`);
  out(
    `  machine: ${cpus().length} × ${cpus()[0]?.model ?? '?'}, ${fmt(totalmem() / 2 ** 30, 1)} GiB RAM, ` +
      `Linux ${release()}, Node ${process.version}`,
  );
  out(`  config: ${JSON.stringify(CONFIG)}`);

  const registry = await seededRegistry(work, CONFIG.subjects, today);
  const { db, postgresPids, protector, seed, records, size } = registry;
  const show = async (name: string) => (await db.query(`SHOW ${name}`)).rows[0][name] as string;

  // 7 (printed early: it needs only the database). EXPLAIN of the batch look-ups.
  const batchSample = applicants(g, CONFIG.batchSize, CONFIG.batchHitShare);
  const hashes = [
    ...new Map(
      batchSample.map(({ applicant: a }) => {
        const h = protector.lookupHash(a.identifier.type as 'RESIDENT_ID', a.identifier.value);
        return [h.toString('hex'), h] as const;
      }),
    ).values(),
  ];
  const pairs = [
    ...new Map(
      batchSample.map(({ applicant: a }) => {
        const key = nameKey(a.name);
        const org = a.organisation ? nameKey(a.organisation) || null : null;
        return [`${key}\u0000${org ?? ''}`, { key, org }] as const;
      }),
    ).values(),
  ];
  const args = [hashes, pairs.map((p) => p.key), pairs.map((p) => p.org)];
  out();
  out(
    `7. EXPLAIN (ANALYZE, BUFFERS) of a batch's statement: ${fmt(hashes.length)} identifier hashes and ` +
      `${fmt(pairs.length)} name and organisation pairs`,
  );
  await waitForQuiet({ postgres: postgresPids, 'load generator': () => [process.pid] });
  // The service's pool runs it as a generic plan (plan_cache_mode=force_generic_plan). It runs once
  // first, so the plans below show a warm cache, as in a running registry.
  const generic = async () => {
    await db.query(`PREPARE bench_screen (bytea[], text[], text[]) AS ${SCREENING_SQL}`);
    const run = `EXECUTE bench_screen (${args.map((a) => db.escapeLiteral(arrayLiteral(a))).join(', ')})`;
    await db.query(run);
    const plan = await explain(db, run, []);
    await db.query(`DEALLOCATE bench_screen`);
    return plan;
  };
  await db.query('SET plan_cache_mode = force_generic_plan');
  out(`  generic plan at random_page_cost=${await show('random_page_cost')}:`);
  for (const l of await generic()) out(`    ${l}`);
  await db.query('SET random_page_cost = 4');
  out(`  generic plan at random_page_cost=4 (PostgreSQL's default): ${planSummary(await generic())}`);
  await db.query('RESET random_page_cost');
  await db.query('RESET plan_cache_mode');
  out(
    `  custom plan (plan_cache_mode=${await show('plan_cache_mode')}): ` +
      planSummary(await explain(db, SCREENING_SQL, args)),
  );
  const one = batchSample.find(({ subject }) => subject)!.subject!;
  const single = [
    [protector.lookupHash(one.identifier!.type, one.identifier!.value)],
    [nameKey(one.name)],
    [null],
  ];
  out(`  plan cache, one applicant as in single checks (a named statement, 20 runs then 200 timed):`);
  const auto = await planCache(db, 'screen', SCREENING_SQL, single);
  await db.query('SET plan_cache_mode = force_generic_plan');
  const forced = await planCache(db, 'screen', SCREENING_SQL, single);
  await db.query('RESET plan_cache_mode');
  out(
    `    plan_cache_mode=auto: ${auto.custom} custom + ${auto.generic} generic plans, ${auto.ms.toFixed(2)} ms a run; ` +
      `force_generic_plan: ${forced.ms.toFixed(2)} ms a run`,
  );
  await db.query('DEALLOCATE ALL');

  // Build once with swc into the work folder, so both servers start from compiled JavaScript.
  const build = join(work, 'build');
  compile(ROOT, build);

  const singleBodies = applicants(g, 20_000, CONFIG.hitShare).map(({ applicant }) =>
    checkBody('screening benchmark: single check', [applicant]),
  );
  const batchBodies = Array.from({ length: CONFIG.batchRuns }, () =>
    applicants(g, CONFIG.batchSize, CONFIG.batchHitShare),
  ).map((list, i) => ({
    list,
    body: checkBody(
      `screening benchmark: batch ${i + 1}`,
      list.map((a) => a.applicant),
    ),
  }));
  const batchBytes = Math.max(...batchBodies.map((b) => Buffer.byteLength(b.body)));
  // 3 and 4. The bare baseline under load.
  out();
  out(
    `3-4. single-applicant checks, ${CONFIG.connections} connections, ${CONFIG.duration} s after ${CONFIG.warmup} s warm-up, ` +
      `${Math.round(CONFIG.hitShare * 100)}% identifiers in the registry`,
  );
  interface BaselineRun {
    label: string;
    load: LoadFigures;
    paced?: LoadFigures;
    rss: number;
  }
  const runBaseline = async (label: string, guarantees: boolean): Promise<BaselineRun> => {
    const port = await freePort();
    const child = startChild('baseline', join(build, 'bench', 'baseline-server.js'), {
      ...baseEnv(registry),
      PORT: String(port),
      POOL_SIZE: String(POOL_SIZE),
      GUARANTEES: guarantees ? '1' : '0',
    });
    await waitForHttp(child, `http://127.0.0.1:${port}/`, null);
    const cpu = {
      server: () => [child.proc.pid!],
      postgres: postgresPids,
      'load generator': () => [process.pid],
    };
    await waitForQuiet(cpu);
    if (CONFIG.warmup > 0) await load(port, '/check', {}, singleBodies, CONFIG.warmup, g);
    const peak = sampleRss(child.proc.pid!);
    const figures = await load(port, '/check', {}, singleBodies, CONFIG.duration, g, cpu);
    const rss = peak();
    out(`  ${label}: ${loadLine(figures)}; peak RSS ${mib(rss)}`);
    cpuLines(figures).forEach((l) => out(l));
    let pacedFigures: LoadFigures | undefined;
    if (CONFIG.rate > 0) {
      await waitForQuiet(cpu);
      pacedFigures = await paced(port, '/check', {}, singleBodies, CONFIG.rate, CONFIG.duration, g, cpu);
      out(`  ${label} at a steady ${fmt(CONFIG.rate)} req/s (open loop): ${loadLine(pacedFigures)}`);
    }
    await stopChild(child);
    return { label, load: figures, paced: pacedFigures, rss };
  };
  const bare = await runBaseline('read-only baseline (Fastify + pg, one prepared statement)', false);
  const equal = await runBaseline(
    'equal-guarantees baseline (the same, plus a signed receipt and an audit row, group-committed)',
    true,
  );
  const base = bare.load;

  // The real service.
  const servicePort = await freePort();
  const serviceStarted = Date.now();
  const service = startService(build, registry, {
    port: servicePort,
    logLevel: CONFIG.logLevel,
    dataDir: join(work, 'service-data'),
    nodeArgs: CONFIG.cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${CONFIG.cpuProfileDir}`] : [],
  });
  await waitForHttp(service, `http://127.0.0.1:${servicePort}/health/ready`, 200);
  const pid = service.proc.pid!;
  const idle = memoryOf(pid);
  out(`  service ready in ${seconds(Date.now() - serviceStarted)}; idle RSS ${mib(idle.rssKb)}`);
  const auth = { 'x-api-key': registry.apiKey };
  const serviceCpu = { server: () => [pid], postgres: postgresPids, 'load generator': () => [process.pid] };
  await waitForQuiet(serviceCpu);
  if (CONFIG.warmup > 0) await load(servicePort, '/api/v1/checks', auth, singleBodies, CONFIG.warmup, g);
  const singlePeak = sampleRss(pid);
  const svc = await load(servicePort, '/api/v1/checks', auth, singleBodies, CONFIG.duration, g, serviceCpu);
  const singleRss = singlePeak();
  const ratio = svc.rps / base.rps;
  const equalRatio = svc.rps / equal.load.rps;
  out(`  service (Nest, API key, receipt + audit): ${loadLine(svc)}; peak RSS ${mib(singleRss)}`);
  cpuLines(svc).forEach((l) => out(l));
  out(
    `  service / read-only baseline throughput: ${(ratio * 100).toFixed(0)}%; ` +
      `service / equal-guarantees baseline: ${(equalRatio * 100).toFixed(0)}%`,
  );
  // A closed loop of 50 connections keeps the server saturated, so its latency is 50 / throughput
  // (Little's law); this run offers a fixed rate instead, to show latency below saturation.
  let pacedRun: LoadFigures | undefined;
  if (CONFIG.rate > 0) {
    await waitForQuiet(serviceCpu);
    pacedRun = await paced(
      servicePort,
      '/api/v1/checks',
      auth,
      singleBodies,
      CONFIG.rate,
      CONFIG.duration,
      g,
      serviceCpu,
    );
    out(`  service at a steady ${fmt(CONFIG.rate)} req/s (open loop): ${loadLine(pacedRun)}`);
    cpuLines(pacedRun).forEach((l) => out(l));
  }

  // 5. 10,000-applicant checks end to end, one after another.
  out();
  out(
    `5. ${fmt(CONFIG.batchSize)}-applicant checks, ${CONFIG.batchRuns} runs, ${Math.round(CONFIG.batchHitShare * 100)}% ` +
      `identifiers in the registry; request body up to ${fmt(batchBytes / 1024)} KiB` +
      (batchBytes > CHECK_BODY_LIMIT
        ? ` (over the default CHECK_BODY_LIMIT_BYTES ${fmt(CHECK_BODY_LIMIT)}: expect 413)`
        : ` (default CHECK_BODY_LIMIT_BYTES: ${fmt(CHECK_BODY_LIMIT)})`),
  );
  await waitForQuiet(serviceCpu);
  const batchPeak = sampleRss(pid);
  const batchMs: number[] = [];
  for (const [i, { list, body }] of batchBodies.entries()) {
    const { ms, answer } = await timedCheck(servicePort, registry.apiKey, body);
    batchMs.push(ms);
    const parsed = JSON.parse(answer.toString()) as {
      counts: Record<string, number>;
      results: { verdict: string }[];
    };
    // Registry applicants should get their profile's verdict (a same-name subject can add a REVIEW).
    let agree = 0;
    let inRegistry = 0;
    list.forEach(({ subject }, index) => {
      if (!subject) return;
      inRegistry++;
      const expected = PROFILES.find((p) => p.code === subject.profile)!.expect;
      if (parsed.results[index].verdict === expected) agree++;
    });
    out(
      `  run ${i + 1}: ${fmt(ms)} ms, answer ${fmt(answer.length / 1024)} KiB, counts ${JSON.stringify(parsed.counts)}; ` +
        `${fmt(agree)}/${fmt(inRegistry)} registry applicants got their profile's verdict`,
    );
  }
  const batchMedian = median(batchMs);
  out(
    `  cold (applicants never checked before): median ${fmt(batchMedian)} ms ` +
      `(min ${fmt(Math.min(...batchMs))}, max ${fmt(Math.max(...batchMs))})`,
  );
  // The same requests again: every page they need has been read once (a call's list checked twice).
  const warmMs: number[] = [];
  for (const { body } of batchBodies) warmMs.push((await timedCheck(servicePort, registry.apiKey, body)).ms);
  const batchRss = batchPeak();
  const warmMedian = median(warmMs);
  out(
    `  warm (the same ${batchBodies.length} requests again): ${warmMs.map((ms) => fmt(ms)).join(', ')} ms; ` +
      `median ${fmt(warmMedian)} ms`,
  );

  // 6. Memory.
  const end = memoryOf(pid);
  out();
  out(
    `6. service memory (VmRSS from /proc/${pid}/status): idle ${mib(idle.rssKb)}, peak under single-check load ` +
      `${mib(singleRss)}, peak during ${fmt(CONFIG.batchSize)}-applicant checks ${mib(batchRss)}, now ${mib(end.rssKb)}, ` +
      `high-water mark ${mib(end.hwmKb)}`,
  );
  await stopChild(service);
  const checkRuns = (await db.query(`SELECT count(*)::int AS n FROM check_run`)).rows[0].n;
  const audits = (await db.query(`SELECT count(*)::int AS n FROM audit_entry WHERE action = 'CHECK_RUN'`))
    .rows[0].n;
  out(`  receipts stored: ${fmt(checkRuns)}, CHECK_RUN audit entries: ${fmt(audits)}`);

  out();
  out('summary');
  out(`| measure | figure | target |`);
  out(`| --- | --- | --- |`);
  out(`| registry | ${fmt(CONFIG.subjects)} subjects, ${fmt(records)} records, ${size} | |`);
  out(`| seeding (COPY, indexes, keys, VACUUM ANALYZE) | ${seconds(seed.totalMs)} | |`);
  for (const [name, run] of [
    ['read-only baseline', bare],
    ['equal-guarantees baseline', equal],
  ] as const) {
    const l = run.load;
    out(
      `| ${name} single checks | ${fmt(l.rps)} req/s, p50 ${l.p50} / p97.5 ${l.p975} / p99 ${l.p99} ms | |`,
    );
  }
  out(
    `| service single checks | ${fmt(svc.rps)} req/s, p50 ${svc.p50} / p97.5 ${svc.p975} / p99 ${svc.p99} ms | |`,
  );
  out(`| service / equal-guarantees baseline | ${(equalRatio * 100).toFixed(0)}% | ≥ 60% |`);
  out(`| service / read-only baseline | ${(ratio * 100).toFixed(0)}% | ≥ 25% |`);
  for (const [name, run] of [
    ['read-only baseline', bare],
    ['equal-guarantees baseline', equal],
  ] as const) {
    if (!run.paced) continue;
    const l = run.paced;
    out(
      `| ${name} at a steady ${fmt(CONFIG.rate)} req/s | p50 ${l.p50} / p97.5 ${l.p975} / p99 ${l.p99} ms | |`,
    );
  }
  if (pacedRun) {
    out(
      `| service at a steady ${fmt(CONFIG.rate)} req/s | p50 ${pacedRun.p50} / p97.5 ${pacedRun.p975} / p99 ${pacedRun.p99} ms | p99 ≤ 25 ms at 200 req/s |`,
    );
  }
  out(
    `| CPU per single check: read-only / equal-guarantees baseline / service | ` +
      `${cpuPerRequest(base)} / ${cpuPerRequest(equal.load)} / ${cpuPerRequest(svc)} | |`,
  );
  out(
    `| ${fmt(CONFIG.batchSize)}-applicant check, median of ${CONFIG.batchRuns}: cold / warm | ` +
      `${fmt(batchMedian)} / ${fmt(warmMedian)} ms | ≤ 1,200 / ≤ 800 ms |`,
  );
  out(
    `| service RSS idle / single load / batch | ${mib(idle.rssKb)} / ${mib(singleRss)} / ${mib(batchRss)} | stated |`,
  );
  out(`total run ${seconds(Date.now() - runStarted)}`);
}

runBenchmark(main, CONFIG.timeLimit);
