/**
 * A/B benchmark of two builds of the service on one seeded registry: `npm run bench:ab -- A [B]`.
 * A and B are git revisions (B defaults to the working tree, uncommitted changes included). Each is
 * compiled on its own; the two services then take turns, round after round, on the same database
 * (A then B in odd rounds, B then A in even ones), so that a machine getting faster or slower during
 * the run, and the cache warming, weigh on both alike. On a shared machine whose speed varies by a
 * third between runs, this is what attributes a change of 5–20%; two whole `npm run bench` runs do not.
 *
 * Each turn starts the build's service, runs single checks in a closed loop (throughput and CPU per
 * check) and at a steady rate (latency), then sends AB_BATCHES new 10,000-applicant checks (cold)
 * and the same again AB_PASSES times (warm), and stops the service. The two builds must share
 * package-lock.json and their migrations: the database is migrated and seeded once.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../src/database/embedded-postgres';
import { generator } from '../src/demo/demo-data';
import { todayIn } from '../src/rules/rules';
import { MAX_APPLICANTS } from '../src/screening/screening.dto';
import {
  applicants,
  checkBody,
  cleanups,
  compile,
  fmt,
  load,
  LoadFigures,
  median,
  memoryOf,
  out,
  paced,
  ROOT,
  runBenchmark,
  sampleRss,
  seededRegistry,
  setting,
  startService,
  stopChild,
  timedCheck,
  waitForHttp,
  waitForQuiet,
} from './harness';

const CONFIG = {
  subjects: Math.max(1000, Math.floor(setting('BENCH_SUBJECTS', 1_000_000))),
  rounds: Math.max(1, Math.floor(setting('AB_ROUNDS', 3))),
  /** Seconds of each measured single-check run (0: no single checks). */
  duration: setting('AB_DURATION', 10),
  warmup: setting('BENCH_WARMUP', 3),
  connections: setting('BENCH_CONNECTIONS', 50),
  /** Requests a second of the open-loop latency run (0: skip it). */
  rate: setting('BENCH_RATE', 200),
  hitShare: setting('BENCH_HIT_SHARE', 0.5),
  batchSize: Math.min(MAX_APPLICANTS, setting('BENCH_BATCH_SIZE', MAX_APPLICANTS)),
  /** New large checks per turn (cold), then sent again AB_PASSES times (warm). */
  batches: Math.floor(setting('AB_BATCHES', 4)),
  passes: Math.floor(setting('AB_PASSES', 4)),
  batchHitShare: setting('BENCH_BATCH_HIT_SHARE', 0.2),
  quietWait: setting('BENCH_QUIET_WAIT', 30),
  timeLimit: setting('BENCH_TIME_LIMIT', 3600),
  seed: setting('BENCH_SEED', 20261127),
  logLevel: process.env.BENCH_LOG_LEVEL || 'warn',
};

const git = (...args: string[]) => execFileSync('git', args, { cwd: ROOT, encoding: 'utf8' });

/** What a build is made from: a revision (null: the working tree), its lockfile and migrations. */
interface Sources {
  label: string;
  revision: string | null;
  lockfile: string;
  migrations: string[];
}

