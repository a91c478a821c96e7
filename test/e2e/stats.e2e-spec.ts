import request from 'supertest';
import { Role } from '../../src/auth/principal';
import { addDays, todayIn } from '../../src/rules/rules';
import { createTestApp, TestApp } from '../app';
import { newResidentId, newUser, TestUser } from '../factories';
import { registryFixtures } from '../registry-fixtures';

/** GET /api/v1/stats/overview on a database of its own: the figures are exact. */
describe('stats', () => {
  let t: TestApp;
  let recorder: TestUser;
  let approver: TestUser;
  let reviewer: TestUser;
  let auditor: TestUser;
  const today = todayIn();

  beforeAll(async () => {
    t = await createTestApp();
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

  const overview = (user: TestUser) =>
    request(t.http).get('/api/v1/stats/overview').set(user.auth).expect(200);

  it('counts entries in force by list, decided cases by month and checks by day', async () => {
    const empty = (await overview(reviewer)).body;
    expect(empty.asOf).toBe(today);
    expect(empty.listsInForce).toEqual([]);
    expect(empty.casesPerMonth).toHaveLength(12);
    expect(empty.casesPerMonth.at(-1).month).toBe(today.slice(0, 7));
    expect(empty.casesPerMonth.every((m: { cases: number }) => m.cases === 0)).toBe(true);
    expect(empty.checksPerDay).toHaveLength(30);
    expect(empty.checksPerDay.at(-1)).toEqual({
      day: today,
      checks: 0,
      applicants: 0,
      verdicts: { BLOCK: 0, REVIEW: 0, CLEAR: 0, ERROR: 0 },
    });

    const fixtures = registryFixtures(t, recorder, approver, today);
    const barredId = newResidentId();
    const serious = (from: string) => [
      { type: 'SERIOUS_DB_ENTRY', startDate: from, endDate: addDays(today, 365) },
    ];
    // In force; revoked from today (no longer in force); decided today, so both cases count this month.
    await fixtures.record(fixtures.person('甲统计', '某大学', barredId), serious(addDays(today, -10)), today);
    const revoked = await fixtures.record(
      fixtures.person('乙统计', '某大学'),
      serious(addDays(today, -10)),
      today,
    );
    await request(t.http)
      .post(`/api/v1/listings/${revoked.listingIds[0]}/revoke`)
      .set(approver.auth)
      .send({ reason: '原处理决定已撤销' })
      .expect(200);
    await request(t.http)
      .post('/api/v1/checks')
      .set(reviewer.auth)
      .send({
        domain: 'PROJECT_FUNDING',
        purpose: '统计',
        applicants: [
          { name: '甲统计', identifier: { type: 'RESIDENT_ID', value: barredId } },
          { name: '丙无记录', identifier: { type: 'RESIDENT_ID', value: newResidentId() } },
        ],
      })
      .expect(200);

    const after = (await overview(auditor)).body;
    expect(after.listsInForce).toEqual([{ listType: 'BLACK', entries: 1 }]);
    expect(after.casesPerMonth.at(-1)).toEqual({ month: today.slice(0, 7), cases: 2 });
    expect(after.checksPerDay.at(-1)).toEqual({
      day: today,
      checks: 1,
      applicants: 2,
      verdicts: { BLOCK: 1, REVIEW: 0, CLEAR: 1, ERROR: 0 },
    });
  });

  it('answers 401 without credentials', async () => {
    await request(t.http).get('/api/v1/stats/overview').expect(401);
  });
});
