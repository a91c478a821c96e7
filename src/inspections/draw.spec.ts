import canonicalize from 'canonicalize';
import fc from 'fast-check';
import { createCipheriv, createHash } from 'node:crypto';
import {
  allocate,
  applyDeclines,
  canonicalHash,
  draw,
  DrawError,
  DrawInput,
  DrawInspector,
  DrawParameters,
  drawSeed,
  DrawStream,
  DrawTarget,
  inspectorRows,
  sampleFrame,
  targetRows,
} from './draw';
import { DRAW_DOCUMENT_FORMAT, DrawDocument, POOL_EXPORT_FORMAT, verifyDrawDocument } from './draw-document';

const seedOf = (n: number) => createHash('sha256').update(`seed ${n}`).digest('hex');

const params = (over: Partial<DrawParameters> = {}): DrawParameters => ({
  stratifyBy: ['district'],
  ratioPer10000: 500,
  count: null,
  strata: [],
  inspectorsPerTarget: 2,
  maxTargetsPerInspector: null,
  excludedTargetKeys: [],
  excludedInspectorKeys: [],
  ...over,
});

function targets(n: number, districts = ['A', 'B', 'C'], orgs = 20): DrawTarget[] {
  return Array.from({ length: n }, (_, i) => ({
    key: `T${String(i).padStart(5, '0')}`,
    kind: i % 4 === 0 ? 'ENTERPRISE' : 'PROJECT',
    district: districts[i % districts.length],
    category: `C${i % 2}`,
    organisationKey: `org${i % orgs}`,
  }));
}

function inspectors(n: number, orgs = 20): DrawInspector[] {
  return Array.from({ length: n }, (_, i) => ({
    key: `E${String(i).padStart(4, '0')}`,
    organisationKey: `org${(i * 7) % orgs}`,
    conflictKeys: i % 5 === 0 ? [`T${String(i).padStart(5, '0')}`, `org${(i + 1) % orgs}`] : [],
  }));
}

const input = (over: Partial<DrawInput> = {}): DrawInput => ({
  seed: seedOf(1),
  targets: targets(300),
  inspectors: inspectors(60),
  parameters: params(),
  barredInspectorKeys: [],
  ...over,
});

describe('the generator', () => {
  it('is the RFC 8439 ChaCha20 keystream of SHA-256(seed ‖ label), read as little-endian uint32', () => {
    const seed = seedOf(7);
    const key = createHash('sha256').update(Buffer.from(seed, 'hex')).update('targets').digest();
    const keystream = createCipheriv('chacha20', key, Buffer.alloc(16)).update(Buffer.alloc(8192));
    const stream = new DrawStream(seed, 'targets');
    for (let i = 0; i < 2048; i++) expect(stream.nextUint32()).toBe(keystream.readUInt32LE(i * 4));
  });

  it('RFC 8439 section 2.4.2 test vector: node:crypto chacha20 with a 16-byte IV is counter ‖ nonce', () => {
    const key = Buffer.from(Array.from({ length: 32 }, (_, i) => i));
    const iv = Buffer.concat([Buffer.from([1, 0, 0, 0]), Buffer.from('000000000000004a00000000', 'hex')]);
    const plain = Buffer.from(
      "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.",
    );
    const out = createCipheriv('chacha20', key, iv).update(plain);
    expect(out.subarray(0, 16).toString('hex')).toBe('6e2e359a2568f98041ba0728dd0d6981');
  });

  it('rejects the top of the range instead of folding it (no modulo bias)', () => {
    // n = 3·2^30 leaves 2^32 mod n = 2^30: a quarter of all uint32 values lie at or above the limit
    // and must be drawn again, where a plain x % n would fold them onto [0, 2^30).
    const n = 3 * 2 ** 30;
    const stream = new DrawStream(seedOf(3), 'x');
    const replay = new DrawStream(seedOf(3), 'x');
    const limit = 2 ** 32 - (2 ** 32 % n);
    expect(limit).toBe(n);
    let rejected = 0;
    for (let i = 0; i < 1000; i++) {
      let x = replay.nextUint32();
      while (x >= limit) {
        rejected++;
        x = replay.nextUint32();
      }
      expect(stream.below(n)).toBe(x % n);
    }
    // Rejection really happened, and the stream consumed exactly the values the reference did.
    expect(rejected).toBeGreaterThan(100);
    expect(stream.nextUint32()).toBe(replay.nextUint32());
  });
});