function describe(revision: string | null): Sources {
  if (revision === null) {
    return {
      label: 'working tree',
      revision,
      lockfile: readFileSync(join(ROOT, 'package-lock.json'), 'utf8'),
      migrations: readdirSync(join(ROOT, 'migrations')).sort(),
    };
  }
  const commit = git('rev-parse', '--verify', '--short', `${revision}^{commit}`).trim();
  return {
    label: revision === commit ? commit : `${revision} (${commit})`,
    revision: commit,
    lockfile: git('show', `${commit}:package-lock.json`),
    migrations: git('ls-tree', '--name-only', `${commit}`, 'migrations/')
      .split('\n')
      .filter(Boolean)
      .map((path) => path.replace(/^migrations\//, ''))
      .sort(),
  };
}

/** The revision's sources (or the working tree's) compiled under `work`. */
async function build(work: string, name: string, revision: string | null): Promise<string> {
  const dir = join(work, `build-${name}`);
  if (revision === null) {
    compile(ROOT, dir);
    return dir;
  }
  const sources = join(work, `sources-${name}`);
  await mkdir(sources);
  const archive = execFileSync(
    'git',
    ['archive', '--format=tar', revision, 'src', 'migrations', 'bench', '.swcrc'],
    {
      cwd: ROOT,
      maxBuffer: 1 << 30,
    },
  );
  execFileSync('tar', ['-x', '-C', sources], { input: archive });
  compile(sources, dir);
  return dir;
}

interface Turn {
  single?: LoadFigures;
  steady?: LoadFigures;
  cold: number[];
  warm: number[];
  rssKb: number;
}

const perCheck = (f: LoadFigures, group: 'server' | 'postgres') => ((f.cpu[group] ?? 0) * 1000) / f.rps;

async function main(): Promise<void> {
  const [first, second] = process.argv.slice(2);
  if (!first)
    throw new Error('usage: npm run bench:ab -- <revision A> [<revision B>, default the working tree]');
  const described = [describe(first), describe(second ?? null)];
  if (described[0].lockfile !== described[1].lockfile) {
    throw new Error(
      'the two builds have different package-lock.json files: an A/B needs the same dependencies',
    );
  }
  if (described[0].migrations.join('\n') !== described[1].migrations.join('\n')) {
    throw new Error('the two builds have different migrations: an A/B on one database needs the same schema');
  }

  const g = generator(CONFIG.seed);
  const work = await mkdtemp(join(tmpdir(), 'registry-bench-ab-'));
  await chmod(work, 0o755);
  cleanups.push(() => rm(work, { recursive: true, force: true }));
  out(`A/B screening benchmark, ${new Date().toISOString()}`);
  out(`  A: ${described[0].label}; B: ${described[1].label}`);
  out(`  config: ${JSON.stringify(CONFIG)}`);
  const builds: { label: string; dir: string }[] = [];
  for (const [i, d] of described.entries()) {
    builds.push({ label: d.label, dir: await build(work, 'ab'[i], d.revision) });
  }

  const registry = await seededRegistry(work, CONFIG.subjects, todayIn());
  const singleBodies = applicants(g, 20_000, CONFIG.hitShare, CONFIG.subjects).map(({ applicant }) =>
    checkBody('A/B benchmark: single check', [applicant]),
  );
  const auth = { 'x-api-key': registry.apiKey };
  const turns: Turn[][] = [[], []];

  out();
  const steps = [
    ...(CONFIG.duration > 0
      ? [
          `single checks ${CONFIG.duration} s at ${CONFIG.connections} connections` +
            (CONFIG.rate > 0 ? ` and ${CONFIG.duration} s at ${CONFIG.rate}/s` : ''),
        ]
      : []),
    ...(CONFIG.batches > 0
      ? [
          `${CONFIG.batches} new ${fmt(CONFIG.batchSize)}-applicant checks (cold), then ${CONFIG.passes} passes ` +
            'of the same (warm)',
        ]
      : []),
  ];
  out(
    `2. ${CONFIG.rounds} rounds; each turn: ${steps.join(', then ') || 'nothing (AB_DURATION and AB_BATCHES are 0)'}`,
  );
  for (let round = 1; round <= CONFIG.rounds; round++) {
    for (const index of round % 2 ? [0, 1] : [1, 0]) {
      const port = await freePort();
      const service = startService(builds[index].dir, registry, {
        port,
        logLevel: CONFIG.logLevel,
        dataDir: join(work, `service-data-${index}`),
        name: `service ${'AB'[index]}`,
      });
      await waitForHttp(service, `http://127.0.0.1:${port}/health/ready`, 200);
      const pid = service.proc.pid!;
      const cpu = {
        server: () => [pid],
        postgres: registry.postgresPids,
        'load generator': () => [process.pid],
      };
      const peak = sampleRss(pid);
      const turn: Turn = { cold: [], warm: [], rssKb: 0 };
      if (CONFIG.duration > 0) {
        await waitForQuiet(cpu, CONFIG.quietWait);
        if (CONFIG.warmup > 0) {
          await load(port, '/api/v1/checks', auth, singleBodies, CONFIG.warmup, CONFIG.connections, g);
        }
        turn.single = await load(
          port,
          '/api/v1/checks',
          auth,
          singleBodies,
          CONFIG.duration,
          CONFIG.connections,
          g,
          cpu,
        );
        if (CONFIG.rate > 0) {
          await waitForQuiet(cpu, CONFIG.quietWait);
          turn.steady = await paced(
            port,
            '/api/v1/checks',
            auth,
            singleBodies,
            CONFIG.rate,
            CONFIG.duration,
            g,
            cpu,
          );
        }
      }
      if (CONFIG.batches > 0) {
        const bodies = Array.from({ length: CONFIG.batches }, (_, i) =>
          checkBody(
            `A/B benchmark: round ${round}, batch ${i + 1}`,
            applicants(g, CONFIG.batchSize, CONFIG.batchHitShare, CONFIG.subjects).map((a) => a.applicant),
          ),
        );
        await waitForQuiet(cpu, CONFIG.quietWait);
        for (const body of bodies) turn.cold.push((await timedCheck(port, registry.apiKey, body)).ms);
        for (let pass = 0; pass < CONFIG.passes; pass++) {
          for (const body of bodies) turn.warm.push((await timedCheck(port, registry.apiKey, body)).ms);
        }
      }
      turn.rssKb = Math.max(peak(), memoryOf(pid).rssKb);
      await stopChild(service);
      turns[index].push(turn);
      const s = turn.single;
      const p = turn.steady;
      out(
        `  round ${round}, ${'AB'[index]}: ` +
          (s
            ? `${fmt(s.rps)} checks/s (non-2xx ${s.non2xx}, errors ${s.errors}), CPU ${perCheck(s, 'server').toFixed(2)} + ` +
              `${perCheck(s, 'postgres').toFixed(2)} ms a check (other ${s.cpu.other.toFixed(2)} cores)` +
              (p ? `; at ${CONFIG.rate}/s p50 ${p.p50} / p97.5 ${p.p975} / p99 ${p.p99} ms; ` : '; ')
            : '') +
          (turn.cold.length
            ? `cold ${turn.cold.map((ms) => fmt(ms)).join(', ')} ms, warm median ${fmt(median(turn.warm))} ms; `
            : '') +
          `peak RSS ${fmt(turn.rssKb / 1024)} MiB`,
      );
    }
  }

  // Each measure per turn; then each build's median over its turns, and the median over the rounds of
  // B's figure against A's in the same round (a pairing that a machine drifting between rounds does
  // not bias).
  const measures: { name: string; digits: number; of: (t: Turn) => number }[] = [
    { name: 'single checks/s, closed loop', digits: 0, of: (t) => t.single?.rps ?? NaN },
    {
      name: 'service CPU per single check, ms',
      digits: 2,
      of: (t) => (t.single ? perCheck(t.single, 'server') : NaN),
    },
    {
      name: 'PostgreSQL CPU per single check, ms',
      digits: 2,
      of: (t) => (t.single ? perCheck(t.single, 'postgres') : NaN),
    },
    { name: `p99 at a steady ${CONFIG.rate} checks/s, ms`, digits: 0, of: (t) => t.steady?.p99 ?? NaN },
    {
      name: `${fmt(CONFIG.batchSize)}-applicant check, cold, ms`,
      digits: 0,
      of: (t) => (t.cold.length ? median(t.cold) : NaN),
    },
    {
      name: `${fmt(CONFIG.batchSize)}-applicant check, warm, ms`,
      digits: 0,
      of: (t) => (t.warm.length ? median(t.warm) : NaN),
    },
    { name: 'peak RSS, MiB', digits: 0, of: (t) => t.rssKb / 1024 },
  ];
  out();
  out(`summary (A: ${builds[0].label}; B: ${builds[1].label}; ${CONFIG.rounds} rounds)`);
  out(
    "| measure | A, median of turns | B, median of turns | B against A | B against A, median of the rounds' |",
  );
  out('| --- | --- | --- | --- | --- |');
  for (const { name, digits, of } of measures) {
    const [a, b] = turns.map((list) => list.map(of));
    if (a.some(Number.isNaN) || b.some(Number.isNaN)) continue;
    const paired = median(a.map((x, i) => b[i] / x - 1));
    const signed = (r: number) => `${r >= 0 ? '+' : '−'}${Math.abs(r * 100).toFixed(0)}%`;
    out(
      `| ${name} | ${fmt(median(a), digits)} | ${fmt(median(b), digits)} | ` +
        `${signed(median(b) / median(a) - 1)} | ${signed(paired)} |`,
    );
  }
}

runBenchmark(main, CONFIG.timeLimit);
