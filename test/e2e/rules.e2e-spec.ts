import request from 'supertest';
import { Role, Scope } from '../../src/auth/principal';
import { addDays, addMonths, RuleData, todayIn, validateRuleData } from '../../src/rules/rules';
import { RulesService } from '../../src/rules/rules.service';
import { createTestApp, TestApp } from '../app';
import { auditCount, newApiClient, newUser, rowCounts, TestUser } from '../factories';

const RULE_SETS = '/api/v1/rule-sets';
const SIX = [
  'PROJECT_FUNDING',
  'TALENT_RECOMMENDATION',
  'PLATFORM_CONSTRUCTION',
  'HNTE_CERTIFICATION',
  'AWARD',
  'REVIEWER_SELECTION',
];

describe('rule sets', () => {
  let t: TestApp;
  let admin: TestUser;
  let v1: RuleData;

  beforeAll(async () => {
    t = await createTestApp();
    admin = await newUser(t, [Role.ADMIN]);
    v1 = (await request(t.http).get(`${RULE_SETS}/1`).set(admin.auth).expect(200)).body.data;
  });

  afterAll(async () => {
    await t?.close();
  });

  /** A fresh, mutable copy of version 1's data. */
  const data = (): RuleData => structuredClone(v1);
  const measureIndex = (rules: RuleData, code: string) =>
    rules.measureTypes.findIndex((m) => m.code === code);
  const current = (date?: string) =>
    request(t.http)
      .get(`${RULE_SETS}/current${date ? `?date=${date}` : ''}`)
      .set(admin.auth);

  it('answers 401 without credentials on every route', async () => {
    for (const path of [RULE_SETS, `${RULE_SETS}/current`, `${RULE_SETS}/1`]) {
      const res = await request(t.http).get(path).expect(401);
      expect(res.body.code).toBe('UNAUTHENTICATED');
    }
    await request(t.http).post(RULE_SETS).send({}).expect(401);
  });

  it('has the seeded version 1 in force today: six review domains, fifteen measure types', async () => {
    const res = await current().expect(200);
    expect(res.body).toMatchObject({ version: 1, effectiveFrom: '2000-01-01', createdBy: null });
    expect(res.body.data.reviewDomains.map((d: { code: string }) => d.code)).toEqual(SIX);
    expect(res.body.data.measureTypes).toHaveLength(15);
    expect(res.body.data.blackListBarredDomains).toEqual(SIX);
    expect(res.body.data).toMatchObject({
      redObjectionPeriodDays: 7,
      objectionHandlingWorkingDays: 5,
      disclosureMaxYears: 5,
    });
    expect(validateRuleData(res.body.data)).toEqual([]);
    const list = await request(t.http).get(RULE_SETS).set(admin.auth).expect(200);
    expect(list.body[0]).toEqual({
      version: 1,
      effectiveFrom: '2000-01-01',
      note: expect.any(String),
      createdAt: expect.any(String),
    });
  });

  it('lets readers read and refuses other roles and scopes', async () => {
    for (const role of [Role.RECORDER, Role.APPROVER, Role.REVIEWER]) {
      const user = await newUser(t, [role]);
      await request(t.http).get(`${RULE_SETS}/current`).set(user.auth).expect(200);
      await request(t.http).get(RULE_SETS).set(user.auth).expect(200);
    }
    for (const scope of [Scope.RECORDS_READ, Scope.CHECKS_RUN]) {
      const client = await newApiClient(t, [scope]);
      await request(t.http).get(`${RULE_SETS}/1`).set(client.auth).expect(200);
    }
    const auditor = await newUser(t, [Role.AUDITOR]);
    await request(t.http).get(`${RULE_SETS}/current`).set(auditor.auth).expect(403);
    const changes = await newApiClient(t, [Scope.CHANGES_READ]);
    await request(t.http).get(`${RULE_SETS}/current`).set(changes.auth).expect(403);
  });

  it('answers a malformed version with 400 and an unknown one with 404', async () => {
    for (const bad of ['abc', '0', '-1', '1.5', '01', '1e2', '0x10', '2147483648']) {
      const res = await request(t.http).get(`${RULE_SETS}/${bad}`).set(admin.auth).expect(400);
      expect(res.body).toMatchObject({
        code: 'INVALID_VERSION',
        details: [expect.objectContaining({ field: 'version' })],
      });
    }
    const missing = await request(t.http).get(`${RULE_SETS}/999`).set(admin.auth).expect(404);
    expect(missing.body.code).toBe('RULE_SET_NOT_FOUND');
  });

  it('answers a malformed date with 400 and a date before any rule set with 404', async () => {
    for (const bad of ['2026-02-30', 'today', '2026-1-1']) {
      const res = await current(bad).expect(400);
      expect(res.body).toMatchObject({
        code: 'VALIDATION_FAILED',
        details: [expect.objectContaining({ field: 'date', code: 'IS_CALENDAR_DATE' })],
      });
    }
    const before = await current('1999-12-31').expect(404);
    expect(before.body.code).toBe('RULE_SET_NOT_IN_FORCE');
  });

  it('lets an ADMIN add version 2 from next month: today keeps version 1, audited with the ADMIN as actor', async () => {
    const today = todayIn();
    const nextMonth = addMonths(today, 1);
    await current().expect(200); // the cache holds version 1 only now
    const next = data();
    next.objectionHandlingWorkingDays = 3;
    next.reviewDomains.push({
      code: 'PROVINCIAL_TALENT',
      label: '省级人才计划',
      description: 'not selected',
    });
    next.measureTypes[measureIndex(next, 'BAN_AWARD_TITLE_APPLICATION')].allowedDomains.push(
      'PROVINCIAL_TALENT',
    );
    const auditsBefore = await auditCount(t, 'RULE_SET_CREATED');

    const created = await request(t.http)
      .post(RULE_SETS)
      .set(admin.auth)
      .send({ effectiveFrom: nextMonth, data: next, note: 'Objections decided in 3 working days' })
      .expect(201);
    expect(created.body).toMatchObject({
      version: 2,
      effectiveFrom: nextMonth,
      note: 'Objections decided in 3 working days',
      createdBy: admin.id,
    });
    expect(created.body.data).toEqual(next);

    expect((await current().expect(200)).body.version).toBe(1);
    expect((await current(today).expect(200)).body.version).toBe(1);
    expect((await current(addDays(nextMonth, -1)).expect(200)).body.version).toBe(1);
    const later = await current(nextMonth).expect(200);
    expect(later.body).toMatchObject({ version: 2, data: { objectionHandlingWorkingDays: 3 } });
    expect((await current(addMonths(nextMonth, 120)).expect(200)).body.version).toBe(2);
    expect((await request(t.http).get(`${RULE_SETS}/2`).set(admin.auth).expect(200)).body.data).toEqual(next);

    expect(await auditCount(t, 'RULE_SET_CREATED')).toBe(auditsBefore + 1);
    const [entry] = await t.dataSource.query(
      "SELECT actor_type, actor_id, target_type, changes FROM audit_entry WHERE action = 'RULE_SET_CREATED' AND target_id = '2'",
    );
    expect(entry).toMatchObject({ actor_type: 'USER', actor_id: admin.id, target_type: 'RULE_SET' });
    expect(entry.changes).toMatchObject({
      after: { version: 2, effectiveFrom: nextMonth },
      previousVersion: 1,
      changeCount: 3,
    });
    expect(entry.changes.changes).toEqual(
      expect.arrayContaining([
        { path: 'objectionHandlingWorkingDays', op: 'CHANGED', before: 5, after: 3 },
        { path: 'reviewDomains.PROVINCIAL_TALENT', op: 'ADDED' },
      ]),
    );
  });

  it('applies a backdated version from its date until the next later one starts', async () => {
    const res = await request(t.http)
      .post(RULE_SETS)
      .set(admin.auth)
      .send({ effectiveFrom: '2010-01-01', data: { ...data(), disclosureMaxYears: 3 } })
      .expect(201);
    const backdated = res.body.version;
    expect((await current('2009-12-31').expect(200)).body.version).toBe(1);
    expect((await current('2010-01-01').expect(200)).body.version).toBe(backdated);
    expect((await current().expect(200)).body.version).toBe(backdated);
    expect((await current(addMonths(todayIn(), 1)).expect(200)).body.version).toBe(2);
  });

  it('refuses a RECORDER with 403 and writes nothing', async () => {
    const recorder = await newUser(t, [Role.RECORDER]);
    const before = await rowCounts(t, ['rule_set']);
    const res = await request(t.http)
      .post(RULE_SETS)
      .set(recorder.auth)
      .send({ effectiveFrom: '2030-01-01', data: data() })
      .expect(403);
    expect(res.body.code).toBe('ACCESS_DENIED');
    expect(await rowCounts(t, ['rule_set'])).toEqual(before);
  });

  const badCases: [string, () => Record<string, unknown>, string, string][] = [
    [
      'an unknown domain in a measure type',
      () => {
        const d = data();
        d.measureTypes[measureIndex(d, 'BAN_FUNDED_ACTIVITY')].allowedDomains.push('MOON_LANDING');
        return { effectiveFrom: '2030-01-01', data: d };
      },
      'RULE_DATA_INVALID',
      'data.measureTypes.5.allowedDomains.3 RULE_DOMAIN_UNKNOWN',
    ],
    [
      'a duplicate measure type code',
      () => {
        const d = data();
        d.measureTypes.push({ ...d.measureTypes[0] });
        return { effectiveFrom: '2030-01-01', data: d };
      },
      'RULE_DATA_INVALID',
      'data.measureTypes.15.code RULE_CODE_DUPLICATE',
    ],
    [
      'a band whose minimum exceeds its maximum',
      () => {
        const d = data();
        d.severityBands[1].minMonths = 61;
        return { effectiveFrom: '2030-01-01', data: d };
      },
      'RULE_DATA_INVALID',
      'data.severityBands.1.minMonths RULE_MIN_ABOVE_MAX',
    ],
    [
      'a mistyped figure',
      () => ({ effectiveFrom: '2030-01-01', data: { ...data(), redObjectionPeriodDays: 'seven' } }),
      'VALIDATION_FAILED',
      'data.redObjectionPeriodDays IS_INT',
    ],
    [
      'an unknown field in the data',
      () => ({ effectiveFrom: '2030-01-01', data: { ...data(), colour: 'red' } }),
      'VALIDATION_FAILED',
      'data.colour UNKNOWN_FIELD',
    ],
    [
      'a date that does not exist',
      () => ({ effectiveFrom: '2030-02-30', data: data() }),
      'VALIDATION_FAILED',
      'effectiveFrom IS_CALENDAR_DATE',
    ],
    [
      'an effective date before 2000',
      () => ({ effectiveFrom: '1999-12-31', data: data() }),
      'RULE_SET_EFFECTIVE_TOO_EARLY',
      'effectiveFrom RULE_SET_EFFECTIVE_TOO_EARLY',
    ],
  ];

  it.each(badCases)(
    'refuses %s with 400 naming the field, and writes nothing',
    async (_, body, code, detail) => {
      const before = await rowCounts(t, ['rule_set', 'audit_entry']);
      const res = await request(t.http).post(RULE_SETS).set(admin.auth).send(body()).expect(400);
      expect(res.body.code).toBe(code);
      expect(res.body.details.map((d: { field: string; code: string }) => `${d.field} ${d.code}`)).toEqual([
        detail,
      ]);
      expect(await rowCounts(t, ['rule_set', 'audit_entry'])).toEqual(before);
    },
  );

  it('gives two concurrent writers two versions', async () => {
    const results = await Promise.all(
      [1, 2].map(() =>
        request(t.http).post(RULE_SETS).set(admin.auth).send({ effectiveFrom: '2040-01-01', data: data() }),
      ),
    );
    expect(results.map((r) => r.status)).toEqual([201, 201]);
    const versions = results.map((r) => r.body.version).sort((a, b) => a - b);
    expect(versions[1]).toBe(versions[0] + 1);
  });

  it("sees another instance's version within the refresh interval", async () => {
    await current('2001-06-01').expect(200);
    const [{ v }] = await t.dataSource.query('SELECT max(version) + 1 AS v FROM rule_set');
    await t.dataSource.query(
      "INSERT INTO rule_set (version, effective_from, data, note) VALUES ($1, '2001-01-01', $2::jsonb, 'elsewhere')",
      [v, JSON.stringify(data())],
    );
    expect((await current('2001-06-01').expect(200)).body.version).toBe(1);
    const now = Date.now();
    const clock = jest.spyOn(Date, 'now').mockReturnValue(now + RulesService.REFRESH_MS + 1000);
    try {
      expect((await current('2001-06-01').expect(200)).body.version).toBe(v);
    } finally {
      clock.mockRestore();
    }
  });

  it('is refused UPDATE, DELETE and TRUNCATE by the database', async () => {
    await expect(
      t.dataSource.query("UPDATE rule_set SET note = 'changed' WHERE version = 1"),
    ).rejects.toThrow(/append-only/);
    await expect(t.dataSource.query('DELETE FROM rule_set WHERE version = 1')).rejects.toThrow(/append-only/);
    await expect(t.dataSource.query('TRUNCATE rule_set')).rejects.toThrow(/append-only/);
    const [row] = await t.dataSource.query('SELECT note FROM rule_set WHERE version = 1');
    expect(row.note).not.toBe('changed');
  });
});
