import { randomBytes } from 'node:crypto';
import { Page } from 'playwright-core';
import request from 'supertest';
import { Role } from '../../src/auth/principal';
import { addDays, addMonths, todayIn } from '../../src/rules/rules';
import { newResidentId, newUser, TestUser } from '../factories';
import { registryFixtures } from '../registry-fixtures';
import { ConsoleRun, logIn, newPage, screenshot, seriousViolations, startConsole } from './harness';

/**
 * The approvals section (审批) in a real Chromium: the maker-checker refusal, approving and rejecting
 * proposals from the inbox, and resolving an objection. Each test makes its own data through the API.
 */
describe('console: approvals', () => {
  let run: ConsoleRun;
  let recorder: TestUser;
  let approver: TestUser;
  let recorderApprover: TestUser;
  let page: Page;
  let fixtures: ReturnType<typeof registryFixtures>;
  const today = todayIn();

  beforeAll(async () => {
    run = await startConsole();
    [recorder, approver, recorderApprover] = await Promise.all([
      newUser(run.t, [Role.RECORDER]),
      newUser(run.t, [Role.APPROVER]),
      newUser(run.t, [Role.RECORDER, Role.APPROVER]),
    ]);
    fixtures = registryFixtures(run.t, recorder, approver, today);
  });

  afterAll(async () => {
    await run?.close();
  });

  beforeEach(async () => {
    page = await newPage(run);
  });

  afterEach(async () => {
    await page?.context().close();
  });

  /** A FINAL case recorded by `who` with a SERIOUS_DB_ENTRY measure: its BLACK proposal, not approved. */
  async function proposeBlack(
    who: TestUser,
  ): Promise<{ listingId: string; name: string; decisionNumber: string }> {
    const name = `李审批${randomBytes(3).toString('hex')}`;
    const decisionNumber = `测科〔2026〕审${randomBytes(3).toString('hex')}号`;
    const res = await request(run.t.http)
      .post('/api/v1/cases')
      .set(who.auth)
      .send({
        status: 'FINAL',
        decisionNumber,
        authority: '某省科学技术厅',
        decisionDate: addDays(today, -30),
        misconductTypes: ['FABRICATION_FALSIFICATION'],
        severity: 'SEVERE',
        source: 'RANDOM_INSPECTION',
        subjects: [
          {
            ref: 's',
            subject: fixtures.person(name, '东海理工大学', newResidentId()),
            roles: ['PROJECT_LEAD'],
          },
        ],
        measures: [
          {
            subjectRef: 's',
            type: 'SERIOUS_DB_ENTRY',
            startDate: addDays(today, -30),
            endDate: addDays(today, 700),
          },
        ],
      })
      .expect(201);
    expect(res.body.listingIds).toHaveLength(1);
    return { listingId: res.body.listingIds[0], name, decisionNumber };
  }

  const listing = async (id: string) =>
    (await request(run.t.http).get(`/api/v1/listings/${id}`).set(approver.auth).expect(200)).body;

  /** The entry page's status, once loaded. */
  const status = (expected: string) =>
    page.locator(`[data-testid="listing-status"][data-status="${expected}"]`).waitFor();

  it("shows the server's refusal when an approver approves his own proposal", async () => {
    const own = await proposeBlack(recorderApprover);

    await logIn(page, run.baseUrl, recorderApprover.username, recorderApprover.password);
    await page.goto(`${run.baseUrl}/#/approvals`);
    // The inbox hides one's own proposals, and says so (once the page has loaded).
    await page.getByTestId('inbox-hidden').waitFor();
    expect(await page.getByTestId('inbox-note').innerText()).toContain('您本人提出的条目不在此列出');
    expect(await page.getByTestId(`inbox-row-${own.listingId}`).count()).toBe(0);

    await page.goto(`${run.baseUrl}/#/approvals/listings/${own.listingId}`);
    await status('PROPOSED');
    await page.getByTestId('approve').click();
    const error = page.getByTestId('approval-error');
    await error.waitFor();
    expect(await error.innerText()).toContain('must be approved or rejected by someone other than');
    await status('PROPOSED');
    expect((await listing(own.listingId)).status).toBe('PROPOSED');
    await page.locator('[data-testid="approve"]:not(.ant-btn-loading)').waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'approvals-self-refusal');
  });

  it('approves a BLACK proposal from the inbox', async () => {
    const proposal = await proposeBlack(recorder);

    await logIn(page, run.baseUrl, approver.username, approver.password);
    await page.getByTestId('side-menu').getByText('待审批').click();
    const row = page.getByTestId(`inbox-row-${proposal.listingId}`);
    await row.waitFor();
    const cells = await row.innerText();
    expect(cells).toContain(proposal.name);
    expect(cells).toContain('严重失信名单（黑名单）');
    expect(cells).toContain(`${addDays(today, -30)} – ${addDays(today, 700)}`);
    await page.getByText(proposal.decisionNumber).waitFor();
    await page.getByRole('heading', { level: 1, name: '待审批名单' }).waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'approvals-inbox');

    await row.click();
    await status('PROPOSED');
    // The decision number comes with the case, read after the entry: wait for it.
    await page.getByTestId('listing').getByText(proposal.decisionNumber).waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'approvals-entry');
    await page.getByTestId('approve').click();
    await status('ACTIVE');
    expect(await page.getByTestId('history').innerText()).toContain('已生效');
    expect(await page.getByTestId('approval-error').count()).toBe(0);
    const after = await listing(proposal.listingId);
    expect(after).toMatchObject({ status: 'ACTIVE', decidedBy: approver.id });
  });

  it('rejects a proposal with a reason', async () => {
    const proposal = await proposeBlack(recorder);

    await logIn(page, run.baseUrl, approver.username, approver.password);
    await page.goto(`${run.baseUrl}/#/approvals/listings/${proposal.listingId}`);
    await status('PROPOSED');
    await page.getByTestId('reject').click();
    // The reason is required: nothing is sent without one.
    await page.getByTestId('reject-ok').click();
    await page.getByText('请填写理由').waitFor();
    await page.getByRole('dialog').getByLabel('理由').fill('处理决定尚在复核，暂不列入');
    // The dialog is shown at once (no zoom) for reduced motion, so axe judges it as seen.
    const opacity = await page
      .locator('.ant-modal')
      .evaluate(
        (el) =>
          (globalThis as unknown as { getComputedStyle(e: unknown): { opacity: string } }).getComputedStyle(
            el,
          ).opacity,
      );
    expect(opacity).toBe('1');
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'approvals-reject');
    await page.getByTestId('reject-ok').click();
    await status('REJECTED');
    expect(await page.getByTestId('listing').innerText()).toContain('处理决定尚在复核，暂不列入');
    expect(await listing(proposal.listingId)).toMatchObject({
      status: 'REJECTED',
      decisionReason: '处理决定尚在复核，暂不列入',
    });
  });

  it('rejects an objection raised through the API', async () => {
    const recorded = await fixtures.record(
      fixtures.person(`周异议${randomBytes(3).toString('hex')}`, '北辰师范大学'),
      [{ type: 'SERIOUS_DB_ENTRY', startDate: addDays(today, -30), endDate: addDays(today, 700) }],
    );
    const [listingId] = recorded.listingIds;
    const objection = await request(run.t.http)
      .post(`/api/v1/listings/${listingId}/objections`)
      .set(recorder.auth)
      .send({ raisedBy: '当事人本人', reason: '处理决定认定事实有误' })
      .expect(201);
    expect((await listing(listingId)).underObjection).toBe(true);

    await logIn(page, run.baseUrl, approver.username, approver.password);
    await page.goto(`${run.baseUrl}/#/approvals/matters`);
    const row = page.getByTestId(`matter-row-${listingId}`);
    await row.waitFor();
    expect(await row.innerText()).toContain('处理决定认定事实有误');
    await page.getByRole('heading', { level: 1, name: '异议与信用修复' }).waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'approvals-matters');

    await page.getByTestId(`resolve-${objection.body.id}`).click();
    await page.getByRole('dialog').getByLabel('理由').fill('经复核，认定事实清楚');
    await page.getByTestId('resolve-ok').click();
    await row.waitFor({ state: 'detached' });

    const after = await listing(listingId);
    expect(after).toMatchObject({ status: 'ACTIVE', underObjection: false });
    expect(after.objections[0]).toMatchObject({
      status: 'REJECTED',
      resolutionReason: '经复核，认定事实清楚',
    });

    await page.goto(`${run.baseUrl}/#/approvals/listings/${listingId}`);
    await status('ACTIVE');
    await page
      .locator(`[data-testid="objection-status-${objection.body.id}"][data-status="REJECTED"]`)
      .waitFor();
    expect(await seriousViolations(page)).toEqual([]);
  });

  it('decides a credit repair request from the list of those awaiting a decision', async () => {
    const recorded = await fixtures.record(
      fixtures.person(`吴修复${randomBytes(3).toString('hex')}`, '北辰师范大学'),
      [{ type: 'SERIOUS_DB_ENTRY', startDate: addMonths(today, -24), endDate: addDays(today, 400) }],
      addMonths(today, -24),
    );
    const [listingId] = recorded.listingIds;
    const repair = await request(run.t.http)
      .post(`/api/v1/listings/${listingId}/repairs`)
      .set(recorder.auth)
      .send({ correctionDone: true, obligationsMet: true, commitmentMade: true })
      .expect(201);

    await logIn(page, run.baseUrl, approver.username, approver.password);
    await page.goto(`${run.baseUrl}/#/approvals/matters`);
    const row = page.getByTestId('repair-matters').getByTestId(`repair-row-${listingId}`);
    await row.waitFor();
    expect(await row.innerText()).toContain('吴修复');
    expect(await seriousViolations(page)).toEqual([]);

    await page.getByTestId(`decide-${repair.body.id}`).click();
    await page.getByRole('dialog').getByLabel('理由').fill('已完成整改，履行义务并作出承诺');
    await page.getByTestId('repair-ok').click();
    await row.waitFor({ state: 'detached' });
    expect((await listing(listingId)).repairs[0]).toMatchObject({
      id: repair.body.id,
      status: 'APPROVED',
      decisionReason: '已完成整改，履行义务并作出承诺',
    });
  });
});
