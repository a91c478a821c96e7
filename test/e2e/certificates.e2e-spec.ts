import fc from 'fast-check';
import { createHash, randomBytes } from 'node:crypto';
import request from 'supertest';
import * as yauzl from 'yauzl';
import { Role } from '../../src/auth/principal';
import { validateEnv } from '../../src/config/env';
import { ReceiptKeys } from '../../src/receipts/receipt-keys';
import { privateKeyFromSeed, rawPublicKey } from '../../src/receipts/receipt-signature';
import { verifyReceiptText } from '../../src/receipts/receipt-verify-offline';
import { addDays, addMonths, todayIn } from '../../src/rules/rules';
import { createTestApp, TestApp } from '../app';
import { auditCount, binary, newResidentId, newUser, TestUser } from '../factories';
import { pdfText } from '../pdf-text';
import { registryFixtures } from '../registry-fixtures';

/** Every file of a ZIP by name. */
function unzip(zip: Buffer): Promise<Map<string, Buffer>> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(zip, { lazyEntries: true }, (error, archive) => {
      if (error) return reject(error);
      const files = new Map<string, Buffer>();
      archive.on('entry', (entry: yauzl.Entry) => {
        archive.openReadStream(entry, (e, stream) => {
          if (e) return reject(e);
          const chunks: Buffer[] = [];
          stream.on('data', (c: Buffer) => chunks.push(c));
          stream.on('end', () => {
            files.set(entry.fileName, Buffer.concat(chunks));
            archive.readEntry();
          });
        });
      });
      archive.on('end', () => resolve(files));
      archive.on('error', reject);
      archive.readEntry();
    });
  });
}

const squeezed = (text: string) => text.replace(/\s+/g, '');
const PURPOSE = '2027 key R&D call, eligibility';

/** The signing key of the first app, retired in the second. */
const oldSeed = randomBytes(32);
const oldPublic = rawPublicKey(privateKeyFromSeed(oldSeed)).toString('base64');
/** A receipt issued by the first app, verified after the rotation. */
let issuedBeforeRotation: unknown;

