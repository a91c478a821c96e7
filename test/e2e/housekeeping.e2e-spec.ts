import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { Role } from '../../src/auth/principal';
import { HousekeepingService } from '../../src/housekeeping/housekeeping.service';
import { addDays, todayIn } from '../../src/rules/rules';
import { createTestApp, TestApp } from '../app';
import { auditCount, newResidentId, newUser, TestUser } from '../factories';

const DAY_MS = 86_400_000;

describe('housekeeping: expiry of list entries and retention, driven with a chosen now', () => {
  let t: TestApp;
  let housekeeping: HousekeepingService;
  let recorder: TestUser;
  let approver: TestUser;
  let reviewer: TestUser;
  let auditor: TestUser;
  const today = todayIn();

  beforeAll(async () => {
    t = await createTestApp();
    housekeeping = t.app.get(HousekeepingService);
    [recorder, approver, reviewer, auditor] = await Promise.all([
      newUser(t, [Role.RECORDER]),
      newUser(t, [Role.APPROVER]),
      newUser(t, [Role.REVIEWER]),
      newUser(t, [Role.AUDITOR]),
    ]);
  });

  afterAll(async () => {
    await t?.close();
  });

  /** A decided case putting a new person on the black list from `start` to `end`, approved; its entry. */
  const blackListed = async (start: string, end: string) => {
    const id = newResidentId();
    const res = await request(t.http)
      .post('/api/v1/cases')
      .set(recorder.auth)
      .send({
        status: 'FINAL',
        decisionNumber: `存科〔2026〕${randomUUID().slice(0, 6)}号`,
        authority: '某省科学技术厅',
        decisionDate: start,
        misconductTypes: ['FABRICATION_FALSIFICATION'],
        severity: 'SEVERE',
        source: 'RANDOM_INSPECTION',
        subjects: [
          {
            ref: 's',
            subject: {
              kind: 'NATURAL_PERSON',
              name: '期满测试',
              identifiers: [{ type: 'RESIDENT_ID', value: id }],
            },
            roles: ['PROJECT_LEAD'],
          },
        ],
        measures: [{ subjectRef: 's', type: 'SERIOUS_DB_ENTRY', startDate: start, endDate: end }],
      })
      .expect(201);
    const [listingId] = res.body.listingIds as string[];
    await request(t.http).post(`/api/v1/listings/${listingId}/approve`).set(approver.auth).expect(200);
    return { listingId, id };
  };
  const listing = async (id: string) =>
    (await request(t.http).get(`/api/v1/listings/${id}`).set(approver.auth).expect(200)).body;
  const verdict = async (identifier: string, asOf: string) =>
    (
      await request(t.http)
        .post('/api/v1/checks')
        .set(reviewer.auth)
        .send({
          purpose: 'housekeeping test',
          domain: 'PROJECT_FUNDING',
          asOf,
          applicants: [{ name: '期满测试', identifier: { type: 'RESIDENT_ID', value: identifier } }],
        })
        .expect(200)
    ).body.results[0].verdict;

  describe('entries whose end date has passed', () => {
    let ended: { listingId: string; id: string };
    let running: { listingId: string; id: string };

    beforeAll(async () => {
      ended = await blackListed(addDays(today, -400), addDays(today, -10));
      running = await blackListed(addDays(today, -400), addDays(today, 30));
    });

    it('are marked EXPIRED, audited, with the act valid from the day after the end date', async () => {
      const audited = await auditCount(t, 'LISTING_EXPIRED');
      const before = Date.now();
      const report = await housekeeping.run(new Date());
      expect(report.expiredListings).toContain(ended.listingId);
      expect(report.expiredListings).not.toContain(running.listingId);
      expect((await listing(ended.listingId)).status).toBe('EXPIRED');
      expect((await listing(running.listingId)).status).toBe('ACTIVE');
      expect(await auditCount(t, 'LISTING_EXPIRED')).toBe(audited + report.expiredListings.length);
      const [event] = await t.dataSource.query(
        `SELECT to_char(effective_date, 'YYYY-MM-DD') AS "effectiveDate", recorded_at AS "recordedAt"
           FROM listing_event WHERE listing_id = $1 AND status = 'EXPIRED'`,
        [ended.listingId],
      );
      expect(event.effectiveDate).toBe(addDays(today, -9));
      // Recorded when the task ran, not back-dated to the end date.
      expect(new Date(event.recordedAt).getTime()).toBeGreaterThanOrEqual(before - 1000);
    });

    it('still count on the days of their period: in force stays computed from the dates', async () => {
      expect(await verdict(ended.id, addDays(today, -10))).toBe('BLOCK');
      expect(await verdict(ended.id, addDays(today, -9))).not.toBe('BLOCK');
    });

    it('a second run changes nothing; a run at a later chosen now expires what has ended by then', async () => {
      expect((await housekeeping.run(new Date())).expiredListings).toEqual([]);
      const later = await housekeeping.run(new Date(Date.now() + 40 * DAY_MS));
      expect(later.expiredListings).toContain(running.listingId);
      expect((await listing(running.listingId)).status).toBe('EXPIRED');
      expect(await verdict(running.id, addDays(today, 30))).toBe('BLOCK');
    });
  });

  describe('retention', () => {
    it('purges refresh tokens once expired, not before', async () => {
      const user = await newUser(t, [Role.REVIEWER]);
      const tokens = async () =>
        (
          await t.dataSource.query('SELECT count(*)::int AS n FROM refresh_token WHERE user_id = $1', [
            user.id,
          ])
        )[0].n;
      expect(await tokens()).toBe(1);
      await housekeeping.run(new Date(Date.now() + 13 * DAY_MS));
      expect(await tokens()).toBe(1);
      const report = await housekeeping.run(new Date(Date.now() + 15 * DAY_MS));
      expect(report.purged!.sessions).toBeGreaterThanOrEqual(1);
      expect(await tokens()).toBe(0);
    });

    it('purges idempotency keys after IDEMPOTENCY_KEY_TTL_HOURS', async () => {
      const key = randomUUID();
      await request(t.http)
        .post('/api/v1/subjects')
        .set(recorder.auth)
        .set('Idempotency-Key', key)
        .send({ kind: 'NATURAL_PERSON', name: '键' })
        .expect(201);
      const kept = async () =>
        (await t.dataSource.query('SELECT count(*)::int AS n FROM idempotency_key WHERE key = $1', [key]))[0]
          .n;
      await housekeeping.run(new Date(Date.now() + 23 * 3_600_000));
      expect(await kept()).toBe(1);
      await housekeeping.run(new Date(Date.now() + 25 * 3_600_000));
      expect(await kept()).toBe(0);
    });

    it("deletes a finished job's rows after CHECK_JOB_FILE_RETENTION_DAYS: its results answer 410, the job stays", async () => {
      const submitted = await request(t.http)
        .post('/api/v1/checks/jobs')
        .set(reviewer.auth)
        .field('domain', 'PROJECT_FUNDING')
        .field('purpose', 'retention of job files')
        .attach('file', Buffer.from('name\n甲\n乙\n'), 'a.csv')
        .expect(202);
      const jobId = submitted.body.id as string;
      for (let i = 0; ; i++) {
        const job = await request(t.http).get(`/api/v1/checks/jobs/${jobId}`).set(reviewer.auth).expect(200);
        if (job.body.status === 'DONE') break;
        if (i > 300) throw new Error('the job did not finish');
        await new Promise((r) => setTimeout(r, 100));
      }
      const results = () => request(t.http).get(`/api/v1/checks/jobs/${jobId}/results`).set(reviewer.auth);
      await housekeeping.run(new Date(Date.now() + 29 * DAY_MS));
      await results().expect(200);
      const report = await housekeeping.run(new Date(Date.now() + 31 * DAY_MS));
      expect(report.purged!.jobFiles).toBeGreaterThanOrEqual(1);
      const gone = await results().expect(410);
      expect(gone.body.code).toBe('CHECK_JOB_FILES_PURGED');
      const [{ n }] = await t.dataSource.query(
        'SELECT count(*)::int AS n FROM check_job_row WHERE job_id = $1',
        [jobId],
      );
      expect(n).toBe(0);
      const job = await request(t.http).get(`/api/v1/checks/jobs/${jobId}`).set(reviewer.auth).expect(200);
      expect(job.body).toMatchObject({ status: 'DONE', rowsTotal: 2 });
    });

    it('keeps check receipts RECEIPT_RETENTION_YEARS (10), then deletes them; nothing else may', async () => {
      const check = await request(t.http)
        .post('/api/v1/checks')
        .set(reviewer.auth)
        .send({ purpose: 'receipt retention', domain: 'PROJECT_FUNDING', applicants: [{ name: '收据' }] })
        .expect(200);
      const receipt = () => request(t.http).get(`/api/v1/checks/${check.body.id}`).set(reviewer.auth);
      await expect(
        t.dataSource.query('DELETE FROM check_run WHERE id = $1', [check.body.id]),
      ).rejects.toThrow(/append-only/);
      await housekeeping.run(new Date(Date.now() + 9 * 365 * DAY_MS));
      await receipt().expect(200);
      const report = await housekeeping.run(new Date(Date.now() + (10 * 365 + 3) * DAY_MS));
      expect(report.purged!.receipts).toBeGreaterThanOrEqual(1);
      await receipt().expect(404);
    });
  });

  it('audits every run, and the audit chain still verifies', async () => {
    const runs = await auditCount(t, 'HOUSEKEEPING_RUN');
    const report = await housekeeping.run(new Date());
    expect(await auditCount(t, 'HOUSEKEEPING_RUN')).toBe(runs + 1);
    const [entry] = await t.dataSource.query(
      "SELECT actor_type, changes FROM audit_entry WHERE action = 'HOUSEKEEPING_RUN' ORDER BY seq DESC LIMIT 1",
    );
    expect(entry.actor_type).toBe('SYSTEM');
    expect(entry.changes).toMatchObject({ today: report.today, purged: report.purged });
    const verified = await request(t.http).post('/api/v1/audit/verify').set(auditor.auth).expect(200);
    expect(verified.body.ok).toBe(true);
  });
});
