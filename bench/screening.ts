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
import 'reflect-metadata';
import autocannon from 'autocannon';
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { cpus, release, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Client } from 'pg';
import { generateApiKey } from '../src/api-clients/api-keys';
import { generateReceiptSigningKey } from '../src/config/secrets';
import { createDataSource } from '../src/database/data-source';
import { freePort, startEmbeddedPostgres } from '../src/database/embedded-postgres';
import { generator, Generator } from '../src/demo/demo-data';
import { PersonalDataProtector } from '../src/personal-data/personal-data.protector';
import { todayIn } from '../src/rules/rules';
import { MAX_APPLICANTS } from '../src/screening/screening.dto';
import { SCREENING_SQL } from '../src/screening/screening.repository';
import { nameKey } from '../src/subjects/name-key';
import { cpuMeter, CpuShares, formatShares, withChildren } from './cpu-meter';
import { absentApplicant, PROFILES, SeedSubject, seedRegistry, subjectOf } from './screening-data';

const ROOT = join(__dirname, '..');

function setting(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) throw new Error(`${name} must be a non-negative number`);
  return value;
}

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
const DOMAIN = 'PROJECT_FUNDING';
const POOL_SIZE = 10;
/** The service's default CHECK_BODY_LIMIT_BYTES: the benchmark runs with the default. */
const CHECK_BODY_LIMIT = 4_194_304;

const out = (line = '') => process.stdout.write(`${line}\n`);
const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const mib = (kb: number) => `${fmt(kb / 1024)} MiB`;
const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

// ---------------------------------------------------------------------------------------------------
// Things started, stopped in reverse order exactly once (normal end, error, signal or time limit).

const cleanups: (() => Promise<void>)[] = [];
let cleaning: Promise<void> | undefined;
function cleanUp(): Promise<void> {
  cleaning ??= (async () => {
    for (const step of cleanups.reverse()) {
      await step().catch((error: unknown) => out(`  clean-up step failed: ${String(error)}`));
    }
  })();
  return cleaning;
}

interface Child {
  name: string;
  proc: ChildProcess;
  exited: Promise<number | null>;
  tail(): string;
}

