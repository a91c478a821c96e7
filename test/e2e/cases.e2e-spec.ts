import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import request from 'supertest';
import { Role } from '../../src/auth/principal';
import { addDays, addMonths, todayIn } from '../../src/rules/rules';
import { createTestApp, TestApp } from '../app';
import { auditCount, newResidentId, newSubject, newUscc, newUser, rowCounts, TestUser } from '../factories';

const TABLES = [
  'misconduct_case',
  'case_status_event',
  'case_subject',
  'subject',
  'subject_identifier',
  'measure',
  'listing',
  'audit_entry',
] as const;
const UNKNOWN_ID = '00000000-0000-4000-8000-000000000000';

type Body = Record<string, unknown>;

/** A POST /cases body, typed only as far as the tests reach into it to spoil it. */
interface CaseBody {
  [field: string]: unknown;
  subjects: {
    ref: string;
    subjectId?: string;
    subject?: { kind: string; name: string; identifiers?: { type: string; value: string }[] };
    roles?: string[];
  }[];
  measures: Body[];
}

describe('cases', () => {
  let t: TestApp;
  let recorder: TestUser;
  let reviewer: TestUser;
  let approver: TestUser;
  const today = todayIn();

  beforeAll(async () => {
    t = await createTestApp();
    [recorder, reviewer, approver] = await Promise.all([
      newUser(t, [Role.RECORDER]),
      newUser(t, [Role.REVIEWER]),
      newUser(t, [Role.APPROVER]),
    ]);
  });

  afterAll(async () => {
    await t?.close();
  });

  const token = () => randomBytes(3).toString('hex');
  const decisionNumber = () => `泉科〔2025〕${token()}号`;
  const create = (body: Body, who: TestUser = recorder) =>
    request(t.http).post('/api/v1/cases').set(who.auth).send(body);
  const get = (id: string, who: TestUser = reviewer) =>
    request(t.http).get(`/api/v1/cases/${id}`).set(who.auth);
  const move = (id: string, body: Body, ifMatch?: string) => {
    const req = request(t.http).post(`/api/v1/cases/${id}/transitions`).set(recorder.auth);
    return (ifMatch === undefined ? req : req.set('If-Match', ifMatch)).send(body);
  };
  const counts = () => rowCounts(t, TABLES);

  /** A valid decided case naming one new person, with one measure that lists nobody. */
  const decided = (over: Body = {}): CaseBody => ({
    status: 'DECIDED',
    decisionNumber: decisionNumber(),
    authority: '泉州市科学技术局',
    decisionDate: addDays(today, -30),
    misconductTypes: ['PLAGIARISM'],
    severity: 'SERIOUS',
    source: 'COMPLAINT_REPORT',
    subjects: [
      {
        ref: 'p',
        subject: {
          kind: 'NATURAL_PERSON',
          name: '王某某',
          identifiers: [{ type: 'RESIDENT_ID', value: newResidentId() }],
        },
        roles: ['RESEARCHER'],
      },
    ],
    measures: [{ subjectRef: 'p', type: 'WARNING' }],
    ...over,
  });
  const withMeasure = (measure: Body) => decided({ measures: [{ subjectRef: 'p', ...measure }] });

  describe('recording a decision', () => {
    it('records an organisation and two persons with their roles and measures in one request, proposing the BLACK entry', async () => {
      const existing = await newSubject(t, recorder, { name: '李某某', organisation: '某某大学' });
      const uscc = newUscc();
      const decisionDate = addDays(today, -20);
      const blackTo = addMonths(decisionDate, 36);
      const body = decided({
        decisionDate,
        severity: 'SEVERE',
        misconductTypes: ['FABRICATION_FALSIFICATION', 'FUNDS_MISUSE'],
        facts: '伪造实验数据，挪用项目经费',
        legalBasis: '科学技术进步法第一百一十二条',
        aggravating: ['拒不配合调查'],
        mitigating: ['主动退回经费'],
        subjects: [
          {
            ref: 'unit',
            subject: {
              kind: 'LEGAL_PERSON',
              name: `某某生物科技有限公司${token()}`,
              identifiers: [{ type: 'USCC', value: uscc }],
            },
            roles: ['IMPLEMENTING_UNIT'],
          },
          {
            ref: 'lead',
            subject: {
              kind: 'NATURAL_PERSON',
              name: '张某某',
              organisation: '某某生物科技有限公司',
              identifiers: [{ type: 'RESIDENT_ID', value: newResidentId() }],
            },
            roles: ['PROJECT_LEAD', 'DIRECT_RESPONSIBLE'],
          },
          { ref: 'researcher', subjectId: existing, roles: ['RESEARCHER'] },
        ],
        measures: [
          {
            subjectRef: 'unit',
            type: 'BAN_FUNDED_ACTIVITY',
            startDate: decisionDate,
            endDate: addMonths(decisionDate, 24),
            domains: ['PROJECT_FUNDING', 'PLATFORM_CONSTRUCTION'],
          },
          { subjectRef: 'lead', type: 'SERIOUS_DB_ENTRY', startDate: decisionDate, endDate: blackTo },
          {
            subjectRef: 'lead',
            type: 'BAN_NOMINATOR_REVIEWER',
            startDate: decisionDate,
            lifetime: true,
            domains: ['REVIEWER_SELECTION'],
          },
          { subjectRef: 'researcher', type: 'WARNING', note: '书面警告' },
        ],
      });
      const res = await create(body).expect(201);

      const byName = new Map<string, Body>(res.body.subjects.map((s: Body) => [s.name, s]));
      const unit = byName.get(body.subjects[0].subject!.name)!;
      const lead = byName.get('张某某')!;
      expect(res.body).toMatchObject({
        status: 'DECIDED',
        decisionNumber: body.decisionNumber,
        authority: '泉州市科学技术局',
        decisionDate,
        misconductTypes: ['FABRICATION_FALSIFICATION', 'FUNDS_MISUSE'],
        severity: 'SEVERE',
        facts: body.facts,
        legalBasis: body.legalBasis,
        source: 'COMPLAINT_REPORT',
        aggravating: ['拒不配合调查'],
        mitigating: ['主动退回经费'],
        ruleVersion: 1,
        version: 1,
      });
      expect(res.body.subjects).toHaveLength(3);
      expect(unit.roles).toEqual(['IMPLEMENTING_UNIT']);
      expect(lead.roles).toEqual(['DIRECT_RESPONSIBLE', 'PROJECT_LEAD']);
      expect(byName.get('李某某')).toEqual({ subjectId: existing, name: '李某某', roles: ['RESEARCHER'] });
      expect(res.body.measures).toEqual([
        expect.objectContaining({
          subjectId: unit.subjectId,
          type: 'BAN_FUNDED_ACTIVITY',
          endDate: addMonths(decisionDate, 24),
          lifetime: false,
          domains: ['PROJECT_FUNDING', 'PLATFORM_CONSTRUCTION'],
        }),
        expect.objectContaining({
          subjectId: lead.subjectId,
          type: 'SERIOUS_DB_ENTRY',
          startDate: decisionDate,
          endDate: blackTo,
        }),
        expect.objectContaining({
          subjectId: lead.subjectId,
          type: 'BAN_NOMINATOR_REVIEWER',
          endDate: null,
          lifetime: true,
          domains: ['REVIEWER_SELECTION'],
        }),
        expect.objectContaining({ subjectId: existing, type: 'WARNING', note: '书面警告', domains: [] }),
      ]);
      expect(res.body.listingIds).toHaveLength(1);

      const read = await get(res.body.id).expect(200);
      expect(read.body).toEqual(res.body);

      const listing = await request(t.http)
        .get(`/api/v1/listings/${res.body.listingIds[0]}`)
        .set(reviewer.auth)
        .expect(200);
      expect(listing.body).toMatchObject({
        subjectId: lead.subjectId,
        listType: 'BLACK',
        status: 'PROPOSED',
        caseId: res.body.id,
        measureId: res.body.measures[1].id,
        effectiveFrom: decisionDate,
        effectiveTo: blackTo,
        inForceToday: false,
        inForceReason: 'NOT_APPROVED',
        proposedBy: recorder.id,
      });

      const audit: { action: string; target_id: string; actor_id: string }[] = await t.dataSource.query(
        `SELECT action, target_id, actor_id FROM audit_entry WHERE target_id = ANY($1) ORDER BY seq`,
        [[res.body.id, unit.subjectId, lead.subjectId, res.body.listingIds[0]]],
      );
      expect(audit.map((a) => [a.action, a.target_id])).toEqual(
        expect.arrayContaining([
          ['SUBJECT_CREATED', unit.subjectId],
          ['SUBJECT_CREATED', lead.subjectId],
          ['LISTING_PROPOSED', res.body.listingIds[0]],
          ['CASE_RECORDED', res.body.id],
        ]),
      );
      expect(audit).toHaveLength(4);
      expect(audit.every((a) => a.actor_id === recorder.id)).toBe(true);
    });

    it('records a reported case without a decision', async () => {
      const res = await create({
        authority: '某省科学技术厅',
        misconductTypes: ['AUTHORSHIP_VIOLATION'],
        source: 'RANDOM_INSPECTION',
        subjects: [{ ref: 'a', subject: { kind: 'NATURAL_PERSON', name: '赵某' }, roles: ['RESEARCHER'] }],
      }).expect(201);
      expect(res.body).toMatchObject({
        status: 'REPORTED',
        decisionNumber: null,
        decisionDate: null,
        severity: null,
        ruleVersion: null,
        measures: [],
        listingIds: [],
      });
    });

    it('lets two authorities use the same decision number but not one authority twice', async () => {
      const first = await create(decided()).expect(201);
      const number = first.body.decisionNumber;
      await create(decided({ decisionNumber: number, authority: '厦门市科学技术局' })).expect(201);
      const before = await counts();
      const res = await create(decided({ decisionNumber: ` ${number} ` })).expect(409);
      expect(res.body.code).toBe('CASE_DECISION_NUMBER_TAKEN');
      expect(res.body.details[0]).toMatchObject({
        field: 'decisionNumber',
        code: 'CASE_DECISION_NUMBER_TAKEN',
        context: { existingCaseId: first.body.id },
      });
      expect(await counts()).toEqual(before);
    });

    it('lets exactly one of two concurrent recordings of one decision number win', async () => {
      const number = decisionNumber();
      const results = await Promise.all([
        create(decided({ decisionNumber: number })),
        create(decided({ decisionNumber: number })),
      ]);
      expect(results.map((r) => r.status).sort()).toEqual([201, 409]);
      const [{ n }] = await t.dataSource.query(
        'SELECT count(*)::int AS n FROM misconduct_case WHERE decision_number = $1',
        [number],
      );
      expect(n).toBe(1);
    });

    it('gives the loser of a race the same 409 as the pre-check, naming the winner', async () => {
      const number = decisionNumber();
      const winner = new Client({ connectionString: t.databaseUrl });
      await winner.connect();
      try {
        // A recording that has inserted its case but not committed yet: the request's pre-check cannot see it.
        await winner.query('BEGIN');
        const { rows } = await winner.query(
          `INSERT INTO misconduct_case (status, decision_number, authority, decision_date, misconduct_types, severity, source)
           VALUES ('DECIDED', $1, '泉州市科学技术局', $2, '{PLAGIARISM}', 'SERIOUS', 'COMPLAINT_REPORT') RETURNING id`,
          [number, addDays(today, -30)],
        );
        const response = create(decided({ decisionNumber: number })).then((r) => r);
        // Commit only once the request waits on the winner's row, so its insert fails on the unique index.
        const waiting = async () =>
          (
            await winner.query(
              "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'",
            )
          ).rows[0].n > 0;
        for (let i = 0; i < 250 && !(await waiting()); i++) await new Promise((r) => setTimeout(r, 20));
        expect(await waiting()).toBe(true);
        await winner.query('COMMIT');
        const res = await response;
        expect(res.status).toBe(409);
        expect(res.body.code).toBe('CASE_DECISION_NUMBER_TAKEN');
        expect(res.body.details[0]).toMatchObject({
          field: 'decisionNumber',
          context: { existingCaseId: rows[0].id },
        });
      } finally {
        await winner.end();
      }
    });

    it('answers a reviewer and an approver trying to record with 403', async () => {
      await create(decided(), reviewer).expect(403);
      await create(decided(), approver).expect(403);
    });
  });

  describe('all or nothing', () => {
    /** Two new subjects, an existing one and measures, one of which lists the second subject. */
    const full = async (): Promise<CaseBody> => {
      const existing = await newSubject(t, recorder);
      return decided({
        subjects: [
          {
            ref: 'unit',
            subject: {
              kind: 'LEGAL_PERSON',
              name: '某某公司',
              identifiers: [{ type: 'USCC', value: newUscc() }],
            },
            roles: ['IMPLEMENTING_UNIT'],
          },
          {
            ref: 'lead',
            subject: {
              kind: 'NATURAL_PERSON',
              name: '钱某某',
              identifiers: [{ type: 'RESIDENT_ID', value: newResidentId() }],
            },
            roles: ['PROJECT_LEAD'],
          },
          { ref: 'other', subjectId: existing, roles: ['RESEARCHER'] },
        ],
        measures: [
          { subjectRef: 'lead', type: 'SERIOUS_DB_ENTRY', startDate: today, endDate: addMonths(today, 12) },
          {
            subjectRef: 'unit',
            type: 'BAN_MANAGEMENT_ROLE',
            startDate: today,
            endDate: addMonths(today, 12),
            domains: ['PROJECT_FUNDING'],
          },
        ],
      });
    };

    it('records the full request', async () => {
      const res = await create(await full()).expect(201);
      expect(res.body.subjects).toHaveLength(3);
      expect(res.body.listingIds).toHaveLength(1);
    });

    it.each([
      [
        'an unknown domain on the last measure',
        (b: CaseBody) => (b.measures[1].domains = ['PROJECT_FUNDING', 'SPACE_PROGRAMME']),
        'MEASURE_DOMAIN_UNKNOWN',
        'measures.1.domains.1',
      ],
      [
        'a bad check character in the second new subject',
        (b: CaseBody) => (b.subjects[1].subject!.identifiers![0].value = '110105194912310021'),
        'RESIDENT_ID_CHECKSUM',
        'subjects.1.subject.identifiers.0.value',
      ],
      [
        'a USCC given to the person',
        (b: CaseBody) => (b.subjects[1].subject!.identifiers = [{ type: 'USCC', value: newUscc() }]),
        'SUBJECT_IDENTIFIER_KIND_MISMATCH',
        'subjects.1.subject.identifiers.0.type',
      ],
      [
        'an existing subject that does not exist',
        (b: CaseBody) => (b.subjects[2].subjectId = UNKNOWN_ID),
        'CASE_SUBJECT_NOT_FOUND',
        'subjects.2.subjectId',
      ],
    ])('writes nothing for %s', async (_, spoil, code, field) => {
      const body = await full();
      spoil(body);
      const before = await counts();
      const res = await create(body).expect(400);
      expect(res.body.code).toBe(code);
      expect(res.body.details).toEqual([expect.objectContaining({ code, field })]);
      expect(await counts()).toEqual(before);
    });

    it('writes nothing when a new subject holds an identifier another subject has', async () => {
      const uscc = newUscc();
      const holder = await newSubject(t, recorder, {
        kind: 'LEGAL_PERSON',
        identifiers: [{ type: 'USCC', value: uscc }],
      });
      const body = await full();
      body.subjects[0].subject!.identifiers![0].value = uscc;
      const before = await counts();
      const res = await create(body).expect(409);
      expect(res.body.code).toBe('SUBJECT_IDENTIFIER_EXISTS');
      expect(res.body.details[0].context).toEqual({ existingSubjectId: holder });
      expect(await counts()).toEqual(before);
    });
  });

  describe('bad input', () => {
    const without = (field: string) => () => {
      const b = decided();
      delete b[field];
      return b;
    };

    it.each<[string, () => CaseBody, string, string]>([
      ['a missing authority', without('authority'), 'authority', 'IS_STRING'],
      ['a blank authority', () => decided({ authority: '   ' }), 'authority', 'IS_NOT_EMPTY'],
      [
        'a decision number that is no string',
        () => decided({ decisionNumber: 34 }),
        'decisionNumber',
        'IS_STRING',
      ],
      ['missing misconduct types', without('misconductTypes'), 'misconductTypes', 'IS_ARRAY'],
      ['no misconduct type', () => decided({ misconductTypes: [] }), 'misconductTypes', 'ARRAY_MIN_SIZE'],
      [
        'an unknown misconduct type',
        () => decided({ misconductTypes: ['PLAGIARISM', 'LAZINESS'] }),
        'misconductTypes',
        'IS_IN',
      ],
      ['a missing source', without('source'), 'source', 'IS_IN'],
      ['an unknown source', () => decided({ source: 'RUMOUR' }), 'source', 'IS_IN'],
      ['an unknown severity', () => decided({ severity: 'DIRE' }), 'severity', 'IS_IN'],
      ['an unknown status', () => decided({ status: 'CLOSED' }), 'status', 'IS_IN'],
      [
        'a malformed decision date',
        () => decided({ decisionDate: '2025-02-30' }),
        'decisionDate',
        'IS_CALENDAR_DATE',
      ],
      ['missing subjects', without('subjects'), 'subjects', 'IS_ARRAY'],
      ['no subjects', () => decided({ subjects: [], measures: [] }), 'subjects', 'ARRAY_MIN_SIZE'],
      [
        'missing roles',
        () => {
          const b = decided();
          delete b.subjects[0].roles;
          return b;
        },
        'subjects.0.roles',
        'IS_ARRAY',
      ],
      [
        'an unknown role',
        () => {
          const b = decided();
          b.subjects[0].roles = ['VILLAIN'];
          return b;
        },
        'subjects.0.roles',
        'IS_IN',
      ],
      [
        'a malformed measure date',
        () => withMeasure({ type: 'SERIOUS_DB_ENTRY', startDate: '2026-13-01', endDate: today }),
        'measures.0.startDate',
        'IS_CALENDAR_DATE',
      ],
      ['an unknown field', () => decided({ approvedBy: 'me' }), 'approvedBy', 'UNKNOWN_FIELD'],
    ])(
      'refuses %s with 400 VALIDATION_FAILED naming the field, writing nothing',
      async (_, body, field, code) => {
        const before = await counts();
        const res = await create(body()).expect(400);
        expect(res.body).toMatchObject({ code: 'VALIDATION_FAILED', requestId: expect.any(String) });
        expect(res.body.details).toEqual([expect.objectContaining({ field, code })]);
        expect(await counts()).toEqual(before);
      },
    );

    it.each<[string, () => CaseBody, string, string]>([
      [
        'a decided case without its number',
        () => decided({ decisionNumber: undefined }),
        'CASE_DECISION_INCOMPLETE',
        'decisionNumber',
      ],
      [
        'a decided case without its date',
        () => decided({ decisionDate: undefined }),
        'CASE_DECISION_INCOMPLETE',
        'decisionDate',
      ],
      [
        'a decided case without its severity',
        () => decided({ severity: undefined }),
        'CASE_DECISION_INCOMPLETE',
        'severity',
      ],
      [
        'a decision dated tomorrow',
        () => decided({ decisionDate: addDays(today, 1) }),
        'CASE_DECISION_IN_FUTURE',
        'decisionDate',
      ],
      [
        'an initial status INVESTIGATING',
        () => decided({ status: 'INVESTIGATING' }),
        'CASE_INITIAL_STATUS',
        'status',
      ],
      [
        'measures on a reported case',
        () =>
          decided({
            status: 'REPORTED',
            decisionNumber: undefined,
            decisionDate: undefined,
            severity: undefined,
          }),
        'CASE_MEASURES_BEFORE_DECISION',
        'measures',
      ],
      [
        'a measure for an unknown ref',
        () => decided({ measures: [{ subjectRef: 'nobody', type: 'WARNING' }] }),
        'CASE_SUBJECT_REF_UNKNOWN',
        'measures.0.subjectRef',
      ],
      [
        'a ref used twice',
        () => {
          const b = decided();
          b.subjects.push({
            ref: 'p',
            subject: { kind: 'NATURAL_PERSON', name: '孙某' },
            roles: ['RESEARCHER'],
          });
          return b;
        },
        'CASE_SUBJECT_REF_DUPLICATE',
        'subjects.1.ref',
      ],
      [
        'both subjectId and subject',
        () => {
          const b = decided();
          b.subjects[0].subjectId = UNKNOWN_ID;
          return b;
        },
        'CASE_SUBJECT_SOURCE',
        'subjects.0',
      ],
      [
        'neither subjectId nor subject',
        () => {
          const b = decided();
          delete b.subjects[0].subject;
          return b;
        },
        'CASE_SUBJECT_SOURCE',
        'subjects.0',
      ],
      [
        'an unknown subjectId',
        () => {
          const b = decided();
          b.subjects.push({ ref: 'q', subjectId: UNKNOWN_ID, roles: ['RESEARCHER'] });
          return b;
        },
        'CASE_SUBJECT_NOT_FOUND',
        'subjects.1.subjectId',
      ],
      [
        'an unknown measure type',
        () => withMeasure({ type: 'PUBLIC_SHAMING' }),
        'MEASURE_TYPE_UNKNOWN',
        'measures.0.type',
      ],
      [
        'dates on an untimed measure',
        () => withMeasure({ type: 'WARNING', startDate: today }),
        'MEASURE_DATES_NOT_ALLOWED',
        'measures.0.startDate',
      ],
      [
        'a lifetime untimed measure',
        () => withMeasure({ type: 'ADMONITION_TALK', lifetime: true }),
        'MEASURE_DATES_NOT_ALLOWED',
        'measures.0.lifetime',
      ],
      [
        'a period measure without its end',
        () => withMeasure({ type: 'SERIOUS_DB_ENTRY', startDate: today }),
        'MEASURE_DATES_REQUIRED',
        'measures.0.endDate',
      ],
      [
        'a deadline measure without its deadline',
        () => withMeasure({ type: 'SUSPEND_AND_RECTIFY', domains: ['PROJECT_FUNDING'] }),
        'MEASURE_DATES_REQUIRED',
        'measures.0.endDate',
      ],
      [
        'an end before the start',
        () => withMeasure({ type: 'SERIOUS_DB_ENTRY', startDate: today, endDate: addDays(today, -1) }),
        'MEASURE_END_BEFORE_START',
        'measures.0.endDate',
      ],
      [
        'a lifetime entry in the serious database',
        () => withMeasure({ type: 'SERIOUS_DB_ENTRY', startDate: today, lifetime: true }),
        'MEASURE_LIFETIME_NOT_ALLOWED',
        'measures.0.lifetime',
      ],
      [
        'a lifetime bar with an end date',
        () =>
          withMeasure({
            type: 'BAN_FUNDED_ACTIVITY',
            startDate: today,
            endDate: addMonths(today, 12),
            lifetime: true,
            domains: ['PROJECT_FUNDING'],
          }),
        'MEASURE_DATES_NOT_ALLOWED',
        'measures.0.endDate',
      ],
      [
        'an unknown domain',
        () =>
          withMeasure({
            type: 'BAN_MANAGEMENT_ROLE',
            startDate: today,
            endDate: addMonths(today, 12),
            domains: ['SPACE_PROGRAMME'],
          }),
        'MEASURE_DOMAIN_UNKNOWN',
        'measures.0.domains.0',
      ],
      [
        'a domain the bar may not name',
        () =>
          withMeasure({
            type: 'BAN_MANAGEMENT_ROLE',
            startDate: today,
            endDate: addMonths(today, 12),
            domains: ['PROJECT_FUNDING', 'AWARD'],
          }),
        'MEASURE_DOMAIN_NOT_ALLOWED',
        'measures.0.domains.1',
      ],
      [
        'a bar naming no domain',
        () => withMeasure({ type: 'BAN_MANAGEMENT_ROLE', startDate: today, endDate: addMonths(today, 12) }),
        'MEASURE_DOMAINS_REQUIRED',
        'measures.0.domains',
      ],
      [
        'domains on a measure that is no bar',
        () => withMeasure({ type: 'WARNING', domains: ['AWARD'] }),
        'MEASURE_DOMAINS_NOT_ALLOWED',
        'measures.0.domains',
      ],
    ])('refuses %s with %s naming the field, writing nothing', async (_, body, code, field) => {
      const before = await counts();
      const res = await create(body()).expect(400);
      expect(res.body.code).toBe(code);
      expect(res.body.details[0]).toMatchObject({ field, code });
      expect(await counts()).toEqual(before);
    });

    it('names every bad measure at once', async () => {
      const res = await create(
        decided({
          measures: [
            { subjectRef: 'p', type: 'WARNING', endDate: today },
            { subjectRef: 'p', type: 'SERIOUS_DB_ENTRY', startDate: today, endDate: addDays(today, -3) },
          ],
        }),
      ).expect(400);
      expect(res.body.details.map((d: Body) => [d.field, d.code])).toEqual([
        ['measures.0.endDate', 'MEASURE_DATES_NOT_ALLOWED'],
        ['measures.1.endDate', 'MEASURE_END_BEFORE_START'],
      ]);
    });
  });

  describe('lifecycle', () => {
    const reported = async () =>
      (
        await create({
          authority: '某市科学技术局',
          misconductTypes: ['PUBLICATION_VIOLATION'],
          source: 'MEDIA',
          subjects: [{ ref: 'a', subject: { kind: 'NATURAL_PERSON', name: '周某' }, roles: ['RESEARCHER'] }],
        }).expect(201)
      ).body;

    it('walks a case from REPORTED to FINAL, recording each step', async () => {
      const c = await reported();
      const before = await auditCount(t, 'CASE_STATUS_CHANGED');
      await move(c.id, { to: 'ACCEPTED' }, '1').expect(200);
      await move(c.id, { to: 'INVESTIGATING', reason: '立案调查' }).expect(200);
      const incomplete = await move(c.id, { to: 'DECIDED', severity: 'SERIOUS' }).expect(400);
      expect(incomplete.body.code).toBe('CASE_DECISION_INCOMPLETE');
      expect(incomplete.body.details.map((d: Body) => d.field)).toEqual(['decisionNumber', 'decisionDate']);
      const number = decisionNumber();
      const decidedRes = await move(c.id, {
        to: 'DECIDED',
        decisionNumber: number,
        decisionDate: addDays(today, -1),
        severity: 'SERIOUS',
      }).expect(200);
      expect(decidedRes.body).toMatchObject({
        status: 'DECIDED',
        decisionNumber: number,
        decisionDate: addDays(today, -1),
        severity: 'SERIOUS',
        ruleVersion: 1,
        version: 4,
      });
      await move(c.id, { to: 'REVIEW_REQUESTED', reason: '当事人申请复查' }).expect(200);
      const final = await move(c.id, { to: 'FINAL' }, '5').expect(200);
      expect(final.body).toMatchObject({ status: 'FINAL', decisionNumber: number, version: 6 });
      expect((await get(c.id).expect(200)).body.status).toBe('FINAL');

      const events = await t.dataSource.query(
        'SELECT status, actor_id, reason FROM case_status_event WHERE case_id = $1 ORDER BY id',
        [c.id],
      );
      expect(events.map((e: Body) => e.status)).toEqual([
        'REPORTED',
        'ACCEPTED',
        'INVESTIGATING',
        'DECIDED',
        'REVIEW_REQUESTED',
        'FINAL',
      ]);
      expect(events[2]).toEqual({ status: 'INVESTIGATING', actor_id: recorder.id, reason: '立案调查' });
      expect(await auditCount(t, 'CASE_STATUS_CHANGED')).toBe(before + 5);
    });

    it.each([
      ['REPORTED', 'FINAL'],
      ['REPORTED', 'DECIDED'],
      ['FINAL', 'DECIDED'],
      ['FINAL', 'DISMISSED'],
      ['DECIDED', 'DISMISSED'],
      ['DECIDED', 'INVESTIGATING'],
    ])('refuses %s → %s with 409 CASE_TRANSITION_NOT_ALLOWED', async (from, to) => {
      const c =
        from === 'REPORTED' ? await reported() : (await create(decided({ status: from })).expect(201)).body;
      const res = await move(c.id, {
        to,
        decisionNumber: decisionNumber(),
        decisionDate: today,
        severity: 'MINOR',
      }).expect(409);
      expect(res.body.code).toBe('CASE_TRANSITION_NOT_ALLOWED');
      expect(res.body.details[0]).toMatchObject({ field: 'status', code: 'CASE_TRANSITION_NOT_ALLOWED' });
      const after = (await get(c.id).expect(200)).body;
      expect(after).toMatchObject({ status: from, version: c.version, decisionNumber: c.decisionNumber });
    });

    it('answers a stale If-Match with 412 and changes nothing', async () => {
      const c = await reported();
      await move(c.id, { to: 'ACCEPTED' }).expect(200);
      const stale = await move(c.id, { to: 'INVESTIGATING' }, '1').expect(412);
      expect(stale.body.code).toBe('CASE_VERSION_MISMATCH');
      expect((await get(c.id).expect(200)).body).toMatchObject({ status: 'ACCEPTED', version: 2 });
      await move(c.id, { to: 'INVESTIGATING' }, '"2"').expect(200);
      const bad = await move(c.id, { to: 'DISMISSED' }, 'soon').expect(400);
      expect(bad.body.code).toBe('INVALID_IF_MATCH');
    });

    it('refuses decision fields on a move that is not a decision, changing nothing', async () => {
      const c = await reported();
      const res = await move(c.id, {
        to: 'ACCEPTED',
        decisionNumber: '某科〔2026〕1号',
        severity: 'MINOR',
      }).expect(400);
      expect(res.body.code).toBe('CASE_DECISION_FIELDS_NOT_ALLOWED');
      expect(res.body.details.map((d: { field: string }) => d.field)).toEqual(['decisionNumber', 'severity']);
      expect((await get(c.id).expect(200)).body).toMatchObject({ status: 'REPORTED', decisionNumber: null });
    });

    it('refuses to decide with a number the authority already used', async () => {
      const other = (await create(decided({ authority: '某市科学技术局' })).expect(201)).body;
      const c = await reported();
      await move(c.id, { to: 'ACCEPTED' }).expect(200);
      await move(c.id, { to: 'INVESTIGATING' }).expect(200);
      const res = await move(c.id, {
        to: 'DECIDED',
        decisionNumber: other.decisionNumber,
        decisionDate: today,
        severity: 'MINOR',
      }).expect(409);
      expect(res.body.details[0].context).toEqual({ existingCaseId: other.id });
      expect((await get(c.id).expect(200)).body.status).toBe('INVESTIGATING');
    });

    it('refuses a decision dated in the future when deciding', async () => {
      const c = await reported();
      await move(c.id, { to: 'ACCEPTED' }).expect(200);
      await move(c.id, { to: 'INVESTIGATING' }).expect(200);
      const res = await move(c.id, {
        to: 'DECIDED',
        decisionNumber: decisionNumber(),
        decisionDate: addDays(today, 3),
        severity: 'MINOR',
      }).expect(400);
      expect(res.body.code).toBe('CASE_DECISION_IN_FUTURE');
    });

    it('lets only recorders move a case', async () => {
      const c = await reported();
      await request(t.http)
        .post(`/api/v1/cases/${c.id}/transitions`)
        .set(reviewer.auth)
        .send({ to: 'ACCEPTED' })
        .expect(403);
      await request(t.http).post(`/api/v1/cases/${c.id}/transitions`).send({ to: 'ACCEPTED' }).expect(401);
      expect((await get(c.id).expect(200)).body.status).toBe('REPORTED');
    });
  });

  describe('measures added later', () => {
    const addMeasures = (id: string, measures: Body[], ifMatch?: string) => {
      const req = request(t.http).post(`/api/v1/cases/${id}/measures`).set(recorder.auth);
      return (ifMatch === undefined ? req : req.set('If-Match', ifMatch)).send({ measures });
    };

    it('adds measures to a decided case and proposes the BLACK entry', async () => {
      const c = (await create(decided({ measures: [] })).expect(201)).body;
      const subjectId = c.subjects[0].subjectId;
      const res = await addMeasures(
        c.id,
        [{ subjectId, type: 'SERIOUS_DB_ENTRY', startDate: today, endDate: addMonths(today, 12) }],
        '1',
      ).expect(201);
      expect(res.body.measures).toEqual([expect.objectContaining({ type: 'SERIOUS_DB_ENTRY', subjectId })]);
      expect(res.body.listingIds).toHaveLength(1);
      expect(res.body.version).toBe(2);
      const listing = await request(t.http)
        .get(`/api/v1/listings/${res.body.listingIds[0]}`)
        .set(reviewer.auth)
        .expect(200);
      expect(listing.body).toMatchObject({ listType: 'BLACK', status: 'PROPOSED', subjectId });
    });

    it('refuses measures on an undecided case, for a subject the case does not name, or breaking a rule', async () => {
      const open = (
        await create(
          decided({
            status: 'REPORTED',
            decisionNumber: undefined,
            decisionDate: undefined,
            severity: undefined,
            measures: [],
          }),
        ).expect(201)
      ).body;
      const early = await addMeasures(open.id, [
        { subjectId: open.subjects[0].subjectId, type: 'WARNING' },
      ]).expect(409);
      expect(early.body.code).toBe('CASE_MEASURES_BEFORE_DECISION');

      const c = (await create(decided({ measures: [] })).expect(201)).body;
      const stranger = await newSubject(t, recorder);
      const before = await counts();
      const notNamed = await addMeasures(c.id, [{ subjectId: stranger, type: 'WARNING' }]).expect(400);
      expect(notNamed.body.details[0]).toMatchObject({
        code: 'CASE_SUBJECT_NOT_FOUND',
        field: 'measures.0.subjectId',
      });
      const badRule = await addMeasures(c.id, [
        { subjectId: c.subjects[0].subjectId, type: 'WARNING' },
        { subjectId: c.subjects[0].subjectId, type: 'SERIOUS_DB_ENTRY', startDate: today },
      ]).expect(400);
      expect(badRule.body.details[0]).toMatchObject({
        code: 'MEASURE_DATES_REQUIRED',
        field: 'measures.1.endDate',
      });
      const stale = await addMeasures(
        c.id,
        [{ subjectId: c.subjects[0].subjectId, type: 'WARNING' }],
        '7',
      ).expect(412);
      expect(stale.body.code).toBe('CASE_VERSION_MISMATCH');
      expect(await counts()).toEqual(before);
    });
  });

  describe('reading', () => {
    it('filters cases by subject and by text in the decision number', async () => {
      const c = (await create(decided()).expect(201)).body;
      const bySubject = await request(t.http)
        .get('/api/v1/cases')
        .query({ subjectId: c.subjects[0].subjectId })
        .set(reviewer.auth)
        .expect(200);
      expect(bySubject.body.items.map((x: Body) => x.id)).toEqual([c.id]);
      const byText = await request(t.http)
        .get('/api/v1/cases')
        .query({ text: c.decisionNumber.slice(8, 14) })
        .set(reviewer.auth)
        .expect(200);
      expect(byText.body).toMatchObject({ total: 1, items: [{ id: c.id }] });
    });

    it('answers a malformed id with 400 and an unknown one with 404 CASE_NOT_FOUND', async () => {
      const bad = await get('not-a-uuid').expect(400);
      expect(bad.body.code).toBe('INVALID_ID');
      const missing = await get(UNKNOWN_ID).expect(404);
      expect(missing.body.code).toBe('CASE_NOT_FOUND');
      const moveMissing = await move(UNKNOWN_ID, { to: 'ACCEPTED' }).expect(404);
      expect(moveMissing.body.code).toBe('CASE_NOT_FOUND');
      await move('42', { to: 'ACCEPTED' }).expect(400);
    });

    it('answers 401 without credentials', async () => {
      await request(t.http).get('/api/v1/cases').expect(401);
      await request(t.http).post('/api/v1/cases').send(decided()).expect(401);
    });
  });
});
