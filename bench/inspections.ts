/**
 * The draw of docs/inspections.md on a 10,000-target and 500-inspector pool: the pure function the
 * service and `draw:verify` both run (no database), and verifying a published document. Prints
 * median and worst of 25 runs after 3 warm-ups.
 */
import { createHash } from 'node:crypto';
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

function measure(label: string, fn: (run: number) => void) {
  for (let i = 0; i < 3; i++) fn(i);
  const times: number[] = [];
  for (let i = 0; i < 25; i++) {
    const start = performance.now();
    fn(100 + i);
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  process.stdout.write(`${label}: median ${times[12].toFixed(1)} ms, worst ${times[24].toFixed(1)} ms\n`);
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
