import { parse } from 'csv-parse/sync';
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import request from 'supertest';
import { Role } from '../../src/auth/principal';
import { createLogger } from '../../src/common/logging/logger';
import { addDays, addMonths, todayIn } from '../../src/rules/rules';
import { StripFormatCharactersFromNameKeys1764301000000 } from '../../migrations/1764301000000-StripFormatCharactersFromNameKeys';
import { createTestApp, TestApp } from '../app';
import { newResidentId, newUser, TestUser } from '../factories';
import { registryFixtures } from '../registry-fixtures';

/** Defects of issue #15, found by probing the running service with hostile and odd input. */

/** A full resident ID number that must never come back in an answer or a log line. */
const ID = '110105198001011238';
const MASKED_ID = '110105********1238';
const PURPOSE = '2027 key R&D call, eligibility';

const nested = (levels: number) => `${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`;
const unique = () => randomBytes(4).toString('hex');

/** Every JSON line the app logged, kept for the log test. */
const logged: string[] = [];
const logSink = new Writable({
  write(chunk: Buffer, _encoding, done) {
    logged.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    done();
  },
});

describe('input hardening (issue #15)', () => {
  let t: TestApp;
  let recorder: TestUser;
  let approver: TestUser;
  let reviewer: TestUser;
  const today = todayIn();
  const barredId = newResidentId();
  const passport = `E${unique().toUpperCase()}`;
  const org = `东海理工大学${unique()}`;

  beforeAll(async () => {
    t = await createTestApp({ logger: createLogger({ LOG_LEVEL: 'info', LOG_FORMAT: 'json' }, logSink) });
    [recorder, approver, reviewer] = await Promise.all([
      newUser(t, [Role.RECORDER]),
      newUser(t, [Role.APPROVER]),
      newUser(t, [Role.REVIEWER]),
    ]);
    const { person, record } = registryFixtures(t, recorder, approver, today);
    const barred = [
      { type: 'SERIOUS_DB_ENTRY', startDate: addDays(today, -30), endDate: addMonths(today, 24) },
    ];
    await record(person('王黑名', org, barredId), barred);
    await record(
      {
        ...person('钱护照', org),
        identifiers: [{ type: 'PASSPORT', value: passport, issuingCountry: 'US' }],
      },
      barred,
    );
    await record(person('李四', org), barred);
  });

  afterAll(async () => {
    await t?.close();
  });

  const search = (body: unknown) =>
    request(t.http)
      .post('/api/v1/subjects/search')
      .set(reviewer.auth)
      .send(body as object);
  const check = (applicants: object[]) =>
    request(t.http)
      .post('/api/v1/checks')
      .set(reviewer.auth)
      .send({ domain: 'PROJECT_FUNDING', purpose: PURPOSE, applicants });
  const submitJob = (csv: string) =>
    request(t.http)
      .post('/api/v1/checks/jobs')
      .set(reviewer.auth)
      .field('domain', 'PROJECT_FUNDING')
      .field('purpose', PURPOSE)
      .attach('file', Buffer.from(csv, 'utf8'), 'applicants.csv');
  const jobResults = async (csv: string): Promise<Record<string, string>[]> => {
    const created = await submitJob(csv).expect(202);
    for (let i = 0; i < 300; i++) {
      const res = await request(t.http).get(`/api/v1/checks/jobs/${created.body.id}`).set(reviewer.auth);
      if (res.body.status === 'DONE') {
        const file = await request(t.http)
          .get(`/api/v1/checks/jobs/${created.body.id}/results`)
          .set(reviewer.auth)
          .expect(200);
        return parse(file.text, { bom: true, columns: true });
      }
      if (res.body.status === 'FAILED') throw new Error(`the job failed: ${res.body.error}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('the job did not finish within 30 s');
  };

  describe('1. deeply nested JSON', () => {
    const TOO_DEEP = {
      code: 'BODY_TOO_DEEP',
      message: 'The JSON body is nested more than 32 levels deep',
      details: [
        { field: 'body', code: 'BODY_TOO_DEEP', message: 'The JSON body is nested more than 32 levels deep' },
      ],
      requestId: expect.any(String),
    };

    it('answers a body nested 5,000 levels deep with 400 BODY_TOO_DEEP, not 500', async () => {
      const res = await search(undefined)
        .set('Content-Type', 'application/json')
        .send(nested(5000))
        .expect(400);
      expect(res.body).toEqual(TOO_DEEP);
    });

    it('bounds the depth on every JSON route: 32 levels are read, 33 are refused', async () => {
      for (const route of ['/api/v1/checks', '/api/v1/auth/login', '/api/v1/subjects/search']) {
        const deep = await request(t.http)
          .post(route)
          .set(reviewer.auth)
          .set('Content-Type', 'application/json')
          .send(nested(33))
          .expect(400);
        expect(deep.body).toEqual(TOO_DEEP);
      }
      const deepest = await search(undefined)
        .set('Content-Type', 'application/json')
        .send(nested(32))
        .expect(400);
      expect(deepest.body).toMatchObject({
        code: 'VALIDATION_FAILED',
        details: [{ field: 'a', code: 'UNKNOWN_FIELD', message: 'property a should not exist' }],
      });
    });

    it('counts brackets inside strings as text', async () => {
      const res = await search({ name: `${'[{'.repeat(40)}王黑名` }).expect(200);
      expect(res.body.total).toBeGreaterThanOrEqual(1);
    });
  });

  describe('2. ID numbers echoed in error messages', () => {
    it('masks the ID number a CSV parse error quotes', async () => {
      const res = await submitJob(`ref,name,idType,idNumber\nr1,n,RESIDENT_ID,${ID}"x"\n`).expect(400);
      const message = `The CSV file cannot be read: Invalid Opening Quote: a quote is found on field 3 at line 2, value is "${MASKED_ID}"`;
      expect(res.body).toEqual({
        code: 'CHECK_JOB_FILE_FORMAT',
        message,
        details: [{ field: 'file', code: 'CHECK_JOB_FILE_FORMAT', message }],
        requestId: expect.any(String),
      });
      expect(JSON.stringify(res.body)).not.toContain(ID);
    });

    it('masks an ID number found where the header row belongs', async () => {
      const res = await submitJob(`张三,${ID}\n李四,${barredId}\n`).expect(400);
      expect(res.body.code).toBe('CHECK_JOB_COLUMNS_UNKNOWN');
      expect(res.body.message).toMatch(
        new RegExp(`^Unknown columns: "张三", "${MASKED_ID.replace(/\*/g, '\\*')}"\\. `),
      );
      expect(res.body.details).toEqual([
        { field: '张三', code: 'UNKNOWN_COLUMN', message: '"张三" is not a column of the file format' },
        {
          field: MASKED_ID,
          code: 'UNKNOWN_COLUMN',
          message: `"${MASKED_ID}" is not a column of the file format`,
        },
      ]);
      expect(JSON.stringify(res.body)).not.toContain(ID);
    });

    it('masks an ID number in a row error of the results file', async () => {
      const [row] = await jobResults(`name,kind,idNumber\n张三,${ID},\n`);
      expect(row.verdict).toBe('ERROR');
      expect(row.error).toBe(
        `KIND_UNKNOWN (kind): "${MASKED_ID}" is not a kind: NATURAL_PERSON, LEGAL_PERSON or UNINCORPORATED_ORG (自然人, 法人, 非法人组织)`,
      );
      expect(JSON.stringify(row)).not.toContain(ID);
    });

    it('masks an ID number sent as a field name', async () => {
      const res = await search({ [ID]: 1 }).expect(400);
      expect(res.body).toEqual({
        code: 'VALIDATION_FAILED',
        message: `The request has 1 invalid field: ${MASKED_ID}`,
        details: [
          { field: MASKED_ID, code: 'UNKNOWN_FIELD', message: `property ${MASKED_ID} should not exist` },
        ],
        requestId: expect.any(String),
      });
    });

    it('never quotes the source text of malformed JSON, where a passport number may stand', async () => {
      const res = await check([])
        .set('Content-Type', 'application/json')
        .send(`{"applicants":[{"name":"x","identifier":{"type":"PASSPORT","value":${passport}}}]}`)
        .expect(400);
      expect(res.body).toEqual({
        code: 'MALFORMED_BODY',
        message: expect.stringMatching(/^The body is not valid JSON/),
        details: [],
        requestId: expect.any(String),
      });
      expect(res.body.message).not.toContain(passport);
      expect(res.body.message).not.toContain(passport.slice(0, 4));
    });
  });

  describe('3. the purpose of a reveal', () => {
    it('stays out of the request log', async () => {
      const [subject] = (await search({ identifier: { type: 'RESIDENT_ID', value: barredId } }).expect(200))
        .body.items;
      await request(t.http)
        .get(`/api/v1/subjects/${subject.id}/identifiers/revealed?purpose=${ID}`)
        .set(approver.auth)
        .expect(200);
      await new Promise((r) => setTimeout(r, 50));
      const line = logged.find((l) => l.includes(`/api/v1/subjects/${subject.id}/identifiers/revealed`));
      expect(JSON.parse(line!).req.url).toBe(
        `/api/v1/subjects/${subject.id}/identifiers/revealed?purpose=[redacted]`,
      );
      expect(logged.filter((l) => l.includes(ID))).toEqual([]);
    });
  });

  describe('4. a passport without its issuing country', () => {
    const REQUIRED = {
      code: 'COUNTRY_REQUIRED',
      message: 'A PASSPORT needs its issuing country (ISO 3166 code, e.g. US)',
    };

    it('is refused by a check as by a check job, with the same code and message', async () => {
      const single = await check([
        { name: '钱护照', identifier: { type: 'PASSPORT', value: passport } },
      ]).expect(400);
      expect(single.body).toEqual({
        ...REQUIRED,
        details: [{ field: 'applicants.0.identifier.issuingCountry', ...REQUIRED }],
        requestId: expect.any(String),
      });
      const batch = await check([
        { name: '钱护照', identifier: { type: 'PASSPORT', value: passport } },
        { name: '钱护照', identifier: { type: 'PASSPORT', value: passport, issuingCountry: 'US' } },
      ]).expect(200);
      expect(batch.body.results.map((r: { verdict: string }) => r.verdict)).toEqual(['ERROR', 'BLOCK']);
      expect(batch.body.results[0].error).toEqual({
        field: 'applicants.0.identifier.issuingCountry',
        ...REQUIRED,
      });

      const [row] = await jobResults(`name,idType,idNumber\n钱护照,PASSPORT,${passport}\n`);
      expect(row.error).toBe(`${REQUIRED.code} (country): ${REQUIRED.message}`);
    });

    it('lets CN through on a Chinese identifier and refuses another country, as a check job does', async () => {
      const cn = await check([
        { name: '王黑名', identifier: { type: 'RESIDENT_ID', value: barredId, issuingCountry: 'CN' } },
      ]).expect(200);
      expect(cn.body.results[0].verdict).toBe('BLOCK');
      const us = await check([
        { name: '王黑名', identifier: { type: 'RESIDENT_ID', value: barredId, issuingCountry: 'US' } },
      ]).expect(400);
      const notAllowed = {
        code: 'COUNTRY_NOT_ALLOWED',
        message: 'A RESIDENT_ID is Chinese: leave the issuing country empty',
      };
      expect(us.body).toEqual({
        ...notAllowed,
        details: [{ field: 'applicants.0.identifier.issuingCountry', ...notAllowed }],
        requestId: expect.any(String),
      });
    });
  });

  describe('5. punctuation-only names', () => {
    const noLetter = (field: string) => ({
      field,
      code: 'HAS_LETTER_OR_DIGIT',
      message: `${field.split('.').pop()} must contain a letter or a digit`,
    });

    it.each(['%', '_', '\\', '%_%', '——', ' ·'])(
      'refuses the name criterion %j instead of matching everyone',
      async (name) => {
        const res = await search({ name }).expect(400);
        expect(res.body).toEqual({
          code: 'VALIDATION_FAILED',
          message: 'The request has 1 invalid field: name',
          details: [noLetter('name')],
          requestId: expect.any(String),
        });
      },
    );

    it('refuses a punctuation-only organisation criterion', async () => {
      const res = await search({ organisation: '%' }).expect(400);
      expect(res.body.details).toEqual([noLetter('organisation')]);
    });

    it('refuses a check applicant named only punctuation', async () => {
      const res = await check([{ name: '张三' }, { name: '%' }]).expect(400);
      expect(res.body).toEqual({
        code: 'VALIDATION_FAILED',
        message: 'The request has 1 invalid field: applicants.1.name',
        details: [noLetter('applicants.1.name')],
        requestId: expect.any(String),
      });
    });
  });

  describe('6. invisible characters in names', () => {
    it('refuses a name made only of format characters, naming the field', async () => {
      const res = await request(t.http)
        .post('/api/v1/subjects')
        .set(recorder.auth)
        .send({ kind: 'NATURAL_PERSON', name: '\u200b\u200d\u2060\ufeff', aliases: ['\u200b'] })
        .expect(400);
      expect(res.body).toEqual({
        code: 'VALIDATION_FAILED',
        message: 'The request has 2 invalid fields: name, aliases',
        details: [
          { field: 'name', code: 'IS_NOT_EMPTY', message: 'name should not be empty' },
          { field: 'aliases', code: 'IS_NOT_EMPTY', message: 'each value in aliases should not be empty' },
        ],
        requestId: expect.any(String),
      });
    });

    it('stores names without them, and finds 张三 when searched as 张\\u200b三', async () => {
      const organisation = `西岭医科大学${unique()}`;
      const created = await request(t.http)
        .post('/api/v1/subjects')
        .set(recorder.auth)
        .send({ kind: 'NATURAL_PERSON', name: '张\u200b三', aliases: ['张\u2060老三'], organisation })
        .expect(201);
      expect(created.body).toMatchObject({ name: '张三', aliases: ['张老三'] });
      const found = await search({ name: '张\u200b三', organisation: `${organisation}\u200e` }).expect(200);
      expect(found.body.items.map((s: { id: string }) => s.id)).toEqual([created.body.id]);
    });

    it('screens an applicant whose name hides a zero-width space', async () => {
      const res = await check([{ name: '李\u200b四', organisation: org }]).expect(200);
      expect(res.body.results[0].verdict).toBe('REVIEW');
    });
  });

  describe('6. migration StripFormatCharactersFromNameKeys', () => {
    it('recomputes the stored keys of names holding format characters, and down() restores them', async () => {
      const keys = async (id: string) =>
        (
          await t.dataSource.query(
            `SELECT s.name_key AS "nameKey", s.organisation_key AS "organisationKey",
               (SELECT array_agg(n.name_key ORDER BY n.id) FROM subject_name n WHERE n.subject_id = s.id) AS aliases
             FROM subject s WHERE s.id = $1`,
            [id],
          )
        )[0];
      // As the service wrote them before format characters were stripped.
      const [{ id }] = await t.dataSource.query(
        `INSERT INTO subject (kind, name, name_key, organisation, organisation_key)
         VALUES ('NATURAL_PERSON', '王\u200b五', '王\u200b五', 'Ａ\u00ad大学', 'a\u00ad大学') RETURNING id`,
      );
      await t.dataSource.query(
        `INSERT INTO subject_name (subject_id, kind, name, name_key) VALUES ($1, 'ALIAS', '小\u2060五', '小\u2060五')`,
        [id],
      );
      const [{ id: plain }] = await t.dataSource.query(
        `INSERT INTO subject (kind, name, name_key) VALUES ('NATURAL_PERSON', '赵 六', '赵六') RETURNING id`,
      );
      const migration = new StripFormatCharactersFromNameKeys1764301000000();
      const runner = t.dataSource.createQueryRunner();
      try {
        await migration.up(runner);
        expect(await keys(id)).toEqual({ nameKey: '王五', organisationKey: 'a大学', aliases: ['小五'] });
        expect(await keys(plain)).toEqual({ nameKey: '赵六', organisationKey: null, aliases: null });
        await migration.down(runner);
        expect(await keys(id)).toEqual({
          nameKey: '王\u200b五',
          organisationKey: 'a\u00ad大学',
          aliases: ['小\u2060五'],
        });
        await migration.up(runner);
      } finally {
        await runner.release();
      }
    });
  });
});
