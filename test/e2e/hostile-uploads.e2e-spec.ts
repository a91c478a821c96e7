import ExcelJS from 'exceljs';
import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { Role } from '../../src/auth/principal';
import { MAX_SHOWN_CELL_CHARS } from '../../src/screening/jobs/check-job-columns';
import { createTestApp, TestApp } from '../app';
import { newUser, rowCounts, TestUser } from '../factories';

/**
 * Issue 12, item 4, for spreadsheet uploads: corrupt and truncated XLSX, a zip bomb, a million-row
 * CSV, a BOM, GBK, formula cells. Each is answered 202 or 4xx with a code, never 5xx, and a refused
 * file leaves the database as it was.
 */

const TABLES = ['check_job', 'check_job_row', 'check_run', 'audit_entry'] as const;
const PURPOSE = 'hostile uploads';

async function xlsx(rows: unknown[][]): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  const sheet = workbook.addWorksheet('applicants');
  for (const row of rows) sheet.addRow(row);
  return Buffer.from(await workbook.xlsx.writeBuffer());
}

describe('hostile spreadsheet uploads (issue 12)', () => {
  let t: TestApp;
  let reviewer: TestUser;

  const submit = (file: Buffer, fileName: string) =>
    request(t.http)
      .post('/api/v1/checks/jobs')
      .set(reviewer.auth)
      .field('domain', 'PROJECT_FUNDING')
      .field('purpose', PURPOSE)
      .attach('file', file, fileName);

  /** Submits a file that must be refused, and checks it changed nothing. */
  const refused = async (file: Buffer, fileName: string) => {
    const before = await rowCounts(t, TABLES);
    const res = await submit(file, fileName);
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(typeof res.body.code).toBe('string');
    expect(await rowCounts(t, TABLES)).toEqual(before);
    return { status: res.status, code: res.body.code as string };
  };

  beforeAll(async () => {
    t = await createTestApp();
    reviewer = await newUser(t, [Role.REVIEWER]);
  });

  afterAll(async () => {
    await t?.close();
  });

  it('refuses a corrupt or truncated XLSX as a bad file', async () => {
    const good = await xlsx([
      ['姓名', '单位'],
      ['张三', '某大学'],
    ]);
    const corrupt = Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), randomBytes(4096)]);
    expect(await refused(corrupt, 'corrupt.xlsx')).toEqual({ status: 400, code: 'CHECK_JOB_FILE_FORMAT' });
    const truncated = good.subarray(0, Math.floor(good.length / 2));
    expect(await refused(truncated, 'truncated.xlsx')).toEqual({
      status: 400,
      code: 'CHECK_JOB_FILE_FORMAT',
    });
  });

  it('survives a zip bomb: a small XLSX whose one cell unpacks to 30 MB, kept cut short', async () => {
    const bomb = await xlsx([
      ['姓名', '单位'],
      ['A'.repeat(30 * 1024 * 1024), '某大学'],
    ]);
    expect(bomb.length).toBeLessThan(1024 * 1024);
    const created = await submit(bomb, 'bomb.xlsx').expect(202);
    let status = '';
    for (let i = 0; i < 200 && status !== 'DONE'; i++) {
      status = (await request(t.http).get(`/api/v1/checks/jobs/${created.body.id}`).set(reviewer.auth)).body
        .status;
      if (status !== 'DONE') await new Promise((r) => setTimeout(r, 100));
    }
    expect(status).toBe('DONE');
    const [row] = await t.dataSource.query(
      "SELECT length(cells->>0) AS shown, verdict, error->>'code' AS code FROM check_job_row WHERE job_id = $1",
      [created.body.id],
    );
    expect(row).toEqual({ shown: MAX_SHOWN_CELL_CHARS, verdict: 'ERROR', code: 'VALUE_TOO_LONG' });
  });

  it('refuses a million-row CSV with 413, having read no more than the limit', async () => {
    const csv = Buffer.from(`姓名\n${'张三\n'.repeat(1_000_000)}`, 'utf8');
    expect(await refused(csv, 'million.csv')).toEqual({ status: 413, code: 'CHECK_JOB_TOO_MANY_ROWS' });
  });

  it('refuses a GBK CSV with the encoding named, and takes the same file as UTF-8 with a BOM', async () => {
    // 姓名,单位 / 张三,某大学 in GBK.
    const gbk = Buffer.from('d0d5c3fb2cb5a5cebb0ad5c5c8fd2cc4b3b4f3d1a70a', 'hex');
    expect(await refused(gbk, 'gbk.csv')).toEqual({ status: 400, code: 'CHECK_JOB_FILE_ENCODING' });
    const bom = Buffer.from('\uFEFF姓名,单位\n张三,某大学\n', 'utf8');
    expect((await submit(bom, 'bom.csv').expect(202)).body).toMatchObject({ rowsTotal: 1, format: 'CSV' });
  });

  it('takes formula cells as text, in CSV and in XLSX, never as something to run', async () => {
    const csv = Buffer.from(
      '姓名,单位\n"=HYPERLINK(""http://evil.example"",""x"")",=1+1\n@SUM(A1),+cmd\n',
      'utf8',
    );
    expect((await submit(csv, 'formulas.csv').expect(202)).body).toMatchObject({ rowsTotal: 2 });
    const book = await xlsx([
      ['姓名', '单位'],
      [
        { formula: 'CONCATENATE("张","三")', result: '张三' },
        { formula: '1+1', result: 2 },
      ],
    ]);
    expect((await submit(book, 'formulas.xlsx').expect(202)).body).toMatchObject({
      rowsTotal: 1,
      format: 'XLSX',
    });
  });
});
