import canonicalize from 'canonicalize';
import { createHash, randomUUID } from 'node:crypto';
import request from 'supertest';
import { Role, Scope } from '../../src/auth/principal';
import { addDays, addMonths, todayIn } from '../../src/rules/rules';
import { createTestApp, TestApp } from '../app';
import { registryFixtures } from '../registry-fixtures';
import { MAX_APPLICANTS } from '../../src/screening/screening.dto';
import {
  CheckRunInsert,
  partBounds,
  SCREEN_PART_SIZE,
  ScreeningRepository,
} from '../../src/screening/screening.repository';
import { auditCount, newApiClient, newResidentId, newUser, newUscc, TestUser } from '../factories';

describe('checks', () => {
  let t: TestApp;
  let recorder: TestUser;
  let approver: TestUser;
  let reviewer: TestUser;
  /** The case whose bar ended a year ago. */
  let endedCaseId: string;
  const today = todayIn();
  const ids = {
    barred: newResidentId(),
    awardOnly: newResidentId(),
    watched: newResidentId(),
    ended: newResidentId(),
    clean: newResidentId(),
    red: newUscc(),
  };

  beforeAll(async () => {
    t = await createTestApp();
    [recorder, approver, reviewer] = await Promise.all([
      newUser(t, [Role.RECORDER]),
      newUser(t, [Role.APPROVER]),
      newUser(t, [Role.REVIEWER]),
    ]);

    const fixtures = registryFixtures(t, recorder, approver, today);
    const { record } = fixtures;
    const person = (name: string, id?: string, organisation = '东海理工大学') =>
      fixtures.person(name, organisation, id);
    const start = addDays(today, -30);
    const end = addDays(addMonths(today, 24), 0);
    // Barred from funded activity and on the black list.
    await record(person('王测试', ids.barred), [
      { type: 'BAN_FUNDED_ACTIVITY', startDate: start, endDate: end, domains: ['PROJECT_FUNDING'] },
      { type: 'SERIOUS_DB_ENTRY', startDate: start, endDate: end },
    ]);
    // Barred from awards only.
    await record(person('李奖项', ids.awardOnly), [
      { type: 'BAN_AWARD_TITLE_APPLICATION', startDate: start, endDate: end, domains: ['AWARD'] },
    ]);
    // A bar that ended a year ago.
    ({ id: endedCaseId } = await record(
      person('赵过去', ids.ended),
      [
        {
          type: 'BAN_FUNDED_ACTIVITY',
          startDate: addMonths(today, -36),
          endDate: addMonths(today, -12),
          domains: ['PROJECT_FUNDING'],
        },
      ],
      addMonths(today, -36),
    ));
    // A name-only subject on the black list: matched only as a possible match.
    await record(person('张某某', undefined, '西岭医科大学'), [
      { type: 'SERIOUS_DB_ENTRY', startDate: start, endDate: end },
    ]);
    // Another name-only subject, recorded with a former name.
    await record({ ...person('周新名', undefined, '南山研究院'), formerNames: ['周旧名'] }, [
      { type: 'SERIOUS_DB_ENTRY', startDate: start, endDate: end },
    ]);
    // A WATCH entry.
    await fixtures.watch(await record(person('钱关注', ids.watched), [{ type: 'WARNING' }]), start);
    // A RED entry for a company.
    await fixtures.redCompany('明湖守信科技有限公司', ids.red, start);
  });

  afterAll(async () => {
    await t?.close();
  });

  const check = (body: object, who: Record<string, string> = reviewer.auth) =>
    request(t.http)
      .post('/api/v1/checks')
      .set(who)
      .send({ purpose: '2027 key R&D call, eligibility', ...body });
  const one = (applicant: object, extra: object = {}) =>
    check({ domain: 'PROJECT_FUNDING', applicants: [applicant], ...extra });

  it('blocks an applicant barred for the domain, with evidence and the rule version', async () => {
    const res = await one({
      name: '王测试',
      identifier: { type: 'RESIDENT_ID', value: ids.barred.toLowerCase() },
    }).expect(200);
    expect(res.body).toMatchObject({
      domain: 'PROJECT_FUNDING',
      asOf: today,
      ruleVersion: 1,
      counts: { BLOCK: 1, REVIEW: 0, CLEAR: 0, ERROR: 0 },
    });
    const [result] = res.body.results;
    expect(result.verdict).toBe('BLOCK');
    expect(result.evidence.map((e: { kind: string }) => e.kind).sort()).toEqual(['LISTING', 'MEASURE']);
    for (const e of result.evidence) {
      expect(e.reason).toEqual(expect.any(String));
      expect(e.case.decisionNumber).toMatch(/测科/);
      expect(e.maskedIdentifier).toBe(`${ids.barred.slice(0, 6)}********${ids.barred.slice(14)}`);
    }
    expect(JSON.stringify(res.body)).not.toContain(ids.barred);
  });

  it('blocks a bar only in its own domain (the black list bars all)', async () => {
    const applicant = { name: '李奖项', identifier: { type: 'RESIDENT_ID', value: ids.awardOnly } };
    expect((await one(applicant).expect(200)).body.results[0].verdict).toBe('CLEAR');
    expect(
      (await check({ domain: 'AWARD', applicants: [applicant] }).expect(200)).body.results[0].verdict,
    ).toBe('BLOCK');
    // Barred only from funded activity, but black-listed: blocked in AWARD too, through the entry.
    const black = await check({
      domain: 'AWARD',
      applicants: [{ name: '王测试', identifier: { type: 'RESIDENT_ID', value: ids.barred } }],
    }).expect(200);
    expect(black.body.results[0].verdict).toBe('BLOCK');
    expect(black.body.results[0].evidence.map((e: { kind: string }) => e.kind)).toEqual(['LISTING']);
  });

  it('asks for review on a WATCH entry', async () => {
    const res = await one({ name: '钱关注', identifier: { type: 'RESIDENT_ID', value: ids.watched } }).expect(
      200,
    );
    expect(res.body.results[0].verdict).toBe('REVIEW');
  });

  it('asks for review on a possible match by name and organisation, never blocks it', async () => {
    const res = await one({ name: '张某某', organisation: '西岭医科大学（本部）' }).expect(200);
    expect(res.body.results[0].verdict).toBe('REVIEW');
    expect(res.body.results[0].evidence[0].match).toBe('NAME_ORGANISATION');
    const elsewhere = await one({ name: '张某某', organisation: '北辰师范大学' }).expect(200);
    expect(elsewhere.body.results[0].verdict).toBe('CLEAR');
  });

  it('matches names per organisation within one batch, and through former names', async () => {
    const res = await check({
      domain: 'PROJECT_FUNDING',
      applicants: [
        { ref: 'agrees', name: '张某某', organisation: '西岭医科大学' },
        { ref: 'differs', name: '张某某', organisation: '北辰师范大学' },
        { ref: 'no unit', name: '张某某' },
        { ref: 'former name', name: '周旧名', organisation: '南山研究院' },
        { ref: 'former name elsewhere', name: '周旧名', organisation: '北辰师范大学' },
      ],
    }).expect(200);
    expect(res.body.results.map((r: { ref: string; verdict: string }) => `${r.ref} ${r.verdict}`)).toEqual([
      'agrees REVIEW',
      'differs CLEAR',
      'no unit REVIEW',
      'former name REVIEW',
      'former name elsewhere CLEAR',
    ]);
    expect(res.body.results[3].evidence[0]).toMatchObject({
      match: 'NAME_ORGANISATION',
      subjectName: '周新名',
    });
  });

  it('asks for review on a name match whose identifier conflicts', async () => {
    const res = await one({
      name: '王测试',
      organisation: '东海理工大学',
      identifier: { type: 'RESIDENT_ID', value: ids.clean },
    }).expect(200);
    expect(res.body.results[0].verdict).toBe('REVIEW');
    expect(res.body.results[0].evidence[0].match).toBe('NAME_CONFLICTING_IDENTIFIER');
  });

  it('uses the look-back window for a bar that has ended', async () => {
    const applicant = { name: '赵过去', identifier: { type: 'RESIDENT_ID', value: ids.ended } };
    expect((await one(applicant).expect(200)).body.results[0].verdict).toBe('CLEAR');
    const review = await one(applicant, { lookbackYears: 3 }).expect(200);
    expect(review.body.results[0].verdict).toBe('REVIEW');
    // The look-back cites the decided case, not the ended bar.
    expect(review.body.results[0].evidence).toEqual([
      expect.objectContaining({ kind: 'CASE', recordId: endedCaseId, effect: 'REVIEW' }),
    ]);
  });

  it('answers for a past date as it was then', async () => {
    const applicant = { name: '王测试', identifier: { type: 'RESIDENT_ID', value: ids.barred } };
    const before = await one(applicant, { asOf: addDays(today, -60) }).expect(200);
    expect(before.body.results[0].verdict).toBe('CLEAR');
  });

  it('shows the RED incentive of a clean applicant', async () => {
    const res = await one({
      kind: 'LEGAL_PERSON',
      name: '明湖守信科技有限公司',
      identifier: { type: 'USCC', value: ids.red },
    }).expect(200);
    expect(res.body.results[0].verdict).toBe('CLEAR');
    expect(res.body.results[0].incentive).toMatchObject({ designationDocument: '守信激励名单第1号' });
  });

  it('answers a batch in order with counts, a bad identifier being an ERROR row', async () => {
    const res = await check({
      domain: 'PROJECT_FUNDING',
      applicants: [
        { ref: 'A-1', name: '王测试', identifier: { type: 'RESIDENT_ID', value: ids.barred } },
        { ref: 'A-2', name: '无记录', identifier: { type: 'RESIDENT_ID', value: '110105194912310021' } },
        { ref: 'A-3', name: '钱关注', identifier: { type: 'RESIDENT_ID', value: ids.watched } },
        { ref: 'A-4', name: '孙清白', identifier: { type: 'RESIDENT_ID', value: ids.clean } },
      ],
    }).expect(200);
    expect(res.body.results.map((r: { ref: string; verdict: string }) => `${r.ref} ${r.verdict}`)).toEqual([
      'A-1 BLOCK',
      'A-2 ERROR',
      'A-3 REVIEW',
      'A-4 CLEAR',
    ]);
    expect(res.body.results[1].error).toMatchObject({
      code: 'RESIDENT_ID_CHECKSUM',
      field: 'applicants.1.identifier.value',
    });
    expect(res.body.counts).toEqual({ BLOCK: 1, REVIEW: 1, CLEAR: 1, ERROR: 1 });
  });

  it('answers a single bad identifier with 400 and its code', async () => {
    const res = await one({
      name: 'x',
      identifier: { type: 'RESIDENT_ID', value: '110105194912310021' },
    }).expect(400);
    expect(res.body.details[0]).toMatchObject({
      field: 'applicants.0.identifier.value',
      code: 'RESIDENT_ID_CHECKSUM',
    });
  });

  it('refuses an unknown domain, a missing purpose and an empty list', async () => {
    expect((await one({ name: 'x' }, { domain: 'CATERING' }).expect(400)).body.code).toBe(
      'CHECK_DOMAIN_UNKNOWN',
    );
    const noPurpose = await request(t.http)
      .post('/api/v1/checks')
      .set(reviewer.auth)
      .send({ domain: 'PROJECT_FUNDING', applicants: [{ name: 'x' }] })
      .expect(400);
    expect(noPurpose.body.details[0].field).toBe('purpose');
    expect(
      (await check({ domain: 'PROJECT_FUNDING', applicants: [] }).expect(400)).body.details[0].field,
    ).toBe('applicants');
  });

  it('judges every applicant of a batch looked up in parts as it judges the applicant alone', async () => {
    // Two parts of 1,300 applicants: the known ones sit at both ends of each part, one of them in both.
    const count = SCREEN_PART_SIZE + 100;
    expect(partBounds(count, SCREEN_PART_SIZE)).toEqual([
      [0, 1300],
      [1300, 2600],
    ]);
    const known: Record<number, object> = {
      0: { name: '王测试', identifier: { type: 'RESIDENT_ID', value: ids.barred } },
      5: { name: '明湖守信科技有限公司', kind: 'LEGAL_PERSON', identifier: { type: 'USCC', value: ids.red } },
      1299: { name: '张某某', organisation: '西岭医科大学' },
      1300: { name: '张某某', organisation: '西岭医科大学' },
      1301: { name: '钱关注', identifier: { type: 'RESIDENT_ID', value: ids.watched } },
      1302: { name: '坏号码', identifier: { type: 'RESIDENT_ID', value: '12345' } },
      1303: { name: '周旧名' },
      2599: { name: '王测试', identifier: { type: 'RESIDENT_ID', value: ids.barred } },
    };
    const applicants = Array.from({ length: count }, (_, i) => known[i] ?? { name: `无记录申请人${i}` });
    const batch = (await check({ domain: 'PROJECT_FUNDING', applicants }).expect(200)).body;
    expect(batch.results).toHaveLength(count);
    expect(batch.results.map((r: { index: number }) => r.index)).toEqual([...Array(count).keys()]);
    const expected = { BLOCK: 0, REVIEW: 0, CLEAR: count - Object.keys(known).length, ERROR: 0 };
    for (const [index, applicant] of Object.entries(known)) {
      const res = await one(applicant);
      const got = batch.results[Number(index)];
      if (res.status === 400) {
        expect(got).toMatchObject({ verdict: 'ERROR', error: { code: res.body.code } });
        expected.ERROR++;
        continue;
      }
      const alone = res.body.results[0];
      expect({ index: Number(index), verdict: got.verdict, evidence: got.evidence }).toEqual({
        index: Number(index),
        verdict: alone.verdict,
        evidence: alone.evidence,
      });
      expected[alone.verdict as keyof typeof expected]++;
    }
    expect(batch.counts).toEqual(expected);
    // Every kind of answer is among them, so the comparison above covers each.
    expect(expected.BLOCK).toBe(2);
    expect(expected.REVIEW).toBeGreaterThanOrEqual(3);
    expect(expected.ERROR).toBe(1);
  });

  it('documents the request body in the OpenAPI description', async () => {
    const doc = (await request(t.http).get('/docs/openapi.json').expect(200)).body;
    expect(doc.paths['/api/v1/checks'].post.requestBody.content['application/json'].schema).toEqual({
      $ref: '#/components/schemas/CheckCreateDto',
    });
    expect(doc.components.schemas.CheckCreateDto.properties.applicants.items).toEqual({
      $ref: '#/components/schemas/ApplicantDto',
    });
  });

  it('reports every offending applicant field by its path, writing nothing', async () => {
    const before = await auditCount(t, 'CHECK_RUN');
    const res = await check({
      domain: 'PROJECT_FUNDING',
      applicants: [
        { name: '好人' },
        { name: '  ', colour: 'red' },
        { name: 'x', identifier: { type: 'DRIVING_LICENCE', value: '1' } },
        7,
      ],
    }).expect(400);
    expect(res.body.code).toBe('VALIDATION_FAILED');
    expect(res.body.details.map((d: { field: string; code: string }) => `${d.field} ${d.code}`)).toEqual([
      'applicants.1.colour UNKNOWN_FIELD',
      'applicants.1.name IS_NOT_EMPTY',
      'applicants.2.identifier.type IS_IN',
      'applicants.3 NESTED_VALIDATION',
    ]);
    expect(await auditCount(t, 'CHECK_RUN')).toBe(before);
  });

  it(`takes ${MAX_APPLICANTS.toLocaleString('en')} applicants in one body larger than BODY_LIMIT_BYTES, refuses one more`, async () => {
    const applicants = Array.from({ length: MAX_APPLICANTS }, (_, i) => ({
      ref: `2027-KEY-RD-${String(i).padStart(6, '0')}`,
      name: i === 0 ? '王测试' : `申请人${i}`,
      organisation: '东海理工大学生命科学与技术学院',
      identifier: { type: 'RESIDENT_ID', value: i === 0 ? ids.barred : newResidentId() },
    }));
    const body = { domain: 'PROJECT_FUNDING', purpose: '2027 key R&D call, all applicants', applicants };
    expect(Buffer.byteLength(JSON.stringify(body))).toBeGreaterThan(1_048_576);
    const res = await request(t.http).post('/api/v1/checks').set(reviewer.auth).send(body).expect(200);
    expect(res.body.results).toHaveLength(MAX_APPLICANTS);
    expect(res.body.results[0].verdict).toBe('BLOCK');
    expect(res.body.counts.BLOCK + res.body.counts.REVIEW + res.body.counts.CLEAR).toBe(MAX_APPLICANTS);
    const tooMany = await request(t.http)
      .post('/api/v1/checks')
      .set(reviewer.auth)
      .send({ ...body, applicants: [...applicants, { name: 'one more' }] })
      .expect(400);
    expect(tooMany.body.details[0]).toMatchObject({ field: 'applicants', code: 'ARRAY_MAX_SIZE' });
    // Other JSON bodies keep the general limit.
    await request(t.http)
      .post('/api/v1/subjects/search')
      .set(reviewer.auth)
      .send({ name: 'x'.repeat(1_100_000) })
      .expect(413);
  });

  it('stores a receipt that shows the answer again, and audits the check before answering', async () => {
    const res = await one(
      { name: '王测试', identifier: { type: 'RESIDENT_ID', value: ids.barred } },
      { reference: 'APP-77' },
    ).expect(200);
    const [entry] = await t.dataSource.query(
      "SELECT actor_id, purpose, changes FROM audit_entry WHERE action = 'CHECK_RUN' AND target_id = $1",
      [res.body.id],
    );
    expect(entry).toMatchObject({ actor_id: reviewer.id, purpose: '2027 key R&D call, eligibility' });
    expect(entry.changes).toMatchObject({ reference: 'APP-77', counts: { BLOCK: 1 } });
    const receipt = await request(t.http).get(`/api/v1/checks/${res.body.id}`).set(reviewer.auth).expect(200);
    const { purpose, actor, inputHashes, answerHash, receipt: signed, ...answer } = receipt.body;
    expect(answer).toEqual(res.body);
    expect(signed).toMatchObject({ id: res.body.id, answerHash, signature: { alg: 'Ed25519' } });
    expect(purpose).toBe('2027 key R&D call, eligibility');
    expect(actor).toMatchObject({ type: 'USER', id: reviewer.id });
    expect(inputHashes).toEqual([expect.stringMatching(/^[0-9a-f]{64}$/)]);
    expect(answerHash).toBe(createHash('sha256').update(canonicalize(res.body)!).digest('hex'));
  });

  it('stores each of many concurrent checks with its own answer, receipt, hashes and audit entry', async () => {
    const applicants = [
      { name: '王测试', identifier: { type: 'RESIDENT_ID', value: ids.barred } },
      { name: '钱关注', identifier: { type: 'RESIDENT_ID', value: ids.watched } },
      { name: '路人甲', identifier: { type: 'RESIDENT_ID', value: newResidentId() } },
    ];
    const answers = (
      await Promise.all(
        Array.from({ length: 30 }, (_, i) =>
          one(applicants[i % 3], { reference: `BATCHED-${i}`, lookbackYears: i % 4 }).expect(200),
        ),
      )
    ).map((res) => res.body);
    const stored = await t.dataSource.query(
      `SELECT id, reference, lookback_years, counts, answer, encode(answer_hash, 'hex') AS hash,
         cardinality(input_hashes) AS inputs, receipt::jsonb AS receipt
       FROM check_run WHERE id = ANY($1::uuid[])`,
      [answers.map((a) => a.id)],
    );
    expect(stored).toHaveLength(30);
    const byId = new Map(stored.map((r: { id: string }) => [r.id, r]));
    for (const answer of answers) {
      const row = byId.get(answer.id) as Record<string, unknown> & { receipt: Record<string, unknown> };
      expect(row).toMatchObject({
        reference: answer.reference,
        lookback_years: answer.lookbackYears,
        inputs: 1,
      });
      expect(row.counts).toEqual(answer.counts);
      expect(row.answer).toEqual(answer);
      expect(row.hash).toBe(createHash('sha256').update(canonicalize(answer)!).digest('hex'));
      expect(row.receipt).toMatchObject({ id: answer.id, answerHash: row.hash, reference: answer.reference });
    }
    expect(
      Number(
        (
          await t.dataSource.query(
            "SELECT count(*) AS n FROM audit_entry WHERE action = 'CHECK_RUN' AND target_id = ANY($1)",
            [answers.map((a) => a.id)],
          )
        )[0].n,
      ),
    ).toBe(30);
  });

  it('writes the receipts of one group commit in one statement, each row with its own values', async () => {
    const run = (i: number): CheckRunInsert => ({
      id: randomUUID(),
      actorType: 'USER',
      actorId: reviewer.id,
      actorName: `reviewer ${i}`,
      domain: 'PROJECT_FUNDING',
      asOf: addDays(today, -i),
      knownAt: new Date(Date.UTC(2026, 0, 1 + i)).toISOString(),
      purpose: `purpose ${i} "quoted" \\ ${'长'.repeat(i)}`,
      reference: i === 0 ? null : `REF-${i}`,
      lookbackYears: i === 1 ? null : i,
      ruleVersion: 1,
      applicants: i + 1,
      counts: { BLOCK: i, REVIEW: 0, CLEAR: 1, ERROR: 0 },
      inputHashes: Array.from({ length: i + 1 }, (_, k) => createHash('sha256').update(`${i}/${k}`).digest()),
      answer: JSON.stringify({ id: i, text: `answer ${i} "quoted"` }),
      answerHash: createHash('sha256').update(`answer ${i}`).digest(),
      receipt: i === 2 ? null : JSON.stringify({ receipt: i, note: 'a "quoted" \\ text' }),
    });
    const runs = [0, 1, 2].map(run);
    const repository = t.app.get(ScreeningRepository);
    await repository.storeReceipts(runs, []);
    for (const written of runs) {
      const stored = await repository.findRun(written.id);
      const { asOf, knownAt, answer, ...rest } = written;
      expect(stored).toMatchObject({ ...rest, asOf, answer: JSON.parse(answer) });
      expect(stored!.knownAt.toISOString()).toBe(knownAt);
    }
    const [{ transactions }] = await t.dataSource.query(
      'SELECT count(DISTINCT xmin::text)::int AS transactions FROM check_run WHERE id = ANY($1::uuid[])',
      [runs.map((r) => r.id)],
    );
    expect(transactions).toBe(1);
  });

  it('lets an API client with checks:run check, and see only its own receipts', async () => {
    const client = await newApiClient(t, [Scope.CHECKS_RUN]);
    const other = await newApiClient(t, [Scope.CHECKS_RUN]);
    const res = await check(
      { domain: 'PROJECT_FUNDING', applicants: [{ name: '孙清白' }] },
      client.auth,
    ).expect(200);
    await request(t.http).get(`/api/v1/checks/${res.body.id}`).set(client.auth).expect(200);
    const hidden = await request(t.http).get(`/api/v1/checks/${res.body.id}`).set(other.auth).expect(404);
    expect(hidden.body.code).toBe('CHECK_NOT_FOUND');
  });
});
