import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { CreateChangeFeed1764305000000 } from '../../migrations/1764305000000-CreateChangeFeed';
import { CreateWebhooks1764306000000 } from '../../migrations/1764306000000-CreateWebhooks';
import { Role, Scope } from '../../src/auth/principal';
import { Transactions } from '../../src/database/transactions';
import { addDays, addMonths, todayIn } from '../../src/rules/rules';
import { SubjectsRepository } from '../../src/subjects/subjects.repository';
import { createTestApp, TestApp } from '../app';
import { auditCount, newApiClient, newResidentId, newUser, TestApiClient, TestUser } from '../factories';

const CHANGES = '/api/v1/changes';

interface Change {
  cursor: string;
  recordedAt: string;
  entityType: string;
  entityId: string;
  actions: string[];
  ruleVersion: number | null;
  state: Record<string, unknown> | null;
}

describe('change feed', () => {
  let t: TestApp;
  let recorder: TestUser;
  let approver: TestUser;
  let client: TestApiClient;
  const today = todayIn();

  beforeAll(async () => {
    t = await createTestApp({ env: { DATABASE_POOL_SIZE: '20' } });
    [recorder, approver] = await Promise.all([newUser(t, [Role.RECORDER]), newUser(t, [Role.APPROVER])]);
    client = await newApiClient(t, [Scope.CHANGES_READ]);
  });
  afterAll(() => t.close());

  const read = (query: Record<string, string | number> = {}) =>
    request(t.http).get(CHANGES).set(client.auth).query(query);

  /** The feed's current end: the cursor a new mirror that only wants what comes next starts from. */
  const head = async (): Promise<string> => {
    const [row] = await t.dataSource.query('SELECT COALESCE(max(seq), 0)::text AS seq FROM change_event');
    return row.seq;
  };

  /** Every change after `after`, page by page. */
  const drain = async (after: string, limit = 50): Promise<Change[]> => {
    const all: Change[] = [];
    for (;;) {
      const res = await read({ after, limit }).expect(200);
      all.push(...res.body.items);
      if (res.body.items.length === 0) return all;
      after = res.body.next;
    }
  };

  it('lists a recorded decision, its approval and its revocation in commit order, with the state committed', async () => {
    const start = await head();
    const id = newResidentId();
    const recorded = await request(t.http)
      .post('/api/v1/cases')
      .set(recorder.auth)
      .send({
        status: 'DECIDED',
        decisionNumber: `变科〔2026〕${Date.now()}号`,
        authority: '某省科学技术厅',
        decisionDate: addDays(today, -10),
        severity: 'SEVERE',
        misconductTypes: ['PLAGIARISM'],
        source: 'AUDIT',
        subjects: [
          {
            ref: 's',
            subject: {
              kind: 'NATURAL_PERSON',
              name: '变更甲',
              identifiers: [{ type: 'RESIDENT_ID', value: id }],
            },
            roles: ['RESEARCHER'],
          },
        ],
        measures: [
          {
            subjectRef: 's',
            type: 'SERIOUS_DB_ENTRY',
            startDate: addDays(today, -10),
            endDate: addMonths(today, 24),
          },
        ],
      })
      .expect(201);
    const [listingId] = recorded.body.listingIds;
    const subjectId = recorded.body.subjects[0].subjectId;
    await request(t.http).post(`/api/v1/listings/${listingId}/approve`).set(approver.auth).expect(200);
    await request(t.http)
      .post(`/api/v1/listings/${listingId}/objections`)
      .set(recorder.auth)
      .send({ raisedBy: '变更甲', reason: '事实有误' })
      .expect(201);
    await request(t.http)
      .post(`/api/v1/listings/${listingId}/revoke`)
      .set(approver.auth)
      .send({ reason: '复查撤销' })
      .expect(200);

    const changes = await drain(start, 2);
    expect(changes.map((c) => [c.entityType, c.actions])).toEqual([
      ['SUBJECT', ['RECORDED', 'NAMES_SET', 'IDENTIFIERS_ADDED']],
      ['CASE', ['RECORDED', 'DECIDED', 'SUBJECT_ADDED', 'MEASURE_ADDED']],
      ['MEASURE', ['RECORDED']],
      ['LISTING', ['PROPOSED']],
      ['LISTING', ['ACTIVE']],
      ['LISTING', ['UNDER_OBJECTION']],
      ['LISTING', ['REVOKED', 'OBJECTION_CLEARED']],
    ]);
    const cursors = changes.map((c) => BigInt(c.cursor));
    expect(cursors).toEqual([...cursors].sort((a, b) => (a < b ? -1 : 1)));
    expect(new Set(changes.map((c) => c.ruleVersion))).toEqual(new Set([1]));
    expect(changes[0].state).toMatchObject({
      id: subjectId,
      name: '变更甲',
      identifiers: [
        {
          type: 'RESIDENT_ID',
          issuingCountry: null,
          masked: `${id.slice(0, 6)}********${id.slice(14)}`,
          value: id,
        },
      ],
    });
    expect(changes[0].state).not.toHaveProperty('identifiers.0.ciphertext');
    expect(changes[1].state).toMatchObject({
      id: recorded.body.id,
      status: 'DECIDED',
      severity: 'SEVERE',
      subjects: [{ subjectId, roles: ['RESEARCHER'] }],
      measureIds: [changes[2].entityId],
    });
    expect(changes[2].state).toMatchObject({
      type: 'SERIOUS_DB_ENTRY',
      subjectId,
      endDate: addMonths(today, 24),
    });
    expect(changes.slice(3).map((c) => [c.state!.status, c.state!.underObjection])).toEqual([
      ['PROPOSED', false],
      ['ACTIVE', false],
      ['ACTIVE', true],
      ['REVOKED', false],
    ]);
    expect(changes[6].state).toMatchObject({ id: listingId, terminatedFrom: today, listType: 'BLACK' });

    // Caught up: the same cursor back, nothing repeated.
    const last = changes[changes.length - 1].cursor;
    const empty = await read({ after: last }).expect(200);
    expect(empty.body).toEqual({ items: [], next: last });
  });

  it('records subject edits and identifiers; a refused write leaves no change', async () => {
    const start = await head();
    const subject = await request(t.http)
      .post('/api/v1/subjects')
      .set(recorder.auth)
      .send({ kind: 'NATURAL_PERSON', name: '变更乙' })
      .expect(201);
    await request(t.http)
      .patch(`/api/v1/subjects/${subject.body.id}`)
      .set(recorder.auth)
      .send({ formerNames: ['变更旧名'] })
      .expect(200);
    const taken = newResidentId();
    await request(t.http)
      .post('/api/v1/subjects')
      .set(recorder.auth)
      .send({ kind: 'NATURAL_PERSON', name: '变更丙', identifiers: [{ type: 'RESIDENT_ID', value: taken }] })
      .expect(201);
    const before = await head();
    // The same identifier on another subject: refused, and nothing reaches the feed.
    await request(t.http)
      .post(`/api/v1/subjects/${subject.body.id}/identifiers`)
      .set(recorder.auth)
      .send({ identifiers: [{ type: 'RESIDENT_ID', value: taken }] })
      .expect(409);
    expect(await head()).toBe(before);

    const changes = await drain(start);
    expect(changes.map((c) => [c.entityType, c.actions, c.state!.name])).toEqual([
      ['SUBJECT', ['RECORDED', 'NAMES_SET'], '变更乙'],
      ['SUBJECT', ['UPDATED', 'NAMES_SET'], '变更乙'],
      ['SUBJECT', ['RECORDED', 'NAMES_SET', 'IDENTIFIERS_ADDED'], '变更丙'],
    ]);
    expect(changes[1].state).toMatchObject({ formerNames: ['变更旧名'], version: 2 });
  });

  it('refuses a malformed or unknown cursor and out-of-range limits with codes', async () => {
    const bad = await read({ after: 'abc' }).expect(400);
    expect(bad.body.details[0]).toMatchObject({ field: 'after' });
    await read({ limit: 0 }).expect(400);
    await read({ limit: 1001 }).expect(400);
    const wait = await read({ wait: 31 }).expect(400);
    expect(wait.body.details[0]).toMatchObject({ field: 'wait' });
    const ahead = await read({ after: String(BigInt(await head()) + 1000n) }).expect(409);
    expect(ahead.body.code).toBe('CHANGE_CURSOR_UNKNOWN');
  });

  it('audits a page that carried changes, and not an empty poll', async () => {
    const before = await auditCount(t, 'CHANGES_READ');
    await read({ after: await head() }).expect(200);
    expect(await auditCount(t, 'CHANGES_READ')).toBe(before);
    await read({ after: '0', limit: 1 }).expect(200);
    expect(await auditCount(t, 'CHANGES_READ')).toBe(before + 1);
  });

  it('a long poll answers as soon as a change lands', async () => {
    const after = await head();
    const poll = read({ after, wait: 25 }).then((res) => res);
    // The poll is waiting: nothing had changed after `after` when it asked.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const subject = await request(t.http)
      .post('/api/v1/subjects')
      .set(recorder.auth)
      .send({ kind: 'LEGAL_PERSON', name: '变更长轮询公司' })
      .expect(201);
    const res = await poll;
    expect(res.status).toBe(200);
    expect(res.body.items.map((c: Change) => c.entityId)).toEqual([subject.body.id]);
    expect(res.body.next).toBe(res.body.items[0].cursor);
  }, 30_000);

  it('a long poll with nothing to give answers empty with the same cursor', async () => {
    const after = await head();
    const res = await read({ after, wait: 1 }).expect(200);
    expect(res.body).toEqual({ items: [], next: after });
  });

  it('a transaction that wrote first but commits last is not passed by the cursor', async () => {
    const start = await head();
    const tx = t.app.get(Transactions);
    const subjects = t.app.get(SubjectsRepository);
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let wrote!: () => void;
    const written = new Promise<void>((resolve) => (wrote = resolve));
    // Writes its subject (taking its id and transaction id first), then waits before committing.
    const slow = tx.run(async (m) => {
      const id = await subjects.insert(m, {
        kind: 'NATURAL_PERSON',
        name: '变更慢',
        nameKey: '变更慢',
        organisation: null,
        organisationKey: null,
        createdBy: null,
      });
      wrote();
      await held;
      return id;
    });
    await written;
    const fast = await request(t.http)
      .post('/api/v1/subjects')
      .set(recorder.auth)
      .send({ kind: 'NATURAL_PERSON', name: '变更快' })
      .expect(201);
    const first = await read({ after: start }).expect(200);
    expect(first.body.items.map((c: Change) => c.entityId)).toEqual([fast.body.id]);
    release();
    const slowId = await slow;
    const second = await read({ after: first.body.next }).expect(200);
    expect(second.body.items.map((c: Change) => c.entityId)).toEqual([slowId]);
  });

  it('concurrent writers and a polling client: every committed change seen once, in cursor order', async () => {
    const start = await head();
    const writers = 8;
    const perWriter = 12;
    let writing = true;
    const seen: Change[] = [];
    const poller = (async () => {
      let after = start;
      for (;;) {
        const stillWriting = writing;
        const res = await read({ after, limit: 7, wait: 1 }).expect(200);
        seen.push(...res.body.items);
        after = res.body.next;
        if (!stillWriting && res.body.items.length === 0) return;
      }
    })();
    const created: string[] = [];
    await Promise.all(
      Array.from({ length: writers }, async (_, w) => {
        for (let i = 0; i < perWriter; i++) {
          const res = await request(t.http)
            .post('/api/v1/subjects')
            .set(recorder.auth)
            .send({
              kind: 'NATURAL_PERSON',
              name: `并发${w}-${i}`,
              identifiers: [{ type: 'RESIDENT_ID', value: newResidentId() }],
            })
            .expect(201);
          created.push(res.body.id);
          await request(t.http)
            .patch(`/api/v1/subjects/${res.body.id}`)
            .set(recorder.auth)
            .send({ organisation: `并发单位${w}` })
            .expect(200);
        }
      }),
    );
    writing = false;
    await poller;

    const cursors = seen.map((c) => c.cursor);
    expect(new Set(cursors).size).toBe(cursors.length);
    const asNumbers = cursors.map(BigInt);
    expect(asNumbers.every((c, i) => i === 0 || c > asNumbers[i - 1])).toBe(true);
    const committed: { seq: string }[] = await t.dataSource.query(
      'SELECT e.seq::text AS seq FROM change_event e WHERE e.seq > $1 ORDER BY e.seq',
      [start],
    );
    expect(cursors).toEqual(committed.map((r) => r.seq));
    expect(seen).toHaveLength(writers * perWriter * 2);
    // Each subject: recorded, then its organisation set; the last state seen is the final one.
    const last = new Map(seen.map((c) => [c.entityId, c.state!]));
    expect([...last.keys()].sort()).toEqual([...created].sort());
    for (const state of last.values()) expect(state.organisation).toMatch(/^并发单位\d$/);
  }, 60_000);

  it('is read by administrators and changes:read clients only', async () => {
    const admin = await newUser(t, [Role.ADMIN]);
    await request(t.http).get(CHANGES).set(admin.auth).expect(200);
    const reader = await newApiClient(t, [Scope.RECORDS_READ]);
    const refused = await request(t.http).get(CHANGES).set(reader.auth).expect(403);
    expect(refused.body.code).toBe('ACCESS_DENIED');
    await request(t.http).get(CHANGES).expect(401);
  });
});

