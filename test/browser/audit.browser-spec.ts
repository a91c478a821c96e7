import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { Page } from 'playwright-core';
import request from 'supertest';
import { Role } from '../../src/auth/principal';
import { newResidentId, newSubject, newUser, TestUser } from '../factories';
import { ConsoleRun, logIn, newPage, screenshot, seriousViolations, startConsole } from './harness';

interface Entry {
  seq: string;
  action: string;
  purpose: string | null;
  targetId: string | null;
  seal: { position: string; hash: string } | null;
}

/**
 * The audit trail in the console: an auditor filters the entries, reads what changed, exports them
 * and verifies the chain. The activity is made through the API first.
 */
describe('console: audit trail', () => {
  let run: ConsoleRun;
  let reviewer: TestUser;
  let recorder: TestUser;
  let auditor: TestUser;
  let page: Page;

  beforeAll(async () => {
    run = await startConsole();
    [reviewer, recorder, auditor] = await Promise.all([
      newUser(run.t, [Role.REVIEWER]),
      newUser(run.t, [Role.RECORDER]),
      newUser(run.t, [Role.AUDITOR]),
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

  /**
   * The entry of `action` on `targetId`, once the sealer has chained it (sealing runs in the
   * background every AUDIT_SEAL_INTERVAL_MS; bounded at 10 s).
   */
  async function sealedEntry(action: string, targetId: string): Promise<Entry> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const res = await request(run.t.http)
        .get('/api/v1/audit')
        .query({ action, targetId })
        .set(auditor.auth)
        .expect(200);
      const entry = (res.body.items as Entry[])[0];
      if (entry?.seal) return entry;
      if (Date.now() > deadline) throw new Error(`${action} on ${targetId} not sealed within 10 s`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  it('filters by action, shows the changes, exports the CSV and verifies the chain', async () => {
    const unique = randomBytes(4).toString('hex');
    const purpose = `审计浏览器测试核查 ${unique}`;
    const reference = `REF-${unique}`;
    const check = await request(run.t.http)
      .post('/api/v1/checks')
      .set(reviewer.auth)
      .send({
        purpose,
        reference,
        domain: 'PROJECT_FUNDING',
        applicants: [{ name: '孙审计', identifier: { type: 'RESIDENT_ID', value: newResidentId() } }],
      })
      .expect(200);
    const subjectId = await newSubject(run.t, recorder);
    const entry = await sealedEntry('CHECK_RUN', check.body.id as string);
    expect(entry.purpose).toBe(purpose);
    await sealedEntry('SUBJECT_CREATED', subjectId);

    await logIn(page, run.baseUrl, auditor.username, auditor.password);
    await page.getByTestId('side-menu').getByRole('link', { name: '审计日志' }).click();
    await page.getByRole('heading', { level: 1, name: '审计日志' }).waitFor();

    // Filter by action: the URL keeps the filter, and only CHECK_RUN rows remain.
    await page.getByLabel('操作', { exact: true }).fill('CHECK_RUN');
    await page.keyboard.press('Escape');
    await page.getByTestId('audit-search').click();
    await page.waitForFunction("location.hash.includes('action=CHECK_RUN')");
    // The unfiltered page may still be on screen for a moment: wait for the filtered one to replace it.
    await page
      .locator('[data-testid="audit-table"] [data-testid="audit-action"]:not([data-action="CHECK_RUN"])')
      .first()
      .waitFor({ state: 'detached' });
    const row = page.locator(`tr[data-row-key="${entry.seq}"]`);
    await row.waitFor();
    const rowText = await row.innerText();
    expect(rowText).toContain(purpose);
    expect(rowText).toContain('核查');
    expect(rowText).toContain(reviewer.username);
    const actions = await page
      .locator('[data-testid="audit-table"] [data-testid="audit-action"]')
      .evaluateAll((nodes) => nodes.map((n) => n.getAttribute('data-action')));
    expect(actions.length).toBeGreaterThan(0);
    expect(new Set(actions)).toEqual(new Set(['CHECK_RUN']));

    // The row expands to its changes, pretty-printed, and its seal.
    await row.getByRole('button').first().click();
    const detail = page.getByTestId('audit-entry-detail');
    await detail.waitFor();
    const changes = await detail.getByTestId('audit-changes').innerText();
    expect(changes).toContain(`"reference": "${reference}"`);
    expect(changes).toContain('"applicants": 1');
    expect(await detail.innerText()).toContain(entry.seal!.hash);

    // The CSV export follows the filter.
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByTestId('audit-export-csv').click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/^audit-.*\.csv$/);
    const csv = (await readFile(await download.path())).toString('utf8');
    const line = csv.split(/\r?\n/).find((l) => l.startsWith(`${entry.seq},`));
    expect(line).toBeDefined();
    expect(line).toContain('CHECK_RUN');
    expect(line).toContain(purpose);
    expect(csv).not.toContain('SUBJECT_CREATED');

    // Verification seals what is pending and walks the whole chain; the head is shown.
    await page.getByTestId('audit-verify').click();
    const result = page.getByTestId('audit-verify-result');
    await result.waitFor();
    expect(await result.getAttribute('data-valid')).toBe('true');
    expect(await result.innerText()).toContain('审计链完整');
    const head = await request(run.t.http).get('/api/v1/audit/head').set(auditor.auth).expect(200);
    expect(BigInt(head.body.position as string)).toBeGreaterThanOrEqual(BigInt(entry.seal!.position));
    await page.getByTestId('audit-head-hash').waitFor();
    expect(await page.getByTestId('audit-head').innerText()).toMatch(/[0-9a-f]{64}/);

    await page.locator('[data-testid="audit-verify"]:not(.ant-btn-loading)').waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'audit-trail');
  });

  it('opens with the filters of its URL, and clearing them shows every entry', async () => {
    const subjectId = await newSubject(run.t, recorder);
    const entry = await sealedEntry('SUBJECT_CREATED', subjectId);

    await logIn(page, run.baseUrl, auditor.username, auditor.password);
    await page.goto(`${run.baseUrl}/#/audit?action=SUBJECT_CREATED&targetId=${subjectId}`);
    const row = page.locator(`tr[data-row-key="${entry.seq}"]`);
    await row.waitFor();
    expect(await row.innerText()).toContain('登记主体');
    expect(await page.locator('tr[data-row-key]').count()).toBe(1);
    expect(await page.getByLabel('对象编号').inputValue()).toBe(subjectId);

    await page.getByTestId('audit-reset').click();
    await page.waitForFunction("!location.hash.includes('?')");
    // Everything else comes back, e.g. the auditor's own login.
    await page.locator('[data-action="AUTH_LOGIN"]').first().waitFor();
    expect(await page.locator('tr[data-row-key]').count()).toBeGreaterThan(1);
  });

  it('is not in the menu of a user without the AUDITOR role', async () => {
    await logIn(page, run.baseUrl, reviewer.username, reviewer.password);
    expect(await page.getByTestId('side-menu').innerText()).not.toContain('审计日志');
  });
});
