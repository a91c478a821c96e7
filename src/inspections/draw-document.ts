/**
 * The published record of a draw and the published pool exports, and their verification: what
 * `npm run cli -- draw:verify` runs on the public downloads alone (docs/inspections.md). Pure.
 */
import canonicalize from 'canonicalize';
import {
  applyDeclines,
  canonicalHash,
  draw,
  DrawError,
  DrawInput,
  DrawInspector,
  DrawParameters,
  DrawResult,
  drawSeed,
  DrawTarget,
  inspectorRows,
  Replacement,
  targetRows,
} from './draw';

export const DRAW_DOCUMENT_FORMAT = 'registry-inspection-draw/1';
export const POOL_EXPORT_FORMAT = 'registry-inspection-pool/1';

export interface PoolReference {
  versionId: string;
  rows: number;
  /** canonicalHash of the pool's draw rows (targetRows / inspectorRows). */
  hash: string;
}

export interface Redraw extends Replacement {
  reason: string;
}

/** What is published of a draw: every input but the pools (exported apart), and the outcome. */
export interface DrawDocument {
  format: string;
  planId: string;
  algorithm: string;
  drawnAt: string;
  /** The day the bars were checked on (China). */
  drawDate: string;
  serverRandom: string;
  publicValue: string;
  seed: string;
  targetPool: PoolReference;
  inspectorPool: PoolReference;
  parameters: DrawParameters;
  barredInspectorKeys: string[];
  result: DrawResult;
  resultHash: string;
  redraws: Redraw[];
}

/** A published pool version: its draw rows, each with what may be shown of it. */
export interface PoolExport<R> {
  format: string;
  versionId: string;
  kind: 'TARGET' | 'INSPECTOR';
  hash: string;
  rows: R[];
}

export interface VerifyStep {
  step: string;
  ok: boolean;
  detail: string;
}

const same = (a: unknown, b: unknown) => canonicalize(a) === canonicalize(b);

/** The draw's input rebuilt from a document and the two pool exports. */
function drawInputOf(
  doc: DrawDocument,
  targets: readonly DrawTarget[],
  inspectors: readonly DrawInspector[],
): DrawInput {
  return {
    seed: doc.seed,
    targets: targetRows(targets),
    inspectors: inspectorRows(inspectors),
    parameters: doc.parameters,
    barredInspectorKeys: doc.barredInspectorKeys,
  };
}

/**
 * Replays a published draw: the seed from its parts, each pool export against the hash the draw
 * names, the draw itself, and every redraw.
 */
export function verifyDrawDocument(
  doc: DrawDocument,
  targets: PoolExport<DrawTarget>,
  inspectors: PoolExport<DrawInspector>,
): { ok: boolean; steps: VerifyStep[] } {
  const steps: VerifyStep[] = [];
  const step = (name: string, ok: boolean, detail: string) => steps.push({ step: name, ok, detail });
  step('format', doc.format === DRAW_DOCUMENT_FORMAT, doc.format);
  const seed = drawSeed(Buffer.from(doc.serverRandom, 'hex'), doc.publicValue);
  step('seed', seed === doc.seed, `SHA-256(serverRandom ‖ publicValue) = ${seed}`);
  for (const [name, ref, pool, rows] of [
    ['target pool', doc.targetPool, targets, targetRows(targets.rows)],
    ['inspector pool', doc.inspectorPool, inspectors, inspectorRows(inspectors.rows)],
  ] as const) {
    const hash = canonicalHash(rows);
    step(
      name,
      pool.versionId === ref.versionId && hash === ref.hash && rows.length === ref.rows,
      `version ${pool.versionId}, ${rows.length} rows, hash ${hash}`,
    );
  }
  if (steps.some((s) => !s.ok)) return { ok: false, steps };
  const input = drawInputOf(doc, targets.rows, inspectors.rows);
  let result: DrawResult;
  try {
    result = draw(input);
  } catch (error) {
    step('draw', false, error instanceof DrawError ? `${error.code}: ${error.message}` : String(error));
    return { ok: false, steps };
  }
  const hash = canonicalHash(result);
  step(
    'draw',
    same(result, doc.result) && hash === doc.resultHash,
    `${result.targets.length} targets, ${result.assignments.length} assignments, ` +
      `${result.exclusions.length} exclusions, result hash ${hash}`,
  );
  try {
    const { replacements } = applyDeclines(input, result, doc.redraws);
    const published = doc.redraws.map(({ seq, targetKey, inspectorKey, replacementKey }) => ({
      seq,
      targetKey,
      inspectorKey,
      replacementKey,
    }));
    step('redraws', same(replacements, published), `${replacements.length} redraws`);
  } catch (error) {
    step('redraws', false, error instanceof DrawError ? `${error.code}: ${error.message}` : String(error));
  }
  return { ok: steps.every((s) => s.ok), steps };
}

/** A verification as the command line prints it. */
export function describeDrawVerification(verified: { ok: boolean; steps: VerifyStep[] }): string {
  return [
    ...verified.steps.map((s) => `${s.ok ? 'ok  ' : 'FAIL'} ${s.step}: ${s.detail}`),
    verified.ok ? 'the draw reproduces' : 'the draw does NOT reproduce',
  ].join('\n');
}
