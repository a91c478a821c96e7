import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import request from 'supertest';
import { Role, Scope } from '../../src/auth/principal';
import { addDays, addMonths, todayIn } from '../../src/rules/rules';
import { ABANDONED_ERROR, CheckJobRunner } from '../../src/screening/jobs/check-job-runner';
import { createTestApp, TestApp } from '../app';
import { registryFixtures } from '../registry-fixtures';
import { binary, newApiClient, newResidentId, newUser, newUscc, TestApiClient, TestUser } from '../factories';

type Res = request.Response;

/** Collects a binary answer (an XLSX) into a Buffer. */
const sheetRows = async (buffer: Buffer): Promise<unknown[][]> => {
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load(buffer as unknown as ArrayBuffer);
  const rows: unknown[][] = [];
  workbook.worksheets[0].eachRow((row) => rows.push((row.values as unknown[]).slice(1)));
  return rows;
};

/** Flips the check character of a valid resident ID. */
const breakCheckChar = (id: string) => id.slice(0, 17) + (id[17] === '0' ? '1' : '0');

describe('check jobs', () => {
  let t: TestApp;
  let recorder: TestUser;
  let approver: TestUser;
  let reviewer: TestUser;
  let otherReviewer: TestUser;
  let client: TestApiClient;
  let otherClient: TestApiClient;
  const today = todayIn();
  const ids = { barred: newResidentId(), watched: newResidentId(), red: newUscc() };

  beforeAll(async () => {
    t = await createTestApp();
    [recorder, approver, reviewer, otherReviewer, client, otherClient] = await Promise.all([
      newUser(t, [Role.RECORDER]),
      newUser(t, [Role.APPROVER]),
      newUser(t, [Role.REVIEWER]),
      newUser(t, [Role.REVIEWER]),
      newApiClient(t, [Scope.CHECKS_RUN]),
      newApiClient(t, [Scope.CHECKS_RUN]),
    ]);
    const { person, record, watch, redCompany } = registryFixtures(t, recorder, approver, today);
    const start = addDays(today, -30);
    const end = addMonths(today, 24);
    // Barred from funded activity and on the black list.
    await record(person('王测试', '东海理工大学', ids.barred), [
      { type: 'BAN_FUNDED_ACTIVITY', startDate: start, endDate: end, domains: ['PROJECT_FUNDING'] },
      { type: 'SERIOUS_DB_ENTRY', startDate: start, endDate: end },
    ]);
    // Recorded by name only, on the black list: a possible match.
    await record(person('张某某', '西岭医科大学'), [
      { type: 'SERIOUS_DB_ENTRY', startDate: start, endDate: end },
    ]);
    // On the watch list.
    await watch(await record(person('钱关注', '东海理工大学', ids.watched), [{ type: 'WARNING' }]), start);
    // A company on the red list.
    await redCompany('明湖守信科技有限公司', ids.red, start);
  });

  afterAll(async () => {
    await t?.close();
  });

  const PURPOSE = '2027 key R&D call, eligibility';
  const submit = (
    who: Record<string, string>,
    file: Buffer | undefined,
    fileName = 'applicants.xlsx',
    fields: Record<string, string> = {},
  ) => {
    let req = request(t.http).post('/api/v1/checks/jobs').set(who);
    for (const [name, value] of Object.entries({ domain: 'PROJECT_FUNDING', purpose: PURPOSE, ...fields })) {
      req = req.field(name, value);
    }
    return file ? req.attach('file', file, fileName) : req;
  };
  const csv = (text: string) => Buffer.from(text, 'utf8');

  /** Polls the job until it is DONE or FAILED (bounded), and gives its last state. */
  const finished = async (id: string, who: Record<string, string> = reviewer.auth) => {
    for (let i = 0; i < 300; i++) {
      const res = await request(t.http).get(`/api/v1/checks/jobs/${id}`).set(who).expect(200);
      if (res.body.status === 'DONE' || res.body.status === 'FAILED') return res.body;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`check job ${id} did not finish within 30 s`);
  };

  describe('a 5,000-row XLSX with Chinese headers', () => {
    const HEADERS = ['序号', '主体类型', '姓名', '工作单位', '证件类型', '证件号码'];
    const ROWS = 5000;
    // Known registry subjects and bad rows at fixed places among clean applicants.
    const special: Record<number, { cells: unknown[]; verdict: string }> = {
      0: { cells: ['自然人', '王测试', '东海理工大学', '居民身份证', ids.barred], verdict: 'BLOCK' },
      1234: { cells: ['自然人', '钱关注', '东海理工大学', '居民身份证', ids.watched], verdict: 'REVIEW' },
      2500: { cells: ['自然人', '张某某', '西岭医科大学（本部）', null, null], verdict: 'REVIEW' },
      3000: {
        cells: ['法人', '明湖守信科技有限公司', null, '统一社会信用代码', ids.red],
        verdict: 'CLEAR',
      },
      3500: { cells: ['自然人', '孙公式', '=HYPERLINK("http://x","y")', null, null], verdict: 'CLEAR' },
      4000: { cells: ['机器人', '赵错类', '北辰师范大学', null, null], verdict: 'ERROR' },
      4999: {
        cells: ['自然人', '周校验', '北辰师范大学', '居民身份证', breakCheckChar(newResidentId())],
        verdict: 'ERROR',
      },
    };
    let job: { id: string; status: string; rowsTotal: number };
    let created: Res;
    let done: Record<string, unknown> & { checkIds: string[] };

    beforeAll(async () => {
      const workbook = new ExcelJS.Workbook();
      const sheet = workbook.addWorksheet('申报名单');
      sheet.addRow(HEADERS);
      for (let i = 0; i < ROWS; i++) {
        const cells = special[i]?.cells ?? [
          '自然人',
          `申请人${i}`,
          '某某大学',
          '居民身份证',
          newResidentId(),
        ];
        sheet.addRow([i + 1, ...cells]);
      }
      const buffer = Buffer.from(await workbook.xlsx.writeBuffer());
      created = await submit(reviewer.auth, buffer, 'applicants.xlsx', { reference: 'CALL-2027-01' }).expect(
        202,
      );
      job = created.body;
      done = await finished(job.id);
    });

    it('answers 202 at once with the job QUEUED or RUNNING', () => {
      expect(['QUEUED', 'RUNNING']).toContain(job.status);
      expect(created.body).toMatchObject({ rowsTotal: ROWS, format: 'XLSX', fileName: 'applicants.xlsx' });
      expect(created.headers.location).toBe(`/api/v1/checks/jobs/${job.id}`);
    });

    it('runs to DONE with every row answered and the counts right', () => {
      expect(done).toMatchObject({
        status: 'DONE',
        rowsTotal: ROWS,
        rowsDone: ROWS,
        counts: { BLOCK: 1, REVIEW: 2, CLEAR: ROWS - 5, ERROR: 2 },
        domain: 'PROJECT_FUNDING',
        asOf: today,
        reference: 'CALL-2027-01',
        error: null,
      });
      expect(done.finishedAt).toEqual(expect.any(String));
      expect(done.checkIds).toHaveLength(1);
    });

    it('stores the chunk as a check with its receipt and audit entry, and audits the job', async () => {
      const [run] = await t.dataSource.query(
        'SELECT applicants, counts, purpose FROM check_run WHERE id = $1',
        [done.checkIds[0]],
      );
      // The two rows refused while reading the file never reach the check.
      expect(run).toMatchObject({ applicants: ROWS - 2, purpose: PURPOSE, counts: { BLOCK: 1, ERROR: 0 } });
      const [checkAudit] = await t.dataSource.query(
        "SELECT actor_id FROM audit_entry WHERE action = 'CHECK_RUN' AND target_id = $1",
        [done.checkIds[0]],
      );
      expect(checkAudit).toMatchObject({ actor_id: reviewer.id });
      const [entry] = await t.dataSource.query(
        "SELECT actor_id, purpose, target_type, changes FROM audit_entry WHERE action = 'CHECK_JOB_CREATED' AND target_id = $1",
        [job.id],
      );
      expect(entry).toMatchObject({
        actor_id: reviewer.id,
        purpose: PURPOSE,
        target_type: 'CHECK_JOB',
        changes: { fileName: 'applicants.xlsx', rowsTotal: ROWS, format: 'XLSX', reference: 'CALL-2027-01' },
      });
    });

    const expectResults = (rows: unknown[][]) => {
      expect(rows[0]).toEqual([...HEADERS, 'verdict', 'reasons', 'incentive', 'underObjection', 'error']);
      const data = rows.slice(1);
      expect(data).toHaveLength(ROWS);
      expect(data.map((r) => String(r[0]))).toEqual(Array.from({ length: ROWS }, (_, i) => String(i + 1)));
      const verdicts = data.map((r) => r[6]);
      for (const [i, s] of Object.entries(special))
        expect(`${i} ${verdicts[Number(i)]}`).toBe(`${i} ${s.verdict}`);
      expect(verdicts.filter((v) => v === 'CLEAR')).toHaveLength(ROWS - 5);
      // The barred applicant: the reasons, the ID number masked.
      expect(String(data[0][7])).toMatch(/\S/);
      expect(data[0][5]).toBe(`${ids.barred.slice(0, 6)}********${ids.barred.slice(14)}`);
      expect(data[3000][8]).toBe('守信激励名单第1号');
      expect(String(data[4000][10])).toMatch(/^KIND_UNKNOWN \(kind\)/);
      expect(String(data[4999][10])).toMatch(/^RESIDENT_ID_CHECKSUM \(idNumber\)/);
      expect(String(data[4999][5])).toContain('********');
    };

    it('gives the results as XLSX: the input columns plus the answers, in input order', async () => {
      const res = await request(t.http)
        .get(`/api/v1/checks/jobs/${job.id}/results`)
        .set(reviewer.auth)
        .buffer(true)
        .parse(binary)
        .expect(200);
      expect(res.headers['content-type']).toContain('spreadsheetml');
      const rows = await sheetRows(res.body as Buffer);
      expectResults(rows);
      // Text stays text: no formula is written.
      expect(rows[3501][3]).toBe('=HYPERLINK("http://x","y")');
    });

    it('gives the results as CSV with a BOM, guarded against formula injection', async () => {
      const res = await request(t.http)
        .get(`/api/v1/checks/jobs/${job.id}/results?format=csv`)
        .set(reviewer.auth)
        .expect(200);
      expect(res.headers['content-type']).toContain('text/csv');
      expect(res.text.startsWith('\uFEFF')).toBe(true);
      const rows = parse(res.text, { bom: true }) as string[][];
      expectResults(rows);
      expect(rows[3501][3]).toBe(`'=HYPERLINK("http://x","y")`);
      expect(res.text).not.toContain(ids.barred);
    });

    it('lets a reviewer of another account read the job, but not an API client of another system', async () => {
      await request(t.http).get(`/api/v1/checks/jobs/${job.id}`).set(otherReviewer.auth).expect(200);
      await request(t.http).get(`/api/v1/checks/jobs/${job.id}/results`).set(otherReviewer.auth).expect(200);
      for (const path of [`/api/v1/checks/jobs/${job.id}`, `/api/v1/checks/jobs/${job.id}/results`]) {
        const hidden = await request(t.http).get(path).set(otherClient.auth).expect(404);
        expect(hidden.body.code).toBe('CHECK_JOB_NOT_FOUND');
      }
    });
  });

  it('runs a CSV job for an API client, a bad value in a row being an ERROR row', async () => {
    const file = csv(
      '\uFEFFref,kind,name,organisation,idType,idNumber,country\r\n' +
        `A-1,NATURAL_PERSON,王测试,东海理工大学,RESIDENT_ID,${ids.barred},\r\n` +
        'A-2,ROBOT,孙清白,,,,\r\n' +
        'A-3,,"李,四",北辰师范大学,,,\r\n',
    );
    const res = await submit(client.auth, file, 'call.csv', { lookbackYears: '3' }).expect(202);
    expect(res.body).toMatchObject({ format: 'CSV', rowsTotal: 3, lookbackYears: 3 });
    const done = await finished(res.body.id, client.auth);
    expect(done).toMatchObject({ status: 'DONE', counts: { BLOCK: 1, REVIEW: 0, CLEAR: 1, ERROR: 1 } });
    const results = await request(t.http)
      .get(`/api/v1/checks/jobs/${res.body.id}/results`)
      .set(client.auth)
      .expect(200);
    const rows = parse(results.text, { bom: true }) as string[][];
    expect(rows.map((r) => `${r[0]} ${r[7]}`)).toEqual([
      'ref verdict',
      'A-1 BLOCK',
      'A-2 ERROR',
      'A-3 CLEAR',
    ]);
    expect(rows[2][11]).toMatch(/^KIND_UNKNOWN/);
    await request(t.http).get(`/api/v1/checks/jobs/${res.body.id}`).set(otherClient.auth).expect(404);
  });

  it('refuses a file with an unknown header, naming it, or without a name column', async () => {
    const unknown = await submit(reviewer.auth, csv('姓名,性别,证件号码\n张三,男,\n'), 'a.csv').expect(400);
    expect(unknown.body).toMatchObject({ code: 'CHECK_JOB_COLUMNS_UNKNOWN', details: [{ field: '性别' }] });
    expect(unknown.body.message).toContain('"性别"');
    const nameless = await submit(reviewer.auth, csv('ref,idNumber\n1,x\n'), 'a.csv').expect(400);
    expect(nameless.body.code).toBe('CHECK_JOB_NAME_COLUMN_MISSING');
    const empty = await submit(reviewer.auth, csv('姓名,单位\n'), 'a.csv').expect(400);
    expect(empty.body.code).toBe('CHECK_JOB_FILE_EMPTY');
  });

  it('refuses a request without a file, a JSON body, bad fields and an unknown domain', async () => {
    const missing = await submit(reviewer.auth, undefined).expect(400);
    expect(missing.body.code).toBe('CHECK_JOB_FILE_MISSING');
    const json = await request(t.http).post('/api/v1/checks/jobs').set(reviewer.auth).send({}).expect(415);
    expect(json.body.code).toBe('CHECK_JOB_NOT_MULTIPART');
    const file = csv('name\n张三\n');
    const bad = await submit(reviewer.auth, file, 'a.csv', {
      purpose: '',
      lookbackYears: '11',
      extra: 'x',
    }).expect(400);
    expect(bad.body.code).toBe('VALIDATION_FAILED');
    expect(bad.body.details.map((d: { field: string }) => d.field).sort()).toEqual([
      'extra',
      'lookbackYears',
      'purpose',
    ]);
    const domain = await submit(reviewer.auth, file, 'a.csv', { domain: 'CATERING' }).expect(400);
    expect(domain.body.code).toBe('CHECK_DOMAIN_UNKNOWN');
  });

  it('refuses more than 100,000 rows and a file over the size limit, with a code', async () => {
    const tooMany = await submit(reviewer.auth, csv('name\n' + 'a\n'.repeat(100_001)), 'big.csv').expect(413);
    expect(tooMany.body.code).toBe('CHECK_JOB_TOO_MANY_ROWS');
    const tooLarge = await submit(reviewer.auth, Buffer.alloc(20 * 1024 * 1024 + 1, 'a'), 'huge.csv').expect(
      413,
    );
    expect(tooLarge.body.code).toBe('CHECK_JOB_FILE_TOO_LARGE');
  });

  it('answers 409 for the results of an unfinished job, and fails a job its process abandoned', async () => {
    const [{ id }] = await t.dataSource.query(
      `INSERT INTO check_job (actor_type, actor_id, actor_name, domain, as_of, purpose, file_name, format, columns,
         status, rows_total, counts, heartbeat_at)
       VALUES ('USER', $1, 'r', 'PROJECT_FUNDING', $2, 'p', 'old.csv', 'CSV', '[{"key":"name","header":"name"}]',
         'RUNNING', 10, '{"BLOCK":0,"REVIEW":0,"CLEAR":0,"ERROR":0}', now() - interval '10 minutes')
       RETURNING id`,
      [reviewer.id, today],
    );
    const early = await request(t.http)
      .get(`/api/v1/checks/jobs/${id}/results`)
      .set(reviewer.auth)
      .expect(409);
    expect(early.body.code).toBe('CHECK_JOB_NOT_DONE');
    expect(await t.app.get(CheckJobRunner).sweep()).toEqual([id]);
    const failed = await request(t.http).get(`/api/v1/checks/jobs/${id}`).set(reviewer.auth).expect(200);
    expect(failed.body).toMatchObject({ status: 'FAILED', error: ABANDONED_ERROR });
    await request(t.http).get(`/api/v1/checks/jobs/${id}/results`).set(reviewer.auth).expect(409);
  });

  it('answers 400 on a malformed id and 401 without credentials', async () => {
    const missing = '00000000-0000-4000-8000-000000000000';
    for (const path of ['/api/v1/checks/jobs/nope', '/api/v1/checks/jobs/nope/results']) {
      expect((await request(t.http).get(path).set(reviewer.auth).expect(400)).body.code).toBe('INVALID_ID');
    }
    for (const path of [`/api/v1/checks/jobs/${missing}`, `/api/v1/checks/jobs/${missing}/results`]) {
      await request(t.http).get(path).expect(401);
    }
    await request(t.http).post('/api/v1/checks/jobs').attach('file', csv('name\nx\n'), 'a.csv').expect(401);
  });
});