describe('change feed baseline', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  it('enters what was recorded before the feed as one BASELINE row per entity, with the state the writers give', async () => {
    const [recorder, approver] = [await newUser(t, [Role.RECORDER]), await newUser(t, [Role.APPROVER])];
    const today = todayIn();
    const recorded = await request(t.http)
      .post('/api/v1/cases')
      .set(recorder.auth)
      .send({
        status: 'DECIDED',
        decisionNumber: '基科〔2026〕1号',
        authority: '某省科学技术厅',
        decisionDate: addDays(today, -10),
        severity: 'SERIOUS',
        misconductTypes: ['PLAGIARISM'],
        source: 'AUDIT',
        subjects: [
          {
            ref: 's',
            subject: {
              kind: 'NATURAL_PERSON',
              name: '基线甲',
              identifiers: [{ type: 'RESIDENT_ID', value: newResidentId() }],
            },
            roles: ['RESEARCHER'],
          },
        ],
        measures: [
          {
            subjectRef: 's',
            type: 'SERIOUS_DB_ENTRY',
            startDate: addDays(today, -10),
            endDate: addMonths(today, 12),
          },
        ],
      })
      .expect(201);
    await request(t.http)
      .post(`/api/v1/listings/${recorded.body.listingIds[0]}/approve`)
      .set(approver.auth)
      .expect(200);
    type Row = { entityType: string; entityId: string; actions: string[]; state: unknown };
    const live: Row[] = await t.dataSource.query(
      'SELECT entity_type AS "entityType", entity_id AS "entityId", actions, state FROM change_event ORDER BY seq',
    );
    const latest = new Map(live.map((r) => [`${r.entityType}:${r.entityId}`, r.state]));

    // The registry as it stood before the feed: its migration undone and done again (and the webhook
    // outbox's, whose deliveries point at feed rows, around it).
    const runner = t.dataSource.createQueryRunner();
    try {
      await new CreateWebhooks1764306000000().down(runner);
      await new CreateChangeFeed1764305000000().down(runner);
      await new CreateChangeFeed1764305000000().up(runner);
      await new CreateWebhooks1764306000000().up(runner);
    } finally {
      await runner.release();
    }
    const baseline: Row[] = await t.dataSource.query(
      'SELECT entity_type AS "entityType", entity_id AS "entityId", actions, state FROM change_event ORDER BY seq',
    );
    expect(baseline.map((r) => r.entityType)).toEqual(['SUBJECT', 'CASE', 'MEASURE', 'LISTING']);
    expect(new Set(baseline.map((r) => r.actions.join()))).toEqual(new Set(['BASELINE']));
    for (const row of baseline) expect(row.state).toEqual(latest.get(`${row.entityType}:${row.entityId}`));
  });
});

