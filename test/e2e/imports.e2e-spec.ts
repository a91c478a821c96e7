import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import request from 'supertest';
import { Role, Scope } from '../../src/auth/principal';
import { IMPORT_COLUMNS, ImportColumnKey } from '../../src/imports/import-columns';
import { createTestApp, TestApp } from '../app';
import { breakCheckChar, importCsv, ImportRow, KEYS, personRow } from '../import-rows';
import {
  auditCount,
  newApiClient,
  newResidentId,
  newUser,
  newUscc,
  rowCounts,
  TestApiClient,
  TestUser,
} from '../factories';

type Res = request.Response;
const TABLES = ['misconduct_case', 'subject', 'measure', 'listing', 'case_subject'] as const;

/** Collects a binary answer (an XLSX) into a Buffer. */
const binary = (res: Res, done: (error: Error | null, body: Buffer) => void) => {
  const chunks: Buffer[] = [];
  res.on('data', (chunk: Buffer) => chunks.push(chunk));
  res.on('end', () => done(null, Buffer.concat(chunks)));
};

describe('bulk import of decisions', () => {
  let t: TestApp;
  let recorder: TestUser;
  let approver: TestUser;
  let admin: TestUser;
  let client: TestApiClient;

  beforeAll(async () => {
    t = await createTestApp();
    [recorder, approver, admin, client] = await Promise.all([
      newUser(t, [Role.RECORDER]),
      newUser(t, [Role.APPROVER]),
      newUser(t, [Role.ADMIN]),
      newApiClient(t, [Scope.RECORDS_WRITE]),
    ]);
  });

  afterAll(async () => {
    await t?.close();
  });

  const upload = (who: Record<string, string>, file: Buffer, dryRun: boolean, fileName = 'decisions.csv') =>
    request(t.http)
      .post('/api/v1/imports/decisions')
      .set(who)
      .field('dryRun', String(dryRun))
      .attach('file', file, fileName);

  const counts = () => rowCounts(t, TABLES);

  describe('the template', () => {
    it('downloads as CSV with every column and an example row that imports', async () => {
      const res = await request(t.http)
        .get('/api/v1/imports/decisions/template?format=csv')
        .set(recorder.auth)
        .expect(200);
      expect(res.headers['content-type']).toMatch(/^text\/csv/);
      const rows: string[][] = parse(res.text, { bom: true });
      expect(rows).toHaveLength(2);
      expect(rows[0]).toHaveLength(IMPORT_COLUMNS.length);
      expect(rows[0]).toContain('证件号码');
      expect(rows[0]).toContain('决定文号*');
      const dry = await upload(recorder.auth, Buffer.from(res.text), true).expect(200);
      expect(dry.body).toMatchObject({ rows: 1, newRows: 1, invalidRows: 0, problems: [] });
    });

    it('downloads as XLSX with a sheet documenting the columns and values; filled in, it imports', async () => {
      const res = await request(t.http)
        .get('/api/v1/imports/decisions/template?format=xlsx')
        .set(client.auth)
        .buffer(true)
        .parse(binary)
        .expect(200);
      const workbook = new ExcelJS.Workbook();
      await workbook.xlsx.load(res.body as ArrayBuffer);
      expect(workbook.worksheets).toHaveLength(2);
      const [sheet, doc] = workbook.worksheets;
      expect(sheet.getRow(1).cellCount).toBe(IMPORT_COLUMNS.length);
      const docText = JSON.stringify(doc.getSheetValues());
      expect(docText).toContain('idNumber');
      expect(docText).toContain('SERIOUS_DB_ENTRY');
      expect(docText).toContain('记入科研诚信严重失信行为数据库');

      // Filled: the example row replaced by a company of our own, on the black list.
      const column = (key: ImportColumnKey) => KEYS.indexOf(key) + 1;
      const row = sheet.getRow(2);
      const usccValue = newUscc();
      const fill: ImportRow = {
        decisionNumber: '东科〔2022〕7号',
        kind: '法人',
        name: '模板导入科技有限公司',
        organisation: '',
        idType: '统一社会信用代码',
        idNumber: usccValue,
        roles: 'IMPLEMENTING_UNIT',
        measureType: '记入科研诚信严重失信行为数据库',
      };
      for (const [key, value] of Object.entries(fill))
        row.getCell(column(key as ImportColumnKey)).value = value;
      row.getCell(column('decisionDate')).value = new Date(Date.UTC(2022, 4, 6));
      row.commit();
      const filled = Buffer.from(await workbook.xlsx.writeBuffer());
      const before = await counts();
      const done = await upload(recorder.auth, filled, false, 'filled.xlsx').expect(201);
      expect(done.body).toMatchObject({ format: 'XLSX', rows: 1, newRows: 1, cases: 1, listingsProposed: 1 });
      const after = await counts();
      expect(after.misconduct_case - before.misconduct_case).toBe(1);
      const [recorded] = await t.dataSource.query(
        `SELECT to_char(decision_date, 'YYYY-MM-DD') AS d FROM misconduct_case WHERE id = $1`,
        [done.body.outcomes[0].caseId],
      );
      expect(recorded.d).toBe('2022-05-06');
    });
  });

  describe('a file with planted errors', () => {
    const good = personRow('东科〔2021〕1号');
    const rows: ImportRow[] = [
      good,
      personRow('东科〔2021〕2号', { idNumber: breakCheckChar(newResidentId()) }), // row 3
      personRow('东科〔2021〕3号', { misconductTypes: 'PLAGIARISM;COPYING' }), // row 4
      personRow('东科〔2021〕4号', { decisionDate: '' }), // row 5
      personRow('东科〔2021〕5号', { measureStart: '2024-01-01', measureEnd: '2022-01-01' }), // row 6
      { ...good }, // row 7: a repeat of row 2
      personRow('东科〔2021〕6号', { kind: '机器人' }), // row 8
      personRow('东科〔2021〕7号', { measureType: 'FLOGGING' }), // row 9
      personRow('东科〔2021〕1号', { severity: 'MINOR' }), // row 10: the decision of row 2, differently
      personRow('东科〔2021〕8号', { status: 'REPORTED', measureType: '' }), // row 11: not a decision
    ];

    it('dry run: writes nothing and reports each problem by row, column and the API code', async () => {
      const before = await counts();
      const checked = await auditCount(t, 'DECISIONS_IMPORT_CHECKED');
      const res = await upload(recorder.auth, importCsv(rows), true).expect(200);
      expect(await counts()).toEqual(before);
      expect(await auditCount(t, 'DECISIONS_IMPORT_CHECKED')).toBe(checked + 1);
      const problems = res.body.problems.map((p: { row: number; column: string; code: string }) => [
        p.row,
        p.column,
        p.code,
      ]);
      expect(problems).toEqual([
        [3, 'idNumber', 'RESIDENT_ID_CHECKSUM'],
        [4, 'misconductTypes', 'IS_IN'],
        [5, 'decisionDate', 'CASE_DECISION_INCOMPLETE'],
        [6, 'measureEnd', 'MEASURE_END_BEFORE_START'],
        [7, 'measureType', 'IMPORT_ROW_DUPLICATE'],
        [8, 'kind', 'IS_IN'],
        [9, 'measureType', 'MEASURE_TYPE_UNKNOWN'],
        [10, 'severity', 'IMPORT_DECISION_MISMATCH'],
        [11, 'status', 'IMPORT_STATUS_NOT_DECIDED'],
      ]);
      expect(res.body).toMatchObject({ rows: 10, invalidRows: 9, newRows: 1 });
      // The bad ID is masked in the message, if quoted at all.
      expect(JSON.stringify(res.body)).not.toContain(rows[1].idNumber);
    });

    it('answers the same code as the case API for the same value', async () => {
      const idNumber = breakCheckChar(newResidentId());
      const dry = await upload(
        recorder.auth,
        importCsv([personRow('东科〔2021〕98号', { idNumber })]),
        true,
      ).expect(200);
      const api = await request(t.http)
        .post('/api/v1/cases')
        .set(recorder.auth)
        .send({
          status: 'DECIDED',
          decisionNumber: '东科〔2021〕99号',
          authority: '东海省科学技术厅',
          decisionDate: '2021-03-15',
          severity: 'SERIOUS',
          misconductTypes: ['PLAGIARISM'],
          source: 'COMPLAINT_REPORT',
          subjects: [
            {
              ref: 's',
              roles: ['RESEARCHER'],
              subject: {
                kind: 'NATURAL_PERSON',
                name: '对照人',
                identifiers: [{ type: 'RESIDENT_ID', value: idNumber }],
              },
            },
          ],
        })
        .expect(400);
      expect(api.body.code).toBe('RESIDENT_ID_CHECKSUM');
      expect(dry.body.problems).toHaveLength(1);
      expect(dry.body.problems[0]).toMatchObject({ column: 'idNumber', code: api.body.code });
    });

    it('real run with errors: 422 with every problem, nothing written', async () => {
      const before = await counts();
      const res = await upload(recorder.auth, importCsv(rows), false).expect(422);
      expect(res.body.code).toBe('IMPORT_ROWS_INVALID');
      expect(res.body.details).toHaveLength(9);
      expect(res.body.details[0]).toMatchObject({
        field: 'idNumber',
        code: 'RESIDENT_ID_CHECKSUM',
        context: { row: '3' },
      });
      expect(await counts()).toEqual(before);
    });
  });

  describe('a clean file', () => {
    const company = newUscc();
    const rows: ImportRow[] = [
      // One decision naming a company, its principal person (two measures), and a person by name only.
      personRow('西科〔2019〕12号', {
        kind: '法人',
        name: '西岭导入公司',
        organisation: '',
        idType: '',
        idNumber: company,
        roles: 'IMPLEMENTING_UNIT',
        measureType: 'SERIOUS_DB_ENTRY',
        measureStart: '2019-07-01',
        measureEnd: '2022-06-30',
        domains: '',
      }),
      personRow('西科〔2019〕12号', { name: '钱主要', roles: 'PRINCIPAL_PERSON' }),
      personRow('西科〔2019〕12号', {
        name: '孙无号',
        idType: '',
        idNumber: '',
        measureType: 'WARNING',
        measureStart: '',
        measureEnd: '',
        domains: '',
      }),
      personRow('西科〔2019〕13号', { lifetime: '是', measureEnd: '', measureType: 'BAN_FUNDED_ACTIVITY' }),
    ];
    // The principal person's second measure, in the same decision.
    rows.splice(2, 0, {
      ...rows[1],
      measureType: 'SERIOUS_DB_ENTRY',
      domains: '',
      measureStart: '2019-07-01',
      measureEnd: '2022-06-30',
    });
    let first: Res;

    it('real run: records every row, the cases grouped by decision number', async () => {
      const before = await counts();
      const imported = await auditCount(t, 'DECISIONS_IMPORTED');
      first = await upload(recorder.auth, importCsv(rows), false).expect(201);
      expect(first.body).toMatchObject({
        rows: 5,
        newRows: 5,
        unchangedRows: 0,
        invalidRows: 0,
        cases: 2,
        subjectsCreated: 4,
        listingsProposed: 2,
        problems: [],
      });
      const after = await counts();
      expect(after.misconduct_case - before.misconduct_case).toBe(2);
      expect(after.subject - before.subject).toBe(4);
      expect(after.measure - before.measure).toBe(5);
      expect(after.listing - before.listing).toBe(2);
      expect(await auditCount(t, 'DECISIONS_IMPORTED')).toBe(imported + 1);
      const caseId = first.body.outcomes[0].caseId;
      const recorded = await request(t.http).get(`/api/v1/cases/${caseId}`).set(recorder.auth).expect(200);
      expect(recorded.body.subjects).toHaveLength(3);
      expect(recorded.body.measures).toHaveLength(4);
      expect(first.body.outcomes.map((o: { caseId: string }) => o.caseId)).toEqual([
        caseId,
        caseId,
        caseId,
        caseId,
        expect.not.stringMatching(caseId),
      ]);
    });

    it('a re-upload changes nothing and reports every row as already recorded', async () => {
      const before = await counts();
      const again = await upload(recorder.auth, importCsv(rows), false).expect(201);
      expect(again.body).toMatchObject({ rows: 5, newRows: 0, unchangedRows: 5, cases: 0, problems: [] });
      expect(again.body.outcomes.map((o: { outcome: string }) => o.outcome)).toEqual(
        Array(5).fill('UNCHANGED'),
      );
      expect(again.body.outcomes.map((o: { caseId: string }) => o.caseId)).toEqual(
        first.body.outcomes.map((o: { caseId: string }) => o.caseId),
      );
      expect(await counts()).toEqual(before);
    });

    it('a re-upload with a changed row is a conflict, and records nothing', async () => {
      const changed = rows.map((r, i) => (i === 4 ? { ...r, measureStart: '2021-05-01' } : r));
      const dry = await upload(recorder.auth, importCsv(changed), true).expect(200);
      expect(dry.body.problems).toEqual([
        expect.objectContaining({ row: 6, column: 'measureType', code: 'IMPORT_ROW_CONFLICT' }),
      ]);
      expect(dry.body.unchangedRows).toBe(4);
      const before = await counts();
      await upload(recorder.auth, importCsv(changed), false).expect(422);
      expect(await counts()).toEqual(before);
    });

    it('proposes the list entries, for another user to approve', async () => {
      const caseId = first.body.outcomes[0].caseId;
      const entries: { id: string; status: string; proposed_by: string }[] = await t.dataSource.query(
        'SELECT id, status, proposed_by FROM listing WHERE case_id = $1 ORDER BY created_at',
        [caseId],
      );
      expect(entries).toHaveLength(2);
      expect(entries.every((e) => e.status === 'PROPOSED' && e.proposed_by === recorder.id)).toBe(true);
      await request(t.http).post(`/api/v1/listings/${entries[0].id}/approve`).set(approver.auth).expect(200);
      const [approved] = await t.dataSource.query('SELECT status FROM listing WHERE id = $1', [
        entries[0].id,
      ]);
      expect(approved.status).toBe('ACTIVE');
    });

    it('an administrator who imports cannot approve the entries of the import', async () => {
      const res = await upload(
        admin.auth,
        importCsv([personRow('南科〔2020〕1号', { measureType: 'SERIOUS_DB_ENTRY', domains: '' })]),
        false,
      ).expect(201);
      const [entry] = await t.dataSource.query('SELECT id FROM listing WHERE case_id = $1', [
        res.body.outcomes[0].caseId,
      ]);
      const refused = await request(t.http)
        .post(`/api/v1/listings/${entry.id}/approve`)
        .set(admin.auth)
        .expect(403);
      expect(refused.body.code).toBe('LISTING_SELF_APPROVAL');
    });
  });

  it('answers the same file uploaded three times at once as if one after another: recorded once, then unchanged', async () => {
    const rows = Array.from({ length: 12 }, (_, i) => personRow(`并发〔2024〕${Math.floor(i / 3)}号`));
    const before = await counts();
    const answers = await Promise.all([0, 1, 2].map(() => upload(recorder.auth, importCsv(rows), false)));
    expect(answers.map((a) => a.status)).toEqual([201, 201, 201]);
    const newRows = answers.map((a) => a.body.newRows as number).sort((a, b) => a - b);
    expect(newRows).toEqual([0, 0, 12]);
    expect(answers.map((a) => a.body.unchangedRows as number).sort((a, b) => a - b)).toEqual([0, 12, 12]);
    const after = await counts();
    expect(after.misconduct_case - before.misconduct_case).toBe(4);
    expect(after.subject - before.subject).toBe(12);
    expect(after.measure - before.measure).toBe(12);
  });

  it('refuses a file with an unknown column, naming it', async () => {
    const file = Buffer.from('decisionNumber,颜色\nX,红\n');
    const res = await upload(recorder.auth, file, true).expect(400);
    expect(res.body.code).toBe('IMPORT_COLUMNS_UNKNOWN');
    expect(res.body.message).toContain('颜色');
  });

  it('refuses a reviewer (403) and a missing file (400)', async () => {
    const reviewer = await newUser(t, [Role.REVIEWER]);
    await upload(reviewer.auth, importCsv([personRow('X')]), true).expect(403);
    const res = await request(t.http)
      .post('/api/v1/imports/decisions')
      .set(recorder.auth)
      .field('dryRun', 'true')
      .expect(400);
    expect(res.body.code).toBe('CHECK_JOB_FILE_MISSING');
  });

  describe('10,000 rows', () => {
    const ROWS = 10_000;
    const BAD = [17, 2500, 6001, 9998];
    const make = (broken: boolean) =>
      Array.from({ length: ROWS }, (_, i) =>
        personRow(`万科〔2018〕${i + 1}号`, {
          measureType: i % 3 === 0 ? 'SERIOUS_DB_ENTRY' : 'BAN_FUNDED_ACTIVITY',
          domains: i % 3 === 0 ? '' : 'PROJECT_FUNDING',
          ...(broken && i === BAD[0] ? { idNumber: breakCheckChar(newResidentId()) } : {}),
          ...(broken && i === BAD[1] ? { misconductTypes: 'UNKNOWN_TYPE' } : {}),
          ...(broken && i === BAD[2] ? { decisionDate: '' } : {}),
          ...(broken && i === BAD[3] ? { measureEnd: '2020-01-01' } : {}),
        }),
      );

    it('dry run finds exactly the planted errors; fixed, the real run records all of it', async () => {
      const broken = make(true);
      const before = await counts();
      const dry = await upload(recorder.auth, importCsv(broken), true).expect(200);
      expect(dry.body.rows).toBe(ROWS);
      expect(dry.body.problems.map((p: { row: number; code: string }) => [p.row, p.code])).toEqual([
        [BAD[0] + 2, 'RESIDENT_ID_CHECKSUM'],
        [BAD[1] + 2, 'IS_IN'],
        [BAD[2] + 2, 'CASE_DECISION_INCOMPLETE'],
        [BAD[3] + 2, 'MEASURE_END_BEFORE_START'],
      ]);
      expect(await counts()).toEqual(before);

      const clean = make(false);
      const fixed = broken.map((r, i) => (BAD.includes(i) ? clean[i] : r));
      const done = await upload(recorder.auth, importCsv(fixed), false).expect(201);
      expect(done.body).toMatchObject({ rows: ROWS, newRows: ROWS, cases: ROWS, problems: [] });
      const after = await counts();
      expect(after.misconduct_case - before.misconduct_case).toBe(ROWS);
      expect(after.listing - before.listing).toBe(Math.ceil(ROWS / 3));
    }, 600_000);
  });
});
