import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { createApp } from '../../src/app.factory';
import { Role } from '../../src/auth/principal';
import { createLogger } from '../../src/common/logging/logger';
import { validateEnv } from '../../src/config/env';
import { createDataSource } from '../../src/database/data-source';
import { testSecrets, TestApp } from '../app';
import { newUser, TestUser } from '../factories';
import { PostgresCluster } from './postgres-cluster';
import { recordFigure } from './figures';

/**
 * Issue 12, item 1: the database is stopped under load and started again. The service keeps
 * answering (503 DATABASE_UNAVAILABLE with Retry-After, never 500, never a hang), recovers by itself,
 * and loses nothing it acknowledged.
 */

/** A request that hangs longer than this fails the test (the pool's connect timeout is 1 s). */
const HANG_MS = 15_000;
const WORKERS = 6;
const PURPOSE = 'fault test: database restart';

interface Answer {
  kind: 'write' | 'check';
  name?: string;
  status: number;
  code?: string;
  retryAfter?: string;
  id?: string;
  sentAt: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('a database restart under load', () => {
  let cluster: PostgresCluster;
  let t: TestApp;
  let base: string;
  let recorder: TestUser;
  let reviewer: TestUser;
  let auditor: TestUser;

  beforeAll(async () => {
    cluster = await PostgresCluster.create();
    const url = await cluster.createDatabase('registry');
    const migrator = createDataSource(url, 1);
    await migrator.initialize();
    await migrator.runMigrations({ transaction: 'each' });
    await migrator.destroy();
    const env = validateEnv({
      NODE_ENV: 'test',
      DATABASE_URL: url,
      DATABASE_POOL_SIZE: '5',
      DATABASE_CONNECT_TIMEOUT_MS: '1000',
      DATABASE_STATEMENT_TIMEOUT_MS: '10000',
      AUDIT_SEAL_INTERVAL_MS: '100',
      RATE_LIMIT_PER_MINUTE: '100000',
      RATE_LIMIT_LOGIN_PER_MINUTE: '100000',
    });
    const logger = createLogger({
      LOG_LEVEL: (process.env.TEST_LOG_LEVEL as 'silent') ?? 'silent',
      LOG_FORMAT: 'json',
    });
    const app = await createApp({ env, databaseUrl: url, secrets: testSecrets() }, logger);
    await app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
    t = {
      app,
      http: app.getHttpServer(),
      dataSource: app.get(DataSource),
      databaseUrl: url,
      close: () => app.close(),
    };
    [recorder, reviewer, auditor] = await Promise.all([
      newUser(t, [Role.RECORDER]),
      newUser(t, [Role.REVIEWER]),
      newUser(t, [Role.AUDITOR]),
    ]);
  });

  afterAll(async () => {
    await t?.close();
    await cluster?.destroy();
  });

  it('answers 503 with Retry-After while it is down, recovers alone and keeps every acknowledged write', async () => {
    const answers: Answer[] = [];
    let load = true;
    let n = 0;

    const write = async (): Promise<void> => {
      const name = `重启测试${randomBytes(5).toString('hex')}`;
      const sentAt = Date.now();
      const res = await request(base)
        .post('/api/v1/subjects')
        .set(recorder.auth)
        .send({ kind: 'NATURAL_PERSON', name, organisation: '某大学' })
        .timeout(HANG_MS);
      answers.push({
        kind: 'write',
        name,
        sentAt,
        status: res.status,
        code: res.body?.code,
        retryAfter: res.headers['retry-after'],
        id: res.body?.id,
      });
    };
    const check = async (): Promise<void> => {
      const sentAt = Date.now();
      const res = await request(base)
        .post('/api/v1/checks')
        .set(reviewer.auth)
        .send({
          domain: 'PROJECT_FUNDING',
          purpose: PURPOSE,
          applicants: [{ name: '张某某', organisation: '某大学' }],
        })
        .timeout(HANG_MS);
      answers.push({
        kind: 'check',
        sentAt,
        status: res.status,
        code: res.body?.code,
        retryAfter: res.headers['retry-after'],
        id: res.body?.id,
      });
    };
    const worker = async (): Promise<void> => {
      while (load) {
        await (n++ % 3 === 2 ? check() : write());
        // While the database is down the answers come at once: pace the workers a little.
        if (answers[answers.length - 1]?.status === 503) await sleep(20);
      }
    };
    const workers = Array.from({ length: WORKERS }, worker);

    const acknowledgedWrites = () => answers.filter((a) => a.kind === 'write' && a.status === 201).length;
    while (acknowledgedWrites() < 30) await sleep(50);

    // The outage: a fast shutdown ends every session at once, as `pg_ctl stop` or a failover would.
    const stoppedAt = Date.now();
    await cluster.stop('fast');
    const readyDuringOutage: { status: number; code?: string; retryAfter?: string }[] = [];
    while (
      Date.now() - stoppedAt < 2000 ||
      readyDuringOutage.length < 3 ||
      answers.filter((a) => a.sentAt > stoppedAt && a.status === 503).length < 20
    ) {
      const ready = await request(base).get('/health/ready').timeout(HANG_MS);
      readyDuringOutage.push({
        status: ready.status,
        code: ready.body?.code,
        retryAfter: ready.headers['retry-after'],
      });
      await sleep(200);
    }
    await cluster.start();
    const restartedAt = Date.now();

    // Recovery: no restart of the service, no call to it but the load and the readiness probe.
    let readyAt: number | undefined;
    while (readyAt === undefined) {
      const ready = await request(base).get('/health/ready').timeout(HANG_MS);
      if (ready.status === 200) readyAt = Date.now();
      else await sleep(50);
    }
    const writtenAfter = () =>
      answers.find((a) => a.kind === 'write' && a.status === 201 && a.sentAt >= restartedAt);
    while (!writtenAfter()) await sleep(50);
    await sleep(1000);
    load = false;
    await Promise.all(workers);

    // Every answer is a success or a 503 DATABASE_UNAVAILABLE with Retry-After: never a 500 or a hang.
    const unexpected = answers.filter(
      (a) =>
        !(a.kind === 'write' ? a.status === 201 : a.status === 200) &&
        !(a.status === 503 && a.code === 'DATABASE_UNAVAILABLE' && a.retryAfter === '5'),
    );
    expect(unexpected).toEqual([]);
    expect(readyDuringOutage.length).toBeGreaterThan(0);
    for (const ready of readyDuringOutage) {
      expect(ready).toEqual({ status: 503, code: 'NOT_READY', retryAfter: '5' });
    }

    // The sealer resumes by itself: every entry gets sealed without anyone asking.
    const unsealed = async () => {
      const [row] = await t.dataSource.query(
        'SELECT (SELECT count(*) FROM audit_entry)::int - (SELECT count(*) FROM audit_seal)::int AS n',
      );
      return row.n as number;
    };
    for (let i = 0; i < 200 && (await unsealed()) > 0; i++) await sleep(100);
    expect(await unsealed()).toBe(0);

    // Every acknowledged write is there with its audit entry; a refused one is all there or not at all.
    const writes = answers.filter((a) => a.kind === 'write');
    const rows: { name: string; id: string; audited: boolean }[] = await t.dataSource.query(
      `SELECT s.name, s.id::text AS id,
         EXISTS (SELECT 1 FROM audit_entry a WHERE a.action = 'SUBJECT_CREATED' AND a.target_id = s.id::text) AS audited
       FROM subject s WHERE s.name = ANY($1)`,
      [writes.map((w) => w.name)],
    );
    const stored = new Map(rows.map((r) => [r.name, r]));
    const acknowledged = writes.filter((w) => w.status === 201);
    for (const w of acknowledged)
      expect(stored.get(w.name!)).toEqual({ name: w.name, id: w.id, audited: true });
    expect(rows.filter((r) => !r.audited)).toEqual([]);
    const checks = answers.filter((a) => a.kind === 'check' && a.status === 200);
    const [{ missing }] = await t.dataSource.query(
      `SELECT count(*)::int AS missing FROM unnest($1::uuid[]) AS c(id)
       WHERE NOT EXISTS (SELECT 1 FROM check_run r WHERE r.id = c.id)
          OR NOT EXISTS (SELECT 1 FROM audit_entry a WHERE a.action = 'CHECK_RUN' AND a.target_id = c.id::text)`,
      [checks.map((c) => c.id)],
    );
    expect(missing).toBe(0);

    const verify = await request(base).post('/api/v1/audit/verify').set(auditor.auth).expect(200);
    expect(verify.body).toMatchObject({ ok: true, pending: 0 });

    recordFigure('database restart', {
      outageMs: restartedAt - stoppedAt,
      readyAgainAfterMs: readyAt - restartedAt,
      firstWriteAfterMs: writtenAfter()!.sentAt - restartedAt,
      writesAttempted: writes.length,
      writesAcknowledged: acknowledged.length,
      writesPresent: acknowledged.filter((w) => stored.has(w.name!)).length,
      writesRefused503: writes.filter((w) => w.status === 503).length,
      refusedButCommitted: writes.filter((w) => w.status === 503 && stored.has(w.name!)).length,
      checksAttempted: answers.filter((a) => a.kind === 'check').length,
      checksAnswered: checks.length,
      auditEntriesVerified: verify.body.verified,
    });
  });
});