describe('examples/mirror-feed.mjs', () => {
  let t: TestApp;
  let dir: string;
  beforeAll(async () => {
    t = await createTestApp();
    await t.app.listen(0, '127.0.0.1');
    dir = await mkdtemp(join(tmpdir(), 'mirror-'));
  });
  afterAll(async () => {
    await t.close();
    await rm(dir, { recursive: true, force: true });
  });

  const runMirror = (key: string, file: string) =>
    new Promise<{ code: number | null; output: string }>((resolve) => {
      const { port } = t.http.address() as AddressInfo;
      const child = spawn(
        process.execPath,
        [join(__dirname, '..', '..', 'examples', 'mirror-feed.mjs'), file],
        {
          env: {
            PATH: process.env.PATH ?? '',
            REGISTRY_URL: `http://127.0.0.1:${port}`,
            REGISTRY_API_KEY: key,
            ONCE: '1',
          },
        },
      );
      let output = '';
      child.stdout.on('data', (chunk) => (output += chunk));
      child.stderr.on('data', (chunk) => (output += chunk));
      child.on('exit', (code) => resolve({ code, output }));
    });

  it('mirrors the feed into a JSON file and resumes from its cursor', async () => {
    const recorder = await newUser(t, [Role.RECORDER]);
    const { key } = await newApiClient(t, [Scope.CHANGES_READ]);
    const id = newResidentId();
    const first = await request(t.http)
      .post('/api/v1/subjects')
      .set(recorder.auth)
      .send({ kind: 'NATURAL_PERSON', name: '镜像甲', identifiers: [{ type: 'RESIDENT_ID', value: id }] })
      .expect(201);
    const file = join(dir, 'mirror.json');
    const run1 = await runMirror(key, file);
    expect(run1).toMatchObject({ code: 0 });
    const mirror1 = JSON.parse(await readFile(file, 'utf8'));
    expect(mirror1.entities.SUBJECT[first.body.id]).toMatchObject({
      name: '镜像甲',
      identifiers: [expect.objectContaining({ type: 'RESIDENT_ID', value: id })],
    });

    await request(t.http)
      .patch(`/api/v1/subjects/${first.body.id}`)
      .set(recorder.auth)
      .send({ name: '镜像乙' })
      .expect(200);
    const run2 = await runMirror(key, file);
    expect(run2.output).toMatch(/^1 changes applied, cursor \d+\n$/);
    const mirror2 = JSON.parse(await readFile(file, 'utf8'));
    expect(mirror2.entities.SUBJECT[first.body.id].name).toBe('镜像乙');
    expect(BigInt(mirror2.cursor)).toBeGreaterThan(BigInt(mirror1.cursor));

    const refused = await runMirror('not-a-key', join(dir, 'other.json'));
    expect(refused.code).not.toBe(0);
    expect(refused.output).toContain('the API key was refused (401)');
  });
});