describe('allocation of counts to strata', () => {
  const sizes = fc.dictionary(fc.string({ minLength: 1, maxLength: 3 }), fc.integer({ min: 0, max: 5000 }), {
    minKeys: 1,
    maxKeys: 12,
  });

  it('by ratio: the total is ratio × frame rounded half up, and each stratum gets floor or ceil of its share', () => {
    fc.assert(
      fc.property(sizes, fc.integer({ min: 0, max: 10000 }), (dict, ratio) => {
        const map = new Map(Object.entries(dict));
        const counts = allocate(map, params({ ratioPer10000: ratio }));
        const n = [...map.values()].reduce((a, b) => a + b, 0);
        const total = counts.reduce((a, c) => a + c.count, 0);
        expect(total).toBe(Math.floor((2 * ratio * n + 10000) / 20000));
        for (const c of counts) {
          expect(c.size).toBe(map.get(c.stratum));
          expect(c.count).toBeGreaterThanOrEqual(Math.floor((ratio * c.size) / 10000));
          expect(c.count).toBeLessThanOrEqual(Math.ceil((ratio * c.size) / 10000));
        }
      }),
    );
  });

  it('by count: exactly the count, each stratum floor or ceil of its proportional share', () => {
    fc.assert(
      fc.property(sizes, fc.double({ min: 0, max: 1, noNaN: true }), (dict, share) => {
        const map = new Map(Object.entries(dict));
        const n = [...map.values()].reduce((a, b) => a + b, 0);
        const count = Math.floor(share * n);
        const counts = allocate(map, params({ ratioPer10000: null, count }));
        expect(counts.reduce((a, c) => a + c.count, 0)).toBe(count);
        for (const c of counts) {
          if (n === 0) continue;
          expect(c.count).toBeGreaterThanOrEqual(Math.floor((count * c.size) / n));
          expect(c.count).toBeLessThanOrEqual(Math.ceil((count * c.size) / n));
        }
      }),
    );
  });

  it("a stratum's own quota wins; the rest share the overall one", () => {
    const map = new Map([
      ['A', 100],
      ['B', 100],
      ['C', 101],
    ]);
    const counts = allocate(
      map,
      params({ ratioPer10000: 500, strata: [{ stratum: 'B', ratioPer10000: 2000 }] }),
    );
    expect(counts).toEqual([
      { stratum: 'A', size: 100, count: 5 },
      { stratum: 'B', size: 100, count: 20 },
      { stratum: 'C', size: 101, count: 5 },
    ]);
    expect(() => allocate(map, params({ strata: [{ stratum: 'Z', count: 1 }] }))).toThrow(DrawError);
    expect(() => allocate(map, params({ strata: [{ stratum: 'A', count: 101 }] }))).toThrow(
      expect.objectContaining({ code: 'DRAW_QUOTA_TOO_LARGE', field: 'strata.0' }),
    );
  });
});

