/**
 * What the screening benchmarks share (`npm run bench`, bench/screening.ts, and `npm run bench:ab`,
 * bench/ab.ts): a seeded registry on an embedded or external PostgreSQL, the service compiled with swc
 * and started as a child process, load generators (closed and open loop), CPU and memory readings
 * from /proc, and a clean-up that runs exactly once however the run ends.
 */
import 'reflect-metadata';
import autocannon from 'autocannon';
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { totalmem } from 'node:os';
import { Agent, request } from 'node:http';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Client } from 'pg';
import { generateApiKey } from '../src/api-clients/api-keys';
import { generateReceiptSigningKey } from '../src/config/secrets';
import { createDataSource } from '../src/database/data-source';
import { sharedBuffersFor, startEmbeddedPostgres } from '../src/database/embedded-postgres';
import { Generator } from '../src/demo/demo-data';
import { PersonalDataProtector } from '../src/personal-data/personal-data.protector';
import { cpuMeter, CpuShares, formatShares, withChildren } from './cpu-meter';
import {
  absentApplicant,
  PROFILES,
  SeedReport,
  SeedSubject,
  seedRegistry,
  subjectOf,
} from './screening-data';

export const ROOT = join(__dirname, '..');
export const DOMAIN = 'PROJECT_FUNDING';
/** Connections of each server's pool, the baselines' and the service's alike. */
export const POOL_SIZE = 10;

/** A non-negative number from the environment, or `fallback` when unset. */
export function setting(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) throw new Error(`${name} must be a non-negative number`);
  return value;
}

export const out = (line = '') => process.stdout.write(`${line}\n`);
export const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
export const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
export const mib = (kb: number) => `${fmt(kb / 1024)} MiB`;
export const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

// ---------------------------------------------------------------------------------------------------
// Things started, stopped in reverse order exactly once (normal end, error, signal or time limit).

export const cleanups: (() => Promise<void>)[] = [];
let cleaning: Promise<void> | undefined;
export function cleanUp(): Promise<void> {
  cleaning ??= (async () => {
    for (const step of cleanups.reverse()) {
      await step().catch((error: unknown) => out(`  clean-up step failed: ${String(error)}`));
    }
  })();
  return cleaning;
}

export interface Child {
  name: string;
  proc: ChildProcess;
  exited: Promise<number | null>;
  tail(): string;
}

