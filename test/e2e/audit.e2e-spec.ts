import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import request from 'supertest';
import { AuditEvent, AuditService } from '../../src/audit/audit.service';
import { ALL_SCOPES, Role } from '../../src/auth/principal';
import { systemContext } from '../../src/common/request-context';
import { createTestApp, TestApp } from '../app';
import { auditCount, newApiClient, newUser, TestUser } from '../factories';

/**
 * The background sealer is slowed to once a minute, so each test decides when sealing happens
 * (POST /audit/verify or sealPending()).
 */
const APP_ENV = { AUDIT_SEAL_INTERVAL_MS: '60000' };
const ROOT = join(__dirname, '..', '..');
const HEX64 = /^[0-9a-f]{64}$/;
const AUDIT = '/api/v1/audit';

interface EntryBody {
  seq: string;
  at: string;
  actorType: string;
  actorId: string | null;
  actorName: string | null;
  actorRoles: string[];
  action: string;
  targetType: string | null;
  targetId: string | null;
  requestId: string | null;
  purpose: string | null;
  changes: unknown;
  seal: { position: string; prevHash: string; hash: string } | null;
}

const unique = () => randomBytes(4).toString('hex');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const bySeqDesc = (a: string, b: string) => (BigInt(b) > BigInt(a) ? 1 : BigInt(b) < BigInt(a) ? -1 : 0);

/** Writes each event in a transaction of its own, as a feature would, and returns their seqs. */
async function record(t: TestApp, events: AuditEvent[]): Promise<string[]> {
  const audit = t.app.get(AuditService);
  const seqs: string[] = [];
  for (const event of events) {
    const seq = await t.dataSource.transaction(async (m) => {
      await audit.record(m, systemContext(`test-${unique()}`), event);
      const [row] = await m.query(
        'SELECT max(seq)::text AS seq FROM audit_entry WHERE xid = pg_current_xact_id()',
      );
      return row.seq as string;
    });
    seqs.push(seq);
  }
  return seqs;
}

async function scalar<T = number>(t: TestApp, sql: string, params: unknown[] = []): Promise<T> {
  const [row] = await t.dataSource.query(sql, params);
  return Object.values(row)[0] as T;
}

/** Runs SQL on an audit table with its append-only triggers off, as the database owner could. */
async function tamper(t: TestApp, table: 'audit_entry' | 'audit_seal', sql: string, params: unknown[] = []) {
  await t.dataSource.transaction(async (m) => {
    await m.query(`ALTER TABLE ${table} DISABLE TRIGGER USER`);
    await m.query(sql, params);
    await m.query(`ALTER TABLE ${table} ENABLE TRIGGER USER`);
  });
}

/** Every page of GET /audit with the query, following `next` into `before`. */
async function allPages(t: TestApp, auditor: TestUser, query: Record<string, string>) {
  const pages: EntryBody[][] = [];
  let before: string | undefined;
  for (;;) {
    const res = await request(t.http)
      .get(AUDIT)
      .query({ ...query, ...(before ? { before } : {}) })
      .set(auditor.auth)
      .expect(200);
    pages.push(res.body.items);
    if (res.body.next === null) return pages;
    expect(res.body.next).toBe(res.body.items[res.body.items.length - 1].seq);
    before = res.body.next;
    if (pages.length > 1000) throw new Error('pagination does not end');
  }
}

/** GET /audit/export as an auditor: the body as text, whatever its content type. */
function exportAudit(t: TestApp, auditor: TestUser, query: Record<string, string>) {
  return request(t.http)
    .get(`${AUDIT}/export`)
    .query(query)
    .set(auditor.auth)
    .buffer(true)
    .parse((response, done) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.on('end', () => done(null, text));
    })
    .expect(200);
}

/** NDJSON lines, each parsed. */
function ndjson(text: string): EntryBody[] {
  expect(text.endsWith('\n')).toBe(true);
  return text
    .slice(0, -1)
    .split('\n')
    .map((line) => JSON.parse(line) as EntryBody);
}

/** RFC 4180: records of cells, quoted cells may hold commas, quotes and line breaks. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') {
        quoted = false;
      } else {
        cell += c;
      }
    } else if (c === '"') {
      quoted = true;
    } else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    } else {
      cell += c;
    }
  }
  expect(quoted).toBe(false);
  expect(row.length === 0 && cell === '').toBe(true);
  return rows;
}

/** `npm run cli -- audit:verify` against the test app's database, from the TypeScript sources. */
function runCli(t: TestApp, args: string[]): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, ['-r', '@swc-node/register', 'src/cli.ts', ...args], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      DATABASE_URL: t.databaseUrl,
      LOG_FORMAT: 'json',
      LOG_LEVEL: 'warn',
      NODE_ENV: 'test',
      JWT_SECRET: randomBytes(32).toString('hex'),
      PII_HMAC_KEY: randomBytes(32).toString('base64'),
      PII_ENCRYPTION_KEYS: `t1:${randomBytes(32).toString('base64')}`,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, output })));
}