describe('the draw', () => {
  it('gives the same draw for the same seed, and another for another seed', () => {
    const a = draw(input());
    expect(draw(input())).toEqual(a);
    expect(draw(input({ targets: [...input().targets].reverse() }))).toEqual(a);
    expect(draw(input({ seed: seedOf(2) })).targets).not.toEqual(a.targets);
  });

  it('draws exactly the allocated count in each stratum, distinct targets of that stratum', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 10_000 }),
        fc.integer({ min: 1, max: 2000 }),
        fc.subarray(['kind', 'district', 'category'] as const),
        (s, ratio, stratifyBy) => {
          const pool = targets(200);
          const p = params({ ratioPer10000: ratio, stratifyBy: [...stratifyBy], inspectorsPerTarget: 1 });
          const result = draw(input({ seed: seedOf(s), targets: pool, parameters: p }));
          const expected = allocate(new Map([...sampleFrame(pool, p)].map(([k, v]) => [k, v.length])), p);
          expect(result.strata).toEqual(expected);
          for (const { stratum, count } of expected) {
            expect(result.targets.filter((t) => t.stratum === stratum)).toHaveLength(count);
          }
          expect(new Set(result.targets.map((t) => t.key)).size).toBe(result.targets.length);
        },
      ),
      { numRuns: 60 },
    );
  });

  it("draws each target with its stratum's ratio: frequencies over 2,000 seeds within 5 sigma", () => {
    // Strata of 40, 25 and 10 targets; counts 6, 4 and 1 (15 % of 75 is 11: floors 6, 3, 1, and the
    // largest remainder, 0.75 of B, takes the eleventh):
    // each target of stratum s is drawn with p = count / size.
    const pool = [
      ...targets(40, ['A']),
      ...targets(25, ['B']).map((t) => ({ ...t, key: `B${t.key}` })),
    ].concat(targets(10, ['C']).map((t) => ({ ...t, key: `C${t.key}` })));
    const p = params({ ratioPer10000: 1500, inspectorsPerTarget: 1 });
    const runs = 2000;
    const seen = new Map<string, number>();
    let strata: { stratum: string; size: number; count: number }[] = [];
    for (let s = 0; s < runs; s++) {
      const result = draw(
        input({ seed: seedOf(1000 + s), targets: pool, parameters: p, inspectors: inspectors(30, 97) }),
      );
      strata = result.strata;
      for (const t of result.targets) seen.set(t.key, (seen.get(t.key) ?? 0) + 1);
    }
    expect(strata.map((x) => x.count)).toEqual([6, 4, 1]);
    for (const t of pool) {
      const { size, count } = strata.find((x) => x.stratum === t.district)!;
      const prob = count / size;
      const sigma = Math.sqrt(runs * prob * (1 - prob));
      expect(Math.abs((seen.get(t.key) ?? 0) - runs * prob)).toBeLessThanOrEqual(5 * sigma);
    }
  });

  it('never assigns an inspector against a conflict, nor a barred or excluded one; each exclusion has its reason', () => {
    fc.assert(
      fc.property(fc.integer(), fc.integer({ min: 1, max: 3 }), (s, perTarget) => {
        const i = inspectors(60);
        const barred = ['E0003', 'E0010'];
        const p = params({
          ratioPer10000: 1000,
          inspectorsPerTarget: perTarget,
          excludedInspectorKeys: ['E0004'],
        });
        const result = draw(
          input({ seed: seedOf(s), inspectors: i, parameters: p, barredInspectorKeys: barred }),
        );
        const byKey = new Map(i.map((x) => [x.key, x]));
        const targetOf = new Map(targets(300).map((t) => [t.key, t]));
        for (const a of result.assignments) {
          const t = targetOf.get(a.targetKey)!;
          expect(a.inspectorKeys).toHaveLength(perTarget);
          expect(new Set(a.inspectorKeys).size).toBe(perTarget);
          for (const k of a.inspectorKeys) {
            const x = byKey.get(k)!;
            expect(x.organisationKey).not.toBe(t.organisationKey);
            expect(x.conflictKeys).not.toContain(t.key);
            expect(x.conflictKeys).not.toContain(t.organisationKey);
            expect([...barred, 'E0004']).not.toContain(k);
          }
        }
        expect(result.exclusions).toEqual(
          expect.arrayContaining([
            { reason: 'BARRED', inspectorKey: 'E0003', targetKey: null },
            { reason: 'BARRED', inspectorKey: 'E0010', targetKey: null },
            { reason: 'INSPECTOR_EXCLUDED_BY_PLAN', inspectorKey: 'E0004', targetKey: null },
          ]),
        );
        const sameOrg = result.exclusions.filter((e) => e.reason === 'SAME_ORGANISATION');
        expect(sameOrg.length).toBeGreaterThan(0);
        for (const e of sameOrg) {
          expect(byKey.get(e.inspectorKey!)!.organisationKey).toBe(
            targetOf.get(e.targetKey!)!.organisationKey,
          );
        }
      }),
      { numRuns: 40 },
    );
  });

  it('keeps excluded targets out of the frame, and holds each inspector to the limit', () => {
    const p = params({
      ratioPer10000: 10000,
      stratifyBy: [],
      excludedTargetKeys: ['T00000', 'T00001'],
      inspectorsPerTarget: 2,
      maxTargetsPerInspector: 12,
    });
    const result = draw(input({ parameters: p }));
    expect(result.strata).toEqual([{ stratum: '*', size: 298, count: 298 }]);
    expect(result.targets.map((t) => t.key)).not.toContain('T00000');
    const load = new Map<string, number>();
    for (const a of result.assignments) for (const k of a.inspectorKeys) load.set(k, (load.get(k) ?? 0) + 1);
    expect(Math.max(...load.values())).toBeLessThanOrEqual(12);
    expect(() => draw(input({ parameters: { ...p, maxTargetsPerInspector: 2 } }))).toThrow(
      expect.objectContaining({ code: 'DRAW_NOT_ENOUGH_INSPECTORS' }),
    );
  });

  it('replaces a decliner with an eligible inspector, the same one on every replay', () => {
    const i = input();
    const result = draw(i);
    const [first, second] = result.assignments;
    const declines = [
      { targetKey: first.targetKey, inspectorKey: first.inspectorKeys[0] },
      { targetKey: second.targetKey, inspectorKey: second.inspectorKeys[1] },
    ];
    const a = applyDeclines(i, result, declines);
    expect(applyDeclines(i, result, declines)).toEqual(a);
    expect(a.replacements).toHaveLength(2);
    const now = a.assignments.find((x) => x.targetKey === first.targetKey)!;
    expect(now.inspectorKeys[0]).toBe(a.replacements[0].replacementKey);
    expect(now.inspectorKeys).not.toContain(first.inspectorKeys[0]);
    expect(now.inspectorKeys[1]).toBe(first.inspectorKeys[1]);
    expect(() => applyDeclines(i, result, [{ targetKey: first.targetKey, inspectorKey: 'E9999' }])).toThrow(
      expect.objectContaining({ code: 'DRAW_DECLINE_NOT_ASSIGNED' }),
    );
  });
});

