import canonicalize from 'canonicalize';
import fc from 'fast-check';
import { randomBytes } from 'node:crypto';
import { validateEnv } from '../config/env';
import { CHECK_RECEIPT_FORMAT, CheckReceipt, maskName, maskRefusedIdentifier } from './check-receipt';
import { ReceiptKeys } from './receipt-keys';
import {
  canonicalJson,
  keysFromJwks,
  privateKeyFromSeed,
  rawPublicKey,
  signDocument,
  signingInput,
  verifyDocument,
} from './receipt-signature';
import { verifyReceiptText } from './receipt-verify-offline';

const text = fc.string({ unit: 'binary', maxLength: 12 });
const nullable = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: null });
const hex32 = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => Buffer.from(b).toString('hex'));
const day = fc.date({ min: new Date('2000-01-01'), max: new Date('2040-01-01'), noInvalidDate: true });

/** Receipts of any content the shape allows, Unicode anywhere a string goes. */
const receiptArb: fc.Arbitrary<CheckReceipt> = fc.record({
  format: fc.constant(CHECK_RECEIPT_FORMAT),
  id: fc.uuid(),
  part: fc.constant(null),
  issuer: fc.record({ name: text, nameEn: text }),
  issuedAt: day.map((d) => d.toISOString()),
  purpose: text,
  reference: nullable(text),
  domain: fc.record({ code: fc.constantFrom('PROJECT_FUNDING', 'AWARD'), label: nullable(text) }),
  asOf: day.map((d) => d.toISOString().slice(0, 10)),
  knownAt: day.map((d) => d.toISOString()),
  lookbackYears: nullable(fc.integer({ min: 0, max: 10 })),
  ruleVersion: fc.integer({ min: 1, max: 1000 }),
  counts: fc.record({ BLOCK: fc.nat(), REVIEW: fc.nat(), CLEAR: fc.nat(), ERROR: fc.nat() }),
  applicants: fc.array(
    fc.record({
      index: fc.nat(10_000),
      ref: nullable(text),
      kind: nullable(fc.constantFrom('NATURAL_PERSON', 'LEGAL_PERSON')),
      name: nullable(text),
      organisation: nullable(text),
      identifier: nullable(
        fc.record({
          type: fc.constantFrom('RESIDENT_ID', 'PASSPORT'),
          issuingCountry: nullable(text),
          masked: text,
        }),
      ),
      inputHash: hex32,
      verdict: fc.constantFrom('BLOCK', 'REVIEW', 'CLEAR', 'ERROR'),
      underObjection: fc.boolean(),
      greenChannel: fc.boolean(),
      reasons: fc.array(
        fc.record({
          effect: fc.constantFrom('BLOCK', 'REVIEW'),
          kind: fc.constantFrom('MEASURE', 'LISTING', 'CASE'),
          match: fc.constantFrom('IDENTIFIER', 'NAME_ORGANISATION'),
          listType: nullable(fc.constantFrom('BLACK', 'WATCH')),
          measureType: nullable(text),
          measureLabel: nullable(text),
          decisionNumber: nullable(text),
          authority: nullable(text),
          decisionDate: nullable(day.map((d) => d.toISOString().slice(0, 10))),
          misconductTypes: fc.array(text, { maxLength: 2 }),
          from: nullable(text),
          to: nullable(text),
          lifetime: fc.boolean(),
          underObjection: fc.boolean(),
        }),
        { maxLength: 2 },
      ),
    }),
    { minLength: 1, maxLength: 3 },
  ),
  answerHash: hex32,
});

const seed = () => randomBytes(32);
const keysOf = (kid: string, keySeed: Buffer, retired = '') =>
  new ReceiptKeys(
    { receiptSigningKey: { kid, seed: keySeed } },
    validateEnv(retired ? { RECEIPT_VERIFY_KEYS: retired } : {}),
  );
const retiredEntry = (kid: string, keySeed: Buffer) =>
  `${kid}:${rawPublicKey(privateKeyFromSeed(keySeed)).toString('base64')}`;

