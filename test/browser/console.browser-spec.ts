import ExcelJS from 'exceljs';
import { readFile } from 'node:fs/promises';
import { Page } from 'playwright-core';
import request from 'supertest';
import { Role } from '../../src/auth/principal';
import { addDays, todayIn } from '../../src/rules/rules';
import { newResidentId, newUser, TestUser } from '../factories';
import { pdfText } from '../pdf-text';
import { registryFixtures } from '../registry-fixtures';
import { ConsoleRun, logIn, newPage, screenshot, seriousViolations, startConsole } from './harness';

/**
 * The console in a real headless Chromium against the real service: what a review officer does, in
 * Chinese first. Each test makes its own data through the API.
 */
describe('console', () => {
  let run: ConsoleRun;
  let reviewer: TestUser;
  let recorder: TestUser;
  let approver: TestUser;
  let page: Page;
  let fixtures: ReturnType<typeof registryFixtures>;
  const today = todayIn();

  beforeAll(async () => {
    run = await startConsole();
    [reviewer, recorder, approver] = await Promise.all([
      newUser(run.t, [Role.REVIEWER]),
      newUser(run.t, [Role.RECORDER]),
      newUser(run.t, [Role.APPROVER]),
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

  it('shows the login page in Chinese, with no serious accessibility violation', async () => {
    await page.goto(`${run.baseUrl}/#/login`);
    await page.getByTestId('login-submit').waitFor();
    await expect(page.locator('html').getAttribute('lang')).resolves.toBe('zh-CN');
    expect(await page.locator('body').innerText()).toContain('登录');
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'login');
  });

  it("shows the server's message for a wrong password, then logs in", async () => {
    await page.goto(`${run.baseUrl}/#/login`);
    await page.getByTestId('login-username').fill(reviewer.username);
    await page.getByTestId('login-password').fill('not-the-password');
    await page.getByTestId('login-submit').click();
    const error = page.getByTestId('login-error');
    await error.waitFor();
    expect(await error.innerText()).toMatch(/\S/);
    await logIn(page, run.baseUrl, reviewer.username, reviewer.password);
    expect(await page.getByTestId('logout').isVisible()).toBe(true);
  });

  it('checks one barred applicant and explains the BLOCK with its evidence', async () => {
    const id = newResidentId();
    const name = `王浏览${Date.now() % 100000}`;
    await fixtures.record(fixtures.person(name, '东海理工大学', id), [
      {
        type: 'BAN_FUNDED_ACTIVITY',
        startDate: addDays(today, -30),
        endDate: addDays(today, 700),
        domains: ['PROJECT_FUNDING'],
      },
    ]);

    await logIn(page, run.baseUrl, reviewer.username, reviewer.password);
    await page.goto(`${run.baseUrl}/#/checks/new`);
    await page.getByTestId('check-purpose').fill('2027年度项目申报资格审查');
    await page.getByTestId('check-name').fill(name);
    await page.getByTestId('check-id-value').fill(id);
    await page.getByTestId('check-submit').click();
    const verdict = page.getByTestId('verdict');
    await verdict.waitFor();
    expect(await verdict.getAttribute('data-verdict')).toBe('BLOCK');
    const result = await page.getByTestId('check-result').innerText();
    expect(result).toContain('测科〔2026〕');
    expect(result).toContain('某省科学技术厅');
    expect(result).toContain(addDays(today, 700));
    // axe judges the page once the button has left its loading state (it is dimmed while loading).
    await page.locator('[data-testid="check-submit"]:not(.ant-btn-loading)').waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'check-result');

    // The signed certificate: a one-page PDF naming the receipt, the masked ID, never the full one.
    const receiptId = (await page.getByTestId('receipt-id').innerText()).trim();
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByTestId('certificate-0').click(),
    ]);
    const pdf = await pdfText(await readFile(await download.path()));
    expect(pdf.pages).toBe(1);
    expect(pdf.text).toContain(receiptId);
    expect(pdf.text).toContain(`${id.slice(0, 6)}********${id.slice(-4)}`);
    expect(pdf.text).not.toContain(id);

    // The public page its QR code opens checks the signed receipt without sign-in, and catches a change.
    const signed = (
      await request(run.t.http).get(`/api/v1/checks/${receiptId}`).set(reviewer.auth).expect(200)
    ).body.receipt as Record<string, unknown>;
    const visitor = await newPage(run);
    try {
      await visitor.goto(`${run.baseUrl}/verify?receipt=${receiptId}&applicant=0`);
      await visitor.getByRole('heading', { level: 1, name: '核查证明验证' }).waitFor();
      await visitor.getByTestId('verify-source').fill(JSON.stringify(signed));
      await visitor.getByTestId('verify-submit').click();
      const answer = visitor.getByTestId('verify-result');
      await answer.waitFor();
      expect(await answer.getAttribute('data-valid')).toBe('true');
      expect(await answer.innerText()).toContain('不得参与');
      expect(await seriousViolations(visitor)).toEqual([]);
      await screenshot(visitor, 'verify-valid');

      await visitor.getByTestId('verify-source').fill(JSON.stringify({ ...signed, purpose: '改动过的用途' }));
      await visitor.getByTestId('verify-submit').click();
      await visitor.locator('[data-testid="verify-result"][data-valid="false"]').waitFor();
      expect(await visitor.getByTestId('verify-result').innerText()).toContain('文档在签名后被改动');
    } finally {
      await visitor.context().close();
    }
  }, 120_000);

  it('runs a 1,000-row XLSX as a job to 100 % and downloads the results', async () => {
    const barredId = newResidentId();
    await fixtures.record(fixtures.person('赵批量', '北辰师范大学', barredId), [
      {
        type: 'BAN_FUNDED_ACTIVITY',
        startDate: addDays(today, -30),
        endDate: addDays(today, 365),
        domains: ['PROJECT_FUNDING'],
      },
    ]);
    const workbook = new ExcelJS.Workbook();
    const sheet = workbook.addWorksheet('申报名单');
    sheet.addRow(['序号', '主体类型', '姓名', '工作单位', '证件类型', '证件号码']);
    for (let i = 0; i < 1000; i++) {
      const [name, id] = i === 500 ? ['赵批量', barredId] : [`申请人${i}`, newResidentId()];
      sheet.addRow([i + 1, '自然人', name, '北辰师范大学', '居民身份证', id]);
    }
    const buffer = Buffer.from(await workbook.xlsx.writeBuffer());

    await logIn(page, run.baseUrl, reviewer.username, reviewer.password);
    await page.goto(`${run.baseUrl}/#/checks/jobs/new`);
    await page.getByTestId('job-purpose').fill('2027年度人才计划推荐名单审查');
    await page.locator('input[type=file]').setInputFiles({
      name: 'applicants.xlsx',
      mimeType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
      buffer,
    });
    await page.getByTestId('job-submit').click();
    await page.locator('[data-testid="job"][data-status="DONE"]').waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('job-progress').getAttribute('aria-valuenow')).toBe('100');
    expect((await page.getByTestId('job-count-BLOCK').innerText()).trim()).toMatch(/\n1$/);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'job-done');

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByTestId('job-download-csv').click(),
    ]);
    const csv = (await readFile(await download.path())).toString('utf8');
    const lines = csv.trim().split(/\r?\n/);
    expect(lines).toHaveLength(1001);
    const barred = lines.find((line) => line.includes('赵批量'));
    expect(barred).toBeDefined();
    expect(barred).not.toContain(barredId);
  });

  it('shows the overview: entries in force by list and the checks of the day', async () => {
    const id = newResidentId();
    await fixtures.record(fixtures.person('钱概览', '南山大学', id), [
      { type: 'SERIOUS_DB_ENTRY', startDate: addDays(today, -5), endDate: addDays(today, 365) },
    ]);
    await request(run.t.http)
      .post('/api/v1/checks')
      .set(reviewer.auth)
      .send({
        domain: 'PROJECT_FUNDING',
        purpose: '概览',
        applicants: [{ name: '钱概览', identifier: { type: 'RESIDENT_ID', value: id } }],
      })
      .expect(200);
    const auditor = await newUser(run.t, [Role.AUDITOR]);
    await logIn(page, run.baseUrl, auditor.username, auditor.password);
    await page.goto(`${run.baseUrl}/#/`);
    await page.getByTestId('dashboard').getByText('近30日核查情况').waitFor();
    const dashboard = await page.getByTestId('dashboard').innerText();
    expect(dashboard).toContain('严重失信名单');
    expect(await page.getByTestId('checks-per-day').innerText()).toContain(today);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'overview');
  });
});