describe('audit trail', () => {
  let t: TestApp;
  let auditor: TestUser;
  let admin: TestUser;

  beforeAll(async () => {
    t = await createTestApp({ env: APP_ENV });
    auditor = await newUser(t, [Role.AUDITOR]);
    admin = await newUser(t, [Role.ADMIN]);
  });

  afterAll(async () => {
    await t?.close();
  });

  describe('access', () => {
    const routes = [
      ['get', AUDIT],
      ['get', `${AUDIT}/export`],
      ['get', `${AUDIT}/head`],
      ['post', `${AUDIT}/verify`],
    ] as const;

    it.each(routes)('%s %s answers 401 without credentials', async (method, path) => {
      const res = await request(t.http)[method](path).expect(401);
      expect(res.body.code).toBe('UNAUTHENTICATED');
    });

    it.each(routes)(
      '%s %s answers 403 ACCESS_DENIED to an ADMIN who is not AUDITOR',
      async (method, path) => {
        const res = await request(t.http)[method](path).set(admin.auth).expect(403);
        expect(res.body.code).toBe('ACCESS_DENIED');
      },
    );

    it('refuses a user holding every other role, and an API client holding every scope', async () => {
      const everyoneElse = await newUser(t, [Role.ADMIN, Role.RECORDER, Role.APPROVER, Role.REVIEWER]);
      const client = await newApiClient(t, ALL_SCOPES);
      expect((await request(t.http).get(AUDIT).set(everyoneElse.auth).expect(403)).body.code).toBe(
        'ACCESS_DENIED',
      );
      expect((await request(t.http).get(AUDIT).set(client.auth).expect(403)).body.code).toBe('ACCESS_DENIED');
    });

    it('lets an AUDITOR in', async () => {
      const res = await request(t.http).get(AUDIT).set(auditor.auth).expect(200);
      expect(res.body.items.length).toBeGreaterThan(0);
    });
  });

  describe('GET /audit', () => {
    it('lists entries newest first, with no seal until the sealer chains them', async () => {
      const action = `LIST_PROBE_${unique().toUpperCase()}`;
      const [seq] = await record(t, [{ action, changes: { n: 1 } }]);

      const before = await request(t.http).get(AUDIT).query({ action }).set(auditor.auth).expect(200);
      expect(before.body.items).toEqual([expect.objectContaining({ seq, action, seal: null })]);

      const verified = await request(t.http).post(`${AUDIT}/verify`).set(auditor.auth).expect(200);
      expect(verified.body.ok).toBe(true);

      const after = await request(t.http).get(AUDIT).query({ action }).set(auditor.auth).expect(200);
      const seal = after.body.items[0].seal;
      expect(seal).toEqual({
        position: expect.any(String),
        prevHash: expect.any(String),
        hash: expect.any(String),
      });
      expect(seal.prevHash).toMatch(HEX64);
      expect(seal.hash).toMatch(HEX64);
      const [row] = await t.dataSource.query(
        `SELECT position::text, encode(prev_hash, 'hex') AS "prevHash", encode(hash, 'hex') AS hash
         FROM audit_seal WHERE entry_seq = $1`,
        [seq],
      );
      expect(seal).toEqual(row);
    });

    it('shows every entry sealed after verify, newest first, each seal linked to the one before', async () => {
      await request(t.http).post(`${AUDIT}/verify`).set(auditor.auth).expect(200);
      const res = await request(t.http).get(AUDIT).query({ limit: 500 }).set(auditor.auth).expect(200);
      const items: EntryBody[] = res.body.items;
      expect(items.length).toBe(await auditCount(t));
      expect(items.map((i) => i.seq)).toEqual([...items.map((i) => i.seq)].sort(bySeqDesc));
      expect(new Set(items.map((i) => i.seq)).size).toBe(items.length);

      const byPosition = new Map(items.map((i) => [Number(i.seal!.position), i.seal!]));
      expect([...byPosition.keys()].sort((a, b) => a - b)).toEqual(items.map((_, i) => i + 1));
      expect(byPosition.get(1)!.prevHash).toBe('0'.repeat(64));
      for (let p = 2; p <= items.length; p++) {
        expect(byPosition.get(p)!.prevHash).toBe(byPosition.get(p - 1)!.hash);
      }
    });

    it('filters by action, by actor and by target', async () => {
      const created = await request(t.http)
        .post('/api/v1/users')
        .set(admin.auth)
        .send({
          username: `f${unique()}`,
          displayName: 'Filter Probe',
          password: 'a-long-password-1',
          roles: [],
        })
        .expect(201);
      const userId: string = created.body.id;

      const byTarget = await request(t.http)
        .get(AUDIT)
        .query({ action: 'USER_CREATED', targetType: 'USER', targetId: userId })
        .set(auditor.auth)
        .expect(200);
      expect(byTarget.body.items).toEqual([
        expect.objectContaining({ action: 'USER_CREATED', targetType: 'USER', targetId: userId }),
      ]);

      const otherType = await request(t.http)
        .get(AUDIT)
        .query({ targetType: 'API_CLIENT', targetId: userId })
        .set(auditor.auth)
        .expect(200);
      expect(otherType.body.items).toEqual([]);

      const byAction = await request(t.http)
        .get(AUDIT)
        .query({ action: 'USER_CREATED', limit: 500 })
        .set(auditor.auth)
        .expect(200);
      expect(byAction.body.items.length).toBe(await auditCount(t, 'USER_CREATED'));
      for (const item of byAction.body.items) expect(item.action).toBe('USER_CREATED');

      const byActor = await request(t.http)
        .get(AUDIT)
        .query({ actorId: admin.id, limit: 500 })
        .set(auditor.auth)
        .expect(200);
      const adminEntries = await scalar(t, 'SELECT count(*)::int FROM audit_entry WHERE actor_id = $1', [
        admin.id,
      ]);
      expect(byActor.body.items.length).toBe(adminEntries);
      expect(byActor.body.items.map((i: EntryBody) => i.actorId)).toEqual(Array(adminEntries).fill(admin.id));
      expect(byActor.body.items.map((i: EntryBody) => i.targetId)).toContain(userId);
    });

    it('filters by time: from inclusive, to exclusive', async () => {
      const action = `TIME_PROBE_${unique().toUpperCase()}`;
      const seqs: string[] = [];
      for (let i = 0; i < 3; i++) {
        seqs.push(...(await record(t, [{ action }])));
        await sleep(5);
      }
      const all = await request(t.http).get(AUDIT).query({ action }).set(auditor.auth).expect(200);
      const [last, middle, first] = all.body.items as EntryBody[];
      expect([first.seq, middle.seq, last.seq]).toEqual(seqs);
      expect(new Set([first.at, middle.at, last.at]).size).toBe(3);

      const seqsFor = async (query: Record<string, string>) =>
        (
          await request(t.http)
            .get(AUDIT)
            .query({ action, ...query })
            .set(auditor.auth)
            .expect(200)
        ).body.items.map((i: EntryBody) => i.seq);
      await expect(seqsFor({ from: middle.at })).resolves.toEqual([last.seq, middle.seq]);
      await expect(seqsFor({ to: middle.at })).resolves.toEqual([first.seq]);
      await expect(seqsFor({ from: first.at, to: last.at })).resolves.toEqual([middle.seq, first.seq]);
      await expect(seqsFor({ from: new Date(Date.parse(last.at) + 1).toISOString() })).resolves.toEqual([]);
    });

    it('pages with limit and next → before: disjoint pages covering every entry', async () => {
      const action = `PAGE_PROBE_${unique().toUpperCase()}`;
      const seqs = await record(
        t,
        Array.from({ length: 7 }, (_, i) => ({ action, changes: { i } })),
      );

      const pages = await allPages(t, auditor, { action, limit: '3' });
      expect(pages.map((p) => p.length)).toEqual([3, 3, 1]);
      expect(pages.flat().map((i) => i.seq)).toEqual([...seqs].reverse());

      const everything = await allPages(t, auditor, { limit: '11' });
      const seen = everything.flat().map((i) => i.seq);
      const stored: { seq: string }[] = await t.dataSource.query(
        'SELECT e.seq::text AS seq FROM audit_entry e ORDER BY e.seq DESC',
      );
      expect(new Set(seen).size).toBe(seen.length);
      expect(seen).toEqual(stored.map((r) => r.seq));
      for (const page of everything.slice(0, -1)) expect(page.length).toBe(11);
    });

    it('answers next = null when the last page is exactly full', async () => {
      const action = `FULL_PROBE_${unique().toUpperCase()}`;
      await record(t, [{ action }, { action }, { action }]);
      const res = await request(t.http).get(AUDIT).query({ action, limit: 3 }).set(auditor.auth).expect(200);
      expect(res.body.items).toHaveLength(3);
      expect(res.body.next).toBeNull();
    });

    it.each([
      ['limit=0', 'limit'],
      ['limit=501', 'limit'],
      ['limit=2.5', 'limit'],
      ['before=abc', 'before'],
      ['before=0', 'before'],
      ['from=notadate', 'from'],
      ['to=2026-13-45', 'to'],
      ['action=user_created', 'action'],
      ['targetType=user', 'targetType'],
      ['colour=red', 'colour'],
    ])('answers 400 VALIDATION_FAILED naming the field for ?%s', async (query, field) => {
      const res = await request(t.http).get(`${AUDIT}?${query}`).set(auditor.auth).expect(400);
      expect(res.body.code).toBe('VALIDATION_FAILED');
      expect(res.body.details.map((d: { field: string }) => d.field)).toEqual([field]);
      expect(res.body.message).toContain(field);
    });

    it('answers 400, not a server error, for a cursor beyond any seq', async () => {
      const res = await request(t.http).get(AUDIT).query({ before: '9999999999999999999' }).set(auditor.auth);
      expect(res.status).toBe(400);
      expect(res.body.details.map((d: { field: string }) => d.field)).toEqual(['before']);
    });

    it('answers 400, not a server error, for a time the database cannot hold', async () => {
      const res = await request(t.http)
        .get(AUDIT)
        .query({ from: '-010000-01-01T00:00:00Z' })
        .set(auditor.auth);
      expect(res.status).toBe(400);
      expect(res.body.details.map((d: { field: string }) => d.field)).toEqual(['from']);
    });
  });

  describe('a change and its entry commit together', () => {
    const userRows = (username: string) =>
      scalar(t, 'SELECT count(*)::int FROM app_user WHERE lower(username) = lower($1)', [username]);
    const createdEntries = (username: string) =>
      scalar(
        t,
        `SELECT count(*)::int FROM audit_entry WHERE action = 'USER_CREATED' AND changes->'after'->>'username' = $1`,
        [username],
      );

    it('writes no entry and no user when the username is taken (409)', async () => {
      const usersBefore = await scalar(t, 'SELECT count(*)::int FROM app_user');
      const entriesBefore = await auditCount(t, 'USER_CREATED');
      const res = await request(t.http)
        .post('/api/v1/users')
        .set(admin.auth)
        .send({ username: auditor.username, displayName: 'Twin', password: 'a-long-password-1', roles: [] })
        .expect(409);
      expect(res.body.code).toBe('USERNAME_TAKEN');
      await expect(scalar(t, 'SELECT count(*)::int FROM app_user')).resolves.toBe(usersBefore);
      await expect(auditCount(t, 'USER_CREATED')).resolves.toBe(entriesBefore);
    });

    it('writes one user and one entry when the same username is created five times at once', async () => {
      const username = `race${unique()}`;
      const responses = await Promise.all(
        Array.from({ length: 5 }, () =>
          request(t.http)
            .post('/api/v1/users')
            .set(admin.auth)
            .send({ username, displayName: 'Race', password: 'a-long-password-1', roles: [] }),
        ),
      );
      expect(responses.map((r) => r.status).sort()).toEqual([201, 409, 409, 409, 409]);
      await expect(userRows(username)).resolves.toBe(1);
      await expect(createdEntries(username)).resolves.toBe(1);
    });

    it('keeps no user when writing its entry fails', async () => {
      const username = `doomed${unique()}`;
      // Fault injection: the database refuses this one entry, after the user row was inserted.
      await t.dataSource.query(`
        CREATE FUNCTION test_refuse_doomed() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION 'injected audit failure'; END $$`);
      await t.dataSource.query(`
        CREATE TRIGGER test_refuse_doomed BEFORE INSERT ON audit_entry FOR EACH ROW
        WHEN (NEW.changes->'after'->>'username' = '${username}') EXECUTE FUNCTION test_refuse_doomed()`);
      try {
        const res = await request(t.http)
          .post('/api/v1/users')
          .set(admin.auth)
          .send({ username, displayName: 'Doomed', password: 'a-long-password-1', roles: [] })
          .expect(500);
        expect(res.body.code).toBe('INTERNAL_ERROR');
      } finally {
        await t.dataSource.query('DROP TRIGGER test_refuse_doomed ON audit_entry');
        await t.dataSource.query('DROP FUNCTION test_refuse_doomed()');
      }
      await expect(userRows(username)).resolves.toBe(0);
      await expect(createdEntries(username)).resolves.toBe(0);
    });

    it('keeps no entry when the change fails at commit, after its entry was written', async () => {
      const username = `late${unique()}`;
      // Fault injection: a deferred check refuses the user row only at COMMIT, after the entry's INSERT.
      await t.dataSource.query(`
        CREATE FUNCTION test_refuse_late() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION 'injected commit failure'; END $$`);
      await t.dataSource.query(`
        CREATE CONSTRAINT TRIGGER test_refuse_late AFTER INSERT ON app_user DEFERRABLE INITIALLY DEFERRED
        FOR EACH ROW WHEN (NEW.username = '${username}') EXECUTE FUNCTION test_refuse_late()`);
      try {
        await request(t.http)
          .post('/api/v1/users')
          .set(admin.auth)
          .send({ username, displayName: 'Late', password: 'a-long-password-1', roles: [] })
          .expect(500);
      } finally {
        await t.dataSource.query('DROP TRIGGER test_refuse_late ON app_user');
        await t.dataSource.query('DROP FUNCTION test_refuse_late()');
      }
      await expect(userRows(username)).resolves.toBe(0);
      await expect(createdEntries(username)).resolves.toBe(0);
    });

    it('writes exactly one USER_CREATED entry naming the admin, the request id and no password', async () => {
      const username = `new${unique()}`;
      const password = `pw-${unique()}-${unique()}`;
      const res = await request(t.http)
        .post('/api/v1/users')
        .set(admin.auth)
        .send({ username, displayName: '李娜', password, roles: [Role.RECORDER] })
        .expect(201);
      const requestId = res.headers['x-request-id'];
      expect(requestId).toEqual(expect.any(String));

      const list = await request(t.http)
        .get(AUDIT)
        .query({ action: 'USER_CREATED', targetId: res.body.id })
        .set(auditor.auth)
        .expect(200);
      expect(list.body.items).toEqual([
        expect.objectContaining({
          actorType: 'USER',
          actorId: admin.id,
          actorName: admin.username,
          actorRoles: [Role.ADMIN],
          action: 'USER_CREATED',
          targetType: 'USER',
          targetId: res.body.id,
          requestId,
          changes: { after: { username, displayName: '李娜', roles: [Role.RECORDER], disabled: false } },
        }),
      ]);
      const [stored] = await t.dataSource.query(
        'SELECT changes::text AS changes FROM audit_entry WHERE target_id = $1',
        [res.body.id],
      );
      expect(stored.changes).not.toMatch(/password|hash|argon/i);
      expect(stored.changes).not.toContain(password);
    });
  });

  describe('append-only tables', () => {
    beforeAll(async () => {
      await record(t, [{ action: 'APPEND_ONLY_PROBE' }]);
      await t.app.get(AuditService).sealPending();
    });

    it.each([
      ['audit_entry', "UPDATE audit_entry SET action = 'FORGED'"],
      ['audit_entry', 'DELETE FROM audit_entry'],
      ['audit_entry', 'TRUNCATE audit_entry CASCADE'],
      ['audit_seal', "UPDATE audit_seal SET hash = '\\x00'::bytea"],
      ['audit_seal', 'DELETE FROM audit_seal'],
      ['audit_seal', 'TRUNCATE audit_seal'],
      ['audit_seal_round', 'UPDATE audit_seal_round SET sealed = 0'],
      ['audit_seal_round', 'DELETE FROM audit_seal_round'],
      ['audit_seal_round', 'TRUNCATE audit_seal_round'],
    ])('%s: the database refuses %s', async (table, sql) => {
      const before = await scalar(t, `SELECT count(*)::int FROM ${table}`);
      expect(before).toBeGreaterThan(0);
      await expect(t.dataSource.query(sql)).rejects.toThrow(/append-only/);
      await expect(scalar(t, `SELECT count(*)::int FROM ${table}`)).resolves.toBe(before);
    });

    it('refuses TRUNCATE of audit_entry without CASCADE too (its seals reference it)', async () => {
      await expect(t.dataSource.query('TRUNCATE audit_entry')).rejects.toThrow(/foreign key|append-only/);
      await expect(auditCount(t)).resolves.toBeGreaterThan(0);
    });
  });

  describe('personal identifiers', () => {
    it('stores resident IDs masked and secrets redacted, whatever the caller passed', async () => {
      const [seq] = await record(t, [
        {
          action: 'MASK_PROBE',
          changes: {
            note: '申请人身份证号11010519491231002X，请核查',
            password: 'hunter2-hunter2',
            nested: [{ oldId: '110105491231002' }],
          },
        },
      ]);
      const [row] = await t.dataSource.query(
        'SELECT changes, changes::text AS text FROM audit_entry WHERE seq = $1',
        [seq],
      );
      expect(row.changes).toEqual({
        note: '申请人身份证号110105********002X，请核查',
        password: '[redacted]',
        nested: [{ oldId: '110105*****1002' }],
      });
      expect(row.text).not.toContain('11010519491231002X');
      expect(row.text).not.toContain('hunter2');

      const res = await request(t.http)
        .get(AUDIT)
        .query({ action: 'MASK_PROBE' })
        .set(auditor.auth)
        .expect(200);
      expect(res.body.items[0].changes).toEqual(row.changes);
    });
  });

  describe('GET /audit/export', () => {
    it('streams NDJSON: one entry a line, oldest first, as many as match', async () => {
      const action = `EXPORT_PROBE_${unique().toUpperCase()}`;
      const seqs = await record(
        t,
        Array.from({ length: 4 }, (_, i) => ({ action, changes: { i } })),
      );
      const res = await exportAudit(t, auditor, { format: 'ndjson', action });
      expect(res.headers['content-type']).toMatch(/^application\/x-ndjson/);
      expect(res.headers['content-disposition']).toBe('attachment; filename="audit.ndjson"');
      const entries = ndjson(res.body);
      expect(entries.map((e) => e.seq)).toEqual(seqs);
      expect(entries.map((e) => e.changes)).toEqual([{ i: 0 }, { i: 1 }, { i: 2 }, { i: 3 }]);
      for (const e of entries) expect(e.action).toBe(action);
    });

    it('exports more entries than one database page, each once, in seq order', async () => {
      const action = `BULK_PROBE_${unique().toUpperCase()}`;
      await t.dataSource.transaction((m) =>
        t.app.get(AuditService).recordMany(
          m,
          systemContext('bulk'),
          Array.from({ length: 1234 }, (_, i) => ({ action, changes: { i } })),
        ),
      );
      const entries = ndjson((await exportAudit(t, auditor, { action })).body);
      expect(entries).toHaveLength(1234);
      expect(entries.map((e) => (e.changes as { i: number }).i)).toEqual(
        Array.from({ length: 1234 }, (_, i) => i),
      );
      const seqs = entries.map((e) => BigInt(e.seq));
      for (let i = 1; i < seqs.length; i++) expect(seqs[i] > seqs[i - 1]).toBe(true);

      const everything = ndjson((await exportAudit(t, auditor, {})).body);
      expect(everything).toHaveLength(await auditCount(t));
      expect(new Set(everything.map((e) => e.seq)).size).toBe(everything.length);
    });

    it('exports CSV: a header, one row per entry, formula-like cells defused', async () => {
      // Three ways a caller's text reaches the trail: a display name (inside `changes`), a request
      // id (its own column) and the username of a failed login (the actor's name).
      const hyperlink = '=HYPERLINK("http://evil.example","x")';
      const created = await request(t.http)
        .post('/api/v1/users')
        .set(admin.auth)
        .set('X-Request-Id', '-1-1')
        .send({
          username: `csv${unique()}`,
          displayName: hyperlink,
          password: 'a-long-password-1',
          roles: [],
        })
        .expect(201);
      expect(created.headers['x-request-id']).toBe('-1-1');
      await request(t.http)
        .post('/api/v1/auth/login')
        .send({ username: hyperlink, password: 'not-the-password-1' })
        .expect(401);

      const res = await exportAudit(t, auditor, { format: 'csv' });
      expect(res.headers['content-type']).toMatch(/^text\/csv/);
      expect(res.headers['content-disposition']).toBe('attachment; filename="audit.csv"');
      const [header, ...rows] = parseCsv(res.body);
      expect(header).toEqual([
        'seq',
        'at',
        'actorType',
        'actorId',
        'actorName',
        'actorRoles',
        'action',
        'targetType',
        'targetId',
        'requestId',
        'purpose',
        'changes',
        'position',
        'hash',
      ]);
      expect(rows).toHaveLength(await auditCount(t));
      for (const row of rows) expect(row).toHaveLength(header.length);
      const col = (name: string) => header.indexOf(name);

      const userRow = rows.find(
        (r) => r[col('targetId')] === created.body.id && r[col('action')] === 'USER_CREATED',
      )!;
      expect(userRow[col('requestId')]).toBe("'-1-1");
      expect(JSON.parse(userRow[col('changes')]).after.displayName).toBe(hyperlink);

      const failed = rows.filter((r) => r[col('action')] === 'AUTH_LOGIN_FAILED');
      expect(failed.map((r) => r[col('actorName')])).toContain(`'${hyperlink.toLowerCase()}`);

      for (const row of rows) for (const cell of row) expect(cell).not.toMatch(/^[=+\-@\t\r]/);
    });

    it('answers 400 naming format for an unknown format', async () => {
      const res = await request(t.http)
        .get(`${AUDIT}/export`)
        .query({ format: 'xml' })
        .set(auditor.auth)
        .expect(400);
      expect(res.body.code).toBe('VALIDATION_FAILED');
      expect(res.body.details.map((d: { field: string }) => d.field)).toEqual(['format']);
    });
  });

  describe('sealing', () => {
    it('seals every committed entry exactly once under concurrent writers, and none rolled back', async () => {
      const audit = t.app.get(AuditService);
      const committed = `CONCURRENT_${unique().toUpperCase()}`;
      const rolledBack = `ROLLED_BACK_${unique().toUpperCase()}`;
      let writing = true;
      const sealer = (async () => {
        while (writing) {
          await audit.sealPending();
          await sleep(2);
        }
      })();
      const writes = Array.from({ length: 200 }, (_, i) =>
        t.dataSource.transaction((m) =>
          audit.record(m, systemContext(`c${i}`), { action: committed, changes: { i } }),
        ),
      );
      const failures = Array.from({ length: 20 }, (_, i) =>
        t.dataSource.transaction(async (m) => {
          await audit.record(m, systemContext(`r${i}`), { action: rolledBack, changes: { i } });
          throw new Error(`rolled back ${i}`);
        }),
      );
      const results = await Promise.allSettled([...writes, ...failures]);
      writing = false;
      await sealer;
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(200);
      expect(results.filter((r) => r.status === 'rejected')).toHaveLength(20);

      await audit.sealPending();
      await expect(auditCount(t, committed)).resolves.toBe(200);
      await expect(auditCount(t, rolledBack)).resolves.toBe(0);
      const [stats] = await t.dataSource.query(`
        SELECT (SELECT count(*) FROM audit_entry)::int AS entries,
               (SELECT count(*) FROM audit_seal)::int AS seals,
               (SELECT count(DISTINCT entry_seq) FROM audit_seal)::int AS "sealedEntries",
               (SELECT count(*) FROM audit_entry e
                 WHERE NOT EXISTS (SELECT 1 FROM audit_seal s WHERE s.entry_seq = e.seq))::int AS unsealed,
               (SELECT min(position) FROM audit_seal)::int AS "minPosition",
               (SELECT max(position) FROM audit_seal)::int AS "maxPosition"`);
      expect(stats).toEqual({
        entries: stats.entries,
        seals: stats.entries,
        sealedEntries: stats.entries,
        unsealed: 0,
        minPosition: 1,
        maxPosition: stats.entries,
      });
      const verified = await audit.verify();
      expect(verified).toEqual({ ok: true, verified: stats.entries, pending: 0 });
    });

    it('commits a grouped entry before its caller resumes, and seals it like any other', async () => {
      const audit = t.app.get(AuditService);
      const action = `GROUPED_${unique().toUpperCase()}`;
      const visibleOnResume = await Promise.all(
        Array.from({ length: 60 }, async (_, i) => {
          await audit.recordGrouped(systemContext(`g${i}`), {
            action,
            targetId: `g${i}`,
            changes: { note: `ID 11010519491231002X`, token: 'secret-token' },
          });
          return scalar(t, 'SELECT count(*)::int FROM audit_entry WHERE action = $1 AND target_id = $2', [
            action,
            `g${i}`,
          ]);
        }),
      );
      expect(visibleOnResume).toEqual(Array(60).fill(1));
      const [row] = await t.dataSource.query('SELECT changes FROM audit_entry WHERE action = $1 LIMIT 1', [
        action,
      ]);
      expect(row.changes).toEqual({ note: 'ID 110105********002X', token: '[redacted]' });
      await expect(audit.verify()).resolves.toMatchObject({ ok: true, pending: 0 });
      await expect(
        scalar(
          t,
          `SELECT count(*)::int FROM audit_seal s JOIN audit_entry e ON e.seq = s.entry_seq WHERE e.action = $1`,
          [action],
        ),
      ).resolves.toBe(60);
    });

    // PostgreSQL's jsonb cannot hold U+0000, so such an entry cannot be stored; the entries that
    // happened to share its group commit belong to other requests and must not fail with it.
    it("does not fail other callers' grouped entries with one that cannot be stored", async () => {
      const audit = t.app.get(AuditService);
      const action = `GROUPED_NUL_${unique().toUpperCase()}`;
      const [bad, ...good] = await Promise.allSettled([
        // A value the insert cannot serialise fails that entry's write.
        audit.recordGrouped(systemContext('bad'), { action, changes: { count: BigInt(1) } }),
        ...Array.from({ length: 5 }, (_, i) => audit.recordGrouped(systemContext(`good${i}`), { action })),
      ]);
      expect(bad.status).toBe('rejected');
      expect(good.map((r) => r.status)).toEqual(Array(5).fill('fulfilled'));
      await expect(auditCount(t, action)).resolves.toBe(5);
    });

    it('stores U+0000, which PostgreSQL text cannot hold, as U+FFFD instead of failing', async () => {
      const action = `NUL_${unique().toUpperCase()}`;
      await t.app.get(AuditService).recordGrouped(systemContext('nul'), {
        action,
        purpose: 'search for a\u0000b',
        changes: { q: 'x\u0000y' },
      });
      const [row] = await t.dataSource.query('SELECT purpose, changes FROM audit_entry WHERE action = $1', [
        action,
      ]);
      expect(row).toEqual({ purpose: 'search for a\uFFFDb', changes: { q: 'x\uFFFDy' } });
    });

    it('does not seal past a transaction still open, and seals both once it commits, in seq order', async () => {
      const audit = t.app.get(AuditService);
      await audit.sealPending();
      const open = t.dataSource.createQueryRunner();
      await open.connect();
      try {
        await open.startTransaction();
        await audit.record(open.manager, systemContext('slow'), { action: 'SLOW_WRITER' });
        const [slow] = await open.query(
          'SELECT max(seq)::text AS seq FROM audit_entry WHERE xid = pg_current_xact_id()',
        );
        const [fast] = await record(t, [{ action: 'FAST_WRITER' }]);

        await audit.sealPending();
        const sealedFast = await scalar(t, 'SELECT count(*)::int FROM audit_seal WHERE entry_seq = $1', [
          fast,
        ]);
        expect(sealedFast).toBe(0);

        await open.commitTransaction();
        await audit.sealPending();
        const rows: { seq: string; position: string }[] = await t.dataSource.query(
          'SELECT s.entry_seq::text AS seq, s.position::text AS position FROM audit_seal s WHERE s.entry_seq = ANY($1) ORDER BY s.position',
          [[slow.seq, fast]],
        );
        expect(rows.map((r) => r.seq)).toEqual([slow.seq, fast]);
        expect(Number(rows[1].position)).toBe(Number(rows[0].position) + 1);
      } finally {
        await open.release();
      }
      await expect(audit.verify()).resolves.toMatchObject({ ok: true, pending: 0 });
    });
  });

  describe('a backlog larger than one sealing batch', () => {
    it('is sealed in one call, in seq order, and verified across verification pages', async () => {
      const audit = t.app.get(AuditService);
      await audit.sealPending();
      const action = `BACKLOG_${unique().toUpperCase()}`;
      const size = AuditService.SEAL_BATCH + 7;
      await t.dataSource.transaction((m) =>
        audit.recordMany(
          m,
          systemContext('backlog'),
          Array.from({ length: size }, (_, i) => ({ action, changes: { i } })),
        ),
      );
      await expect(audit.sealPending()).resolves.toBe(size);
      const [order] = await t.dataSource.query(
        `SELECT count(*)::int AS n,
                bool_and(s.position - min_pos = e.seq - min_seq) AS "inSeqOrder"
         FROM audit_seal s JOIN audit_entry e ON e.seq = s.entry_seq,
              (SELECT min(s2.position) AS min_pos, min(e2.seq) AS min_seq
               FROM audit_seal s2 JOIN audit_entry e2 ON e2.seq = s2.entry_seq WHERE e2.action = $1) AS m
         WHERE e.action = $1`,
        [action],
      );
      expect(order).toEqual({ n: size, inSeqOrder: true });
      const count = await auditCount(t);
      await expect(audit.verify()).resolves.toEqual({ ok: true, verified: count, pending: 0 });
    });
  });

  describe('verify and head', () => {
    it('verifies a sound chain: every entry sealed and holding', async () => {
      await record(t, [{ action: 'VERIFY_PROBE' }]);
      const res = await request(t.http).post(`${AUDIT}/verify`).set(auditor.auth).expect(200);
      const count = await auditCount(t);
      expect(res.body).toEqual({
        ok: true,
        verified: count,
        pending: 0,
        message: `all ${count} sealed entries hold`,
      });
      await expect(scalar(t, 'SELECT count(*)::int FROM audit_seal')).resolves.toBe(count);
    });

    it('returns the last position and its hash as the head', async () => {
      await record(t, [{ action: 'HEAD_PROBE' }]);
      await request(t.http).post(`${AUDIT}/verify`).set(auditor.auth).expect(200);
      const res = await request(t.http).get(`${AUDIT}/head`).set(auditor.auth).expect(200);
      const [last] = await t.dataSource.query(
        `SELECT s.position::text AS position, s.entry_seq::text AS seq, encode(s.hash, 'hex') AS hash
         FROM audit_seal s ORDER BY s.position DESC LIMIT 1`,
      );
      expect(res.body).toEqual({ ...last, sealedAt: expect.any(String) });
      expect(res.body.hash).toMatch(HEX64);
      expect(Number(res.body.position)).toBe(await auditCount(t));
      expect(new Date(res.body.sealedAt).toISOString()).toBe(res.body.sealedAt);
    });
  });
});

