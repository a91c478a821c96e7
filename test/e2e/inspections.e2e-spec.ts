import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { Role } from '../../src/auth/principal';
import { todayIn, addDays } from '../../src/rules/rules';
import { createTestApp, TestApp } from '../app';
import { auditCount, newResidentId, newUser, TestUser } from '../factories';
import { runCli } from '../process';
import { registryFixtures } from '../registry-fixtures';

type Body = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const TARGETS = 10_000;
const INSPECTORS = 500;
const DISTRICTS = ['鼓楼区', '台江区', '仓山区', '晋安区', '马尾区'];
const ORGS = 150;
const org = (n: number) => `福建某某研究院第${n}所`;
const tKey = (n: number) => `T${String(n).padStart(5, '0')}`;
const eKey = (n: number) => `E${String(n).padStart(4, '0')}`;

const csv = (rows: string[][]) => Buffer.from(rows.map((r) => r.join(',')).join('\n') + '\n');

describe('random inspections (双随机一公开)', () => {
  let t: TestApp;
  let recorder: TestUser;
  let approver: TestUser;
  let admin: TestUser;
  let reviewer: TestUser;
  let scratch: string;
  const today = todayIn();
  const barredId = newResidentId();
  const piId = newResidentId();
  let linkedSubjectId: string;
  let targetPool: Body;
  let inspectorPool: Body;
  let plan: Body;
  let drawn: Body;

  /** Inspector i's organisation and declared conflicts, as in the file. */
  const inspectorOrg = (i: number) => org((i * 7) % ORGS);
  const conflictsOf = (i: number) => (i % 10 === 0 ? [tKey(i * 3), org((i + 1) % ORGS)] : []);

  beforeAll(async () => {
    t = await createTestApp();
    recorder = await newUser(t, [Role.RECORDER]);
    approver = await newUser(t, [Role.APPROVER]);
    admin = await newUser(t, [Role.ADMIN]);
    reviewer = await newUser(t, [Role.REVIEWER]);
    scratch = await mkdtemp(join(tmpdir(), 'inspections-'));
    const fixtures = registryFixtures(t, recorder, approver, today);
    const bar = {
      type: 'BAN_NOMINATOR_REVIEWER',
      startDate: addDays(today, -30),
      lifetime: true,
      domains: ['REVIEWER_SELECTION'],
    };
    // Barred by the identifier the pool row gives…
    await fixtures.record(fixtures.person('林某某', org(1), barredId), [bar]);
    // …and through the subject the row links, which gives no identifier itself.
    const linked = await fixtures.record(fixtures.person('陈某某', org(2), newResidentId()), [bar]);
    linkedSubjectId = linked.subjects[0].subjectId;
  }, 60_000);

  afterAll(async () => {
    await t?.close();
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  const upload = (poolId: string, file: Buffer, who = recorder) =>
    request(t.http)
      .post(`/api/v1/inspections/pools/${poolId}/versions`)
      .set(who.auth)
      .attach('file', file, 'pool.csv');

  it('uploads a 10,000-target and a 500-inspector pool, each a frozen version', async () => {
    const targets = [
      ['key', 'kind', 'name', 'organisation', 'district', 'category', 'principalInvestigator', 'piIdNumber'],
    ];
    for (let n = 0; n < TARGETS; n++) {
      targets.push([
        tKey(n),
        n % 10 === 0 ? '企业' : 'PROJECT',
        `项目${n}`,
        org(n % ORGS),
        DISTRICTS[n % DISTRICTS.length],
        n % 3 === 0 ? '重点研发' : '自然科学基金',
        `负责人${n}`,
        n === 0 ? piId : '',
      ]);
    }
    const inspectors = [['编号', '姓名', '工作单位', '专业领域', '证件号码', '主体ID', '申报回避']];
    for (let i = 0; i < INSPECTORS; i++) {
      inspectors.push([
        eKey(i),
        `专家${i}`,
        inspectorOrg(i),
        '材料科学',
        i === 1 ? barredId : '',
        i === 2 ? linkedSubjectId : '',
        conflictsOf(i).join(';'),
      ]);
    }
    const tp = await request(t.http)
      .post('/api/v1/inspections/pools')
      .set(recorder.auth)
      .send({ kind: 'TARGET', name: '2026年度项目库' })
      .expect(201);
    const ip = await request(t.http)
      .post('/api/v1/inspections/pools')
      .set(recorder.auth)
      .send({ kind: 'INSPECTOR', name: '检查专家库' })
      .expect(201);
    targetPool = (await upload(tp.body.id, csv(targets)).expect(201)).body;
    inspectorPool = (await upload(ip.body.id, csv(inspectors)).expect(201)).body;
    expect(targetPool.versions).toEqual([expect.objectContaining({ version: 1, rowCount: TARGETS })]);
    expect(inspectorPool.versions).toEqual([expect.objectContaining({ version: 1, rowCount: INSPECTORS })]);
    // Versions are immutable, in the database too.
    await expect(
      t.dataSource.query("UPDATE inspection_pool_target SET district = 'x' WHERE key = 'T00000'"),
    ).rejects.toThrow(/immutable/);
    expect(await auditCount(t, 'INSPECTION_POOL_VERSION_CREATED')).toBe(2);
  }, 120_000);

  it('refuses a pool file with bad rows whole, naming each row, column and code', async () => {
    const bad = csv([
      ['key', 'kind', 'name', 'district'],
      ['T1', 'PROJECT', '项目', '鼓楼区'],
      ['T1', 'SHIP', '船', 'a|b'],
      [barredId, 'PROJECT', '项目', ''],
      ['T3', 'PROJECT', '', ''],
    ]);
    const res = await upload(targetPool.id, bad).expect(400);
    expect(res.body.code).toBe('POOL_ROWS_INVALID');
    expect(res.body.details).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ field: 'rows.3.key', code: 'KEY_DUPLICATE' }),
        expect.objectContaining({ field: 'rows.4.key', code: 'KEY_INVALID' }),
        expect.objectContaining({ field: 'rows.5.name', code: 'REQUIRED' }),
      ]),
    );
    expect(JSON.stringify(res.body)).not.toContain(barredId);
    const pools = await request(t.http).get('/api/v1/inspections/pools').set(approver.auth).expect(200);
    expect(pools.body.items.find((p: Body) => p.id === targetPool.id).versions).toHaveLength(1);
  });

  const planBody = () => ({
    title: '2026年度科技计划项目双随机检查',
    scope: '2024–2025年立项项目',
    year: 2026,
    items: ['项目实施进展', '经费使用', '科研诚信'],
    targetPoolVersionId: targetPool.versions[0].id,
    inspectorPoolVersionId: inspectorPool.versions[0].id,
    stratifyBy: ['district'],
    ratio: 0.02,
    strata: [{ stratum: '马尾区', ratio: 0.05 }],
    inspectorsPerTarget: 2,
    maxTargetsPerInspector: 4,
    excludedTargetKeys: [tKey(5)],
    excludedInspectorKeys: [eKey(3)],
    publicValueSource: '中国福利彩票双色球2026140期开奖号码',
  });

  it('plans (DRAFT) with the counts each stratum will take; the planner may not approve', async () => {
    const res = await request(t.http)
      .post('/api/v1/inspections/plans')
      .set(recorder.auth)
      .send(planBody())
      .expect(201);
    plan = res.body;
    expect(plan.status).toBe('DRAFT');
    expect(plan.parameters).toMatchObject({
      ratioPer10000: 200,
      strata: [{ stratum: '马尾区', ratioPer10000: 500 }],
    });
    expect(plan.expectedStrata).toEqual([
      { stratum: '仓山区', size: 2000, count: 40 },
      { stratum: '台江区', size: 2000, count: 40 },
      { stratum: '晋安区', size: 2000, count: 40 },
      { stratum: '马尾区', size: 2000, count: 100 },
      // T00005 is excluded: 1,999 in the frame, 2 % of which rounds to 40.
      { stratum: '鼓楼区', size: 1999, count: 40 },
    ]);
    // A recorder lacks the role; an administrator who planned is refused as the planner.
    await request(t.http).post(`/api/v1/inspections/plans/${plan.id}/approve`).set(recorder.auth).expect(403);
    const own = await request(t.http)
      .post('/api/v1/inspections/plans')
      .set(admin.auth)
      .send(planBody())
      .expect(201);
    const refused = await request(t.http)
      .post(`/api/v1/inspections/plans/${own.body.id}/approve`)
      .set(admin.auth)
      .expect(403);
    expect(refused.body.code).toBe('INSPECTION_OWN_PLAN');
    const tooMany = await request(t.http)
      .post('/api/v1/inspections/plans')
      .set(recorder.auth)
      .send({ ...planBody(), strata: [{ stratum: '马尾区', count: 2001 }] })
      .expect(400);
    expect(tooMany.body).toMatchObject({ code: 'DRAW_QUOTA_TOO_LARGE', details: [{ field: 'strata.0' }] });
  });

  it('draws only once approved, by someone other than the planner, with the public value', async () => {
    const early = await request(t.http)
      .post(`/api/v1/inspections/plans/${plan.id}/draw`)
      .set(approver.auth)
      .send({ publicValue: '03 07 12 19 25 31 + 09' })
      .expect(409);
    expect(early.body.code).toBe('INSPECTION_TRANSITION_NOT_ALLOWED');
    await request(t.http).post(`/api/v1/inspections/plans/${plan.id}/approve`).set(approver.auth).expect(200);
    const noValue = await request(t.http)
      .post(`/api/v1/inspections/plans/${plan.id}/draw`)
      .set(approver.auth)
      .send({})
      .expect(400);
    expect(noValue.body.code).toBe('INSPECTION_PUBLIC_VALUE_REQUIRED');
    const res = await request(t.http)
      .post(`/api/v1/inspections/plans/${plan.id}/draw`)
      .set(approver.auth)
      .send({ publicValue: '03 07 12 19 25 31 + 09' })
      .expect(200);
    drawn = res.body;
    expect(drawn.status).toBe('DRAWN');
    expect(drawn.draw.result.strata).toEqual(plan.expectedStrata);
    expect(drawn.draw.result.targets).toHaveLength(260);
    expect(drawn.draw.serverRandom).toMatch(/^[0-9a-f]{64}$/);
    expect(drawn.screeningCheckIds).toEqual([expect.any(String)]);
    expect(await auditCount(t, 'INSPECTION_DRAWN')).toBe(1);
  }, 60_000);

  it('excludes barred inspectors (by identifier and by subject link) and never assigns against a conflict', () => {
    const exclusions: Body[] = drawn.draw.result.exclusions;
    expect(drawn.draw.barredInspectorKeys).toEqual([eKey(1), eKey(2)]);
    expect(exclusions).toEqual(
      expect.arrayContaining([
        { reason: 'BARRED', inspectorKey: eKey(1), targetKey: null },
        { reason: 'BARRED', inspectorKey: eKey(2), targetKey: null },
        { reason: 'INSPECTOR_EXCLUDED_BY_PLAN', inspectorKey: eKey(3), targetKey: null },
        { reason: 'TARGET_EXCLUDED_BY_PLAN', inspectorKey: null, targetKey: tKey(5) },
      ]),
    );
    expect(exclusions.some((e) => e.reason === 'SAME_ORGANISATION')).toBe(true);
    const load = new Map<string, number>();
    for (const a of drawn.draw.result.assignments as Body[]) {
      const target = Number(a.targetKey.slice(1));
      expect(a.inspectorKeys).toHaveLength(2);
      for (const k of a.inspectorKeys as string[]) {
        const i = Number(k.slice(1));
        expect([1, 2, 3]).not.toContain(i);
        expect(inspectorOrg(i)).not.toBe(org(target % ORGS));
        expect(conflictsOf(i)).not.toContain(a.targetKey);
        expect(conflictsOf(i)).not.toContain(org(target % ORGS));
        load.set(k, (load.get(k) ?? 0) + 1);
      }
    }
    expect(Math.max(...load.values())).toBeLessThanOrEqual(4);
  });

  let redrawn: Body;

  it('records a redraw when an inspector declines, drawn from the seed, never silently', async () => {
    const first = drawn.draw.result.assignments[0];
    const res = await request(t.http)
      .post(`/api/v1/inspections/plans/${plan.id}/redraws`)
      .set(approver.auth)
      .send({ targetKey: first.targetKey, inspectorKey: first.inspectorKeys[0], reason: '出差' })
      .expect(201);
    redrawn = res.body;
    expect(redrawn).toMatchObject({
      seq: 1,
      targetKey: first.targetKey,
      inspectorKey: first.inspectorKeys[0],
    });
    expect(first.inspectorKeys).not.toContain(redrawn.replacementKey);
    const now = await request(t.http)
      .get(`/api/v1/inspections/plans/${plan.id}`)
      .set(recorder.auth)
      .expect(200);
    expect(now.body.draw.redraws).toEqual([{ ...redrawn }]);
    // The people who planned and approved it, by name as well as by id.
    expect(now.body).toMatchObject({
      createdBy: recorder.id,
      createdByName: recorder.username,
      approvedBy: approver.id,
      approvedByName: approver.username,
      closedBy: null,
      closedByName: null,
    });
    expect(now.body.assignments[0].inspectors.map((i: Body) => i.key)).toEqual([
      redrawn.replacementKey,
      first.inspectorKeys[1],
    ]);
    expect(await auditCount(t, 'INSPECTION_REDRAWN')).toBe(1);
    expect(await auditCount(t, 'INSPECTION_PLAN_READ')).toBe(1);
    // A recorder lacks the role to redraw.
    await request(t.http)
      .post(`/api/v1/inspections/plans/${plan.id}/redraws`)
      .set(recorder.auth)
      .send({ targetKey: first.targetKey, inspectorKey: first.inspectorKeys[1], reason: 'x' })
      .expect(403);
  });

  it('the planner, though an approver, may not draw, redraw for or close their own plan', async () => {
    const planner = await newUser(t, [Role.RECORDER, Role.APPROVER]);
    const own = (
      await request(t.http).post('/api/v1/inspections/plans').set(planner.auth).send(planBody()).expect(201)
    ).body;
    await request(t.http).post(`/api/v1/inspections/plans/${own.id}/approve`).set(approver.auth).expect(200);
    const ownPlan = async (path: string, body: Body) => {
      const res = await request(t.http)
        .post(`/api/v1/inspections/plans/${own.id}/${path}`)
        .set(planner.auth)
        .send(body)
        .expect(403);
      expect(res.body.code).toBe('INSPECTION_OWN_PLAN');
    };
    await ownPlan('draw', { publicValue: '03 07 12 19 25 31 + 09' });
    const decline = { targetKey: tKey(0), inspectorKey: eKey(0), reason: 'x' };
    await ownPlan('redraws', decline);
    // Another approver draws it; the planner still may neither redraw nor close.
    const other = await request(t.http)
      .post(`/api/v1/inspections/plans/${own.id}/draw`)
      .set(approver.auth)
      .send({ publicValue: '03 07 12 19 25 31 + 09' })
      .expect(200);
    expect(other.body.status).toBe('DRAWN');
    const first = other.body.draw.result.assignments[0];
    await ownPlan('redraws', {
      targetKey: first.targetKey,
      inspectorKey: first.inspectorKeys[0],
      reason: 'x',
    });
    await ownPlan('close', {});
    const after = await request(t.http)
      .get(`/api/v1/inspections/plans/${own.id}`)
      .set(approver.auth)
      .expect(200);
    expect(after.body.status).toBe('DRAWN');
    expect(after.body.draw.redraws).toEqual([]);
  }, 60_000);

  let caseId: string;

  it('records findings; a suspected misconduct opens a case linked to the inspection', async () => {
    const targets: Body[] = drawn.draw.result.targets;
    const close = await request(t.http)
      .post(`/api/v1/inspections/plans/${plan.id}/close`)
      .set(approver.auth)
      .expect(409);
    expect(close.body.code).toBe('INSPECTION_FINDINGS_MISSING');
    // A case that cannot be opened leaves no finding either: one transaction.
    const cases = async () =>
      (await t.dataSource.query('SELECT count(*)::int AS n FROM misconduct_case'))[0].n;
    const casesBefore = await cases();
    const unopened = await request(t.http)
      .post(`/api/v1/inspections/plans/${plan.id}/findings`)
      .set(recorder.auth)
      .send({
        targetKey: targets[0].key,
        outcome: 'SUSPECTED_MISCONDUCT',
        case: {
          authority: '某省科学技术厅',
          misconductTypes: ['FUNDS_MISUSE'],
          subjects: [
            { ref: 'u', subjectId: '00000000-0000-4000-8000-000000000000', roles: ['IMPLEMENTING_UNIT'] },
          ],
        },
      })
      .expect(400);
    expect(unopened.body).toMatchObject({
      code: 'CASE_SUBJECT_NOT_FOUND',
      details: [{ field: 'case.subjects.0.subjectId' }],
    });
    expect(await cases()).toBe(casesBefore);
    const suspected = await request(t.http)
      .post(`/api/v1/inspections/plans/${plan.id}/findings`)
      .set(recorder.auth)
      .send({
        targetKey: targets[0].key,
        outcome: 'SUSPECTED_MISCONDUCT',
        note: '经费使用异常',
        case: {
          authority: '某省科学技术厅',
          misconductTypes: ['FUNDS_MISUSE'],
          subjects: [
            {
              ref: 'u',
              subject: { kind: 'LEGAL_PERSON', name: '福建某某研究院' },
              roles: ['IMPLEMENTING_UNIT'],
            },
          ],
        },
      })
      .expect(201);
    caseId = suspected.body.caseId;
    // The finding answered is the one stored: the plan shows the same, recordedAt included.
    const stored = await request(t.http)
      .get(`/api/v1/inspections/plans/${plan.id}`)
      .set(recorder.auth)
      .expect(200);
    expect(stored.body.findings).toEqual([suspected.body]);
    const again = await request(t.http)
      .post(`/api/v1/inspections/plans/${plan.id}/findings`)
      .set(recorder.auth)
      .send({ targetKey: targets[0].key, outcome: 'NO_PROBLEM' })
      .expect(409);
    expect(again.body.code).toBe('INSPECTION_FINDING_EXISTS');
    const opened = await request(t.http).get(`/api/v1/cases/${caseId}`).set(recorder.auth).expect(200);
    expect(opened.body).toMatchObject({
      status: 'REPORTED',
      source: 'RANDOM_INSPECTION',
      inspectionPlanId: plan.id,
    });
    const noCase = await request(t.http)
      .post(`/api/v1/inspections/plans/${plan.id}/findings`)
      .set(recorder.auth)
      .send({ targetKey: targets[1].key, outcome: 'SUSPECTED_MISCONDUCT' })
      .expect(400);
    expect(noCase.body.code).toBe('INSPECTION_CASE_REQUIRED');
    await request(t.http)
      .post(`/api/v1/inspections/plans/${plan.id}/findings`)
      .set(recorder.auth)
      .send({ targetKey: tKey(5), outcome: 'NO_PROBLEM' })
      .expect(400);
    for (const [n, target] of targets.slice(1).entries()) {
      await request(t.http)
        .post(`/api/v1/inspections/plans/${plan.id}/findings`)
        .set(recorder.auth)
        .send({ targetKey: target.key, outcome: n % 7 === 0 ? 'RECTIFICATION_REQUIRED' : 'NO_PROBLEM' })
        .expect(201);
    }
    expect(await auditCount(t, 'INSPECTION_FINDING_RECORDED')).toBe(targets.length);
  }, 120_000);

  let published: Body;

  it('publishes nothing before closing, then the plan, draw and results with identifiers masked', async () => {
    for (const path of ['', '/targets', '/inspectors']) {
      const hidden = await request(t.http).get(`/api/v1/public/inspections/${plan.id}${path}`).expect(404);
      expect(hidden.body.code).toBe('INSPECTION_NOT_FOUND');
    }
    await request(t.http).post(`/api/v1/inspections/plans/${plan.id}/close`).set(approver.auth).expect(200);
    const list = await request(t.http).get('/api/v1/public/inspections').expect(200);
    expect(list.body.items.map((p: Body) => p.id)).toEqual([plan.id]);
    const res = await request(t.http).get(`/api/v1/public/inspections/${plan.id}`).expect(200);
    published = res.body;
    // Who closed it is named to the registry's users, and to nobody in the public view.
    const internal = await request(t.http)
      .get(`/api/v1/inspections/plans/${plan.id}`)
      .set(recorder.auth)
      .expect(200);
    expect(internal.body).toMatchObject({ closedBy: approver.id, closedByName: approver.username });
    for (const user of [recorder, approver]) {
      expect(JSON.stringify(published)).not.toContain(user.username);
      expect(JSON.stringify(published)).not.toContain(user.id);
    }
    expect(published.draw.seed).toBe(drawn.draw.seed);
    expect(published.draw.redraws).toEqual([redrawn]);
    expect(published.findings.find((f: Body) => f.targetKey === drawn.draw.result.targets[0].key)).toEqual({
      targetKey: drawn.draw.result.targets[0].key,
      outcome: 'SUSPECTED_MISCONDUCT',
      caseOpened: true,
    });
    const text = JSON.stringify(published);
    expect(text).not.toContain(caseId);
    for (const a of published.assignments as Body[]) {
      for (const i of a.inspectors as Body[]) expect(i.name).toMatch(/^专\*+$/);
    }
    const targets = await request(t.http).get(`/api/v1/public/inspections/${plan.id}/targets`).expect(200);
    expect(targets.body.rows).toHaveLength(TARGETS);
    expect(targets.body.rows[0]).toMatchObject({ key: 'T00000', principalInvestigator: '负***' });
    const inspectors = await request(t.http)
      .get(`/api/v1/public/inspections/${plan.id}/inspectors`)
      .expect(200);
    const all = text + JSON.stringify(targets.body) + JSON.stringify(inspectors.body);
    for (const secret of [barredId, piId, '专家1', '负责人0']) expect(all).not.toContain(secret);
    await writeFile(join(scratch, 'draw.json'), text);
    await writeFile(join(scratch, 'targets.json'), JSON.stringify(targets.body));
    await writeFile(join(scratch, 'inspectors.json'), JSON.stringify(inspectors.body));
  }, 60_000);

  it('draw:verify reproduces the same draw from the public downloads alone, and refuses a tampered one', async () => {
    const files = ['draw.json', 'targets.json', 'inspectors.json'].map((f) => join(scratch, f));
    const ok = await runCli(['draw:verify', ...files], { DATA_DIR: join(scratch, 'none') });
    expect(ok.stderr).toBe('');
    expect(ok.stdout).toContain(`result hash ${drawn.draw.resultHash}`);
    expect(ok.stdout).toContain('the draw reproduces');
    expect(ok.code).toBe(0);
    const tampered = structuredClone(published);
    [tampered.draw.result.targets[0], tampered.draw.result.targets[1]] = [
      tampered.draw.result.targets[1],
      tampered.draw.result.targets[0],
    ];
    await writeFile(files[0], JSON.stringify(tampered));
    const bad = await runCli(['draw:verify', ...files], { DATA_DIR: join(scratch, 'none') });
    expect(bad.code).toBe(3);
    expect(bad.stdout).toContain('FAIL draw');
  }, 60_000);

  it('refuses callers without the role, and anonymous ones', async () => {
    await request(t.http)
      .post('/api/v1/inspections/pools')
      .set(reviewer.auth)
      .send({ kind: 'TARGET', name: 'x' })
      .expect(403);
    await request(t.http).get(`/api/v1/inspections/plans/${plan.id}`).set(reviewer.auth).expect(403);
    await request(t.http).get(`/api/v1/inspections/plans/${plan.id}`).expect(401);
    await request(t.http)
      .post(`/api/v1/inspections/plans/${plan.id}/draw`)
      .set(recorder.auth)
      .send({})
      .expect(403);
  });
});
