import request from 'supertest';
import { Role } from '../../src/auth/principal';
import { chooseByTyping, consoleSuite, logIn, newPage, screenshot, seriousViolations } from './harness';

const csv = (rows: string[][]) => Buffer.from(rows.map((r) => r.join(',')).join('\n') + '\n');
const TARGETS = 50;
const INSPECTORS = 10;

/**
 * Random inspections in the console: a recorder uploads the two pools and drafts a plan (and, also an
 * approver, is refused approving it), another approver approves and draws, the recorder records a
 * suspected misconduct that opens a case, and the approver closes the plan.
 */
describe('console: random inspections', () => {
  const suite = consoleSuite({ recorder: [Role.RECORDER, Role.APPROVER], approver: [Role.APPROVER] });

  /** Picks an option of the antd Select with this test id. */
  async function choose(testId: string, option: string): Promise<void> {
    await suite.page.getByTestId(testId).click();
    await suite.page
      .locator('.ant-select-dropdown:not(.ant-select-dropdown-hidden) .ant-select-item-option')
      .filter({ hasText: option })
      .first()
      .click();
  }

  async function uploadFile(rows: string[][]): Promise<void> {
    await suite.page
      .locator('input[type=file]')
      .setInputFiles({ name: 'pool.csv', mimeType: 'text/csv', buffer: csv(rows) });
    await suite.page.getByTestId('pool-upload-submit').click();
  }

  it('runs a plan from the pools to the close', async () => {
    const tag = Math.random().toString(36).slice(2, 8);
    const targetPool = `项目库${tag}`;
    const inspectorPool = `专家库${tag}`;

    // The recorder creates the target pool; a file with a bad row is refused with the row named.
    await logIn(suite.page, suite.run.baseUrl, suite.users.recorder.username, suite.users.recorder.password);
    await suite.page.getByTestId('side-menu').getByRole('link', { name: '名录库' }).click();
    await suite.page.getByRole('heading', { level: 1, name: '检查对象库与检查人员库' }).waitFor();
    await choose('pool-kind', '检查对象库');
    await suite.page.getByTestId('pool-name').fill(targetPool);
    await suite.page.getByTestId('pool-create-submit').click();
    await suite.page.locator('[data-testid="pools-table"]').getByText(targetPool).waitFor();
    await uploadFile([
      ['key', 'kind', 'name'],
      ['T1', 'PROJECT', '项目甲'],
      ['T1', 'SHIP', '船'],
    ]);
    const problems = suite.page.getByTestId('pool-row-problems');
    await problems.waitFor();
    const problemText = await problems.innerText();
    expect(problemText).toContain('文件中有 1 处问题，未保存任何内容');
    expect(problemText).toContain('KEY_DUPLICATE');
    expect(problemText).toMatch(/\b3\s+key\b/);
    await screenshot(suite.page, 'inspection-pool-problems');

    const targets = [['key', 'kind', 'name', 'organisation', 'district', 'category']];
    for (let n = 0; n < TARGETS; n++) {
      targets.push([
        `T${String(n).padStart(3, '0')}`,
        'PROJECT',
        `项目${n}`,
        `单位${n % 7}`,
        '鼓楼区',
        '重点研发',
      ]);
    }
    await uploadFile(targets);
    expect(await suite.page.getByTestId('pool-uploaded').innerText()).toContain(`共 ${TARGETS} 行`);
    await suite.page.getByTestId('pool-row-problems').waitFor({ state: 'detached' });

    await choose('pool-kind', '检查人员库');
    await suite.page.getByTestId('pool-name').fill(inspectorPool);
    await suite.page.getByTestId('pool-create-submit').click();
    await suite.page.locator('[data-testid="pools-table"]').getByText(inspectorPool).waitFor();
    const inspectors = [['编号', '姓名', '工作单位', '专业领域']];
    for (let i = 0; i < INSPECTORS; i++) inspectors.push([`E${i}`, `专家${i}`, `专家单位${i}`, '材料科学']);
    await uploadFile(inspectors);
    await suite.page.getByTestId('pool-uploaded').getByText(`共 ${INSPECTORS} 行`).waitFor();

    // The plan: 10 % of 50 targets, 2 inspectors each.
    await suite.page.getByTestId('side-menu').getByRole('link', { name: '抽查计划' }).click();
    await suite.page.getByTestId('plan-title').fill(`浏览器测试抽查计划 ${tag}`);
    await suite.page.getByTestId('plan-scope').fill('2025年立项的省级科技计划项目');
    await suite.page.getByTestId('plan-items').fill('项目实施进展\n经费使用');
    await choose('plan-target-pool', targetPool);
    await choose('plan-inspector-pool', inspectorPool);
    await suite.page.getByTestId('plan-ratio').fill('0.1');
    await screenshot(suite.page, 'inspection-plan-new');
    await suite.page.getByTestId('plan-create-submit').click();
    await suite.page.waitForURL(/#\/inspections\/plans\/[0-9a-f-]{36}$/);
    const planId = suite.page.url().split('/').pop()!;
    await suite.page.locator('[data-testid="plan-status"][data-status="DRAFT"]').waitFor();
    expect(await suite.page.getByTestId('plan-expected-strata').innerText()).toMatch(
      /全部（不分层）\s+50\s+5/,
    );

    // Its planner may not approve it: the server's refusal is shown as worded.
    await suite.page.getByTestId('plan-approve').click();
    const refusal = suite.page.getByTestId('plan-action-error');
    await refusal.waitFor();
    const own = await request(suite.run.t.http)
      .post(`/api/v1/inspections/plans/${planId}/approve`)
      .set(suite.users.recorder.auth)
      .expect(403);
    expect(own.body.code).toBe('INSPECTION_OWN_PLAN');
    expect(await refusal.innerText()).toContain(own.body.message);

    // Another approver approves and draws.
    const approverPage = await newPage(suite.run);
    await logIn(
      approverPage,
      suite.run.baseUrl,
      suite.users.approver.username,
      suite.users.approver.password,
    );
    await approverPage.goto(`${suite.run.baseUrl}/#/inspections/plans/${planId}`);
    await approverPage.getByTestId('plan-approve').click();
    await approverPage.locator('[data-testid="plan-status"][data-status="APPROVED"]').waitFor();
    await approverPage.getByTestId('plan-draw').click();
    await approverPage.locator('[data-testid="plan-status"][data-status="DRAWN"]').waitFor();
    expect(await approverPage.getByTestId('plan-seed').innerText()).toMatch(/^[0-9a-f]{64}$/);
    const drawnRows = approverPage.locator('[data-testid="draw-targets"] tbody tr[data-row-key]');
    expect(await drawnRows.count()).toBe(5);
    const plan = (
      await request(suite.run.t.http)
        .get(`/api/v1/inspections/plans/${planId}`)
        .set(suite.users.approver.auth)
        .expect(200)
    ).body as { draw: { result: { targets: { key: string }[] } } };
    const drawn = plan.draw.result.targets.map((t) => t.key);
    expect(await drawnRows.evaluateAll((rows) => rows.map((r) => r.getAttribute('data-row-key')))).toEqual(
      drawn,
    );
    expect(
      await approverPage.locator('[data-testid="draw-assignments"] tbody tr[data-row-key]').count(),
    ).toBe(5);
    expect(await seriousViolations(approverPage)).toEqual([]);
    await screenshot(approverPage, 'inspection-plan-drawn');

    // An inspector declines: the approver records it and the replacement is drawn and shown.
    const declined = (
      await request(suite.run.t.http)
        .get(`/api/v1/inspections/plans/${planId}`)
        .set(suite.users.approver.auth)
        .expect(200)
    ).body.assignments[0] as { targetKey: string; inspectors: { key: string }[] };
    const pick = async (testId: string, option: string) => {
      await approverPage.getByTestId(testId).click();
      await approverPage
        .locator('.ant-select-dropdown:not(.ant-select-dropdown-hidden) .ant-select-item-option')
        .filter({ hasText: option })
        .first()
        .click();
    };
    await pick('redraw-target', declined.targetKey);
    await pick('redraw-inspector', declined.inspectors[0].key);
    await approverPage.getByTestId('redraw-reason').fill('出差无法参加');
    await approverPage.getByTestId('redraw-submit').click();
    const redrawRow = approverPage.locator('[data-testid="draw-redraws"] tbody tr[data-row-key="1"]');
    await redrawRow.waitFor();
    expect(await redrawRow.innerText()).toContain(declined.inspectors[0].key);
    expect(await redrawRow.innerText()).toContain('出差无法参加');

    // The recorder records a suspected misconduct, which opens a case, linked from the plan.
    await suite.page.reload();
    await suite.page.locator('[data-testid="plan-status"][data-status="DRAWN"]').waitFor();
    await choose('finding-target', drawn[0]);
    await choose('finding-outcome-select', '涉嫌科研失信');
    await suite.page.getByTestId('finding-note').fill('经费使用异常');
    // The case it opens is filled in as in Record a decision, not typed as JSON.
    await suite.page.getByTestId('finding-authority').fill('某省科学技术厅');
    await chooseByTyping(suite.page, 'finding-misconduct', '违规使用科研经费');
    await suite.page.getByTestId('finding-facts').fill('抽查发现项目经费挪作他用');
    await choose('finding-subject-0-kind', '法人');
    await suite.page.getByTestId('finding-subject-0-name').fill(`某研究院${tag}`);
    await chooseByTyping(suite.page, 'finding-subject-0-roles', '项目承担单位');
    // An identifier the API refuses (a resident ID for a legal person): its message stands beside the
    // identifier's type, as in Record a decision, and in the error box; nothing is recorded.
    await suite.page.getByTestId('finding-subject-0-id-0-value').fill('110101199003070011');
    await suite.page.getByTestId('finding-submit').click();
    const idError = suite.page
      .locator('.ant-form-item', { has: suite.page.getByTestId('finding-subject-0-id-0-type') })
      .locator('.ant-form-item-explain-error');
    await idError.waitFor();
    const refused = await suite.page.getByTestId('plan-action-error').innerText();
    expect(refused).toContain('case.subjects.0.subject.identifiers.0.type');
    expect(refused).toContain(await idError.innerText());
    await suite.page.setViewportSize({ width: 1024, height: 768 });
    // The form alone, on a narrow laptop's width: the page above it is the plan's.
    await suite.page
      .getByTestId('finding-form')
      .screenshot({ path: await screenshot(suite.page, 'inspection-finding-case') });
    await suite.page.getByTestId('finding-subject-0-id-0-value').fill('');
    await suite.page.getByTestId('finding-submit').click();
    const link = suite.page.locator(
      `[data-testid="draw-targets"] tr[data-row-key="${drawn[0]}"] [data-testid="finding-case-link"]`,
    );
    await link.waitFor();
    const withFindings = (
      await request(suite.run.t.http)
        .get(`/api/v1/inspections/plans/${planId}`)
        .set(suite.users.recorder.auth)
        .expect(200)
    ).body as { findings: { targetKey: string; outcome: string; caseId: string }[] };
    expect(withFindings.findings).toEqual([
      expect.objectContaining({ targetKey: drawn[0], outcome: 'SUSPECTED_MISCONDUCT' }),
    ]);
    expect(await link.getAttribute('href')).toBe(`#/records/cases/${withFindings.findings[0].caseId}`);
    const opened = await request(suite.run.t.http)
      .get(`/api/v1/cases/${withFindings.findings[0].caseId}`)
      .set(suite.users.recorder.auth)
      .expect(200);
    expect(opened.body).toMatchObject({
      authority: '某省科学技术厅',
      misconductTypes: ['FUNDS_MISUSE'],
      facts: '抽查发现项目经费挪作他用',
      source: 'RANDOM_INSPECTION',
    });
    expect(opened.body.subjects).toEqual([
      expect.objectContaining({ name: `某研究院${tag}`, roles: ['IMPLEMENTING_UNIT'] }),
    ]);
    expect(await seriousViolations(suite.page)).toEqual([]);
    for (const key of drawn.slice(1)) {
      await request(suite.run.t.http)
        .post(`/api/v1/inspections/plans/${planId}/findings`)
        .set(suite.users.recorder.auth)
        .send({ targetKey: key, outcome: 'NO_PROBLEM' })
        .expect(201);
    }

    // The approver closes the plan.
    expect(await approverPage.getByTestId('finding-form').count()).toBe(0);
    await approverPage.reload();
    await approverPage.getByTestId('plan-close').click();
    await approverPage.locator('[data-testid="plan-status"][data-status="CLOSED"]').waitFor();
    // The people of the plan are named, not given as account ids.
    expect(await approverPage.getByTestId('plan-created-by').innerText()).toBe(suite.users.recorder.username);
    expect(await approverPage.getByTestId('plan-approved-by').innerText()).toBe(
      suite.users.approver.username,
    );
    expect(await approverPage.getByTestId('plan-closed-by').innerText()).toBe(suite.users.approver.username);
    await screenshot(approverPage, 'inspection-plan-closed');
    await request(suite.run.t.http).get(`/api/v1/public/inspections/${planId}`).expect(200);

    // An approver reads the pools but is offered no upload.
    await approverPage.goto(`${suite.run.baseUrl}/#/inspections/pools`);
    await approverPage.locator('[data-testid="pools-table"]').getByText(targetPool).waitFor();
    expect(await approverPage.getByTestId('pool-upload-submit').count()).toBe(0);
    await approverPage.context().close();
  }, 60_000);
});