describe('verification of a published draw', () => {
  const serverRandom = Buffer.alloc(32, 7);
  const seed = drawSeed(serverRandom, '2026120412345');
  const i = input({ seed, barredInspectorKeys: ['E0002'] });
  const result = draw(i);
  const redraw = {
    targetKey: result.assignments[0].targetKey,
    inspectorKey: result.assignments[0].inspectorKeys[0],
  };
  const { replacements } = applyDeclines(i, result, [redraw]);
  const tRows = targetRows(i.targets);
  const iRows = inspectorRows(i.inspectors);
  const doc: DrawDocument = {
    format: DRAW_DOCUMENT_FORMAT,
    planId: 'p',
    algorithm: result.algorithm,
    drawnAt: '2026-12-04T02:00:00.000Z',
    drawDate: '2026-12-04',
    serverRandom: serverRandom.toString('hex'),
    publicValue: '2026120412345',
    seed,
    targetPool: { versionId: 'tv', rows: tRows.length, hash: canonicalHash(tRows) },
    inspectorPool: { versionId: 'iv', rows: iRows.length, hash: canonicalHash(iRows) },
    parameters: i.parameters,
    barredInspectorKeys: ['E0002'],
    result,
    resultHash: canonicalHash(result),
    redraws: replacements.map((r) => ({ ...r, reason: 'declined' })),
  };
  const pools = {
    targets: { format: POOL_EXPORT_FORMAT, versionId: 'tv', kind: 'TARGET' as const, hash: '', rows: tRows },
    inspectors: {
      format: POOL_EXPORT_FORMAT,
      versionId: 'iv',
      kind: 'INSPECTOR' as const,
      hash: '',
      rows: iRows,
    },
  };

  it('hashes the JCS form the canonicalize package writes', () => {
    const jcs = (v: unknown) => createHash('sha256').update(canonicalize(v)!).digest('hex');
    for (const v of [tRows, iRows, result, doc, { 名称: '鼓楼区', n: 1e21, x: [0.1, -0, null] }])
      expect(canonicalHash(v)).toBe(jcs(v));
  });

  it('reproduces a faithful document', () => {
    const verified = verifyDrawDocument(doc, pools.targets, pools.inspectors);
    expect(verified.steps.filter((s) => !s.ok)).toEqual([]);
    expect(verified.ok).toBe(true);
  });

  it('fails on a changed seed part, pool row, drawn target or redraw', () => {
    const fails = (d: DrawDocument, t = pools.targets) => verifyDrawDocument(d, t, pools.inspectors).ok;
    expect(fails({ ...doc, publicValue: '2026120412346' })).toBe(false);
    expect(
      fails(doc, { ...pools.targets, rows: tRows.map((r, n) => (n === 0 ? { ...r, district: 'Z' } : r)) }),
    ).toBe(false);
    const swapped = { ...result, targets: [...result.targets].reverse() };
    expect(fails({ ...doc, result: swapped, resultHash: canonicalHash(swapped) })).toBe(false);
    expect(fails({ ...doc, redraws: doc.redraws.map((r) => ({ ...r, replacementKey: 'E0001' })) })).toBe(
      false,
    );
  });
});