describe('audit trail: tamper detection (a database of its own per case)', () => {
  let t: TestApp;
  let auditor: TestUser;
  /** The probe entries' seqs with their positions, once sealed. */
  let links: { seq: string; position: number }[];

  beforeEach(async () => {
    t = await createTestApp({ env: APP_ENV });
    auditor = await newUser(t, [Role.AUDITOR]);
    await record(
      t,
      Array.from({ length: 6 }, (_, i) => ({
        action: 'TAMPER_PROBE',
        targetType: 'PROBE',
        targetId: `p${i}`,
      })),
    );
    const res = await request(t.http).post(`${AUDIT}/verify`).set(auditor.auth).expect(200);
    expect(res.body).toMatchObject({ ok: true, verified: await auditCount(t), pending: 0 });
    links = (
      await t.dataSource.query(
        `SELECT s.entry_seq::text AS seq, s.position::int AS position FROM audit_seal s
         JOIN audit_entry e ON e.seq = s.entry_seq WHERE e.action = 'TAMPER_PROBE' ORDER BY s.position`,
      )
    ).map((r: { seq: string; position: number }) => r);
    expect(links).toHaveLength(6);
  });

  afterEach(async () => {
    await t?.close();
  });

  const verify = () => request(t.http).post(`${AUDIT}/verify`).set(auditor.auth).expect(200);

  it('finds an altered entry, over HTTP and in the CLI', async () => {
    const sound = await runCli(t, ['audit:verify']);
    const count = await auditCount(t);
    expect(sound.output).toContain(`all ${count} sealed entries hold`);
    expect(sound.code).toBe(0);

    const target = links[2];
    await tamper(t, 'audit_entry', "UPDATE audit_entry SET action = 'NOTHING_HAPPENED' WHERE seq = $1", [
      target.seq,
    ]);

    const res = await verify();
    expect(res.body).toMatchObject({
      ok: false,
      verified: target.position - 1,
      firstBroken: { position: String(target.position), seq: target.seq, reason: 'HASH_MISMATCH' },
    });
    expect(res.body.message).toContain(`seq ${target.seq}`);

    const broken = await runCli(t, ['audit:verify']);
    expect(broken.output).toContain(`seq ${target.seq}`);
    expect(broken.output).toContain('HASH_MISMATCH');
    expect(broken.code).toBe(3);
  }, 30_000);

  it('finds a seal whose prev_hash was altered', async () => {
    const target = links[3];
    await tamper(t, 'audit_seal', "UPDATE audit_seal SET prev_hash = sha256('forged') WHERE position = $1", [
      target.position,
    ]);
    const res = await verify();
    expect(res.body).toMatchObject({
      ok: false,
      verified: target.position - 1,
      firstBroken: { position: String(target.position), seq: target.seq, reason: 'PREV_HASH_MISMATCH' },
    });
    expect(res.body.message).toContain(`seq ${target.seq}`);
  });

  it('finds a seal whose hash was altered', async () => {
    const target = links[1];
    await tamper(t, 'audit_seal', "UPDATE audit_seal SET hash = sha256('forged') WHERE position = $1", [
      target.position,
    ]);
    const res = await verify();
    expect(res.body).toMatchObject({
      ok: false,
      verified: target.position - 1,
      firstBroken: { position: String(target.position), seq: target.seq, reason: 'HASH_MISMATCH' },
    });
  });

  it('finds a deleted seal as a gap at its position', async () => {
    const target = links[2];
    await tamper(t, 'audit_seal', 'DELETE FROM audit_seal WHERE position = $1', [target.position]);
    const res = await verify();
    expect(res.body).toMatchObject({
      ok: false,
      verified: target.position - 1,
      firstBroken: { position: String(target.position), seq: null, reason: 'POSITION_GAP' },
    });
    expect(res.body.message).toContain(`position ${target.position} is missing`);
  });

  it('reports the first break when there are several', async () => {
    const [first, , , later] = [links[1], links[2], links[3], links[4]];
    await tamper(t, 'audit_seal', 'DELETE FROM audit_seal WHERE position = $1', [later.position]);
    await tamper(t, 'audit_entry', "UPDATE audit_entry SET target_id = 'elsewhere' WHERE seq = $1", [
      first.seq,
    ]);
    const res = await verify();
    expect(res.body.firstBroken).toEqual({
      position: String(first.position),
      seq: first.seq,
      reason: 'HASH_MISMATCH',
    });
  });
});

describe('audit trail: an empty chain', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ env: APP_ENV });
  });

  afterAll(async () => {
    await t?.close();
  });

  it('verifies with nothing to verify, and has no head until the first seal', async () => {
    await expect(auditCount(t)).resolves.toBe(0);
    await expect(t.app.get(AuditService).verify()).resolves.toEqual({ ok: true, verified: 0, pending: 0 });

    const auditor = await newUser(t, [Role.AUDITOR]);
    const count = await auditCount(t);
    expect(count).toBeGreaterThan(0);
    const head = await request(t.http).get(`${AUDIT}/head`).set(auditor.auth).expect(200);
    expect(head.body).toEqual({ position: null, seq: null, hash: null, sealedAt: null });

    const res = await request(t.http).post(`${AUDIT}/verify`).set(auditor.auth).expect(200);
    expect(res.body).toMatchObject({ ok: true, verified: count, pending: 0 });
    const after = await request(t.http).get(`${AUDIT}/head`).set(auditor.auth).expect(200);
    expect(after.body.position).toBe(String(count));
  });
});