describe('canonical form (RFC 8785)', () => {
  it('orders members by UTF-16 code units and writes numbers and strings as JCS does', () => {
    const input = JSON.parse('{"b": 1.0, "a": [true, null, "é\\u000f"], "€": 1e21, "\\r": -0}');
    expect(signingInput(input).toString('utf8')).toBe('{"\\r":0,"a":[true,null,"é\\u000f"],"b":1,"€":1e+21}');
  });

  it('is what the canonicalize package writes, for any JSON value', () => {
    const key = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 6 }),
      fc.nat(20).map(String),
      fc.constant('__proto__'),
    );
    const { value } = fc.letrec((tie) => ({
      value: fc.oneof(
        { depthSize: 'small' },
        fc.string({ unit: 'binary', maxLength: 8 }),
        fc.double({ noNaN: true, noDefaultInfinity: true }),
        fc.integer(),
        fc.boolean(),
        fc.constant(null),
        fc.date({ noInvalidDate: true }),
        fc.array(tie('value'), { maxLength: 4 }),
        fc.dictionary(key, tie('value'), { maxKeys: 5 }),
        // Members already in order, as receipts are built: JSON.stringify alone writes these.
        fc
          .dictionary(key, tie('value'), { maxKeys: 5 })
          .map((d) => Object.fromEntries(Object.entries(d).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))),
      ),
    }));
    fc.assert(
      fc.property(value, (v) => {
        expect(canonicalJson(v)).toBe(canonicalize(v));
      }),
      { numRuns: 2000 },
    );
    // A member named "__proto__" whose value has to be reordered stays a member.
    const proto = JSON.parse('{"z": 1, "__proto__": {"b": 1, "a": [{"d": 0, "c": 0}]}}') as unknown;
    expect(canonicalJson(proto)).toBe(canonicalize(proto));
    expect(canonicalJson(proto)).toBe('{"__proto__":{"a":[{"c":0,"d":0}],"b":1},"z":1}');
    // Values JSON.stringify alone would write differently go the longer way.
    const date = new Date(Date.UTC(2026, 11, 3));
    for (const odd of [
      { a: date, b: [new Number(1), new String('x'), new Boolean(false)] },
      { a: 1, b: Object.assign(Object.create({ inherited: 1 }) as object, { c: 2 }) },
      { a: Buffer.from('ab') },
    ]) {
      expect(canonicalJson(odd)).toBe(canonicalize(odd));
    }
    const cycle: Record<string, unknown> = { a: 1 };
    cycle.b = cycle;
    expect(() => canonicalJson(cycle)).toThrow();
    // Where JCS refuses a value, so does the fast form.
    for (const refused of [{ a: '\ud800' }, [Number.NaN], { b: Infinity }, { a: [1, { b: '\udfff' }] }]) {
      expect(() => canonicalJson(refused)).toThrow();
    }
  });

  it('leaves the signature member out, and does not care for member order or whitespace', () => {
    fc.assert(
      fc.property(receiptArb, (receipt) => {
        const reordered = JSON.parse(
          JSON.stringify(Object.fromEntries(Object.entries(receipt).reverse()), null, 2),
        );
        expect(signingInput({ ...reordered, signature: 'x' })).toEqual(signingInput(receipt));
      }),
      { numRuns: 100 },
    );
  });
});

