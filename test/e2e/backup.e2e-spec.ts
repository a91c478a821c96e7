import { chmod, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { Role } from '../../src/auth/principal';
import { addDays, addMonths, todayIn } from '../../src/rules/rules';
import { createTestApp, TestApp, testSecrets } from '../app';
import { newResidentId, newUser, rowCounts, TestUser } from '../factories';
import { runCli, startService } from '../process';
import { registryFixtures } from '../registry-fixtures';

const ROOT = join(__dirname, '..', '..');

describe('backup and restore (npm run cli -- backup / restore)', () => {
  const secrets = testSecrets();
  /** The same keys for every process: identifiers are hashed and encrypted with them. */
  const secretEnv = {
    JWT_SECRET: secrets.jwtSecret,
    PII_HMAC_KEY: secrets.piiHmacKey.toString('base64'),
    PII_ENCRYPTION_KEYS: secrets.piiEncryptionKeys
      .map((k) => `${k.id}:${k.key.toString('base64')}`)
      .join(','),
    RECEIPT_SIGNING_KEY: `${secrets.receiptSigningKey.kid}:${secrets.receiptSigningKey.seed.toString('base64')}`,
  };
  const today = todayIn();
  const barred = newResidentId();
  let t: TestApp;
  let reviewer: TestUser;
  let scratch: string;
  let checkBody: object;
  let answerBefore: { counts: unknown; results: unknown[]; ruleVersion: number };
  const TABLES = [
    'subject',
    'misconduct_case',
    'listing',
    'listing_event',
    'check_run',
    'audit_entry',
    'app_user',
  ];
  let countsBefore: Record<string, number>;

  beforeAll(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'registry-backup-'));
    await chmod(scratch, 0o755);
    t = await createTestApp({ secrets });
    const [recorder, approver, auditor] = await Promise.all([
      newUser(t, [Role.RECORDER]),
      newUser(t, [Role.APPROVER]),
      newUser(t, [Role.AUDITOR]),
    ]);
    reviewer = await newUser(t, [Role.REVIEWER]);
    const { person, record } = registryFixtures(t, recorder, approver, today);
    await record(person('王备份', '东海理工大学', barred), [
      {
        type: 'BAN_FUNDED_ACTIVITY',
        startDate: addDays(today, -30),
        endDate: addMonths(today, 24),
        domains: ['PROJECT_FUNDING'],
      },
      { type: 'SERIOUS_DB_ENTRY', startDate: addDays(today, -30), endDate: addMonths(today, 24) },
    ]);
    await record(person('张某某', '西岭医科大学'), [
      { type: 'SERIOUS_DB_ENTRY', startDate: addDays(today, -30), endDate: addMonths(today, 24) },
    ]);
    checkBody = {
      purpose: 'backup and restore',
      domain: 'PROJECT_FUNDING',
      asOf: today,
      knownAt: new Date().toISOString(),
      applicants: [
        { name: '王备份', identifier: { type: 'RESIDENT_ID', value: barred } },
        { name: '张某某', organisation: '西岭医科大学' },
        { name: '李清白', identifier: { type: 'RESIDENT_ID', value: newResidentId() } },
      ],
    };
    answerBefore = (
      await request(t.http).post('/api/v1/checks').set(reviewer.auth).send(checkBody).expect(200)
    ).body;
    await request(t.http).post('/api/v1/audit/verify').set(auditor.auth).expect(200);
    countsBefore = await rowCounts(t, TABLES);
  });

  afterAll(async () => {
    await t?.close();
    await rm(scratch, { recursive: true, force: true });
  });

  it('backs up, restores into a fresh data folder: same rows, the chain verifies, a check answers the same', async () => {
    const file = join(scratch, 'registry.backup.gz');
    const backup = await runCli(['backup', file], { DATABASE_URL: t.databaseUrl, ...secretEnv });
    expect(backup).toMatchObject({ code: 0, stderr: '' });
    expect(backup.stdout).toMatch(/^backed up \d+ rows of \d+ tables/);
    const size = (await stat(file)).size;

    const dataDir = join(scratch, 'fresh');
    const restore = await runCli(['restore', file], { DATA_DIR: dataDir, ...secretEnv });
    expect(restore.stderr).toBe('');
    expect(restore.code).toBe(0);
    expect(restore.stdout).toMatch(/^restored \d+ rows/);

    const verify = await runCli(['audit:verify'], { DATA_DIR: dataDir, ...secretEnv });
    expect(verify.code).toBe(0);

    const service = startService({ DATA_DIR: dataDir, ...secretEnv, RATE_LIMIT_PER_MINUTE: '100000' });
    try {
      const base = `http://127.0.0.1:${await service.listening}`;
      const login = await request(base)
        .post('/api/v1/auth/login')
        .send({ username: reviewer.username, password: reviewer.password })
        .expect(200);
      const auth = { Authorization: `Bearer ${login.body.accessToken}` };
      const answerAfter = (await request(base).post('/api/v1/checks').set(auth).send(checkBody).expect(200))
        .body;
      expect(answerAfter.results).toEqual(answerBefore.results);
      expect(answerAfter.counts).toEqual(answerBefore.counts);
      expect(answerAfter.counts).toMatchObject({ BLOCK: 1, REVIEW: 1, CLEAR: 1 });
      expect(answerAfter.ruleVersion).toBe(answerBefore.ruleVersion);
      // The receipt of the check made before the backup is there, as it was answered.
      const receipt = await request(base)
        .get(`/api/v1/checks/${(answerBefore as unknown as { id: string }).id}`)
        .set(auth);
      expect(receipt.status).toBe(200);
      expect(receipt.body.results).toEqual(answerBefore.results);
    } finally {
      service.child.kill('SIGTERM');
      expect(await service.exited).toBe(0);
    }

    // A second restore into the same (no longer empty) database is refused and changes nothing.
    const again = await runCli(['restore', file], { DATA_DIR: dataDir, ...secretEnv });
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/restore needs an empty database/);
    process.stdout.write(
      `backup: ${backup.stdout.trim()} (${size} bytes)\nrestore: ${restore.stdout.trim()}\n`,
    );
    expect(countsBefore.audit_entry).toBeGreaterThan(0);
  }, 180_000);

  it('refuses a file that is not a backup', async () => {
    const dataDir = join(scratch, 'other');
    const run = await runCli(['restore', join(ROOT, 'package.json')], { DATA_DIR: dataDir, ...secretEnv });
    expect(run.code).not.toBe(0);
    expect(run.stderr).toMatch(/not a registry backup|incorrect header check/);
  }, 120_000);
});
