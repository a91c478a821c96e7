/**
 * The random draw of a 双随机一公开 inspection (docs/inspections.md, "The draw"): targets sampled per
 * stratum, inspectors assigned to each drawn target, inspectors who decline replaced. A pure function
 * of its input: the service and `npm run cli -- draw:verify` call the same code, so anyone holding the
 * published draw document and the two pool exports gets the same draw.
 *
 * - Seed: SHA-256(server random ‖ UTF-8 public value).
 * - Generator: the ChaCha20 keystream (RFC 8439, 32-byte key, counter 0, zero nonce) of one key per
 *   purpose, key = SHA-256(seed ‖ UTF-8 label), labels `targets`, `inspectors`, `redraw:<n>`.
 * - Integers: uint32 little-endian from 4 keystream bytes; uniform in [0, n) by rejection sampling
 *   (x < 2^32 − 2^32 mod n, then x mod n), never modulo bias.
 * - Targets: per stratum (strata by key), a partial Fisher–Yates shuffle over the stratum's targets
 *   sorted by key; counts by largest remainder (allocate()).
 * - Inspectors: for each drawn target in key order, a partial Fisher–Yates shuffle over the eligible
 *   inspectors sorted by key.
 */
import { createCipheriv, createHash } from 'node:crypto';
import { canonicalJson } from '../receipts/receipt-signature';

const DRAW_ALGORITHM = 'registry-draw/1';

/** Fields of a target that may define strata. */
export const STRATUM_FIELDS = ['kind', 'district', 'category'] as const;
export type StratumField = (typeof STRATUM_FIELDS)[number];

/** Separates the values of a stratum key; refused inside stratum values at import. */
export const STRATUM_SEPARATOR = '|';
/** The key of the one stratum of a plan that does not stratify. */
const WHOLE_POOL = '*';
/** Ratios are whole parts per ten thousand (0.05 = 500), so every count is integer arithmetic. */
export const RATIO_SCALE = 10_000;

/** A target row as the draw sees it (the canonical pool export). */
export interface DrawTarget {
  key: string;
  kind: string;
  district: string;
  category: string;
  /** nameKey of the organisation ('' when none): conflicts compare it exactly. */
  organisationKey: string;
}

/** An inspector row as the draw sees it. */
export interface DrawInspector {
  key: string;
  organisationKey: string;
  /** Declared conflicts: target keys or organisation keys. */
  conflictKeys: string[];
}

/** A stratum's own quota, instead of its share of the overall one. */
export interface StratumQuota {
  stratum: string;
  ratioPer10000?: number | null;
  count?: number | null;
}

export interface DrawParameters {
  stratifyBy: StratumField[];
  /** Overall quota of the strata without their own: exactly one of the two. */
  ratioPer10000: number | null;
  count: number | null;
  strata: StratumQuota[];
  inspectorsPerTarget: number;
  /** At most this many targets per inspector (null: no limit). */
  maxTargetsPerInspector: number | null;
  excludedTargetKeys: string[];
  excludedInspectorKeys: string[];
}

export interface DrawInput {
  /** 32 bytes, hex. */
  seed: string;
  targets: readonly DrawTarget[];
  inspectors: readonly DrawInspector[];
  parameters: DrawParameters;
  /** Inspectors barred in REVIEWER_SELECTION on the draw date. */
  barredInspectorKeys: readonly string[];
}

export const EXCLUSION_REASONS = [
  'TARGET_EXCLUDED_BY_PLAN',
  'INSPECTOR_EXCLUDED_BY_PLAN',
  'BARRED',
  'SAME_ORGANISATION',
  'DECLARED_CONFLICT',
] as const;
export type ExclusionReason = (typeof EXCLUSION_REASONS)[number];

export interface Exclusion {
  reason: ExclusionReason;
  targetKey: string | null;
  inspectorKey: string | null;
}

export interface StratumCount {
  stratum: string;
  size: number;
  count: number;
}