function startChild(
  name: string,
  script: string,
  env: Record<string, string>,
  nodeArgs: string[] = [],
): Child {
  const proc = spawn(process.execPath, [...nodeArgs, script], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let tail = '';
  const keep = (chunk: Buffer) => (tail = (tail + chunk.toString()).slice(-4000));
  proc.stdout!.on('data', keep);
  proc.stderr!.on('data', keep);
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  const child = { name, proc, exited, tail: () => tail };
  cleanups.push(() => stopChild(child));
  return child;
}

async function stopChild(child: Child): Promise<void> {
  if (child.proc.exitCode !== null || child.proc.signalCode !== null) return;
  child.proc.kill('SIGTERM');
  const killer = setTimeout(() => child.proc.kill('SIGKILL'), 15_000);
  await child.exited;
  clearTimeout(killer);
}

/** Waits until `url` answers `status` (any status when null); fails if the child exits first. */
async function waitForHttp(
  child: Child,
  url: string,
  status: number | null,
  timeoutMs = 90_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  void child.exited.then(() => (exited = true));
  while (Date.now() < deadline) {
    if (exited) throw new Error(`${child.name} exited before it was ready:\n${child.tail()}`);
    const res = await fetch(url).catch(() => undefined);
    if (res && (status === null || res.status === status)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${child.name} was not ready within ${timeoutMs} ms:\n${child.tail()}`);
}

// ---------------------------------------------------------------------------------------------------
// Memory of a process, from /proc (Linux).

function memoryOf(pid: number): { rssKb: number; hwmKb: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rssKb: kb('VmRSS'), hwmKb: kb('VmHWM') };
}

/** The parent of a process, or undefined when it is not visible here (a server on another host). */
function parentOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

/** Samples a process's RSS every 100 ms until stopped; returns the peak. */
function sampleRss(pid: number): () => number {
  let peak = memoryOf(pid).rssKb;
  const timer = setInterval(() => {
    try {
      peak = Math.max(peak, memoryOf(pid).rssKb);
    } catch {
      clearInterval(timer);
    }
  }, 100);
  return () => {
    clearInterval(timer);
    return peak;
  };
}

/**
 * On a shared machine, waits until processes other than the benchmark's use under a quarter of a core
 * (sampled over 2 s), for at most BENCH_QUIET_WAIT seconds; the CPU lines of each run still say how
 * busy the rest of the machine was while it measured.
 */
async function waitForQuiet(ours: Record<string, () => number[]>): Promise<void> {
  const deadline = Date.now() + CONFIG.quietWait * 1000;
  let said = false;
  for (;;) {
    const meter = cpuMeter(ours);
    await new Promise((r) => setTimeout(r, 2000));
    const { other } = meter.stop();
    if (other < 0.25) return;
    if (Date.now() > deadline) {
      out(`  other processes still use ${other.toFixed(2)} cores: measuring anyway`);
      return;
    }
    if (!said) out(`  waiting for other processes to leave the CPU (${other.toFixed(2)} cores busy)`);
    said = true;
  }
}

// ---------------------------------------------------------------------------------------------------
// Requests

interface Applicant {
  name: string;
  organisation?: string;
  identifier: { type: string; value: string };
}

const applicantOf = (s: SeedSubject): Applicant => ({
  name: s.name,
  ...(s.organisation ? { organisation: s.organisation } : {}),
  identifier: s.identifier!,
});

/** A subject of the registry that has an identifier, picked at random. */
function registrySubject(g: Generator): SeedSubject {
  for (;;) {
    const s = subjectOf(g.int(0, CONFIG.subjects - 1));
    if (s.identifier) return s;
  }
}

function applicants(
  g: Generator,
  count: number,
  hitShare: number,
): { applicant: Applicant; subject?: SeedSubject }[] {
  return Array.from({ length: count }, () => {
    if (g.next() < hitShare) {
      const subject = registrySubject(g);
      return { applicant: applicantOf(subject), subject };
    }
    return { applicant: absentApplicant(g.int(0, 9_999_999)) };
  });
}

const checkBody = (purpose: string, list: Applicant[]) =>
  JSON.stringify({ domain: DOMAIN, purpose, applicants: list });

interface LoadFigures {
  cpu: CpuShares;
  rps: number;
  total: number;
  p50: number;
  p975: number;
  p99: number;
  max: number;
  non2xx: number;
  errors: number;
}

/** Drives POST `path` at `connections` connections, each request a body picked at random from `bodies`. */
async function load(
  port: number,
  path: string,
  headers: Record<string, string>,
  bodies: string[],
  durationS: number,
  g: Generator,
  cpu: Record<string, () => number[]> = {},
): Promise<LoadFigures> {
  const meter = cpuMeter(cpu);
  const result = await autocannon({
    url: `http://127.0.0.1:${port}${path}`,
    connections: CONFIG.connections,
    duration: durationS,
    timeout: 30,
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    requests: [{ setupRequest: (request) => ({ ...request, body: bodies[g.int(0, bodies.length - 1)] }) }],
  });
  const shares = meter.stop();
  return {
    cpu: shares,
    rps: result.requests.total / result.duration,
    total: result.requests.total,
    p50: result.latency.p50,
    p975: result.latency.p97_5,
    p99: result.latency.p99,
    max: result.latency.max,
    non2xx: result.non2xx,
    errors: result.errors,
  };
}

const loadLine = (f: LoadFigures) =>
  `${fmt(f.rps)} req/s (${fmt(f.total)} requests), latency p50 ${f.p50} ms, p97.5 ${f.p975} ms, p99 ${f.p99} ms, ` +
  `max ${f.max} ms; non-2xx ${f.non2xx}, errors ${f.errors}`;

/** CPU milliseconds a request cost the server process and PostgreSQL. */
const cpuPerRequest = (f: LoadFigures) =>
  `server ${((f.cpu.server * 1000) / f.rps).toFixed(2)} ms` +
  (f.cpu.postgres !== undefined && f.cpu.postgres > 0
    ? ` + PostgreSQL ${((f.cpu.postgres * 1000) / f.rps).toFixed(2)} ms`
    : '');

const cpuLines = (f: LoadFigures) => [
  `    CPU during the run: ${formatShares(f.cpu)}${f.cpu.other > 0.2 ? ' — other processes were busy: figures are pessimistic' : ''}`,
  `    CPU per request: ${cpuPerRequest(f)}`,
];

/**
 * An open-loop run: one request every 1/rate seconds whatever the answers do (autocannon's own rate
 * limit sends each second's quota in a burst), over keep-alive connections, each latency recorded.
 */
async function paced(
  port: number,
  path: string,
  headers: Record<string, string>,
  bodies: string[],
  rate: number,
  durationS: number,
  g: Generator,
  cpu: Record<string, () => number[]>,
): Promise<LoadFigures> {
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  const latencies: number[] = [];
  let non2xx = 0;
  let errors = 0;
  const send = () =>
    new Promise<void>((resolve) => {
      const body = bodies[g.int(0, bodies.length - 1)];
      const started = performance.now();
      const req = request(
        {
          host: '127.0.0.1',
          port,
          path,
          method: 'POST',
          agent,
          headers: {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
            ...headers,
          },
        },
        (res) => {
          res.resume();
          res.on('end', () => {
            latencies.push(performance.now() - started);
            if (res.statusCode! < 200 || res.statusCode! >= 300) non2xx++;
            resolve();
          });
        },
      );
      req.on('error', () => {
        errors++;
        resolve();
      });
      req.end(body);
    });
  const meter = cpuMeter(cpu);
  const inFlight: Promise<void>[] = [];
  const started = performance.now();
  for (let i = 0; i < rate * durationS; i++) {
    const due = started + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    inFlight.push(send());
  }
  await Promise.all(inFlight);
  const elapsed = (performance.now() - started) / 1000;
  const shares = meter.stop();
  agent.destroy();
  const sorted = latencies.sort((a, b) => a - b);
  const at = (q: number) =>
    Math.round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN);
  return {
    cpu: shares,
    rps: latencies.length / elapsed,
    total: latencies.length,
    p50: at(0.5),
    p975: at(0.975),
    p99: at(0.99),
    max: Math.round(sorted[sorted.length - 1] ?? NaN),
    non2xx,
    errors,
  };
}

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

  // PostgreSQL: an external server, or an embedded one in a temporary folder.
  let adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) {
    const pg = await startEmbeddedPostgres({
      dataDir: join(work, 'pg'),
      port: 0,
      database: 'postgres',
      ephemeral: true,
    });
    cleanups.push(() => pg.stop());
    adminUrl = pg.adminUrl;
  }
  const dbName = `registry_bench_${randomBytes(3).toString('hex')}`;
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  cleanups.push(() => admin.end());
  await admin.query(`CREATE DATABASE ${dbName}`);
  cleanups.push(async () => void (await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`)));
  const url = new URL(adminUrl);
  url.pathname = `/${dbName}`;
  const dbUrl = url.toString();

  const migrator = createDataSource(dbUrl, 2);
  await migrator.initialize();
  await migrator.runMigrations({ transaction: 'each' });
  await migrator.destroy();

  const db = new Client({ connectionString: dbUrl });
  await db.connect();
  cleanups.push(() => db.end());
  const show = async (name: string) => (await db.query(`SHOW ${name}`)).rows[0][name] as string;
  const settings: Record<string, string> = {};
  for (const name of [
    'server_version',
    'random_page_cost',
    'plan_cache_mode',
    'max_parallel_workers_per_gather',
    'shared_buffers',
    'effective_cache_size',
    'work_mem',
    'fsync',
    'synchronous_commit',
  ]) {
    settings[name] = await show(name);
  }
  // The server's processes, for CPU accounting, when it runs on this machine.
  const backend = (await db.query('SELECT pg_backend_pid() AS pid')).rows[0].pid as number;
  const postmaster = parentOf(backend);
  const postgresPids = () => (postmaster ? withChildren(postmaster) : []);
  out(
    `  PostgreSQL ${settings.server_version} (${process.env.DATABASE_URL ? 'DATABASE_URL' : 'embedded'}): ${Object.entries(
      settings,
    )
      .filter(([k]) => k !== 'server_version')
      .map(([k, v]) => `${k}=${v}`)
      .join(', ')}`,
  );

  // The secrets the service will run with: the seed hashes identifiers with the same HMAC key.
  const secrets = {
    jwtSecret: randomBytes(48).toString('base64url'),
    piiHmacKey: randomBytes(32),
    encryptionKey: randomBytes(32),
  };
  const protector = new PersonalDataProtector({
    piiHmacKey: secrets.piiHmacKey,
    piiEncryptionKeys: [{ id: 'bench', key: secrets.encryptionKey }],
  });

  // 1. Seed.
  out();
  out(`1. seeding ${fmt(CONFIG.subjects)} subjects with COPY`);
  const seed = await seedRegistry(dbUrl, CONFIG.subjects, today, protector, out);
  const records = seed.rows.measure + seed.rows.listing;
  out(
    `  seeded in ${seconds(seed.totalMs)}: COPY ${seconds(seed.copyMs)}, indexes ${seconds(seed.indexMs)}, ` +
      `foreign keys ${seconds(seed.constraintMs)}, VACUUM ANALYZE ${seconds(seed.vacuumMs)}`,
  );
  out(
    `  rows: ${Object.entries(seed.rows)
      .map(([t, n]) => `${t} ${fmt(n)}`)
      .join(', ')}`,
  );
  out(`  records (measures + list entries): ${fmt(records)}`);
  out(
    `  profiles: ${PROFILES.map((p) => `${p.code} ${Math.round(p.share * 100)}% → ${p.expect}`).join(', ')}`,
  );
  const size = (await db.query(`SELECT pg_size_pretty(pg_database_size(current_database())) AS s`)).rows[0].s;
  out(`  database size: ${size}`);
  const relations = await db.query<{ name: string; size: string }>(
    `SELECT c.relname AS name, pg_size_pretty(pg_relation_size(c.oid)) AS size
     FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = 'public' AND c.relkind IN ('r', 'i') AND pg_relation_size(c.oid) > 16 * 1024 * 1024
     ORDER BY pg_relation_size(c.oid) DESC`,
  );
  out(`  relations over 16 MB: ${relations.rows.map((r) => `${r.name} ${r.size}`).join(', ')}`);

  // 2. An API client allowed to run checks, made as the service makes one.
  const apiKey = generateApiKey();
  await db.query(`INSERT INTO api_client (name, scopes, key_prefix, key_hash) VALUES ($1, $2, $3, $4)`, [
    'screening benchmark',
    ['checks:run'],
    apiKey.prefix,
    apiKey.hash,
  ]);

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
  const swc = spawnSync(
    join(ROOT, 'node_modules', '.bin', 'swc'),
    ['src', 'migrations', 'bench', '-d', build, '--config-file', '.swcrc', '-q'],
    { cwd: ROOT, encoding: 'utf8' },
  );
  if (swc.status !== 0) throw new Error(`swc build failed:\n${swc.stderr}`);

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
  const baseEnv = {
    PATH: process.env.PATH ?? '',
    NODE_PATH: join(ROOT, 'node_modules'),
    NODE_ENV: 'production',
    DATABASE_URL: dbUrl,
    PII_HMAC_KEY: secrets.piiHmacKey.toString('base64'),
  };

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
      ...baseEnv,
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
  const service = startChild(
    'service',
    join(build, 'src', 'main.js'),
    {
      ...baseEnv,
      PORT: String(servicePort),
      HOST: '127.0.0.1',
      LOG_LEVEL: CONFIG.logLevel,
      LOG_FORMAT: 'json',
      DATABASE_POOL_SIZE: String(POOL_SIZE),
      RATE_LIMIT_PER_MINUTE: '100000000',
      JWT_SECRET: secrets.jwtSecret,
      RECEIPT_SIGNING_KEY: generateReceiptSigningKey(),
      PII_ENCRYPTION_KEYS: `bench:${secrets.encryptionKey.toString('base64')}`,
      DATA_DIR: join(work, 'service-data'),
    },
    CONFIG.cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${CONFIG.cpuProfileDir}`] : [],
  );
  await waitForHttp(service, `http://127.0.0.1:${servicePort}/health/ready`, 200);
  const pid = service.proc.pid!;
  const idle = memoryOf(pid);
  out(`  service ready in ${seconds(Date.now() - serviceStarted)}; idle RSS ${mib(idle.rssKb)}`);
  const auth = { 'x-api-key': apiKey.key };
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
    const started = performance.now();
    const res = await fetch(`http://127.0.0.1:${servicePort}/api/v1/checks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...auth },
      body,
    });
    const answer = Buffer.from(await res.arrayBuffer());
    const ms = performance.now() - started;
    if (res.status !== 200)
      throw new Error(`batch check answered ${res.status}: ${answer.toString().slice(0, 500)}`);
    batchMs.push(ms);
    const parsed = JSON.parse(answer.toString()) as {
      counts: Record<string, number>;
      results: { verdict: string }[];
    };
    // Registry applicants should get their profile's verdict (a same-name subject can add a REVIEW).
    let agree = 0;
    let registry = 0;
    list.forEach(({ subject }, index) => {
      if (!subject) return;
      registry++;
      const expected = PROFILES.find((p) => p.code === subject.profile)!.expect;
      if (parsed.results[index].verdict === expected) agree++;
    });
    out(
      `  run ${i + 1}: ${fmt(ms)} ms, answer ${fmt(answer.length / 1024)} KiB, counts ${JSON.stringify(parsed.counts)}; ` +
        `${fmt(agree)}/${fmt(registry)} registry applicants got their profile's verdict`,
    );
  }
  const batchMedian = median(batchMs);
  out(
    `  cold (applicants never checked before): median ${fmt(batchMedian)} ms ` +
      `(min ${fmt(Math.min(...batchMs))}, max ${fmt(Math.max(...batchMs))})`,
  );
  // The same requests again: every page they need has been read once (a call's list checked twice).
  const warmMs: number[] = [];
  for (const { body } of batchBodies) {
    const started = performance.now();
    const res = await fetch(`http://127.0.0.1:${servicePort}/api/v1/checks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...auth },
      body,
    });
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`warm batch check answered ${res.status}`);
    warmMs.push(performance.now() - started);
  }
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

const limit = setTimeout(() => {
  out(`time limit of ${CONFIG.timeLimit} s reached: stopping`);
  void cleanUp().finally(() => process.exit(2));
}, CONFIG.timeLimit * 1000);
limit.unref();
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    out(`${signal}: stopping`);
    void cleanUp().finally(() => process.exit(130));
  });
}

main()
  .then(() => cleanUp())
  .catch(async (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    await cleanUp();
    process.exitCode = 1;
  });
