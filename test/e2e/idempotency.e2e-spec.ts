import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { Role, Scope } from '../../src/auth/principal';
import { requestHashOf } from '../../src/idempotency/idempotency.interceptor';
import { addDays, addMonths, todayIn } from '../../src/rules/rules';
import { createTestApp, TestApp } from '../app';
import {
  auditCount,
  newApiClient,
  newResidentId,
  newUser,
  rowCounts,
  TestApiClient,
  TestUser,
} from '../factories';
import { registryFixtures } from '../registry-fixtures';

const KEY = 'Idempotency-Key';

describe('Idempotency-Key on POSTs that create something', () => {
  let t: TestApp;
  let recorder: TestUser;
  let otherRecorder: TestUser;
  let approver: TestUser;
  let reviewer: TestUser;
  let client: TestApiClient;
  const today = todayIn();

  beforeAll(async () => {
    t = await createTestApp();
    [recorder, otherRecorder, approver, reviewer, client] = await Promise.all([
      newUser(t, [Role.RECORDER]),
      newUser(t, [Role.RECORDER]),
      newUser(t, [Role.APPROVER]),
      newUser(t, [Role.REVIEWER]),
      newApiClient(t, [Scope.CHECKS_RUN]),
    ]);
  });

  afterAll(async () => {
    await t?.close();
  });

  const person = () => ({
    kind: 'NATURAL_PERSON',
    name: '幂等测试',
    organisation: '东海理工大学',
    identifiers: [{ type: 'RESIDENT_ID', value: newResidentId() }],
  });
  const createSubject = (body: object, key?: string, who: TestUser = recorder) => {
    const req = request(t.http).post('/api/v1/subjects').set(who.auth);
    return (key === undefined ? req : req.set(KEY, key)).send(body);
  };
  const subjectsNamed = async (name: string): Promise<number> =>
    (await t.dataSource.query('SELECT count(*)::int AS n FROM subject WHERE name = $1', [name]))[0].n;
  const keyRow = async (key: string) =>
    (
      await t.dataSource.query(
        'SELECT state, write_committed, response_status FROM idempotency_key WHERE key = $1',
        [key],
      )
    )[0] as { state: string; write_committed: boolean; response_status: number } | undefined;

  it('answers a retry with the first answer, marked replayed, and writes once', async () => {
    const key = randomUUID();
    const body = { ...person(), name: `幂等${key.slice(0, 8)}` };
    const audited = await auditCount(t, 'SUBJECT_CREATED');
    const first = await createSubject(body, key).expect(201);
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    const again = await createSubject(body, key).expect(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body).toEqual(first.body);
    expect(again.text).toBe(first.text);
    expect(await subjectsNamed(body.name)).toBe(1);
    expect(await auditCount(t, 'SUBJECT_CREATED')).toBe(audited + 1);
    expect(await keyRow(key)).toEqual({ state: 'DONE', write_committed: true, response_status: 201 });
  });

  it('refuses the same key with a different body: 422 IDEMPOTENCY_KEY_REUSED, nothing written', async () => {
    const key = randomUUID();
    await createSubject(person(), key).expect(201);
    const before = await rowCounts(t, ['subject', 'audit_entry']);
    const res = await createSubject(person(), key).expect(422);
    expect(res.body.code).toBe('IDEMPOTENCY_KEY_REUSED');
    expect(await rowCounts(t, ['subject', 'audit_entry'])).toEqual(before);
  });

  it('refuses the same key on another route as a different request', async () => {
    const key = randomUUID();
    const subjectId = (await createSubject(person(), key).expect(201)).body.id;
    const res = await request(t.http)
      .post(`/api/v1/subjects/${subjectId}/identifiers`)
      .set(recorder.auth)
      .set(KEY, key)
      .send(person())
      .expect(422);
    expect(res.body.code).toBe('IDEMPOTENCY_KEY_REUSED');
  });

  it('keeps keys per caller: another user with the same key makes a change of its own', async () => {
    const key = randomUUID();
    const body = { ...person(), name: `各自${key.slice(0, 8)}` };
    await createSubject(body, key).expect(201);
    const other = await createSubject({ ...body, identifiers: [] }, key, otherRecorder).expect(201);
    expect(other.headers['idempotent-replayed']).toBeUndefined();
    expect(await subjectsNamed(body.name)).toBe(2);
  });

  it('rejects a malformed key with 400 IDEMPOTENCY_KEY_INVALID before doing anything', async () => {
    const before = await rowCounts(t, ['subject', 'idempotency_key']);
    for (const bad of ['', 'with space', 'x'.repeat(256), 'caf\u00e9']) {
      const res = await createSubject(person(), bad).expect(400);
      expect(res.body.code).toBe('IDEMPOTENCY_KEY_INVALID');
    }
    expect(await rowCounts(t, ['subject', 'idempotency_key'])).toEqual(before);
  });

  it('keeps no error answer: after a 4xx the key is free, and a corrected request runs', async () => {
    const key = randomUUID();
    const body = person();
    const invalid = await createSubject({ ...body, kind: 'ROBOT' }, key).expect(400);
    expect(invalid.body.code).toBe('VALIDATION_FAILED');
    expect(await keyRow(key)).toBeUndefined();
    await createSubject(body, key).expect(201);
    // A refusal inside the write's transaction (the identifier is taken) rolls the mark back too.
    const key2 = randomUUID();
    const taken = await createSubject(body, key2).expect(409);
    expect(taken.headers['idempotent-replayed']).toBeUndefined();
    expect(await keyRow(key2)).toBeUndefined();
  });

  it('runs afresh once the key has passed IDEMPOTENCY_KEY_TTL_HOURS (24 h)', async () => {
    const key = randomUUID();
    const body = { ...person(), name: `过期${key.slice(0, 8)}`, identifiers: [] };
    await createSubject(body, key).expect(201);
    await t.dataSource.query(
      "UPDATE idempotency_key SET created_at = now() - interval '25 hours' WHERE key = $1",
      [key],
    );
    const later = await createSubject(body, key).expect(201);
    expect(later.headers['idempotent-replayed']).toBeUndefined();
    expect(await subjectsNamed(body.name)).toBe(2);
  });

  describe('a key whose first request has not been answered', () => {
    const body = () => ({ ...person(), identifiers: [] });
    /** The row the first request left, as if it were still running (or had died) `ageMs` ago. */
    const leftBehind = async (key: string, b: object, ageMs: number, writeCommitted: boolean) => {
      await t.dataSource.query(
        `INSERT INTO idempotency_key (caller_type, caller_id, key, request_hash, state, write_committed, created_at)
         VALUES ('USER', $1, $2, $3, 'IN_FLIGHT', $4, now() - make_interval(secs => $5::double precision / 1000))`,
        [recorder.id, key, requestHashOf('POST', '/api/v1/subjects', [b]), writeCommitted, ageMs],
      );
    };

    it('answers 409 IDEMPOTENCY_KEY_IN_FLIGHT with Retry-After while it runs', async () => {
      const key = randomUUID();
      const b = { ...body(), name: `进行${key.slice(0, 8)}` };
      await leftBehind(key, b, 0, false);
      const res = await createSubject(b, key).expect(409);
      expect(res.body.code).toBe('IDEMPOTENCY_KEY_IN_FLIGHT');
      expect(res.headers['retry-after']).toBe('1');
      expect(await subjectsNamed(b.name)).toBe(0);
    });

    it('takes over a key whose request died before writing (10 minutes, nothing committed)', async () => {
      const key = randomUUID();
      const b = { ...body(), name: `接管${key.slice(0, 8)}` };
      await leftBehind(key, b, 11 * 60_000, false);
      await createSubject(b, key).expect(201);
      expect(await subjectsNamed(b.name)).toBe(1);
    });

    it('never runs twice a request whose write committed: 409 IDEMPOTENCY_ANSWER_LOST', async () => {
      const key = randomUUID();
      const b = { ...body(), name: `已写${key.slice(0, 8)}` };
      await leftBehind(key, b, 11 * 60_000, true);
      const res = await createSubject(b, key).expect(409);
      expect(res.body.code).toBe('IDEMPOTENCY_ANSWER_LOST');
      expect(await subjectsNamed(b.name)).toBe(0);
    });

    it('lets exactly one of concurrent duplicates write', async () => {
      const key = randomUUID();
      const b = { ...body(), name: `并发${key.slice(0, 8)}` };
      const answers = await Promise.all(Array.from({ length: 8 }, () => createSubject(b, key)));
      const statuses = answers.map((a) => a.status);
      expect(statuses.filter((s) => s !== 201 && s !== 409)).toEqual([]);
      for (const a of answers.filter((x) => x.status === 409)) {
        expect(a.body.code).toBe('IDEMPOTENCY_KEY_IN_FLIGHT');
      }
      const created = answers.filter((a) => a.status === 201);
      expect(created.length).toBeGreaterThanOrEqual(1);
      expect(new Set(created.map((a) => a.body.id)).size).toBe(1);
      expect(await subjectsNamed(b.name)).toBe(1);
    });
  });

  describe('on every creating route', () => {
    let fixtures: ReturnType<typeof registryFixtures>;
    beforeAll(() => {
      fixtures = registryFixtures(t, recorder, approver, today);
    });

    /** Sends `send` twice with one key: the second answer is the first, replayed, and `count` grew once. */
    const replays = async (
      send: (key: string) => request.Test,
      status: number,
      count: () => Promise<number>,
    ) => {
      const key = randomUUID();
      const before = await count();
      const first = await send(key).expect(status);
      const again = await send(key).expect(status);
      expect(again.headers['idempotent-replayed']).toBe('true');
      expect(again.body).toEqual(first.body);
      expect(await count()).toBe(before + 1);
      return first;
    };
    const count = (table: string) => async () => (await rowCounts(t, [table]))[table];

    const caseBody = () => ({
      status: 'FINAL',
      decisionNumber: `幂科〔2026〕${randomUUID().slice(0, 6)}号`,
      authority: '某省科学技术厅',
      decisionDate: addDays(today, -30),
      misconductTypes: ['FABRICATION_FALSIFICATION'],
      severity: 'SEVERE',
      source: 'RANDOM_INSPECTION',
      subjects: [{ ref: 's', subject: person(), roles: ['PROJECT_LEAD'] }],
      measures: [
        {
          subjectRef: 's',
          type: 'SERIOUS_DB_ENTRY',
          startDate: addDays(today, -30),
          endDate: addMonths(today, 24),
        },
      ],
    });

    it('POST /cases', async () => {
      const body = caseBody();
      await replays(
        (key) => request(t.http).post('/api/v1/cases').set(recorder.auth).set(KEY, key).send(body),
        201,
        count('misconduct_case'),
      );
    });

    it('POST /listings/{id}/approve, a decision on an entry (200)', async () => {
      const recorded = (
        await request(t.http).post('/api/v1/cases').set(recorder.auth).send(caseBody()).expect(201)
      ).body;
      const [listingId] = recorded.listingIds as string[];
      const first = await replays(
        (key) =>
          request(t.http).post(`/api/v1/listings/${listingId}/approve`).set(approver.auth).set(KEY, key),
        200,
        () => auditCount(t, 'LISTING_APPROVED'),
      );
      expect(first.body.status).toBe('ACTIVE');
    });

    it('POST /listings', async () => {
      const recorded = await fixtures.record(person(), [{ type: 'WARNING' }]);
      const body = {
        subjectId: recorded.subjects[0].subjectId,
        listType: 'WATCH',
        caseId: recorded.id,
        effectiveFrom: today,
      };
      await replays(
        (key) => request(t.http).post('/api/v1/listings').set(recorder.auth).set(KEY, key).send(body),
        201,
        count('listing'),
      );
    });

    it('POST /checks, for an API client too', async () => {
      const body = {
        purpose: 'idempotency of checks',
        domain: 'PROJECT_FUNDING',
        applicants: [{ name: '重试者', identifier: { type: 'RESIDENT_ID', value: newResidentId() } }],
      };
      for (const who of [reviewer.auth, client.auth]) {
        const first = await replays(
          (key) => request(t.http).post('/api/v1/checks').set(who).set(KEY, key).send(body),
          200,
          count('check_run'),
        );
        expect(first.body.results[0].verdict).toBe('CLEAR');
      }
    });

    it('POST /checks/jobs (multipart: the file is part of the request)', async () => {
      const submit = (key: string, csv: string) =>
        request(t.http)
          .post('/api/v1/checks/jobs')
          .set(reviewer.auth)
          .set(KEY, key)
          .field('domain', 'PROJECT_FUNDING')
          .field('purpose', 'idempotency of jobs')
          .attach('file', Buffer.from(csv), 'a.csv');
      const csv = 'name\n甲\n乙\n';
      const first = await replays((key) => submit(key, csv), 202, count('check_job'));
      expect(first.headers.location).toBe(`/api/v1/checks/jobs/${first.body.id}`);
      const key = randomUUID();
      const again = await submit(key, csv).expect(202);
      const replayed = await submit(key, csv).expect(202);
      expect(replayed.headers.location).toBe(again.headers.location);
      const other = await submit(key, 'name\n丙\n').expect(422);
      expect(other.body.code).toBe('IDEMPOTENCY_KEY_REUSED');
    });
  });

  it('documents the header on the creating routes of the OpenAPI document', async () => {
    const doc = (await request(t.http).get('/docs/openapi.json').expect(200)).body as {
      paths: Record<string, Record<string, { parameters?: { name: string; in: string }[] }>>;
    };
    const hasHeader = (path: string) =>
      (doc.paths[path].post.parameters ?? []).some((p) => p.in === 'header' && p.name === KEY);
    for (const path of [
      '/api/v1/cases',
      '/api/v1/subjects',
      '/api/v1/listings',
      '/api/v1/listings/{id}/approve',
      '/api/v1/listings/{id}/repairs/{repairId}/decision',
      '/api/v1/checks',
      '/api/v1/checks/jobs',
    ]) {
      expect([path, hasHeader(path)]).toEqual([path, true]);
    }
    expect(hasHeader('/api/v1/subjects/search')).toBe(false);
    expect(hasHeader('/api/v1/auth/login')).toBe(false);
  });
});

describe('Idempotent-Replayed across origins', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ env: { CORS_ORIGINS: 'https://console.example' } });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('is exposed to browsers of the allowed origins, with Location', async () => {
    const res = await request(t.http)
      .get('/health/live')
      .set('Origin', 'https://console.example')
      .expect(200);
    const exposed = String(res.headers['access-control-expose-headers']).toLowerCase().split(/,\s*/);
    expect(exposed).toEqual(expect.arrayContaining(['idempotent-replayed', 'location', 'retry-after']));
    // Read-your-writes across origins: a write's position, and where a check was read from.
    expect(exposed).toEqual(
      expect.arrayContaining(['registry-position', 'registry-read-from', 'registry-read-position']),
    );
  });
});