export interface Assignment {
  targetKey: string;
  inspectorKeys: string[];
}

export interface DrawResult {
  algorithm: string;
  strata: StratumCount[];
  /** Drawn targets: strata in key order, each in the order sampled. */
  targets: { key: string; stratum: string }[];
  /** One per drawn target, by target key. */
  assignments: Assignment[];
  exclusions: Exclusion[];
}

/** An inspector who declined a target, in the order recorded. */
export interface Decline {
  targetKey: string;
  inspectorKey: string;
}

export interface Replacement extends Decline {
  seq: number;
  replacementKey: string;
}

export class DrawError extends Error {
  constructor(
    readonly code:
      | 'DRAW_STRATUM_UNKNOWN'
      | 'DRAW_QUOTA_TOO_LARGE'
      | 'DRAW_NOT_ENOUGH_INSPECTORS'
      | 'DRAW_QUOTA_INVALID'
      | 'DRAW_DECLINE_NOT_ASSIGNED',
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

const byKey = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const sha256 = (...parts: (Buffer | string)[]) => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest();
};

/** SHA-256(server random ‖ UTF-8 public value), hex. */
export function drawSeed(serverRandom: Buffer, publicValue: string): string {
  return sha256(serverRandom, Buffer.from(publicValue, 'utf8')).toString('hex');
}

const KEYSTREAM_CHUNK = 4096;
const TWO_32 = 2 ** 32;

/** Uniform integers from the ChaCha20 keystream of SHA-256(seed ‖ label). */
export class DrawStream {
  private readonly cipher;
  private buffer = Buffer.alloc(0);
  private position = 0;

  constructor(seedHex: string, label: string) {
    const key = sha256(Buffer.from(seedHex, 'hex'), label);
    this.cipher = createCipheriv('chacha20', key, Buffer.alloc(16));
  }

  /** The next uint32 (little-endian) of the keystream. */
  nextUint32(): number {
    if (this.position === this.buffer.length) {
      this.buffer = this.cipher.update(Buffer.alloc(KEYSTREAM_CHUNK));
      this.position = 0;
    }
    const value = this.buffer.readUInt32LE(this.position);
    this.position += 4;
    return value;
  }

