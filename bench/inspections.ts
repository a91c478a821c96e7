/**
 * The draw of docs/inspections.md on a 10,000-target and 500-inspector pool: the pure function the
 * service and `draw:verify` both run (no database), verifying a published document (median and worst
 * of 25 runs after 3 warm-ups), then the service's `POST …/draw` itself, with its REVIEWER_SELECTION
 * check of the 500 inspectors and its writes (BENCH_DRAWS plans, each approved and drawn once).
 *
 * Run: npm run bench:inspections   (DATABASE_URL: a server on which a database may be created and
 * dropped; without it an embedded PostgreSQL)
 */
import { createHash } from 'node:crypto';
import { Role } from '../src/auth/principal';
import { startBenchApp } from './bench-app';
import { performance } from 'node:perf_hooks';
import { canonicalHash, draw, DrawInput, drawSeed, inspectorRows, targetRows } from '../src/inspections/draw';
import {
  DRAW_DOCUMENT_FORMAT,
  POOL_EXPORT_FORMAT,
  verifyDrawDocument,
} from '../src/inspections/draw-document';

const DISTRICTS = ['鼓楼区', '台江区', '仓山区', '晋安区', '马尾区'];
const targets = Array.from({ length: 10_000 }, (_, n) => ({
  key: `T${String(n).padStart(5, '0')}`,
  kind: n % 10 === 0 ? 'ENTERPRISE' : 'PROJECT',
  district: DISTRICTS[n % DISTRICTS.length],
  category: n % 3 === 0 ? '重点研发' : '自然科学基金',
  organisationKey: `org${n % 150}`,
}));
const inspectors = Array.from({ length: 500 }, (_, i) => ({
  key: `E${String(i).padStart(4, '0')}`,
  organisationKey: `org${(i * 7) % 150}`,
  conflictKeys: i % 10 === 0 ? [`T${String(i * 3).padStart(5, '0')}`] : [],
}));

const serverRandom = (run: number) => createHash('sha256').update(`bench ${run}`).digest();

function input(run: number): DrawInput {
  return {
    seed: drawSeed(serverRandom(run), ''),
    targets,
    inspectors,
    parameters: {
      stratifyBy: ['district', 'category'],
      ratioPer10000: 500,
      count: null,
      strata: [],
      inspectorsPerTarget: 2,
      maxTargetsPerInspector: 5,
      excludedTargetKeys: [],
      excludedInspectorKeys: [],
    },
    barredInspectorKeys: ['E0001', 'E0002'],
  };
}

const out = (line: string) => process.stdout.write(`${line}\n`);

function summary(label: string, times: number[]) {
  times.sort((a, b) => a - b);
  out(
    `${label}: median ${times[Math.floor(times.length / 2)].toFixed(1)} ms, worst ${times[times.length - 1].toFixed(1)} ms`,
  );
}

function measure(label: string, fn: (run: number) => void) {
  for (let i = 0; i < 3; i++) fn(i);
  const times: number[] = [];
  for (let i = 0; i < 25; i++) {
    const start = performance.now();
    fn(100 + i);
    times.push(performance.now() - start);
  }
  summary(label, times);
}

/** The service: pools uploaded as files, then plans approved and drawn through HTTP. */
async function service(): Promise<void> {
  const bench = await startBenchApp();
  try {
    const recorder = await bench.user(Role.RECORDER);
    const approver = await bench.user(Role.APPROVER);
    const csv = (rows: (string | number)[][]) => rows.map((r) => r.join(',')).join('\n') + '\n';
    const upload = async (kind: string, text: string) => {
      const pool = (await bench.call('POST', '/api/v1/inspections/pools', recorder, { kind, name: kind }))
        .body;
      const form = new FormData();
      form.append('file', new Blob([text], { type: 'text/csv' }), `${kind}.csv`);
      const start = performance.now();
      const res = await fetch(`${bench.base}/api/v1/inspections/pools/${pool.id}/versions`, {
        method: 'POST',
        headers: recorder,
        body: form,
      });
      if (res.status !== 201) throw new Error(`upload ${kind}: ${res.status} ${await res.text()}`);
      out(`upload of the ${kind} pool: ${(performance.now() - start).toFixed(0)} ms`);
      return ((await res.json()) as { versions: { id: string }[] }).versions[0].id;
    };
    const targetVersion = await upload(
      'TARGET',
      csv([
        ['key', 'kind', 'name', 'organisation', 'district', 'category'],
        ...targets.map((t, n) => [t.key, t.kind, `项目${n}`, `单位${n % 150}`, t.district, t.category]),
      ]),
    );
    const inspectorVersion = await upload(
      'INSPECTOR',
      csv([
        ['key', 'name', 'organisation', 'conflicts'],
        ...inspectors.map((i, n) => [i.key, `专家${n}`, `单位${(n * 7) % 150}`, i.conflictKeys.join(';')]),
      ]),
    );
    const times: number[] = [];
    for (let run = 0; run < Number(process.env.BENCH_DRAWS ?? 5); run++) {
      const plan = (
        await bench.call('POST', '/api/v1/inspections/plans', recorder, {
          title: `bench ${run}`,
          scope: 'bench',
          year: 2026,
          items: ['科研诚信'],
          targetPoolVersionId: targetVersion,
          inspectorPoolVersionId: inspectorVersion,
          stratifyBy: ['district', 'category'],
          ratio: 0.05,
          inspectorsPerTarget: 2,
          maxTargetsPerInspector: 5,
        })
      ).body;
      await bench.call('POST', `/api/v1/inspections/plans/${plan.id}/approve`, approver);
      const start = performance.now();
      await bench.call('POST', `/api/v1/inspections/plans/${plan.id}/draw`, approver, {});
      times.push(performance.now() - start);
    }
    summary(`POST …/draw through the service (${times.length} plans)`, times);
  } finally {
    await bench.close();
  }
}

const sample = draw(input(0));
process.stdout.write(
  `pool 10,000 targets / 500 inspectors, 5 % in 10 strata: ${sample.targets.length} targets, ` +
    `${sample.assignments.length} assignments, ${sample.exclusions.length} exclusions\n`,
);
measure('draw (pure)', (run) => void draw(input(run)));
const tRows = targetRows(targets);
const iRows = inspectorRows(inspectors);
measure('draw:verify (hashes, seed, draw, compare)', (run) => {
  const i = input(run);
  const result = draw(i);
  const ok = verifyDrawDocument(
    {
      format: DRAW_DOCUMENT_FORMAT,
      planId: 'bench',
      algorithm: result.algorithm,
      drawnAt: '',
      drawDate: '',
      serverRandom: serverRandom(run).toString('hex'),
      publicValue: '',
      seed: i.seed,
      targetPool: { versionId: 't', rows: tRows.length, hash: canonicalHash(tRows) },
      inspectorPool: { versionId: 'i', rows: iRows.length, hash: canonicalHash(iRows) },
      parameters: i.parameters,
      barredInspectorKeys: i.barredInspectorKeys as string[],
      result,
      resultHash: canonicalHash(result),
      redraws: [],
    },
    { format: POOL_EXPORT_FORMAT, versionId: 't', kind: 'TARGET', hash: '', rows: tRows },
    { format: POOL_EXPORT_FORMAT, versionId: 'i', kind: 'INSPECTOR', hash: '', rows: iRows },
  );
  if (!ok.ok) throw new Error('the bench document does not verify');
});

service().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