export function startChild(
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

export async function stopChild(child: Child): Promise<void> {
  if (child.proc.exitCode !== null || child.proc.signalCode !== null) return;
  child.proc.kill('SIGTERM');
  const killer = setTimeout(() => child.proc.kill('SIGKILL'), 15_000);
  await child.exited;
  clearTimeout(killer);
}

/** Waits until `url` answers `status` (any status when null); fails if the child exits first. */
export async function waitForHttp(
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

export function memoryOf(pid: number): { rssKb: number; hwmKb: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rssKb: kb('VmRSS'), hwmKb: kb('VmHWM') };
}

/** The parent of a process, or undefined when it is not visible here (a server on another host). */
export function parentOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

/** Samples a process's RSS every 100 ms until stopped; returns the peak. */
export function sampleRss(pid: number): () => number {
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
 * (sampled over 2 s), for at most `quietWaitS` seconds; the CPU lines of each run still say how
 * busy the rest of the machine was while it measured.
 */
export async function waitForQuiet(ours: Record<string, () => number[]>, quietWaitS: number): Promise<void> {
  const deadline = Date.now() + quietWaitS * 1000;
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

export interface Applicant {
  name: string;
  organisation?: string;
  identifier: { type: string; value: string };
}

export const applicantOf = (s: SeedSubject): Applicant => ({
  name: s.name,
  ...(s.organisation ? { organisation: s.organisation } : {}),
  identifier: s.identifier!,
});

/** A subject of the registry that has an identifier, picked at random. */
export function registrySubject(g: Generator, subjects: number): SeedSubject {
  for (;;) {
    const s = subjectOf(g.int(0, subjects - 1));
    if (s.identifier) return s;
  }
}

export function applicants(
  g: Generator,
  count: number,
  hitShare: number,
  subjects: number,
): { applicant: Applicant; subject?: SeedSubject }[] {
  return Array.from({ length: count }, () => {
    if (g.next() < hitShare) {
      const subject = registrySubject(g, subjects);
      return { applicant: applicantOf(subject), subject };
    }
    return { applicant: absentApplicant(g.int(0, 9_999_999)) };
  });
}

export const checkBody = (purpose: string, list: Applicant[]) =>
  JSON.stringify({ domain: DOMAIN, purpose, applicants: list });

export interface LoadFigures {
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

/** Drives POST `path` over `connections` connections (closed loop), each request a body picked at random from `bodies`. */
export async function load(
  port: number,
  path: string,
  headers: Record<string, string>,
  bodies: string[],
  durationS: number,
  connections: number,
  g: Generator,
  cpu: Record<string, () => number[]> = {},
): Promise<LoadFigures> {
  const meter = cpuMeter(cpu);
  const result = await autocannon({
    url: `http://127.0.0.1:${port}${path}`,
    connections,
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

export const loadLine = (f: LoadFigures) =>
  `${fmt(f.rps)} req/s (${fmt(f.total)} requests), latency p50 ${f.p50} ms, p97.5 ${f.p975} ms, p99 ${f.p99} ms, ` +
  `max ${f.max} ms; non-2xx ${f.non2xx}, errors ${f.errors}`;

/** CPU milliseconds a request cost the server process and PostgreSQL. */
export const cpuPerRequest = (f: LoadFigures) =>
  `server ${((f.cpu.server * 1000) / f.rps).toFixed(2)} ms` +
  (f.cpu.postgres !== undefined && f.cpu.postgres > 0
    ? ` + PostgreSQL ${((f.cpu.postgres * 1000) / f.rps).toFixed(2)} ms`
    : '');

export const cpuLines = (f: LoadFigures) => [
  `    CPU during the run: ${formatShares(f.cpu)}${f.cpu.other > 0.2 ? ' — other processes were busy: figures are pessimistic' : ''}`,
  `    CPU per request: ${cpuPerRequest(f)}`,
];

/**
 * An open-loop run: one request every 1/rate seconds whatever the answers do (autocannon's own rate
 * limit sends each second's quota in a burst), over keep-alive connections, each latency recorded.
 */
export async function paced(
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
// The registry, the build and the service

export interface BenchSecrets {
  jwtSecret: string;
  piiHmacKey: Buffer;
  encryptionKey: Buffer;
}

export interface Registry {
  dbUrl: string;
  /** A connection to the registry's database, closed at clean-up. */
  db: Client;
  /** The PostgreSQL server's processes, for CPU accounting (none when it runs on another host). */
  postgresPids: () => number[];
  secrets: BenchSecrets;
  protector: PersonalDataProtector;
  seed: SeedReport;
  records: number;
  size: string;
  /** An API client's key with scope `checks:run`, made as the service makes one. */
  apiKey: string;
}

/**
 * A fresh database (on DATABASE_URL's server, or on an embedded PostgreSQL under `work`), migrated and
 * seeded with `subjects` subjects, and an API client allowed to run checks. Prints what it did.
 */
export async function seededRegistry(work: string, subjects: number, today: string): Promise<Registry> {
  let adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) {
    if (process.env.BENCH_HUGE_PAGES === '1') reserveHugePages(sharedBuffersFor(totalmem()));
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
    'huge_pages_status',
  ]) {
    const { rows } = await db.query(`SELECT current_setting($1, true) AS value`, [name]);
    settings[name] = rows[0].value ?? 'unknown';
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

  out();
  out(`1. seeding ${fmt(subjects)} subjects with COPY`);
  const seed = await seedRegistry(dbUrl, subjects, today, protector, out);
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

  const apiKey = generateApiKey();
  await db.query(`INSERT INTO api_client (name, scopes, key_prefix, key_hash) VALUES ($1, $2, $3, $4)`, [
    'screening benchmark',
    ['checks:run'],
    apiKey.prefix,
    apiKey.hash,
  ]);
  return { dbUrl, db, postgresPids, secrets, protector, seed, records, size, apiKey: apiKey.key };
}

/**
 * BENCH_HUGE_PAGES=1 (root, Linux): reserves enough huge pages for the embedded server's shared
 * memory (`sharedBuffers` and about a fifth more) for the run, and gives them back at clean-up.
 * PostgreSQL (huge_pages=try) uses them if the kernel found them all; the settings line says whether
 * it did (huge_pages_status).
 */
function reserveHugePages(sharedBuffers: string): void {
  const file = '/proc/sys/vm/nr_hugepages';
  const pageKb = Number(/Hugepagesize:\s+(\d+) kB/.exec(readFileSync('/proc/meminfo', 'utf8'))?.[1]);
  if (!pageKb) throw new Error('BENCH_HUGE_PAGES=1: this system does not report a huge page size');
  const before = Number(readFileSync(file, 'utf8'));
  const wanted = Math.ceil((parseInt(sharedBuffers, 10) * 1024 * 1.2) / pageKb);
  writeFileSync(file, String(before + wanted));
  const after = Number(readFileSync(file, 'utf8'));
  cleanups.push(async () => writeFileSync(file, String(before)));
  out(`  huge pages: vm.nr_hugepages ${before} → ${after} (${wanted} asked for, ${pageKb} kB each)`);
}

/** Compiles `sourceRoot`'s src, migrations and bench with swc (this checkout's) into `outDir`. */
export function compile(sourceRoot: string, outDir: string): void {
  const swc = spawnSync(
    join(ROOT, 'node_modules', '.bin', 'swc'),
    ['src', 'migrations', 'bench', '-d', outDir, '--config-file', '.swcrc', '-q'],
    { cwd: sourceRoot, encoding: 'utf8' },
  );
  if (swc.status !== 0) throw new Error(`swc build failed:\n${swc.stderr}`);
}

/** The environment every server of a benchmark starts with (modules resolve from this checkout). */
export const baseEnv = (registry: Registry): Record<string, string> => ({
  PATH: process.env.PATH ?? '',
  NODE_PATH: join(ROOT, 'node_modules'),
  NODE_ENV: 'production',
  DATABASE_URL: registry.dbUrl,
  PII_HMAC_KEY: registry.secrets.piiHmacKey.toString('base64'),
});

/** The Node.js flags production starts the service with: those of `npm start` (package.json). */
export const SERVICE_NODE_FLAGS: string[] = (() => {
  const start = (
    JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } }
  ).scripts.start;
  const flags = /^node((?: --\S+)*) dist\/src\/main\.js$/.exec(start);
  if (!flags) throw new Error(`npm start is not "node [flags] dist/src/main.js": ${start}`);
  return flags[1].split(' ').filter(Boolean);
})();

/**
 * The service of a compiled build (`compile`) as production runs it, on `port`: the Node.js flags of
 * `npm start`, rate limits out of the way, pool size POOL_SIZE, its other settings its defaults.
 */
export function startService(
  build: string,
  registry: Registry,
  options: { port: number; logLevel: string; dataDir: string; nodeArgs?: string[]; name?: string },
): Child {
  return startChild(
    options.name ?? 'service',
    join(build, 'src', 'main.js'),
    {
      ...baseEnv(registry),
      PORT: String(options.port),
      HOST: '127.0.0.1',
      LOG_LEVEL: options.logLevel,
      LOG_FORMAT: 'json',
      DATABASE_POOL_SIZE: String(POOL_SIZE),
      RATE_LIMIT_PER_MINUTE: '100000000',
      JWT_SECRET: registry.secrets.jwtSecret,
      RECEIPT_SIGNING_KEY: generateReceiptSigningKey(),
      PII_ENCRYPTION_KEYS: `bench:${registry.secrets.encryptionKey.toString('base64')}`,
      DATA_DIR: options.dataDir,
    },
    [...SERVICE_NODE_FLAGS, ...(options.nodeArgs ?? [])],
  );
}

/** One check sent and its whole answer read: the time from the first byte sent to the last received. */
export async function timedCheck(
  port: number,
  apiKey: string,
  body: string,
): Promise<{ ms: number; answer: Buffer }> {
  const started = performance.now();
  const res = await fetch(`http://127.0.0.1:${port}/api/v1/checks`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': apiKey },
    body,
  });
  const answer = Buffer.from(await res.arrayBuffer());
  const ms = performance.now() - started;
  if (res.status !== 200) throw new Error(`check answered ${res.status}: ${answer.toString().slice(0, 500)}`);
  return { ms, answer };
}

/**
 * Runs `main`, then cleans up; cleans up too on an error, on SIGINT or SIGTERM, and when `timeLimitS`
 * runs out.
 */
export function runBenchmark(main: () => Promise<void>, timeLimitS: number): void {
  const limit = setTimeout(() => {
    out(`time limit of ${timeLimitS} s reached: stopping`);
    void cleanUp().finally(() => process.exit(2));
  }, timeLimitS * 1000);
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
}