  /** Uniform in [0, n), 1 ≤ n ≤ 2^32, by rejection: always at least one draw. */
  below(n: number): number {
    if (!Number.isInteger(n) || n < 1 || n > TWO_32) throw new RangeError(`below(${n})`);
    const limit = TWO_32 - (TWO_32 % n);
    for (;;) {
      const x = this.nextUint32();
      if (x < limit) return x % n;
    }
  }
}

/** Picks `k` of `items` in place by a partial Fisher–Yates shuffle; the first k are the sample. */
function partialShuffle<T>(items: T[], k: number, stream: DrawStream): T[] {
  for (let i = 0; i < k; i++) {
    const j = i + stream.below(items.length - i);
    const swap = items[i];
    items[i] = items[j];
    items[j] = swap;
  }
  return items.slice(0, k);
}

/** The stratum key of a target: its values of `stratifyBy` joined by `|`, or `*`. */
function stratumOf(target: DrawTarget, stratifyBy: readonly StratumField[]): string {
  return stratifyBy.length === 0 ? WHOLE_POOL : stratifyBy.map((f) => target[f]).join(STRATUM_SEPARATOR);
}

/** floor((2a + b) / 2b): a/b rounded half up, for a, b ≥ 0. */
const roundHalfUp = (a: number, b: number) => Math.floor((2 * a + b) / (2 * b));

/**
 * Exact counts per stratum. A stratum with its own quota takes `count`, or ratio × size rounded half
 * up. The others share the overall quota by largest remainder: the total is `count`, or ratio × their
 * size rounded half up; each takes the floor of its proportional share, and the strata with the
 * largest remainders (ties: stratum key) one more each until the total is reached.
 * @param sizes stratum → number of targets in the sampling frame
 * @throws DrawError for a quota naming no stratum or larger than its stratum
 */
export function allocate(sizes: ReadonlyMap<string, number>, p: DrawParameters): StratumCount[] {
  const keys = [...sizes.keys()].sort(byKey);
  const own = new Map<string, StratumQuota>();
  p.strata.forEach((q, i) => {
    if (!sizes.has(q.stratum)) {
      throw new DrawError(
        'DRAW_STRATUM_UNKNOWN',
        `The pool has no stratum "${q.stratum}"`,
        `strata.${i}.stratum`,
      );
    }
    own.set(q.stratum, q);
  });
  if ((p.ratioPer10000 === null) === (p.count === null)) {
    throw new DrawError('DRAW_QUOTA_INVALID', 'Give the overall ratio or the overall count', 'ratio');
  }
  const counts = new Map<string, number>();
  for (const [stratum, q] of own) {
    const size = sizes.get(stratum)!;
    const count = q.count ?? roundHalfUp((q.ratioPer10000 ?? 0) * size, RATIO_SCALE);
    counts.set(stratum, count);
  }
  const rest = keys.filter((k) => !own.has(k));
  const restSize = rest.reduce((n, k) => n + sizes.get(k)!, 0);
  let total: number;
  let numerator: (size: number) => number;
  let denominator: number;
  if (p.count !== null) {
    if (p.count > restSize) {
      throw new DrawError(
        'DRAW_QUOTA_TOO_LARGE',
        `The count ${p.count} exceeds the ${restSize} targets it applies to`,
        'count',
      );
    }
    total = p.count;
    numerator = (size) => p.count! * size;
    denominator = Math.max(restSize, 1);
  } else {
    total = roundHalfUp(p.ratioPer10000! * restSize, RATIO_SCALE);
    numerator = (size) => p.ratioPer10000! * size;
    denominator = RATIO_SCALE;
  }
  const shares = rest.map((stratum) => {
    const a = numerator(sizes.get(stratum)!);
    return { stratum, floor: Math.floor(a / denominator), remainder: a % denominator };
  });
  let left = total - shares.reduce((n, s) => n + s.floor, 0);
  const order = [...shares].sort((x, y) => y.remainder - x.remainder || byKey(x.stratum, y.stratum));
  for (const s of shares) counts.set(s.stratum, s.floor);
  for (const s of order) {
    if (left === 0) break;
    counts.set(s.stratum, s.floor + 1);
    left--;
  }
  return keys.map((stratum) => {
    const size = sizes.get(stratum)!;
    const count = counts.get(stratum)!;
    if (count > size) {
      const i = p.strata.findIndex((q) => q.stratum === stratum);
      throw new DrawError(
        'DRAW_QUOTA_TOO_LARGE',
        `Stratum "${stratum}" has ${size} targets, fewer than the ${count} asked`,
        i >= 0 ? `strata.${i}` : 'ratio',
      );
    }
    return { stratum, size, count };
  });
}

/** The sampling frame: targets not excluded by the plan, grouped by stratum, each sorted by key. */
export function sampleFrame(
  targets: readonly DrawTarget[],
  p: Pick<DrawParameters, 'stratifyBy' | 'excludedTargetKeys'>,
): Map<string, DrawTarget[]> {
  const excluded = new Set(p.excludedTargetKeys);
  const frame = new Map<string, DrawTarget[]>();
  for (const t of [...targets].sort((a, b) => byKey(a.key, b.key))) {
    if (excluded.has(t.key)) continue;
    const s = stratumOf(t, p.stratifyBy);
    const list = frame.get(s);
    if (list) list.push(t);
    else frame.set(s, [t]);
  }
  return frame;
}

interface Eligibility {
  pool: DrawInspector[];
  conflicts: Map<string, Set<string>>;
}

/** Why an inspector may not inspect a target, or null. */
function conflictOf(i: DrawInspector, t: DrawTarget, conflicts: Set<string>): ExclusionReason | null {
  if (t.organisationKey !== '' && i.organisationKey === t.organisationKey) return 'SAME_ORGANISATION';
  if (conflicts.has(t.key) || (t.organisationKey !== '' && conflicts.has(t.organisationKey)))
    return 'DECLARED_CONFLICT';
  return null;
}

function eligibility(input: DrawInput): Eligibility & { exclusions: Exclusion[] } {
  const planExcluded = new Set(input.parameters.excludedInspectorKeys);
  const barred = new Set(input.barredInspectorKeys);
  const exclusions: Exclusion[] = [];
  const pool: DrawInspector[] = [];
  for (const i of [...input.inspectors].sort((a, b) => byKey(a.key, b.key))) {
    if (planExcluded.has(i.key)) {
      exclusions.push({ reason: 'INSPECTOR_EXCLUDED_BY_PLAN', targetKey: null, inspectorKey: i.key });
    } else if (barred.has(i.key)) {
      exclusions.push({ reason: 'BARRED', targetKey: null, inspectorKey: i.key });
    } else {
      pool.push(i);
    }
  }
  return { pool, conflicts: new Map(pool.map((i) => [i.key, new Set(i.conflictKeys)])), exclusions };
}

/** The draw: strata counts, targets, inspector assignments and every exclusion with its reason. */
export function draw(input: DrawInput): DrawResult {
  const p = input.parameters;
  if (!/^[0-9a-f]{64}$/.test(input.seed)) throw new RangeError('The seed is 32 bytes in hex');
  const exclusions: Exclusion[] = [];
  const targetKeys = new Set(input.targets.map((t) => t.key));
  for (const key of [...p.excludedTargetKeys].sort(byKey)) {
    if (targetKeys.has(key))
      exclusions.push({ reason: 'TARGET_EXCLUDED_BY_PLAN', targetKey: key, inspectorKey: null });
  }
  const frame = sampleFrame(input.targets, p);
  const strata = allocate(new Map([...frame].map(([s, list]) => [s, list.length])), p);
  const stream = new DrawStream(input.seed, 'targets');
  const drawn: { target: DrawTarget; stratum: string }[] = [];
  for (const { stratum, count } of strata) {
    for (const target of partialShuffle([...frame.get(stratum)!], count, stream))
      drawn.push({ target, stratum });
  }

  const { pool, conflicts, exclusions: inspectorExclusions } = eligibility(input);
  exclusions.push(...inspectorExclusions);
  const load = new Map<string, number>();
  const inspectors = new DrawStream(input.seed, 'inspectors');
  const assignments: Assignment[] = [];
  for (const { target } of [...drawn].sort((a, b) => byKey(a.target.key, b.target.key))) {
    const eligible: DrawInspector[] = [];
    for (const i of pool) {
      const reason = conflictOf(i, target, conflicts.get(i.key)!);
      if (reason) exclusions.push({ reason, targetKey: target.key, inspectorKey: i.key });
      else if (p.maxTargetsPerInspector === null || (load.get(i.key) ?? 0) < p.maxTargetsPerInspector)
        eligible.push(i);
    }
    if (eligible.length < p.inspectorsPerTarget) {
      throw new DrawError(
        'DRAW_NOT_ENOUGH_INSPECTORS',
        `Target ${target.key} has ${eligible.length} eligible inspectors, fewer than the ${p.inspectorsPerTarget} needed`,
        'inspectorsPerTarget',
      );
    }
    const chosen = partialShuffle(eligible, p.inspectorsPerTarget, inspectors).map((i) => i.key);
    for (const key of chosen) load.set(key, (load.get(key) ?? 0) + 1);
    assignments.push({ targetKey: target.key, inspectorKeys: chosen });
  }
  return {
    algorithm: DRAW_ALGORITHM,
    strata,
    targets: drawn.map(({ target, stratum }) => ({ key: target.key, stratum })),
    assignments,
    exclusions,
  };
}

/**
 * Replaces inspectors who declined, in the order recorded: the n-th decline (from 1) draws one
 * inspector with the stream `redraw:<n>` from those eligible for the target (as in the draw), not
 * assigned to it now, not having declined it, and under the limit per inspector (the decliner's
 * target no longer counts). The replacement takes the decliner's place in the assignment.
 * @throws DrawError when a decline names an inspector not assigned to the target, or none is eligible
 */
export function applyDeclines(
  input: DrawInput,
  result: DrawResult,
  declines: readonly Decline[],
): { assignments: Assignment[]; replacements: Replacement[] } {
  const p = input.parameters;
  const { pool, conflicts } = eligibility(input);
  const targets = new Map(input.targets.map((t) => [t.key, t]));
  const assignments = result.assignments.map((a) => ({ ...a, inspectorKeys: [...a.inspectorKeys] }));
  const byTarget = new Map(assignments.map((a) => [a.targetKey, a]));
  const load = new Map<string, number>();
  for (const a of assignments) for (const k of a.inspectorKeys) load.set(k, (load.get(k) ?? 0) + 1);
  const declined = new Map<string, Set<string>>();
  const replacements: Replacement[] = [];
  declines.forEach((d, index) => {
    const seq = index + 1;
    const assignment = byTarget.get(d.targetKey);
    const place = assignment?.inspectorKeys.indexOf(d.inspectorKey) ?? -1;
    if (!assignment || place < 0) {
      throw new DrawError(
        'DRAW_DECLINE_NOT_ASSIGNED',
        `Inspector ${d.inspectorKey} is not assigned to target ${d.targetKey}`,
        'inspectorKey',
      );
    }
    const refused = declined.get(d.targetKey) ?? new Set<string>();
    refused.add(d.inspectorKey);
    declined.set(d.targetKey, refused);
    load.set(d.inspectorKey, load.get(d.inspectorKey)! - 1);
    const target = targets.get(d.targetKey)!;
    const eligible = pool.filter(
      (i) =>
        !assignment.inspectorKeys.includes(i.key) &&
        !refused.has(i.key) &&
        conflictOf(i, target, conflicts.get(i.key)!) === null &&
        (p.maxTargetsPerInspector === null || (load.get(i.key) ?? 0) < p.maxTargetsPerInspector),
    );
    if (eligible.length === 0) {
      throw new DrawError(
        'DRAW_NOT_ENOUGH_INSPECTORS',
        `No inspector is left to replace ${d.inspectorKey} on target ${d.targetKey}`,
        'inspectorKey',
      );
    }
    const replacement = eligible[new DrawStream(input.seed, `redraw:${seq}`).below(eligible.length)];
    assignment.inspectorKeys[place] = replacement.key;
    load.set(replacement.key, (load.get(replacement.key) ?? 0) + 1);
    replacements.push({
      seq,
      targetKey: d.targetKey,
      inspectorKey: d.inspectorKey,
      replacementKey: replacement.key,
    });
  });
  return { assignments, replacements };
}

/** SHA-256 of the JCS (RFC 8785) form of a value, hex: pool hashes and the result hash. */
export function canonicalHash(value: unknown): string {
  return sha256(canonicalJson(value) ?? '').toString('hex');
}

/** The draw rows of a target pool, by key, as hashed and published. */
export function targetRows(rows: readonly DrawTarget[]): DrawTarget[] {
  return [...rows]
    .map(({ key, kind, district, category, organisationKey }) => ({
      key,
      kind,
      district,
      category,
      organisationKey,
    }))
    .sort((a, b) => byKey(a.key, b.key));
}

/** The draw rows of an inspector pool, by key, conflicts sorted, as hashed and published. */
export function inspectorRows(rows: readonly DrawInspector[]): DrawInspector[] {
  return [...rows]
    .map(({ key, organisationKey, conflictKeys }) => ({
      key,
      organisationKey,
      conflictKeys: [...conflictKeys].sort(byKey),
    }))
    .sort((a, b) => byKey(a.key, b.key));
}