describe('certificates', () => {
  let t: TestApp;
  let reviewer: TestUser;
  let auditor: TestUser;
  const today = todayIn();
  const barred = newResidentId();
  const clean = newResidentId();
  const signer = new ReceiptKeys({ receiptSigningKey: { kid: 'r1', seed: oldSeed } }, validateEnv({}));

  beforeAll(async () => {
    t = await createTestApp({
      secrets: { receiptSigningKey: { kid: 'r1', seed: oldSeed } },
      env: { PUBLIC_BASE_URL: 'https://registry.example.org' },
    });
    let recorder: TestUser;
    let approver: TestUser;
    [recorder, approver, reviewer, auditor] = await Promise.all([
      newUser(t, [Role.RECORDER]),
      newUser(t, [Role.APPROVER]),
      newUser(t, [Role.REVIEWER]),
      newUser(t, [Role.AUDITOR]),
    ]);
    const fixtures = registryFixtures(t, recorder, approver, today);
    await fixtures.record(fixtures.person('王证明', '东海理工大学', barred), [
      {
        type: 'BAN_FUNDED_ACTIVITY',
        startDate: addDays(today, -30),
        endDate: addMonths(today, 24),
        domains: ['PROJECT_FUNDING'],
      },
    ]);
  });

  afterAll(async () => {
    await t?.close();
  });

  const runCheck = (applicants: object[]) =>
    request(t.http)
      .post('/api/v1/checks')
      .set(reviewer.auth)
      .send({ domain: 'PROJECT_FUNDING', purpose: PURPOSE, reference: 'CALL-9', applicants })
      .expect(200);

  const receiptOf = async (id: string) =>
    (await request(t.http).get(`/api/v1/checks/${id}`).set(reviewer.auth).expect(200)).body;

  const verify = (body: unknown) =>
    request(t.http)
      .post('/api/v1/receipts/verify')
      .send(body as object)
      .expect(200);

  it('publishes the public keys without sign-in, as a JWK set', async () => {
    const res = await request(t.http).get('/api/v1/receipts/keys').expect(200);
    expect(res.body).toEqual({
      keys: [{ kty: 'OKP', crv: 'Ed25519', kid: 'r1', use: 'sig', alg: 'EdDSA', x: expect.any(String) }],
    });
    expect(Buffer.from(res.body.keys[0].x, 'base64url').toString('base64')).toBe(oldPublic);
  });

  it("signs each check's receipt: masked applicants and keyed hashes, never a full identifier", async () => {
    const check = await runCheck([
      { name: '王证明', organisation: '东海理工大学', identifier: { type: 'RESIDENT_ID', value: barred } },
      { name: '陈清白', identifier: { type: 'RESIDENT_ID', value: clean.toLowerCase() } },
      { name: '错号码', identifier: { type: 'RESIDENT_ID', value: '110105194912310021' } },
    ]);
    const body = await receiptOf(check.body.id);
    const receipt = body.receipt;
    expect(receipt).toMatchObject({
      format: 'registry-check-receipt/1',
      id: check.body.id,
      part: null,
      purpose: PURPOSE,
      reference: 'CALL-9',
      domain: { code: 'PROJECT_FUNDING', label: expect.any(String) },
      ruleVersion: check.body.ruleVersion,
      knownAt: check.body.knownAt,
      counts: { BLOCK: 1, CLEAR: 1, ERROR: 1, REVIEW: 0 },
      answerHash: body.answerHash,
      signature: { alg: 'Ed25519', kid: 'r1' },
    });
    expect(receipt.applicants).toEqual([
      expect.objectContaining({
        name: '王**',
        organisation: '东海理工大学',
        identifier: {
          type: 'RESIDENT_ID',
          issuingCountry: null,
          masked: `${barred.slice(0, 6)}********${barred.slice(14)}`,
        },
        inputHash: body.inputHashes[0],
        verdict: 'BLOCK',
        reasons: [
          expect.objectContaining({ effect: 'BLOCK', kind: 'MEASURE', measureType: 'BAN_FUNDED_ACTIVITY' }),
        ],
      }),
      expect.objectContaining({ name: '陈**', verdict: 'CLEAR', reasons: [] }),
      expect.objectContaining({
        verdict: 'ERROR',
        identifier: expect.objectContaining({ masked: '110105********0021' }),
      }),
    ]);
    const text = JSON.stringify(receipt);
    for (const full of [barred, clean, '110105194912310021', '王证明', '陈清白'])
      expect(text).not.toContain(full);

    await expect(verify(receipt)).resolves.toMatchObject({ body: { valid: true, kid: 'r1' } });
    issuedBeforeRotation = receipt;
  });

  it('answers invalid, with the reason, for a changed receipt, an unknown key or no signature', async () => {
    const check = await runCheck([{ name: '陈清白', identifier: { type: 'RESIDENT_ID', value: clean } }]);
    const { receipt } = await receiptOf(check.body.id);
    const changed = { ...receipt, applicants: [{ ...receipt.applicants[0], verdict: 'BLOCK' }] };
    expect((await verify(changed)).body).toEqual({ valid: false, reason: 'SIGNATURE_INVALID', kid: 'r1' });
    const unknown = { ...receipt, signature: { ...receipt.signature, kid: 'r0' } };
    expect((await verify(unknown)).body).toEqual({ valid: false, reason: 'KEY_UNKNOWN', kid: 'r0' });
    const { signature: _s, ...unsigned } = receipt;
    expect((await verify(unsigned)).body).toEqual({ valid: false, reason: 'MALFORMED' });
    expect((await verify([1, 2])).body).toEqual({ valid: false, reason: 'MALFORMED' });
    // The answer tells nothing the document does not hold: no check is looked up.
    const made = signer.sign({ ...receipt, id: '00000000-0000-4000-8000-000000000000' });
    expect((await verify(made)).body).toEqual({ valid: true, kid: 'r1' });
  });

  it('agrees with the offline verification (the CLI function) on 150 random documents', async () => {
    const jwks = (await request(t.http).get('/api/v1/receipts/keys').expect(200)).body;
    const stranger = new ReceiptKeys(
      { receiptSigningKey: { kid: 'zz', seed: randomBytes(32) } },
      validateEnv({}),
    );
    // Members named __proto__ or constructor are refused by the JSON body parser (prototype poisoning,
    // pinned below), before any verification.
    const json = fc
      .jsonValue({ maxDepth: 3 })
      .filter((v) => JSON.stringify(v).length < 4000 && !/"(__proto__|constructor)"/.test(JSON.stringify(v)));
    await fc.assert(
      fc.asyncProperty(
        fc.dictionary(
          fc.string({ maxLength: 8 }).filter((k) => k !== '__proto__' && k !== 'constructor'),
          json,
          { maxKeys: 5 },
        ),
        fc.constantFrom('ours', 'stranger'),
        fc.constantFrom('intact', 'value', 'kid', 'signature', 'none'),
        async (document, by, tamper) => {
          const { signature: _drop, ...rest } = document;
          const signed = (by === 'ours' ? signer : stranger).sign(rest) as Record<string, unknown>;
          const signature = signed.signature as { kid: string; value: string };
          if (tamper === 'value') signed.extra = true;
          if (tamper === 'kid') signed.signature = { ...signature, kid: 'k9' };
          if (tamper === 'signature')
            signed.signature = { ...signature, value: `${signature.value.slice(2)}AA` };
          if (tamper === 'none') delete signed.signature;
          const file = JSON.stringify(signed);
          const res = await request(t.http)
            .post('/api/v1/receipts/verify')
            .set('content-type', 'application/json')
            .send(file)
            .expect(200);
          expect(res.body).toEqual(verifyReceiptText(file, jwks));
        },
      ),
      { numRuns: 150 },
    );
  });

  it('refuses a document with a __proto__ member with 400 before verifying it', async () => {
    const res = await request(t.http)
      .post('/api/v1/receipts/verify')
      .set('content-type', 'application/json')
      .send('{"id":"x","__proto__":{"admin":true}}')
      .expect(400);
    expect(res.body).toMatchObject({ code: 'MALFORMED_BODY' });
  });

  it('makes a one-page certificate with the verdict, the masked identifier and the receipt id, and no full ID', async () => {
    const check = await runCheck([
      { name: '陈清白', identifier: { type: 'RESIDENT_ID', value: clean } },
      { name: '王证明', organisation: '东海理工大学', identifier: { type: 'RESIDENT_ID', value: barred } },
    ]);
    const reads = await auditCount(t, 'CHECK_READ');
    const res = await request(t.http)
      .get(`/api/v1/checks/${check.body.id}/certificate.pdf?applicant=1`)
      .set(reviewer.auth)
      .buffer(true)
      .parse(binary)
      .expect(200)
      .expect('content-type', 'application/pdf');
    const pdf = res.body as Buffer;
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    const { pages, text } = await pdfText(pdf);
    expect(pages).toBe(1);
    const t_ = squeezed(text);
    for (const expected of [
      '科研诚信核查证明',
      '不得参与',
      'BLOCK',
      '王**',
      `${barred.slice(0, 6)}********${barred.slice(14)}`,
      check.body.id,
      PURPOSE,
      'CALL-9',
      'registry.example.org/verify?',
    ]) {
      expect(t_).toContain(squeezed(expected));
    }
    for (const full of [barred, clean, '王证明', '陈清白', '陈**']) expect(t_).not.toContain(full);
    expect(await auditCount(t, 'CHECK_READ')).toBe(reads + 1);

    // The signed part of the receipt is attached (an embedded file), and verifies.
    const attached = /\/Type \/EmbeddedFile/.test(pdf.toString('latin1'));
    expect(attached).toBe(true);

    const clear = await request(t.http)
      .get(`/api/v1/checks/${check.body.id}/certificate.pdf`)
      .set(auditor.auth)
      .set('accept-language', 'en-GB,en;q=0.9,zh;q=0.5')
      .buffer(true)
      .parse(binary)
      .expect(200);
    const english = squeezed((await pdfText(clear.body as Buffer)).text);
    expect(english).toContain(squeezed('No restriction found'));
    expect(english).toContain('CLEAR');
    expect(english).not.toContain(clean);

    const zh = await request(t.http)
      .get(`/api/v1/checks/${check.body.id}/certificate.pdf?lang=zh`)
      .set(reviewer.auth)
      .set('accept-language', 'en')
      .buffer(true)
      .parse(binary)
      .expect(200);
    expect(squeezed((await pdfText(zh.body as Buffer)).text)).toContain('未发现限制');
  });

  it('refuses an applicant the check does not have, a bad language and an unknown check', async () => {
    const check = await runCheck([{ name: '陈清白' }]);
    const reads = await auditCount(t, 'CHECK_READ');
    const out = await request(t.http)
      .get(`/api/v1/checks/${check.body.id}/certificate.pdf?applicant=1`)
      .set(reviewer.auth)
      .expect(400);
    expect(out.body).toMatchObject({ code: 'CHECK_APPLICANT_OUT_OF_RANGE' });
    // A refusal writes nothing, not even an audited read (found by the hostile-input fault test).
    expect(await auditCount(t, 'CHECK_READ')).toBe(reads);
    await request(t.http)
      .get(`/api/v1/checks/${check.body.id}/certificate.pdf?lang=fr`)
      .set(reviewer.auth)
      .expect(400);
    const missing = await request(t.http)
      .get('/api/v1/checks/00000000-0000-4000-8000-000000000000/certificate.pdf')
      .set(reviewer.auth)
      .expect(404);
    expect(missing.body.code).toBe('CHECK_NOT_FOUND');
    await request(t.http).get(`/api/v1/checks/${check.body.id}/certificate.pdf`).expect(401);
  });

  it('gives a job a ZIP of certificates, one per applicant, with a signed manifest', async () => {
    const csv = Buffer.from(
      `name,idNumber\n王证明,${barred}\n陈清白,${clean}\n错号码,110105194912310021\n`,
      'utf8',
    );
    const created = await request(t.http)
      .post('/api/v1/checks/jobs')
      .set(reviewer.auth)
      .field('domain', 'PROJECT_FUNDING')
      .field('purpose', PURPOSE)
      .attach('file', csv, 'applicants.csv')
      .expect(202);
    const id = created.body.id;
    let status = '';
    for (let i = 0; i < 300 && status !== 'DONE'; i++) {
      status = (await request(t.http).get(`/api/v1/checks/jobs/${id}`).set(reviewer.auth).expect(200)).body
        .status;
      if (status === 'FAILED') throw new Error('job failed');
      if (status !== 'DONE') await new Promise((r) => setTimeout(r, 100));
    }
    const res = await request(t.http)
      .get(`/api/v1/checks/jobs/${id}/certificates.zip`)
      .set(reviewer.auth)
      .buffer(true)
      .parse(binary)
      .expect(200)
      .expect('content-type', 'application/zip');
    const files = await unzip(res.body as Buffer);
    expect([...files.keys()].sort()).toEqual([
      'certificate-000001.pdf',
      'certificate-000002.pdf',
      'manifest.json',
    ]);
    const manifestText = files.get('manifest.json')!.toString('utf8');
    const manifest = JSON.parse(manifestText);
    expect((await verify(manifest)).body).toEqual({ valid: true, kid: 'r1' });
    expect(manifest).toMatchObject({
      format: 'registry-certificate-manifest/1',
      job: { id, purpose: PURPOSE, rowsTotal: 3 },
      lang: 'zh',
      certificates: [
        { file: 'certificate-000001.pdf', name: '王**', verdict: 'BLOCK', applicant: 0 },
        { file: 'certificate-000002.pdf', name: '陈**', verdict: 'CLEAR', applicant: 1 },
      ],
    });
    for (const entry of manifest.certificates) {
      const pdf = files.get(entry.file)!;
      expect(createHash('sha256').update(pdf).digest('hex')).toBe(entry.sha256);
      const text = squeezed((await pdfText(pdf)).text);
      expect(text).toContain(entry.receiptId);
      expect(text).not.toContain(barred);
      expect(text).not.toContain(clean);
    }
    expect(manifestText).not.toContain(barred);
    expect((await verify({ ...manifest, certificates: manifest.certificates.slice(1) })).body).toMatchObject({
      valid: false,
      reason: 'SIGNATURE_INVALID',
    });
  });
});

describe('certificates after a key rotation', () => {
  let t: TestApp;

  afterEach(async () => {
    await t?.close();
  });

  it('keeps receipts of the retired key valid while its public key is kept', async () => {
    t = await createTestApp({
      secrets: { receiptSigningKey: { kid: 'r2', seed: randomBytes(32) } },
      env: { RECEIPT_VERIFY_KEYS: `r1:${oldPublic}` },
    });
    const keys = await request(t.http).get('/api/v1/receipts/keys').expect(200);
    expect(keys.body.keys.map((k: { kid: string }) => k.kid)).toEqual(['r2', 'r1']);
    const res = await request(t.http).post('/api/v1/receipts/verify').send(issuedBeforeRotation!).expect(200);
    expect(res.body).toEqual({ valid: true, kid: 'r1' });
  });

  it('no longer once the retired key is removed', async () => {
    t = await createTestApp({ secrets: { receiptSigningKey: { kid: 'r2', seed: randomBytes(32) } } });
    const res = await request(t.http).post('/api/v1/receipts/verify').send(issuedBeforeRotation!).expect(200);
    expect(res.body).toEqual({ valid: false, reason: 'KEY_UNKNOWN', kid: 'r1' });
  });
});
