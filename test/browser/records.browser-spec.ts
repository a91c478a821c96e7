import { Page } from 'playwright-core';
import { Role } from '../../src/auth/principal';
import { addDays, todayIn } from '../../src/rules/rules';
import { newResidentId, newUser, TestUser } from '../factories';
import {
  chooseByTyping,
  ConsoleRun,
  logIn,
  newPage,
  screenshot,
  seriousViolations,
  startConsole,
} from './harness';

/**
 * The records section (案件与名单) in a real Chromium: a recorder records a decision through the form,
 * reads the case, finds the subject by name and reads its history on the subject's page.
 */
describe('console: records', () => {
  let run: ConsoleRun;
  let recorder: TestUser;
  let reviewer: TestUser;
  let page: Page;
  const today = todayIn();

  beforeAll(async () => {
    run = await startConsole();
    [recorder, reviewer] = await Promise.all([
      newUser(run.t, [Role.RECORDER]),
      newUser(run.t, [Role.REVIEWER]),
    ]);
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

  /** Every select of the case form searches: picks by typing (chooseByTyping). */
  const choose = (testId: string, text: string) => chooseByTyping(page, testId, text);

  /**
   * The harness turns CSS animations off, so antd's popups never hear the end of their opening or
   * closing motion and stay in the page, half-shown; this ends those motions as the browser would.
   */
  async function settleMotion(): Promise<void> {
    // A string, run in the page: this file is compiled without the DOM's types.
    await page.evaluate(`document.querySelectorAll('[class*="-active"]').forEach((el) => {
      if (!/-(appear|enter|leave)-active/.test(el.className)) return;
      el.dispatchEvent(new Event('animationend', { bubbles: true }));
      el.dispatchEvent(new Event('transitionend', { bubbles: true }));
    })`);
  }

  async function pickDate(testId: string, day: string): Promise<void> {
    const input = page.getByTestId(testId);
    await input.click();
    await input.fill(day);
    await input.press('Tab');
  }

  /** The error antd shows under the form item holding the field `testId`. */
  const fieldError = (testId: string) =>
    page.locator('.ant-form-item', { has: page.getByTestId(testId) }).locator('.ant-form-item-explain-error');

  it('records a decision, shows the case, then finds the subject and its history', async () => {
    const unique = Date.now() % 1_000_000;
    const name = `林录入${unique}`;
    const decisionNumber = `录科〔2026〕${unique}号`;
    const id = newResidentId();
    const badId = id.slice(0, 17) + (id[17] === '0' ? '1' : '0');
    const barEnd = addDays(today, 700);

    await logIn(page, run.baseUrl, recorder.username, recorder.password);
    await page.getByTestId('side-menu').getByText('录入处理决定').click();
    await page.getByTestId('case-submit').waitFor();
    expect(await page.locator('h1').innerText()).toBe('录入处理决定');
    expect(await seriousViolations(page)).toEqual([]);

    await page.getByTestId('case-decision-number').fill(decisionNumber);
    await page.getByTestId('case-authority').fill('某省科学技术厅');
    await pickDate('case-decision-date', addDays(today, -10));
    await choose('case-severity', '严重');
    await choose('case-source', '随机抽查');
    await choose('case-misconduct', '编造、篡改');
    await page.getByTestId('case-facts').fill('在项目结题报告中编造实验数据。');

    await page.getByTestId('case-subject-0-name').fill(name);
    await page.getByTestId('case-subject-0-organisation').fill('东海理工大学');
    await page.getByTestId('case-subject-0-id-0-value').fill(badId);
    await choose('case-subject-0-roles', '项目负责人');

    await page.getByTestId('case-add-measure').click();
    await choose('case-measure-0-type', '禁止承担或参与财政性资金');
    await pickDate('case-measure-0-start', addDays(today, -5));
    await pickDate('case-measure-0-end', barEnd);
    await choose('case-measure-0-domains', '科研计划项目');

    await page.getByTestId('case-add-measure').click();
    await choose('case-measure-1-type', '记入科研诚信严重失信');
    // The note that this measure proposes a black-list entry appears once the type is taken.
    await page.getByTestId('case-measure-1').getByText('严重失信名单', { exact: false }).first().waitFor();
    await pickDate('case-measure-1-start', addDays(today, -5));
    await pickDate('case-measure-1-end', barEnd);

    // The API rejects the resident ID's check character: its message stands beside the ID field.
    await page.getByTestId('case-submit').click();
    const idError = fieldError('case-subject-0-id-0-value');
    await idError.waitFor();
    expect(await idError.innerText()).toMatch(/\S/);
    await page.locator('[data-testid="case-submit"]:not(.ant-btn-loading)').waitFor();
    expect(page.url()).toContain('/records/cases/new');
    await settleMotion();
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'records-case-new-error');

    await page.getByTestId('case-subject-0-id-0-value').fill(id);
    await page.getByTestId('case-submit').click();

    // The case page: its decision, subject, both measures and the BLACK entry the decision proposed.
    await page.getByTestId('case-details').waitFor();
    expect(page.url()).toMatch(/\/records\/cases\/[0-9a-f-]{36}$/);
    expect(await page.locator('h1').innerText()).toContain(decisionNumber);
    const details = await page.getByTestId('case-details').innerText();
    expect(details).toContain('某省科学技术厅');
    expect(details).toContain(addDays(today, -10));
    expect(details).toContain('严重');
    expect(await page.getByTestId('case-subjects').innerText()).toContain(name);
    const measures = await page.getByTestId('measures').innerText();
    expect(measures).toContain('一定期限禁止承担或参与财政性资金支持的科技活动');
    expect(measures).toContain('记入科研诚信严重失信行为数据库');
    expect(measures).toContain(barEnd);
    const listing = page.getByTestId('case-listing');
    await expect(listing.count()).resolves.toBe(1);
    await expect(listing.getByTestId('listing-type').getAttribute('data-list-type')).resolves.toBe('BLACK');
    await expect(listing.getByTestId('listing-status').getAttribute('data-status')).resolves.toBe('PROPOSED');
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'records-case');

    // Find the subject by name, fuzzy: the table shows the masked ID, never the whole one.
    await page.getByTestId('side-menu').getByText('主体查询').click();
    await page.getByTestId('search-name').fill(name);
    await page.getByTestId('search-submit').click();
    const results = page.getByTestId('search-results');
    await results.getByText(name).waitFor();
    const table = await results.innerText();
    expect(table).toContain('东海理工大学');
    expect(table).toContain('自然人');
    expect(table).not.toContain(id);
    await page.locator('[data-testid="search-submit"]:not(.ant-btn-loading)').waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'records-subjects');

    // The subject's page: details and a timeline with the case and the proposed BLACK entry.
    await results.getByTestId('search-result-link').filter({ hasText: name }).click();
    await page.getByTestId('subject-timeline').waitFor();
    expect(await page.locator('h1').innerText()).toContain(name);
    const subject = await page.getByTestId('subject-details').innerText();
    expect(subject).toContain('居民身份证');
    expect(subject).not.toContain(id);
    const timelineCase = page.getByTestId('timeline-case');
    await expect(timelineCase.count()).resolves.toBe(1);
    expect(await timelineCase.getByTestId('timeline-case-link').innerText()).toBe(decisionNumber);
    expect(await timelineCase.innerText()).toContain('项目负责人');
    const entry = page.getByTestId('timeline-listing');
    await expect(entry.count()).resolves.toBe(1);
    await expect(entry.getByTestId('listing-type').getAttribute('data-list-type')).resolves.toBe('BLACK');
    const entryText = await entry.innerText();
    // Both clocks: the recorded time of the proposal (Beijing time) and the valid-time period.
    expect(entryText).toContain('登记时间');
    expect(entryText).toContain('生效日期');
    expect(entryText).toContain(`${addDays(today, -5)} 至 ${barEnd}`);
    await expect(entry.getByTestId('listing-event').first().getAttribute('data-status')).resolves.toBe(
      'PROPOSED',
    );
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'records-subject');

    // A recorder may see the full number after stating why; the server audits the view with the purpose.
    await page.getByTestId('reveal-identifiers').click();
    await page.getByTestId('reveal-submit').click();
    await page.getByText('请填写查看用途').waitFor();
    await page.getByTestId('reveal-purpose').fill('核对申报材料');
    await page.getByTestId('reveal-submit').click();
    await expect(page.getByTestId('revealed-identifiers').innerText()).resolves.toContain(id);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'records-reveal');
    const [audited] = await run.t.dataSource.query(
      `SELECT actor_name, purpose FROM audit_entry WHERE action = 'SUBJECT_IDENTIFIERS_REVEALED' ORDER BY seq DESC LIMIT 1`,
    );
    expect(audited).toEqual({ actor_name: recorder.username, purpose: '核对申报材料' });
    await page.getByTestId('reveal-close').click();
    await page.getByTestId('revealed-identifiers').waitFor({ state: 'detached' });
    expect(await page.getByTestId('subject-details').innerText()).not.toContain(id);

    // Back to the case from the timeline.
    await timelineCase.getByTestId('timeline-case-link').click();
    await page.getByTestId('case-details').waitFor();
    expect(await page.locator('h1').innerText()).toContain(decisionNumber);
  }, 120_000); // the longest walk of the suite: a decision through the form, then the subject's history

  it('tells a reviewer that only recorders record decisions', async () => {
    await logIn(page, run.baseUrl, reviewer.username, reviewer.password);
    await page.goto(`${run.baseUrl}/#/records/cases/new`);
    const notice = page.getByTestId('records-forbidden');
    await notice.waitFor();
    expect(await notice.innerText()).toContain('仅录入员或管理员可以录入处理决定');
    expect(await page.getByTestId('case-submit').count()).toBe(0);
    expect(await seriousViolations(page)).toEqual([]);
  });
});
