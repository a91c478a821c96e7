import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { validateEnv } from '../../src/config/env';
import { resolveSecrets } from '../../src/config/secrets';
import { ReceiptKeys } from '../../src/receipts/receipt-keys';
import { privateKeyFromSeed, rawPublicKey } from '../../src/receipts/receipt-signature';
import { createTestDatabase, TestDatabase } from '../database';
import { runCli } from '../process';

describe('the command line', () => {
  let scratch: string;
  /** A DATA_DIR that no command may create: none of these needs local state. */
  let dataDir: string;

  beforeAll(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'registry-cli-'));
    dataDir = join(scratch, 'data');
  });

  afterAll(async () => {
    await rm(scratch, { recursive: true, force: true });
  });

  describe('help', () => {
    it.each([[[]], [['--help']], [['-h']], [['help']]])(
      'lists the commands on standard output and exits 0 for %j',
      async (args) => {
        const run = await runCli(args, { DATA_DIR: dataDir });
        expect(run).toMatchObject({ code: 0, stderr: '' });
        expect(run.stdout).toContain('Commands:');
        expect(run.stdout).toContain('secrets:generate');
        expect(run.stdout).toContain('node dist/src/cli.js');
      },
    );

    it.each(['frobnicate', 'constructor', 'toString'])(
      'exits 2 on the unknown command %s, naming it, without opening a database',
      async (name) => {
        // A database that cannot be reached: a command that tried to open one would fail otherwise.
        const run = await runCli([name], {
          DATA_DIR: dataDir,
          DATABASE_URL: 'postgres://x@127.0.0.1:1/none',
        });
        expect(run.code).toBe(2);
        expect(run.stderr).toContain(`unknown command: ${name}`);
        expect(run.stderr).toContain('Commands:');
        expect(run.stdout).toBe('');
        expect(existsSync(dataDir)).toBe(false);
      },
    );
  });

  describe('secrets:generate', () => {
    const parse = (stdout: string): Record<string, string> =>
      Object.fromEntries(
        stdout
          .trimEnd()
          .split('\n')
          .map((line) => {
            const match = /^([A-Z_]+)=(\S+)$/.exec(line);
            if (!match) throw new Error(`not an env line: ${JSON.stringify(line)}`);
            return [match[1], match[2]];
          }),
      );

    it('prints four env lines that the production configuration accepts, with no database', async () => {
      // No DATABASE_URL and no DATA_DIR to use: the command must not start a database.
      const run = await runCli(['secrets:generate'], { DATA_DIR: dataDir, NODE_ENV: 'production' });
      expect(run.code).toBe(0);
      const variables = parse(run.stdout);
      expect(Object.keys(variables).sort()).toEqual([
        'JWT_SECRET',
        'PII_ENCRYPTION_KEYS',
        'PII_HMAC_KEY',
        'RECEIPT_SIGNING_KEY',
      ]);
      expect(run.stderr).toMatch(/new installation/);
      expect(existsSync(dataDir)).toBe(false);

      const env = validateEnv({ NODE_ENV: 'production', ...variables });
      const warn = jest.fn();
      const secrets = await resolveSecrets(env, { warn });
      expect(warn).not.toHaveBeenCalled();
      expect(secrets.jwtSecret.length).toBeGreaterThanOrEqual(32);
      expect(secrets.piiHmacKey).toHaveLength(32);
      expect(secrets.piiEncryptionKeys).toHaveLength(1);
      expect(secrets.piiEncryptionKeys[0].key).toHaveLength(32);
      expect(secrets.receiptSigningKey.seed).toHaveLength(32);
    });

    it('gives fresh values on every run', async () => {
      const [first, second] = await Promise.all([
        runCli(['secrets:generate'], { DATA_DIR: dataDir }),
        runCli(['secrets:generate'], { DATA_DIR: dataDir }),
      ]);
      const a = parse(first.stdout);
      const b = parse(second.stdout);
      for (const variable of Object.keys(a)) expect(a[variable]).not.toBe(b[variable]);
    });
  });

  describe('receipt:verify', () => {
    const seed = randomBytes(32);
    const keys = new ReceiptKeys({ receiptSigningKey: { kid: 'r7', seed } }, validateEnv({}));
    const signed = keys.sign({ format: 'registry-check-receipt/1', id: 'x', applicants: [{ name: '张*' }] });

    it('verifies a file offline with a JWK set file, and says why one is invalid (exit code 3)', async () => {
      const jwks = join(scratch, 'keys.json');
      const good = join(scratch, 'good.json');
      const bad = join(scratch, 'bad.json');
      await writeFile(jwks, JSON.stringify(keys.jwks()));
      await writeFile(good, JSON.stringify(signed, null, 2));
      await writeFile(bad, JSON.stringify({ ...signed, id: 'y' }));
      const env = { DATA_DIR: dataDir };
      const ok = await runCli(['receipt:verify', good, '--keys', jwks], env);
      expect(ok).toMatchObject({ code: 0, stdout: `${good}: valid (signed with key r7)\n` });
      const changed = await runCli(['receipt:verify', bad, '--keys', jwks], env);
      expect(changed.code).toBe(3);
      expect(changed.stdout).toContain('INVALID SIGNATURE_INVALID');
      expect(existsSync(dataDir)).toBe(false);
    });

    it("uses the installation's configured keys when given none", async () => {
      const file = join(scratch, 'signed.json');
      await writeFile(file, JSON.stringify(signed));
      const other = `r8:${randomBytes(32).toString('base64')}`;
      const run = await runCli(['receipt:verify', file], {
        DATA_DIR: dataDir,
        NODE_ENV: 'production',
        JWT_SECRET: randomBytes(32).toString('hex'),
        PII_HMAC_KEY: randomBytes(32).toString('base64'),
        PII_ENCRYPTION_KEYS: `k1:${randomBytes(32).toString('base64')}`,
        RECEIPT_SIGNING_KEY: other,
        RECEIPT_VERIFY_KEYS: `r7:${rawPublicKey(privateKeyFromSeed(seed)).toString('base64')}`,
      });
      expect(run).toMatchObject({ code: 0, stdout: expect.stringContaining('valid (signed with key r7)') });
    });
  });

  describe('migration:generate', () => {
    let db: TestDatabase;

    beforeAll(async () => {
      db = await createTestDatabase();
      // A column the entities lack: the generated migration drops it.
      const client = new Client({ connectionString: db.url });
      await client.connect();
      try {
        await client.query('ALTER TABLE app_user ADD COLUMN cli_probe integer');
      } finally {
        await client.end();
      }
    });

    afterAll(async () => {
      await db?.drop();
    });

    it('writes a draft into ./migrations and suggests a command that works (npm run format)', async () => {
      // Run from a scratch folder: the draft goes to ./migrations, not into the project's own.
      const project = join(scratch, 'project');
      await mkdir(join(project, 'migrations'), { recursive: true });
      const run = await runCli(
        ['migration:generate', 'DropCliProbe'],
        {
          DATABASE_URL: db.url,
          DATA_DIR: dataDir,
          LOG_LEVEL: 'error',
          JWT_SECRET: randomBytes(32).toString('hex'),
          PII_HMAC_KEY: randomBytes(32).toString('base64'),
          PII_ENCRYPTION_KEYS: `t1:${randomBytes(32).toString('base64')}`,
        },
        project,
      );
      expect(run).toMatchObject({ code: 0, stderr: '' });
      expect(run.stdout).toMatch(/^wrote migrations\/\d{13}-DropCliProbe\.ts: .*run npm run format$/m);
      expect(run.stdout).not.toContain('--fix');

      const [file] = await readdir(join(project, 'migrations'));
      expect(file).toMatch(/^\d{13}-DropCliProbe\.ts$/);
      expect(await readFile(join(project, 'migrations', file), 'utf8')).toMatch(
        /DROP COLUMN \\"cli_probe\\"/,
      );
    });
  });
});
