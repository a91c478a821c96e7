import { readFile } from 'node:fs/promises';
import { Role } from '../../src/auth/principal';
import { IMPORT_COLUMNS } from '../../src/imports/import-columns';
import { newResidentId, newSubject } from '../factories';
import { breakCheckChar, importCsv, ImportRow, personRow } from '../import-rows';
import { consoleSuite, logIn, screenshot, seriousViolations } from './harness';

/**
 * The bulk import page (批量导入处理决定) in a real Chromium: a recorder downloads the template, fills it,
 * checks a file with two mistakes, sees each by row and column, checks the corrected file and imports it.
 */
describe('console: bulk import of decisions', () => {
  const suite = consoleSuite({ recorder: [Role.RECORDER], reviewer: [Role.REVIEWER] });

  /** Chooses a file in the suite.page's upload field, as the file dialog would. */
  async function choose(name: string, buffer: Buffer): Promise<void> {
    await suite.page.locator('input[type=file]').setInputFiles({ name, mimeType: 'text/csv', buffer });
    await suite.page.locator('.ant-upload-list').getByText(name).waitFor();
  }

  /** Clicks the check button and waits until the check has answered. */
  async function check(): Promise<void> {
    await Promise.all([
      suite.page.waitForResponse(
        (r) => r.request().method() === 'POST' && r.url().includes('/api/v1/imports/decisions'),
      ),
      suite.page.getByTestId('import-dry-run').click(),
    ]);
    await suite.page.locator('[data-testid="import-dry-run"]:not(.ant-btn-loading)').waitFor();
  }

  it('checks a file with two mistakes, then imports the corrected file', async () => {
    const unique = Date.now() % 1_000_000;
    const first = `东科〔2021〕${unique}号`;
    const second = `东科〔2022〕${unique}号`;
    const ids = [newResidentId(), newResidentId(), newResidentId()];

    await logIn(suite.page, suite.run.baseUrl, suite.users.recorder.username, suite.users.recorder.password);
    await suite.page.getByTestId('side-menu').getByText('批量导入处理决定').click();
    await suite.page.getByTestId('import-dry-run').waitFor();
    expect(await suite.page.locator('h1').innerText()).toBe('批量导入处理决定');
    // Nothing to import before a clean check.
    await expect(suite.page.getByTestId('import-run').isDisabled()).resolves.toBe(true);
    expect(await seriousViolations(suite.page)).toEqual([]);

    // The template, through the console's own download: the Chinese headers and an example row.
    const [download] = await Promise.all([
      suite.page.waitForEvent('download'),
      suite.page.getByTestId('import-template-csv').click(),
    ]);
    expect(download.suggestedFilename()).toBe('decisions-import-template.csv');
    const template = (await readFile(await download.path())).toString('utf8').replace(/^\uFEFF/, '');
    const [header, example] = template.trim().split(/\r?\n/);
    expect(header.split(',')).toHaveLength(IMPORT_COLUMNS.length);
    expect(header).toContain('决定文号*');
    expect(example).toContain('泉州市科学技术局');
    const [xlsx] = await Promise.all([
      suite.page.waitForEvent('download'),
      suite.page.getByTestId('import-template-xlsx').click(),
    ]);
    expect(xlsx.suggestedFilename()).toBe('decisions-import-template.xlsx');
    expect((await readFile(await xlsx.path())).subarray(0, 2).toString('latin1')).toBe('PK');

    // The template filled: two people in one decision, a third put on the black list by another.
    const file = (rows: ImportRow[]) => importCsv(rows, `${header}\r\n`);
    const good = [
      personRow(first, { idNumber: ids[0] }),
      personRow(first, { idNumber: ids[1], roles: 'PROJECT_LEAD' }),
      personRow(second, {
        idNumber: ids[2],
        measureType: 'SERIOUS_DB_ENTRY',
        domains: '',
        decisionDate: '2022-05-10',
        measureStart: '2022-06-01',
        measureEnd: '2025-05-31',
      }),
    ];
    // Mistakes in rows 3 and 4 of the file (the header is row 1).
    const bad = [
      good[0],
      { ...good[1], idNumber: breakCheckChar(ids[1]) },
      { ...good[2], measureEnd: '2022-01-31' },
    ];

    await choose('decisions-bad.csv', file(bad));
    await check();
    const report = suite.page.getByTestId('import-report');
    await report.waitFor();
    await expect(report.getAttribute('data-dry-run')).resolves.toBe('true');
    await expect(suite.page.getByTestId('import-total-rows').innerText()).resolves.toBe('3');
    await expect(suite.page.getByTestId('import-total-invalid').innerText()).resolves.toBe('2');
    const problems = suite.page.getByTestId('import-problem');
    await expect(problems.count()).resolves.toBe(2);
    const shown = await problems.evaluateAll((trs) =>
      trs.map((tr) => [
        tr.getAttribute('data-row'),
        tr.querySelector('[data-testid="import-problem-column"]')?.getAttribute('data-column'),
        tr.querySelector('[data-testid="import-problem-code"]')?.textContent,
      ]),
    );
    expect(shown).toEqual([
      ['3', 'idNumber', 'RESIDENT_ID_CHECKSUM'],
      ['4', 'measureEnd', 'MEASURE_END_BEFORE_START'],
    ]);
    // Column headers as the template names them; the wrong ID number is never shown whole.
    expect(await suite.page.getByTestId('import-problems').innerText()).toContain('证件号码');
    expect(await suite.page.getByTestId('import-problems').innerText()).not.toContain(breakCheckChar(ids[1]));
    await expect(suite.page.getByTestId('import-run').isDisabled()).resolves.toBe(true);
    expect(await seriousViolations(suite.page)).toEqual([]);
    await screenshot(suite.page, 'records-import-problems');

    // The corrected file: clean, so the import is offered; it asks first, then records all of it.
    await choose('decisions.csv', file(good));
    await check();
    await suite.page.getByTestId('import-clean').waitFor();
    await expect(suite.page.getByTestId('import-problem').count()).resolves.toBe(0);
    await expect(suite.page.getByTestId('import-total-new').innerText()).resolves.toBe('3');
    await expect(
      suite.run.t.dataSource.query(
        `SELECT count(*)::int AS n FROM misconduct_case WHERE decision_number = $1`,
        [first],
      ),
    ).resolves.toEqual([{ n: 0 }]);
    await suite.page.getByTestId('import-run').click();
    await suite.page.getByTestId('import-confirm').click();
    await suite.page.locator('[data-testid="import-report"][data-dry-run="false"]').waitFor();
    await expect(suite.page.getByTestId('import-total-cases').innerText()).resolves.toBe('2');
    await expect(suite.page.getByTestId('import-total-subjects').innerText()).resolves.toBe('3');
    await expect(suite.page.getByTestId('import-total-listings').innerText()).resolves.toBe('1');
    const outcomes = await suite.page
      .getByTestId('import-outcome')
      .evaluateAll((tags) => tags.map((tag) => tag.getAttribute('data-outcome')));
    expect(outcomes).toEqual(['NEW', 'NEW', 'NEW']);
    const note = suite.page.getByTestId('import-approval-note');
    expect(await note.innerText()).toContain('另一位用户审批');
    await expect(note.getByRole('link').getAttribute('href')).resolves.toBe('#/approvals');
    await expect(suite.page.getByTestId('import-run').isDisabled()).resolves.toBe(true);
    expect(await seriousViolations(suite.page)).toEqual([]);
    await screenshot(suite.page, 'records-import');

    // The cases are recorded; each row links to its own.
    const recorded = await suite.run.t.dataSource.query(
      `SELECT decision_number FROM misconduct_case WHERE decision_number IN ($1, $2) ORDER BY decision_number`,
      [first, second],
    );
    expect(recorded).toEqual([{ decision_number: first }, { decision_number: second }]);
    await suite.page.getByTestId('import-case-link').last().click();
    await suite.page.getByTestId('case-details').waitFor();
    expect(await suite.page.locator('h1').innerText()).toContain(second);
    await expect(
      suite.page.getByTestId('case-listing').getByTestId('listing-status').getAttribute('data-status'),
    ).resolves.toBe('PROPOSED');
  }, 120_000);

  it('exports the cases as CSV, and the subjects with full ID numbers only with a purpose (数据导出)', async () => {
    const id = newResidentId();
    await newSubject(suite.run.t, suite.users.recorder, {
      identifiers: [{ type: 'RESIDENT_ID', value: id }],
    });
    const fileText = async (download: { path(): Promise<string> }) =>
      (await readFile(await download.path())).toString('utf8').replace(/^\uFEFF/, '');
    await logIn(suite.page, suite.run.baseUrl, suite.users.recorder.username, suite.users.recorder.password);
    await suite.page.goto(`${suite.run.baseUrl}/#/records/export`);
    await suite.page.getByRole('heading', { name: '数据导出' }).waitFor();
    await suite.page.getByText('案件', { exact: true }).click();
    await suite.page.getByText('CSV', { exact: true }).click();
    const [download] = await Promise.all([
      suite.page.waitForEvent('download'),
      suite.page.getByTestId('export-download').click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/^cases-\d{8}-\d{6}\.csv$/);
    const lines = (await fileText(download)).split(/\r?\n/).filter(Boolean);
    const [{ n }] = await suite.run.t.dataSource.query('SELECT count(*)::int AS n FROM misconduct_case');
    expect(lines.length - 1).toBe(n);
    await suite.page.getByTestId('export-done').waitFor();

    // Subjects: ID numbers masked by default…
    await suite.page.getByText('主体', { exact: true }).click();
    const [masked] = await Promise.all([
      suite.page.waitForEvent('download'),
      suite.page.getByTestId('export-download').click(),
    ]);
    const maskedText = await fileText(masked);
    const [{ subjects }] = await suite.run.t.dataSource.query(
      'SELECT count(*)::int AS subjects FROM subject',
    );
    expect(maskedText.split(/\r?\n/).filter(Boolean).length - 1).toBe(subjects);
    expect(maskedText).not.toContain(id);

    // …in full only with a purpose.
    await suite.page.getByText('完整（须说明用途）').click();
    await suite.page.getByTestId('export-download').click();
    await suite.page.getByText('请说明导出完整号码的用途').waitFor();
    await suite.page.getByLabel('用途', { exact: true }).fill('核对导入结果');
    const [full] = await Promise.all([
      suite.page.waitForEvent('download'),
      suite.page.getByTestId('export-download').click(),
    ]);
    expect(full.suggestedFilename()).toMatch(/^subjects-.*\.csv$/);
    expect(await fileText(full)).toContain(id);
    const [audited] = await suite.run.t.dataSource.query(
      `SELECT purpose FROM audit_entry WHERE action = 'EXPORT_STARTED' AND purpose IS NOT NULL ORDER BY seq DESC LIMIT 1`,
    );
    expect(audited).toEqual({ purpose: '核对导入结果' });
    expect(await seriousViolations(suite.page)).toEqual([]);
    await screenshot(suite.page, 'records-export');
  }, 120_000);

  it('tells a reviewer that only recorders import decisions', async () => {
    await logIn(suite.page, suite.run.baseUrl, suite.users.reviewer.username, suite.users.reviewer.password);
    await suite.page.goto(`${suite.run.baseUrl}/#/records/import`);
    const notice = suite.page.getByTestId('records-forbidden');
    await notice.waitFor();
    expect(await notice.innerText()).toContain('仅录入员或管理员可以批量导入处理决定');
    expect(await suite.page.getByTestId('import-dry-run').count()).toBe(0);
    expect(await seriousViolations(suite.page)).toEqual([]);
  });
});
