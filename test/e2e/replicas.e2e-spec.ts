import { Logger } from '@nestjs/common';
import request from 'supertest';
import { Client } from 'pg';
import { Role } from '../../src/auth/principal';
import { createDataSource } from '../../src/database/data-source';
import { ReplicaSet } from '../../src/database/replicas';
import { addDays, addMonths, todayIn } from '../../src/rules/rules';
import { createTestApp, TestApp } from '../app';
import { eventually, newResidentId, newUser, TestUser } from '../factories';
import { PostgresCluster } from '../faults/postgres-cluster';
import { registryFixtures } from '../registry-fixtures';

/**
 * Checks read from a real streaming replica (issue 11): a primary and a replica made from it with the
 * same PostgreSQL binaries, the service pointed at both. Routing, refusal of a lagging replica and
 * read-your-writes are shown by pausing the replica's WAL replay.
 */
describe('read replicas for checks', () => {
  const today = todayIn();
  let primary: PostgresCluster;
  let replica: PostgresCluster;
  /** One database per policy: the fixtures number decisions from 1 in each app. */
  const urls: Record<string, { primary: string; replica: string }> = {};
  let standby: Client;

  const pauseReplay = () => standby.query('SELECT pg_wal_replay_pause()');
  const resumeReplay = () => standby.query('SELECT pg_wal_replay_resume()');

  beforeAll(async () => {
    primary = await PostgresCluster.create();
    for (const policy of ['primary', 'refuse']) {
      const url = await primary.createDatabase(`registry_${policy}`);
      const dataSource = createDataSource(url, 1);
      await dataSource.initialize();
      await dataSource.runMigrations({ transaction: 'each' });
      await dataSource.destroy();
      urls[policy] = { primary: url, replica: '' };
    }
    replica = await primary.replica();
    for (const policy of Object.keys(urls)) urls[policy].replica = replica.url(`registry_${policy}`);
    standby = new Client({ connectionString: replica.url() });
    await standby.connect();
  });

  afterAll(async () => {
    await standby?.end();
    await replica?.destroy();
    await primary?.destroy();
  });

  describe.each(['primary', 'refuse'] as const)('REPLICA_LAG_POLICY=%s', (policy) => {
    let t: TestApp;
    let recorder: TestUser;
    let approver: TestUser;
    let reviewer: TestUser;
    let fixtures: ReturnType<typeof registryFixtures>;

    beforeAll(async () => {
      warn = jest.spyOn(Logger.prototype, 'warn');
      t = await createTestApp({
        databaseUrl: urls[policy].primary,
        env: {
          DATABASE_REPLICA_URLS: urls[policy].replica,
          REPLICA_MAX_LAG_MS: '300',
          REPLICA_POLL_MS: '50',
          REPLICA_LAG_POLICY: policy,
        },
      });
      recorder = await newUser(t, [Role.RECORDER]);
      approver = await newUser(t, [Role.APPROVER]);
      reviewer = await newUser(t, [Role.REVIEWER]);
      fixtures = registryFixtures(t, recorder, approver, today);
    });

    afterAll(async () => {
      await resumeReplay();
      await t?.close();
      warn.mockRestore();
    });

    /** What the service warned about, as Nest's Logger was given it. */
    let warn: jest.SpyInstance;
    const warnings = () => warn.mock.calls.map(([message]) => String(message));

    const check = (id: string, minPosition?: string) => {
      const req = request(t.http).post('/api/v1/checks').set(reviewer.auth);
      if (minPosition) req.set('Registry-Min-Position', minPosition);
      return req.send({
        domain: 'PROJECT_FUNDING',
        purpose: 'replica test',
        applicants: [{ name: '王副本', identifier: { type: 'RESIDENT_ID', value: id } }],
      });
    };
    const barred = async (id: string) => {
      const recorded = await fixtures.record(fixtures.person('王副本', '东海理工大学', id), [
        {
          type: 'BAN_FUNDED_ACTIVITY',
          startDate: addDays(today, -10),
          endDate: addMonths(today, 24),
          domains: ['PROJECT_FUNDING'],
        },
      ]);
      return recorded;
    };
    const replicas = () => t.app.get(ReplicaSet);
    const replicaFresh = () => {
      const [state] = replicas().status();
      return state.healthy && state.lagMs !== undefined && state.lagMs <= 300;
    };

    it('answers checks from the replica once it has caught up, stating its replay position', async () => {
      const id = newResidentId();
      await barred(id);
      await eventually(async () => replicaFresh(), 'the replica to catch up', 15_000);
      const res = await check(id).expect(200);
      expect(res.headers['registry-read-from']).toBe('replica-1');
      expect(res.headers['registry-read-position']).toMatch(/^[0-9A-F]+\/[0-9A-F]+$/);
      expect(res.body.results[0].verdict).toBe('BLOCK');
      // The receipt and its audit entry are written to the primary (the replica is read-only).
      const stored = await request(t.http)
        .get(`/api/v1/checks/${res.body.id}`)
        .set(reviewer.auth)
        .expect(200);
      expect(stored.body.results[0].verdict).toBe('BLOCK');
    });

    it('writes answer with the primary position; a check carrying it never misses the write', async () => {
      await eventually(async () => replicaFresh(), 'the replica to catch up', 15_000);
      warn.mockClear();
      await pauseReplay();
      const id = newResidentId();
      // Recorded and approved while the replica replays nothing: only the primary knows of it.
      const res = await request(t.http)
        .post('/api/v1/cases')
        .set(recorder.auth)
        .send({
          status: 'FINAL',
          decisionNumber: `副本〔2026〕${policy}号`,
          authority: '某省科学技术厅',
          decisionDate: addDays(today, -5),
          misconductTypes: ['FABRICATION_FALSIFICATION'],
          severity: 'SEVERE',
          source: 'RANDOM_INSPECTION',
          subjects: [
            { ref: 's', subject: fixtures.person('王副本', '东海理工大学', id), roles: ['PROJECT_LEAD'] },
          ],
          measures: [
            {
              subjectRef: 's',
              type: 'BAN_FUNDED_ACTIVITY',
              startDate: addDays(today, -5),
              endDate: addMonths(today, 12),
              domains: ['PROJECT_FUNDING'],
            },
          ],
        })
        .expect(201);
      expect(res.headers['registry-position']).toMatch(/^[0-9A-F]+\/[0-9A-F]+$/);
      let position = res.headers['registry-position'] as string;
      for (const listingId of res.body.listingIds) {
        const approved = await request(t.http)
          .post(`/api/v1/listings/${listingId}/approve`)
          .set(approver.auth)
          .expect(200);
        position = approved.headers['registry-position'] as string;
      }
      // Read-your-writes: the paused replica has not replayed the approval.
      const mine = await check(id, position);
      if (policy === 'primary') {
        expect(mine.status).toBe(200);
        expect(mine.headers['registry-read-from']).toBe('primary');
        expect(mine.body.results[0].verdict).toBe('BLOCK');
      } else {
        expect(mine.status).toBe(503);
        expect(mine.body).toMatchObject({ code: 'REPLICA_LAGGING' });
      }
      // Without a position, the replica answers until it is further behind than the bound…
      await eventually(async () => !replicaFresh(), 'the paused replica to pass the lag bound', 15_000);
      await eventually(
        async () => replicas().status()[0].state === 'LAGGING',
        'the replica to be LAGGING',
        5_000,
      );
      expect(warnings()).toContainEqual(expect.stringMatching(/^replica-1 lagging more than \d+ ms/));
      const late = await check(id);
      if (policy === 'primary') {
        expect(late.status).toBe(200);
        expect(late.headers['registry-read-from']).toBe('primary');
        expect(late.body.results[0].verdict).toBe('BLOCK');
      } else {
        expect(late.status).toBe(503);
        expect(late.body).toMatchObject({ code: 'REPLICA_LAGGING' });
      }
      // …and once it replays again, it answers the same, write included.
      await resumeReplay();
      await eventually(async () => replicaFresh(), 'the replica to catch up', 15_000);
      await eventually(
        async () => replicas().status()[0].state === 'IN_USE',
        'the replica to be IN_USE',
        5_000,
      );
      const caughtUp = await check(id, position).expect(200);
      expect(caughtUp.headers['registry-read-from']).toBe('replica-1');
      expect(caughtUp.body.results[0].verdict).toBe('BLOCK');
      // A check stores only its receipt: it gives no position to wait for.
      expect(caughtUp.headers['registry-position']).toBeUndefined();
    });

    it('refuses a minimum position that is not a WAL position with 400, naming the header', async () => {
      const res = await check(newResidentId(), 'yesterday').expect(400);
      expect(res.body).toMatchObject({
        code: 'POSITION_INVALID',
        details: [{ field: 'Registry-Min-Position', code: 'POSITION_INVALID' }],
      });
    });
  });
});