describe('signing and verifying', () => {
  const current = seed();
  const keys = keysOf('r2', current);

  it('a signed receipt verifies, with the key id it names', () => {
    fc.assert(
      fc.property(receiptArb, (receipt) => {
        const signed = keys.sign(receipt);
        expect(signed.signature).toEqual({ alg: 'Ed25519', kid: 'r2', value: expect.any(String) });
        expect(keys.verify(signed)).toEqual({ valid: true, kid: 'r2' });
        expect(keys.verify(JSON.parse(JSON.stringify(signed, null, 1)))).toEqual({ valid: true, kid: 'r2' });
      }),
      { numRuns: 200 },
    );
  });

  it("signText's text is the signed document, and verifies as it is stored", () => {
    const documents = fc.oneof(
      receiptArb as fc.Arbitrary<object>,
      fc.object({ maxDepth: 3, values: [fc.jsonValue()] }),
      fc.constant({}),
      fc.constant({ signature: 'an old one', a: 1 }),
    );
    fc.assert(
      fc.property(documents, (document) => {
        const { signed, text } = keys.signText(document);
        expect(signed).toEqual(keys.sign(document));
        // The same JSON value as the signed document (JSON.parse twice turns -0 into 0 on both sides).
        expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(signed)));
        expect(verifyReceiptText(text, keys.jwks())).toEqual({ valid: true, kid: 'r2' });
      }),
      { numRuns: 300 },
    );
  });

  it('any changed byte of the issued file makes it invalid, with a reason, unless the JSON value is the same', () => {
    fc.assert(
      fc.property(receiptArb, fc.nat(), fc.integer({ min: 1, max: 255 }), (receipt, at, delta) => {
        const file = Buffer.from(canonicalize(keys.sign(receipt))!, 'utf8');
        const changed = Buffer.from(file);
        const i = at % file.length;
        changed[i] = (changed[i] + delta) % 256;
        const result = verifyReceiptText(changed.toString('utf8'), keys.jwks());
        let sameValue: boolean;
        try {
          sameValue = canonicalize(JSON.parse(changed.toString('utf8'))) === file.toString('utf8');
        } catch {
          sameValue = false;
        }
        // A byte changed inside a \u escape's hex digits ("\u001f" → "\u001F") spells the same value.
        if (sameValue) expect(result.valid).toBe(true);
        else {
          expect(result.valid).toBe(false);
          expect(['MALFORMED', 'KEY_UNKNOWN', 'SIGNATURE_INVALID']).toContain(!result.valid && result.reason);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('a changed value is SIGNATURE_INVALID; a changed key id KEY_UNKNOWN; a broken signature MALFORMED', () => {
    const signed = keys.sign(fc.sample(receiptArb, { numRuns: 1, seed: 7 })[0]);
    expect(keys.verify({ ...signed, ruleVersion: signed.ruleVersion + 1 })).toEqual({
      valid: false,
      reason: 'SIGNATURE_INVALID',
      kid: 'r2',
    });
    expect(keys.verify({ ...signed, signature: { ...signed.signature, kid: 'r9' } })).toEqual({
      valid: false,
      reason: 'KEY_UNKNOWN',
      kid: 'r9',
    });
    // The last character of 86 carries 2 bits: a text that decodes to the same bytes is not accepted.
    const value = signed.signature.value;
    const alias = value.slice(0, -1) + (value.endsWith('A') ? 'B' : 'A');
    expect(keys.verify({ ...signed, signature: { ...signed.signature, value: alias } }).valid).toBe(false);
    for (const bad of [
      null,
      [],
      'x',
      {},
      { signature: {} },
      { ...signed, signature: { ...signed.signature, alg: 'RS256' } },
    ]) {
      expect(keys.verify(bad)).toMatchObject({ valid: false, reason: 'MALFORMED' });
    }
    expect(verifyReceiptText('{"signature":', keys.jwks())).toEqual({ valid: false, reason: 'MALFORMED' });
  });

  it('a receipt signed by a key that is not ours is KEY_UNKNOWN, or SIGNATURE_INVALID under our key id', () => {
    const stranger = keysOf('x1', seed());
    const signed = stranger.sign(fc.sample(receiptArb, { numRuns: 1, seed: 3 })[0]);
    expect(keys.verify(signed)).toEqual({ valid: false, reason: 'KEY_UNKNOWN', kid: 'x1' });
    const impostor = signDocument(signed, 'r2', privateKeyFromSeed(seed()));
    expect(keys.verify(impostor)).toEqual({ valid: false, reason: 'SIGNATURE_INVALID', kid: 'r2' });
  });
});

describe('key rotation', () => {
  const old = seed();
  const next = seed();
  const receipts = fc.sample(receiptArb, { numRuns: 20, seed: 11 });

  it('keeps old receipts valid while the retired public key is kept, and not after it is removed', () => {
    const before = keysOf('r1', old);
    const issued = receipts.map((r) => before.sign(r));
    const rotated = keysOf('r2', next, retiredEntry('r1', old));
    expect(rotated.jwks().keys.map((k) => k.kid)).toEqual(['r2', 'r1']);
    for (const receipt of issued) expect(rotated.verify(receipt)).toEqual({ valid: true, kid: 'r1' });
    expect(rotated.verify(rotated.sign(receipts[0]))).toEqual({ valid: true, kid: 'r2' });

    const removed = keysOf('r2', next);
    for (const receipt of issued) {
      expect(removed.verify(receipt)).toEqual({ valid: false, reason: 'KEY_UNKNOWN', kid: 'r1' });
    }
  });

  it('refuses a retired key that reuses the current key id, and repeated ids', () => {
    expect(() => keysOf('r1', old, retiredEntry('r1', old))).toThrow(/current signing key/);
    expect(() => keysOf('r3', old, `${retiredEntry('r1', old)},${retiredEntry('r1', next)}`)).toThrow(
      /repeats/,
    );
  });
});

describe('the CLI and the endpoint', () => {
  it('agree on 1,000 random receipts, intact and tampered, through the published JWK set', () => {
    const old = seed();
    const keys = keysOf('r2', seed(), retiredEntry('r1', old));
    const oldKeys = keysOf('r1', old);
    const stranger = keysOf('zz', seed());
    const published = JSON.parse(JSON.stringify(keys.jwks()));
    fc.assert(
      fc.property(
        receiptArb,
        fc.constantFrom('current', 'retired', 'stranger'),
        fc.constantFrom('intact', 'value', 'kid', 'signature'),
        (receipt, signer, tamper) => {
          const by = { current: keys, retired: oldKeys, stranger }[signer];
          const signed = by.sign(receipt) as unknown as Record<string, unknown>;
          const signature = signed.signature as { kid: string; value: string };
          if (tamper === 'value') signed.purpose = `${receipt.purpose}.`;
          if (tamper === 'kid') signed.signature = { ...signature, kid: `${signature.kid}x` };
          if (tamper === 'signature')
            signed.signature = { ...signature, value: signature.value.slice(1) + 'A' };
          const file = JSON.stringify(signed, null, 2);
          // The endpoint's body is the JSON parsed by the server: keys.verify is what it runs.
          expect(verifyReceiptText(file, published)).toEqual(keys.verify(JSON.parse(file)));
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('reads only the Ed25519 keys of a JWK set', () => {
    const keys = keysOf('r2', seed());
    const jwks = {
      keys: [{ kty: 'RSA', kid: 'a' }, { kty: 'OKP', crv: 'X25519', kid: 'b', x: 'AA' }, ...keys.jwks().keys],
    };
    expect([...keysFromJwks(jwks).keys()]).toEqual(['r2']);
    expect(() => keysFromJwks({})).toThrow(/JWK set/);
    expect(verifyDocument(keys.sign({ a: 1 }), keysFromJwks(jwks))).toEqual({ valid: true, kid: 'r2' });
  });
});

describe('masking', () => {
  it("stars all of a person's name but the first character, and keeps an organisation's", () => {
    expect(maskName('张三丰')).toBe('张**');
    expect(maskName('李')).toBe('*');
    expect(maskName('𠀋某')).toBe('𠀋*');
    expect(maskName('某某大学', 'LEGAL_PERSON')).toBe('某某大学');
  });

  it('masks a refused identifier as the registry masks accepted ones', () => {
    expect(maskRefusedIdentifier('RESIDENT_ID', ' 110105194912310021 ')).toBe('110105********0021');
    expect(maskRefusedIdentifier('PASSPORT', 'e1234567')).toBe('E1****67');
  });
});
