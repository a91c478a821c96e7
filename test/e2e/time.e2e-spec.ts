import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import request from 'supertest';
import { Role } from '../../src/auth/principal';
import { addDays, addMonths, todayIn } from '../../src/rules/rules';
import { createTestApp, TestApp } from '../app';
import { newResidentId, newSubject, newUser, rowCounts, TestUser } from '../factories';

/**
 * The two clocks of docs/domain.md, "Time": valid time (`asOf`, the dates written on legal acts) and
 * recorded time (`knownAt`, when the registry learned of them), through the HTTP API on a real
 * PostgreSQL with the real migrations and rule data.
 */

type Body = Record<string, unknown>;

interface Evidence {
  kind: string;
  recordId: string;
  effect: string;
  period: { from: string | null; to: string | null };
  case?: { decisionNumber: string | null; decisionDate: string | null };
}

interface Result {
  verdict: string;
  incentive?: { listingId: string; designationDocument: string | null; period: Body };
  evidence: Evidence[];
}

/** A registry subject with the resident ID an applicant gives to match it. */
interface Person {
  subjectId: string;
  name: string;
  residentId: string;
}

interface RecordedCase {
  id: string;
  decisionNumber: string;
  listingIds: string[];
}

/** The rule data fields these tests rely on (GET /api/v1/rule-sets/current). */
interface RuleData {
  redObjectionPeriodDays: number;
  blackListBarredDomains: string[];
  measureTypes: { code: string; isBar: boolean; allowedDomains: string[] }[];
}

/** The period of a decision barring a researcher, used by several tests. */
const BAR_FROM = '2024-03-01';
const BAR_TO = '2029-03-01';

describe('time: valid time and recorded time', () => {
  let t: TestApp;
  let recorder: TestUser;
  let approver: TestUser;
  let approver2: TestUser;
  let reviewer: TestUser;
  let rules: RuleData;
  /** A domain the black list bars and BAN_FUNDED_ACTIVITY on PROJECT_FUNDING does not. */
  const LIST_ONLY_DOMAIN = 'TALENT_RECOMMENDATION';
  const today = todayIn();

  beforeAll(async () => {
    t = await createTestApp();
    [recorder, approver, approver2, reviewer] = await Promise.all([
      newUser(t, [Role.RECORDER]),
      newUser(t, [Role.APPROVER]),
      newUser(t, [Role.APPROVER]),
      newUser(t, [Role.REVIEWER]),
    ]);
    rules = (await request(t.http).get('/api/v1/rule-sets/current').set(reviewer.auth).expect(200)).body.data;
  });

  afterAll(async () => {
    await t?.close();
  });

  // ---------------------------------------------------------------------------------------------
  // Helpers, defined here so the shared test files stay untouched.

  const token = () => randomBytes(3).toString('hex');

  /**
   * An instant strictly between what was recorded before this call and what is recorded after it.
   * Recorded times are stored in microseconds and read back in milliseconds, so keep a few ms clear.
   */
  const instantNow = async (): Promise<string> => {
    await sleep(15);
    const at = new Date().toISOString();
    await sleep(15);
    return at;
  };

  /** The same instant written with the Beijing offset, as a caller in China would send it. */
  const inBeijing = (iso: string): string =>
    new Date(Date.parse(iso) + 8 * 3600_000).toISOString().replace('Z', '+08:00');

  const newPerson = async (kind = 'NATURAL_PERSON'): Promise<Person> => {
    const residentId = newResidentId();
    const name = `时间测试${token()}`;
    const subjectId = await newSubject(t, recorder, {
      kind,
      name,
      identifiers: [{ type: 'RESIDENT_ID', value: residentId }],
    });
    return { subjectId, name, residentId };
  };

  /** A case recorded as decided (by the recorder) naming `person`, with these measures. */
  const recordCase = async (
    person: Person,
    o: { decisionDate: string; measures: Body[]; status?: string; severity?: string },
  ): Promise<RecordedCase> => {
    const res = await request(t.http)
      .post('/api/v1/cases')
      .set(recorder.auth)
      .send({
        status: o.status ?? 'FINAL',
        decisionNumber: `时科〔2026〕${token()}号`,
        authority: '某省科学技术厅',
        decisionDate: o.decisionDate,
        severity: o.severity ?? 'SEVERE',
        misconductTypes: ['FABRICATION_FALSIFICATION'],
        source: 'AUDIT',
        subjects: [{ ref: 's', subjectId: person.subjectId, roles: ['RESEARCHER'] }],
        measures: o.measures.map((m) => ({ subjectRef: 's', ...m })),
      })
      .expect(201);
    return { id: res.body.id, decisionNumber: res.body.decisionNumber, listingIds: res.body.listingIds };
  };

  /** A case putting `person` on the black list for [from, to] and nothing else: the entry is proposed. */
  const blackCase = async (person: Person, from = BAR_FROM, to = BAR_TO): Promise<RecordedCase> => {
    const recorded = await recordCase(person, {
      decisionDate: from,
      measures: [{ type: 'SERIOUS_DB_ENTRY', startDate: from, endDate: to }],
    });
    expect(recorded.listingIds).toHaveLength(1);
    return recorded;
  };

  const approve = (id: string, who: TestUser = approver) =>
    request(t.http).post(`/api/v1/listings/${id}/approve`).set(who.auth).send({});

  /** An approved BLACK entry for a new person; the entry's id. */
  const blackListed = async (from = BAR_FROM, to = BAR_TO) => {
    const person = await newPerson();
    const recorded = await blackCase(person, from, to);
    const listingId = recorded.listingIds[0];
    await approve(listingId).expect(200);
    return { person, recorded, listingId };
  };

  const readListing = (id: string) => request(t.http).get(`/api/v1/listings/${id}`).set(reviewer.auth);

  const listingPost = (path: string, who: TestUser, body: Body) =>
    request(t.http).post(`/api/v1/listings/${path}`).set(who.auth).send(body);

  const checkRequest = (person: Person, domain: string, extra: Body = {}) =>
    request(t.http)
      .post('/api/v1/checks')
      .set(reviewer.auth)
      .send({
        domain,
        purpose: 'time e2e: eligibility',
        applicants: [{ name: person.name, identifier: { type: 'RESIDENT_ID', value: person.residentId } }],
        ...extra,
      });

  /** The verdict for one applicant (status 200 asserted). */
  const verdict = async (person: Person, domain: string, extra: Body = {}): Promise<Result> =>
    (await checkRequest(person, domain, extra).expect(200)).body.results[0];

  /** The verdicts for several days, keyed by day, so one assertion shows them all. */
  const verdictsOn = async (person: Person, domain: string, days: string[], extra: Body = {}) => {
    const out: Record<string, string> = {};
    for (const asOf of days) out[asOf] = (await verdict(person, domain, { asOf, ...extra })).verdict;
    return out;
  };

  const kinds = (r: Result) => r.evidence.map((e) => e.kind).sort();

  const proposeRed = (person: Person, body: Body) =>
    request(t.http)
      .post('/api/v1/listings')
      .set(recorder.auth)
      .send({
        subjectId: person.subjectId,
        listType: 'RED',
        designationDocument: `守信激励认定〔2026〕${token()}号`,
        ...body,
      });

  const listingTables = ['listing', 'listing_event', 'objection', 'repair_request', 'audit_entry'];
  const checkTables = ['check_run', 'audit_entry'];

  it('reads the rule data these tests rely on', () => {
    // The black list bars the domain used to see the entry alone; the funded-activity bar does not.
    expect(rules.blackListBarredDomains).toContain(LIST_ONLY_DOMAIN);
    expect(rules.blackListBarredDomains).toContain('PROJECT_FUNDING');
    const ban = rules.measureTypes.find((m) => m.code === 'BAN_FUNDED_ACTIVITY')!;
    expect(ban.isBar).toBe(true);
    expect(ban.allowedDomains).not.toContain(LIST_ONLY_DOMAIN);
    expect(rules.measureTypes.find((m) => m.code === 'WARNING')!.isBar).toBe(false);
    expect(rules.redObjectionPeriodDays).toBeGreaterThan(1);
  });

  // ---------------------------------------------------------------------------------------------
  describe('maker-checker gates on recorded time', () => {
    it('counts a 2024 decision recorded and approved today for its whole period, and only from its approval', async () => {
      const person = await newPerson();
      const beforeCase = await instantNow();
      const recorded = await recordCase(person, {
        decisionDate: BAR_FROM,
        measures: [
          { type: 'BAN_FUNDED_ACTIVITY', startDate: BAR_FROM, endDate: BAR_TO, domains: ['PROJECT_FUNDING'] },
          { type: 'SERIOUS_DB_ENTRY', startDate: BAR_FROM, endDate: BAR_TO },
        ],
      });
      expect(recorded.listingIds).toHaveLength(1);
      const [listingId] = recorded.listingIds;
      const proposed = (await readListing(listingId).expect(200)).body;
      expect(proposed).toMatchObject({
        listType: 'BLACK',
        status: 'PROPOSED',
        effectiveFrom: BAR_FROM,
        effectiveTo: BAR_TO,
        inForceToday: false,
      });

      const beforeApproval = await instantNow();
      const approved = (await approve(listingId).expect(200)).body;
      expect(approved).toMatchObject({ status: 'ACTIVE', decidedBy: approver.id, inForceToday: true });
      expect(Date.parse(approved.decidedAt)).toBeGreaterThan(Date.parse(beforeApproval));
      expect(Date.parse(approved.proposedAt)).toBeLessThan(Date.parse(beforeApproval));

      // Now: the entry counts on any day of its period, though approved long after it began.
      const now = await verdict(person, LIST_ONLY_DOMAIN, { asOf: '2025-01-01' });
      expect(now.verdict).toBe('BLOCK');
      expect(now.evidence).toEqual([
        expect.objectContaining({
          kind: 'LISTING',
          recordId: listingId,
          effect: 'BLOCK',
          period: expect.objectContaining({ from: BAR_FROM, to: BAR_TO }),
        }),
      ]);
      expect(
        await verdictsOn(person, LIST_ONLY_DOMAIN, [
          addDays(BAR_FROM, -1),
          BAR_FROM,
          today,
          BAR_TO,
          addDays(BAR_TO, 1),
        ]),
      ).toEqual({
        [addDays(BAR_FROM, -1)]: 'CLEAR',
        [BAR_FROM]: 'BLOCK',
        [today]: 'BLOCK',
        [BAR_TO]: 'BLOCK',
        [addDays(BAR_TO, 1)]: 'CLEAR',
      });
      // In the bar's own domain both the measure and the entry count.
      const funding = await verdict(person, 'PROJECT_FUNDING', { asOf: '2025-01-01' });
      expect(funding.verdict).toBe('BLOCK');
      expect(kinds(funding)).toEqual(['LISTING', 'MEASURE']);

      // Known before the approval: the entry does not count; the decided case's own bar does.
      const unapproved = await verdict(person, LIST_ONLY_DOMAIN, {
        asOf: '2025-01-01',
        knownAt: beforeApproval,
      });
      expect(unapproved).toMatchObject({ verdict: 'CLEAR', evidence: [] });
      const measureOnly = await verdict(person, 'PROJECT_FUNDING', {
        asOf: '2025-01-01',
        knownAt: beforeApproval,
      });
      expect(measureOnly.verdict).toBe('BLOCK');
      expect(kinds(measureOnly)).toEqual(['MEASURE']);

      // The approval is known from the instant its event was recorded, to the millisecond shown.
      const approvedAt = approved.history.find((e: Body) => e.status === 'ACTIVE').recordedAt as string;
      expect(approvedAt).toBe(approved.decidedAt);
      const justBefore = new Date(Date.parse(approvedAt) - 1).toISOString();
      expect(await verdictsOn(person, LIST_ONLY_DOMAIN, ['2025-01-01'], { knownAt: approvedAt })).toEqual({
        '2025-01-01': 'BLOCK',
      });
      expect(await verdictsOn(person, LIST_ONLY_DOMAIN, ['2025-01-01'], { knownAt: justBefore })).toEqual({
        '2025-01-01': 'CLEAR',
      });

      // Known before the case was recorded: nothing at all.
      for (const domain of [LIST_ONLY_DOMAIN, 'PROJECT_FUNDING']) {
        const nothing = await verdict(person, domain, { asOf: '2025-01-01', knownAt: beforeCase });
        expect({ domain, ...nothing }).toMatchObject({ domain, verdict: 'CLEAR', evidence: [] });
      }
    });
  });

  // ---------------------------------------------------------------------------------------------
  describe('ending acts take effect on their own date', () => {
    it('stops a backdated revocation from its day, and answers as before for a knownAt before it', async () => {
      const X = '2025-06-01';
      const { person, listingId } = await blackListed();
      expect(await verdictsOn(person, 'PROJECT_FUNDING', [addDays(X, -1), X])).toEqual({
        [addDays(X, -1)]: 'BLOCK',
        [X]: 'BLOCK',
      });
      const beforeRevocation = await instantNow();
      const revoked = await listingPost(`${listingId}/revoke`, approver, {
        reason: '原处理决定已于该日撤销，补录',
        effectiveDate: X,
      }).expect(200);
      expect(revoked.body).toMatchObject({
        status: 'REVOKED',
        terminatedFrom: X,
        inForceToday: false,
        inForceReason: 'REVOKED',
      });
      expect(revoked.body.history.at(-1)).toMatchObject({
        status: 'REVOKED',
        effectiveDate: X,
        actorId: approver.id,
      });

      expect(await verdictsOn(person, 'PROJECT_FUNDING', [BAR_FROM, addDays(X, -1), X, today])).toEqual({
        [BAR_FROM]: 'BLOCK',
        [addDays(X, -1)]: 'BLOCK',
        [X]: 'CLEAR',
        [today]: 'CLEAR',
      });
      // What the registry said before it learned of the revocation.
      expect(
        await verdictsOn(person, 'PROJECT_FUNDING', [addDays(X, -1), X, today], {
          knownAt: beforeRevocation,
        }),
      ).toEqual({ [addDays(X, -1)]: 'BLOCK', [X]: 'BLOCK', [today]: 'BLOCK' });
    });

    it('keeps an entry revoked from a future day in force until that day', async () => {
      const X = addDays(today, 30);
      const { person, listingId } = await blackListed(BAR_FROM, BAR_TO);
      const revoked = await listingPost(`${listingId}/revoke`, approver, {
        reason: '处理决定将于该日起撤销',
        effectiveDate: X,
      }).expect(200);
      expect(revoked.body).toMatchObject({
        terminatedFrom: X,
        inForceToday: true,
        inForceReason: 'IN_FORCE',
      });
      expect((await readListing(listingId).expect(200)).body.inForceToday).toBe(true);
      expect(await verdictsOn(person, 'PROJECT_FUNDING', [today, addDays(X, -1), X])).toEqual({
        [today]: 'BLOCK',
        [addDays(X, -1)]: 'BLOCK',
        [X]: 'CLEAR',
      });
    });

    it('revokes from today when no date is given', async () => {
      const { person, listingId } = await blackListed();
      const revoked = await listingPost(`${listingId}/revoke`, approver, { reason: '撤销' }).expect(200);
      expect(revoked.body).toMatchObject({ terminatedFrom: today, inForceToday: false });
      expect(revoked.body.history.at(-1)).toMatchObject({ status: 'REVOKED', effectiveDate: today });
      expect(await verdictsOn(person, 'PROJECT_FUNDING', [addDays(today, -1), today])).toEqual({
        [addDays(today, -1)]: 'BLOCK',
        [today]: 'CLEAR',
      });
    });

    it('stops an entry from the date of an upheld objection', async () => {
      const X = '2025-02-01';
      const { person, listingId } = await blackListed();
      const objection = await listingPost(`${listingId}/objections`, recorder, {
        raisedBy: '当事人本人',
        reason: '处理决定已被复查撤销',
      }).expect(201);
      const before = await instantNow();
      const res = await listingPost(`${listingId}/objections/${objection.body.id}/resolve`, approver, {
        outcome: 'UPHOLD',
        reason: '经复核，异议成立',
        effectiveDate: X,
      }).expect(200);
      expect(res.body).toMatchObject({ status: 'REVOKED', terminatedFrom: X });
      expect(res.body.history.at(-1)).toMatchObject({ status: 'REVOKED', effectiveDate: X });
      expect(await verdictsOn(person, 'PROJECT_FUNDING', [addDays(X, -1), X])).toEqual({
        [addDays(X, -1)]: 'BLOCK',
        [X]: 'CLEAR',
      });
      expect(await verdictsOn(person, 'PROJECT_FUNDING', [X], { knownAt: before })).toEqual({ [X]: 'BLOCK' });
    });

    it('stops an entry from the date of an approved repair', async () => {
      // SEVERE: repair may take effect once the minimum publicity period has run from the decision.
      const X = '2026-06-01';
      const { person, listingId } = await blackListed();
      const repair = await listingPost(`${listingId}/repairs`, recorder, {
        correctionDone: true,
        obligationsMet: true,
        commitmentMade: true,
      }).expect(201);
      const before = await instantNow();
      const res = await listingPost(`${listingId}/repairs/${repair.body.id}/decision`, approver, {
        decision: 'APPROVE',
        reason: '已于该日符合修复条件，补录',
        effectiveDate: X,
      }).expect(200);
      expect(res.body).toMatchObject({ status: 'REPAIRED', terminatedFrom: X });
      expect(res.body.history.at(-1)).toMatchObject({ status: 'REPAIRED', effectiveDate: X });
      expect(await verdictsOn(person, 'PROJECT_FUNDING', [addDays(X, -1), X])).toEqual({
        [addDays(X, -1)]: 'BLOCK',
        [X]: 'CLEAR',
      });
      expect(await verdictsOn(person, 'PROJECT_FUNDING', [X], { knownAt: before })).toEqual({ [X]: 'BLOCK' });
    });
  });

  // ---------------------------------------------------------------------------------------------
  describe('RED publicity is a fact with dates', () => {
    const historical = {
      effectiveFrom: '2023-01-01',
      effectiveTo: '2025-12-31',
      publicityFrom: '2022-12-01',
      publicityTo: '2022-12-15',
    };

    it('approves a designation published elsewhere at once, counting from its own effectiveFrom', async () => {
      const person = await newPerson();
      const proposed = await proposeRed(person, historical).expect(201);
      expect(proposed.body).toMatchObject({ status: 'PROPOSED', ...historical });
      const approved = await approve(proposed.body.id).expect(200);
      expect(approved.body).toMatchObject({ status: 'ACTIVE', inForceToday: false, inForceReason: 'ENDED' });

      const on2024 = await verdict(person, 'PROJECT_FUNDING', { asOf: '2024-06-01' });
      expect(on2024.verdict).toBe('CLEAR');
      expect(on2024.incentive).toMatchObject({
        listingId: proposed.body.id,
        designationDocument: proposed.body.designationDocument,
        period: expect.objectContaining({ from: historical.effectiveFrom, to: historical.effectiveTo }),
      });
      expect(on2024.evidence).toEqual([
        expect.objectContaining({ kind: 'LISTING', recordId: proposed.body.id, effect: 'INCENTIVE' }),
      ]);
      for (const asOf of [
        addDays(historical.effectiveFrom, -1),
        historical.effectiveFrom,
        historical.effectiveTo,
        addDays(historical.effectiveTo, 1),
      ]) {
        const r = await verdict(person, 'PROJECT_FUNDING', { asOf });
        const inPeriod = asOf >= historical.effectiveFrom && asOf <= historical.effectiveTo;
        expect({ asOf, verdict: r.verdict, incentive: r.incentive?.listingId }).toEqual({
          asOf,
          verdict: 'CLEAR',
          incentive: inPeriod ? proposed.body.id : undefined,
        });
      }
    });

    it('publishes a candidate without dates from today and refuses its approval while that runs', async () => {
      const person = await newPerson();
      const proposed = await proposeRed(person, { effectiveFrom: today }).expect(201);
      expect(proposed.body).toMatchObject({
        publicityFrom: today,
        publicityTo: addDays(today, rules.redObjectionPeriodDays - 1),
      });
      const before = await rowCounts(t, listingTables);
      const refused = await approve(proposed.body.id).expect(409);
      expect(refused.body.code).toBe('RED_OBJECTION_PERIOD_RUNNING');
      expect(await rowCounts(t, listingTables)).toEqual(before);
      expect((await readListing(proposed.body.id).expect(200)).body.status).toBe('PROPOSED');
      const r = await verdict(person, 'PROJECT_FUNDING');
      expect(r).toMatchObject({ verdict: 'CLEAR', evidence: [] });
      expect(r.incentive).toBeUndefined();
    });

    it('takes a publicity period exactly as long as the rule data period, and refuses a shorter one', async () => {
      const days = rules.redObjectionPeriodDays;
      const person = await newPerson();
      const before = await rowCounts(t, listingTables);
      const short = await proposeRed(person, {
        ...historical,
        publicityTo: addDays(historical.publicityFrom, days - 2),
      }).expect(400);
      expect(short.body.code).toBe('RED_PUBLICITY_TOO_SHORT');
      expect(short.body.details[0]).toMatchObject({ code: 'RED_PUBLICITY_TOO_SHORT' });
      expect(await rowCounts(t, listingTables)).toEqual(before);

      const exact = await proposeRed(person, {
        ...historical,
        publicityTo: addDays(historical.publicityFrom, days - 1),
      }).expect(201);
      await approve(exact.body.id).expect(200);
    });

    it('refuses publicity dates that have not begun', async () => {
      const person = await newPerson();
      const before = await rowCounts(t, listingTables);
      const future = await proposeRed(person, {
        effectiveFrom: addDays(today, 30),
        publicityFrom: addDays(today, 1),
        publicityTo: addDays(today, 1 + rules.redObjectionPeriodDays),
      }).expect(400);
      expect(future.body.code).toBe('RED_PUBLICITY_IN_FUTURE');
      expect(future.body.details[0]).toMatchObject({ field: 'publicityFrom' });
      expect(await rowCounts(t, listingTables)).toEqual(before);
    });
  });

  // ---------------------------------------------------------------------------------------------
  describe('a BLACK entry ends RED entries from its own first day', () => {
    it('expires a RED entry from the BLACK start, revokes one beginning later, and counts each by day', async () => {
      const blackFrom = '2025-03-01';
      const person = await newPerson();
      const red = await proposeRed(person, {
        effectiveFrom: '2023-01-01',
        effectiveTo: '2027-12-31',
        publicityFrom: '2022-12-01',
        publicityTo: '2022-12-15',
      }).expect(201);
      await approve(red.body.id).expect(200);
      // A second designation, beginning after the BLACK entry will.
      const later = await proposeRed(person, {
        effectiveFrom: '2025-06-01',
        effectiveTo: '2025-12-31',
        publicityFrom: '2025-05-01',
        publicityTo: '2025-05-15',
      }).expect(201);
      await approve(later.body.id).expect(200);

      const recorded = await blackCase(person, blackFrom, '2028-02-29');
      const beforeBlack = await instantNow();
      const black = await approve(recorded.listingIds[0], approver2).expect(200);
      expect(black.body).toMatchObject({ status: 'ACTIVE', effectiveFrom: blackFrom });

      const ended = (await readListing(red.body.id).expect(200)).body;
      expect(ended).toMatchObject({
        status: 'EXPIRED',
        effectiveFrom: '2023-01-01',
        effectiveTo: '2027-12-31',
        terminatedFrom: blackFrom,
        inForceToday: false,
      });
      expect(ended.history.at(-1)).toMatchObject({ status: 'EXPIRED', effectiveDate: blackFrom });

      const never = (await readListing(later.body.id).expect(200)).body;
      expect(never).toMatchObject({ status: 'REVOKED', terminatedFrom: '2025-06-01', inForceToday: false });
      expect(never.history.at(-1)).toMatchObject({ status: 'REVOKED', effectiveDate: '2025-06-01' });

      const lastRedDay = await verdict(person, 'PROJECT_FUNDING', { asOf: addDays(blackFrom, -1) });
      expect(lastRedDay.verdict).toBe('CLEAR');
      expect(lastRedDay.incentive).toMatchObject({ listingId: red.body.id });

      for (const domain of rules.blackListBarredDomains) {
        const firstBlackDay = await verdict(person, domain, { asOf: blackFrom });
        expect({ domain, verdict: firstBlackDay.verdict, incentive: firstBlackDay.incentive }).toEqual({
          domain,
          verdict: 'BLOCK',
          incentive: undefined,
        });
        expect(firstBlackDay.evidence).toEqual([
          expect.objectContaining({ kind: 'LISTING', recordId: recorded.listingIds[0], effect: 'BLOCK' }),
        ]);
      }
      // Before the BLACK approval was known, both designations counted on their days.
      const laterDay = await verdict(person, 'PROJECT_FUNDING', { asOf: '2025-06-01', knownAt: beforeBlack });
      expect(laterDay.verdict).toBe('CLEAR');
      expect(
        laterDay.evidence
          .filter((e) => e.effect === 'INCENTIVE')
          .map((e) => e.recordId)
          .sort(),
      ).toEqual([red.body.id, later.body.id].sort());
      const knownBefore = await verdict(person, 'PROJECT_FUNDING', { asOf: blackFrom, knownAt: beforeBlack });
      expect(knownBefore.verdict).toBe('CLEAR');
      expect(knownBefore.incentive).toMatchObject({ listingId: red.body.id });
    });
  });

  // ---------------------------------------------------------------------------------------------
  describe('a WATCH entry ends RED entries from its own first day', () => {
    const watchFrom = '2025-03-01';

    /** An approved RED entry of 2023–2027 published elsewhere; its id. */
    const activeRed = async (person: Person): Promise<string> => {
      const red = await proposeRed(person, {
        effectiveFrom: '2023-01-01',
        effectiveTo: '2027-12-31',
        publicityFrom: '2022-12-01',
        publicityTo: '2022-12-15',
      }).expect(201);
      await approve(red.body.id).expect(200);
      return red.body.id;
    };

    /** An approved WATCH entry from `from`, on a new decided case naming `person`; its id. */
    const activeWatch = async (person: Person, from: string): Promise<string> => {
      const recorded = await recordCase(person, {
        decisionDate: from,
        severity: 'MINOR',
        measures: [{ type: 'WARNING' }],
      });
      const watch = await request(t.http)
        .post('/api/v1/listings')
        .set(recorder.auth)
        .send({ subjectId: person.subjectId, listType: 'WATCH', caseId: recorded.id, effectiveFrom: from })
        .expect(201);
      await approve(watch.body.id, approver2).expect(200);
      return watch.body.id;
    };

    /** What a check says on the last day before the WATCH entry and on its first day. */
    const around = async (person: Person) => {
      const out: Record<string, { verdict: string; incentive?: string }> = {};
      for (const asOf of [addDays(watchFrom, -1), watchFrom, '2025-06-01']) {
        const r = await verdict(person, 'PROJECT_FUNDING', { asOf });
        out[asOf] = { verdict: r.verdict, incentive: r.incentive?.listingId };
      }
      return out;
    };

    it('ends an active RED entry: the incentive stops where the watch begins', async () => {
      const person = await newPerson();
      const redId = await activeRed(person);
      await activeWatch(person, watchFrom);
      expect((await readListing(redId).expect(200)).body).toMatchObject({
        status: 'EXPIRED',
        terminatedFrom: watchFrom,
        inForceToday: false,
      });
      expect(await around(person)).toEqual({
        [addDays(watchFrom, -1)]: { verdict: 'CLEAR', incentive: redId },
        [watchFrom]: { verdict: 'REVIEW', incentive: undefined },
        '2025-06-01': { verdict: 'REVIEW', incentive: undefined },
      });
    });

    it('ends a RED entry whose revocation is still to come', async () => {
      const person = await newPerson();
      const redId = await activeRed(person);
      const revocation = addDays(today, 60);
      await listingPost(`${redId}/revoke`, approver, {
        reason: '认定将于该日起撤销',
        effectiveDate: revocation,
      }).expect(200);
      expect((await readListing(redId).expect(200)).body.inForceToday).toBe(true);
      await activeWatch(person, watchFrom);
      expect(await around(person)).toEqual({
        [addDays(watchFrom, -1)]: { verdict: 'CLEAR', incentive: redId },
        [watchFrom]: { verdict: 'REVIEW', incentive: undefined },
        '2025-06-01': { verdict: 'REVIEW', incentive: undefined },
      });
      expect((await readListing(redId).expect(200)).body).toMatchObject({
        terminatedFrom: watchFrom,
        inForceToday: false,
      });
    });

    it('ends a RED entry from the earlier start when a second watch begins before the first', async () => {
      const person = await newPerson();
      const redId = await activeRed(person);
      await activeWatch(person, '2026-01-01');
      expect((await readListing(redId).expect(200)).body).toMatchObject({ terminatedFrom: '2026-01-01' });
      await activeWatch(person, watchFrom);
      expect(await around(person)).toEqual({
        [addDays(watchFrom, -1)]: { verdict: 'CLEAR', incentive: redId },
        [watchFrom]: { verdict: 'REVIEW', incentive: undefined },
        '2025-06-01': { verdict: 'REVIEW', incentive: undefined },
      });
      expect((await readListing(redId).expect(200)).body).toMatchObject({
        terminatedFrom: watchFrom,
        inForceToday: false,
      });
    });
  });

  // ---------------------------------------------------------------------------------------------
  describe('look-back', () => {
    it('finds a warning decided inside the window, as REVIEW citing the case', async () => {
      const decisionDate = '2025-05-01';
      const person = await newPerson();
      const beforeCase = await instantNow();
      const recorded = await recordCase(person, {
        decisionDate,
        severity: 'MINOR',
        status: 'DECIDED',
        measures: [{ type: 'WARNING' }],
      });
      expect(recorded.listingIds).toEqual([]);

      const found = await verdict(person, 'PROJECT_FUNDING', { lookbackYears: 3 });
      expect(found.verdict).toBe('REVIEW');
      expect(found.evidence).toEqual([
        expect.objectContaining({
          kind: 'CASE',
          recordId: recorded.id,
          effect: 'REVIEW',
          case: expect.objectContaining({ decisionNumber: recorded.decisionNumber, decisionDate }),
        }),
      ]);
      expect(await verdict(person, 'PROJECT_FUNDING')).toMatchObject({ verdict: 'CLEAR', evidence: [] });
      expect(
        await verdict(person, 'PROJECT_FUNDING', { lookbackYears: 3, asOf: addDays(decisionDate, -1) }),
      ).toMatchObject({ verdict: 'CLEAR', evidence: [] });
      // The window's ends are inclusive: [asOf − N years, asOf].
      const lastDay = addMonths(decisionDate, 36);
      expect(
        await verdictsOn(person, 'PROJECT_FUNDING', [decisionDate, lastDay, addDays(lastDay, 1)], {
          lookbackYears: 3,
        }),
      ).toEqual({ [decisionDate]: 'REVIEW', [lastDay]: 'REVIEW', [addDays(lastDay, 1)]: 'CLEAR' });
      // Not known before it was recorded.
      expect(
        await verdict(person, 'PROJECT_FUNDING', { lookbackYears: 3, knownAt: beforeCase }),
      ).toMatchObject({ verdict: 'CLEAR', evidence: [] });
    });

    it('counts the end of a measure inside the window, and adds nothing for a case an entry in force cites', async () => {
      // Decided long before the window, with a bar that ended inside it.
      const person = await newPerson();
      const decisionDate = '2020-01-10';
      const end = '2024-12-31';
      const recorded = await recordCase(person, {
        decisionDate,
        measures: [
          { type: 'BAN_AWARD_TITLE_APPLICATION', startDate: decisionDate, endDate: end, domains: ['AWARD'] },
        ],
      });
      const asOf = addMonths(end, 24);
      const found = await verdict(person, 'PROJECT_FUNDING', { asOf, lookbackYears: 3 });
      expect(found.verdict).toBe('REVIEW');
      expect(found.evidence).toEqual([
        expect.objectContaining({
          kind: 'CASE',
          recordId: recorded.id,
          period: expect.objectContaining({ from: decisionDate, to: end }),
        }),
      ]);
      expect(
        await verdictsOn(person, 'PROJECT_FUNDING', [addMonths(end, 36), addDays(addMonths(end, 36), 1)], {
          lookbackYears: 3,
        }),
      ).toEqual({ [addMonths(end, 36)]: 'REVIEW', [addDays(addMonths(end, 36), 1)]: 'CLEAR' });

      // A black-listed subject: the entry in force cites the case, the look-back adds no CASE evidence.
      const { person: listed, listingId } = await blackListed();
      const cited = await verdict(listed, 'PROJECT_FUNDING', { asOf: '2025-01-01', lookbackYears: 3 });
      expect(cited.verdict).toBe('BLOCK');
      expect(cited.evidence).toEqual([expect.objectContaining({ kind: 'LISTING', recordId: listingId })]);
    });

    it('reads the decision date a case re-decided after review states, as known at knownAt', async () => {
      const first = '2025-05-01';
      const second = '2025-07-01';
      const person = await newPerson();
      const recorded = await recordCase(person, {
        decisionDate: first,
        severity: 'MINOR',
        status: 'DECIDED',
        measures: [{ type: 'WARNING' }],
      });
      const transition = (body: Body) =>
        request(t.http).post(`/api/v1/cases/${recorded.id}/transitions`).set(recorder.auth).send(body);
      await transition({ to: 'REVIEW_REQUESTED', reason: '当事人申请复查' }).expect(200);
      const beforeRedecision = await instantNow();
      await transition({ to: 'DECIDED', decisionDate: second, reason: '复查后重新作出决定' }).expect(200);

      // A window that holds the second date but not the first.
      const asOf = addMonths('2025-06-15', 36);
      const now = await verdict(person, 'PROJECT_FUNDING', { lookbackYears: 3, asOf });
      expect(now.verdict).toBe('REVIEW');
      expect(now.evidence[0].case).toMatchObject({ decisionDate: second });
      const before = await verdict(person, 'PROJECT_FUNDING', {
        lookbackYears: 3,
        asOf,
        knownAt: beforeRedecision,
      });
      expect(before).toMatchObject({ verdict: 'CLEAR', evidence: [] });
    });
  });

  // ---------------------------------------------------------------------------------------------
  describe('cases and measures', () => {
    it('runs a measure without a start from its case decision date', async () => {
      const decisionDate = '2025-01-10';
      const end = '2025-12-31';
      const person = await newPerson();
      const recorded = await recordCase(person, {
        decisionDate,
        measures: [{ type: 'SUSPEND_AND_RECTIFY', endDate: end, domains: ['PROJECT_FUNDING'] }],
      });
      expect(
        await verdictsOn(person, 'PROJECT_FUNDING', [
          addDays(decisionDate, -1),
          decisionDate,
          end,
          addDays(end, 1),
        ]),
      ).toEqual({
        [addDays(decisionDate, -1)]: 'CLEAR',
        [decisionDate]: 'BLOCK',
        [end]: 'BLOCK',
        [addDays(end, 1)]: 'CLEAR',
      });
      const first = await verdict(person, 'PROJECT_FUNDING', { asOf: decisionDate });
      expect(first.evidence).toEqual([
        expect.objectContaining({
          kind: 'MEASURE',
          period: expect.objectContaining({ from: decisionDate, to: end }),
          case: expect.objectContaining({ decisionNumber: recorded.decisionNumber }),
        }),
      ]);
    });

    it('counts a measure added to a decided case only once it is recorded', async () => {
      const person = await newPerson();
      const recorded = await recordCase(person, {
        decisionDate: '2025-01-10',
        measures: [{ type: 'WARNING' }],
      });
      const beforeMeasure = await instantNow();
      await request(t.http)
        .post(`/api/v1/cases/${recorded.id}/measures`)
        .set(recorder.auth)
        .send({
          measures: [
            {
              subjectId: person.subjectId,
              type: 'BAN_FUNDED_ACTIVITY',
              startDate: '2025-01-10',
              endDate: '2028-01-09',
              domains: ['PROJECT_FUNDING'],
            },
          ],
        })
        .expect(201);
      const now = await verdict(person, 'PROJECT_FUNDING', { asOf: '2025-06-01' });
      expect(now.verdict).toBe('BLOCK');
      expect(kinds(now)).toEqual(['MEASURE']);
      expect(
        await verdict(person, 'PROJECT_FUNDING', { asOf: '2025-06-01', knownAt: beforeMeasure }),
      ).toMatchObject({ verdict: 'CLEAR', evidence: [] });
    });
  });

  // ---------------------------------------------------------------------------------------------
  describe('corrections are new versions', () => {
    it('corrects effectiveFrom: checks answer the new period, a knownAt before answers the old one', async () => {
      const corrected = '2024-06-01';
      const asOf = '2024-04-01';
      const { person, listingId } = await blackListed(BAR_FROM, BAR_TO);
      expect((await verdict(person, LIST_ONLY_DOMAIN, { asOf })).verdict).toBe('BLOCK');
      const corrections = await t.dataSource.query(
        "SELECT count(*)::int AS n FROM audit_entry WHERE action = 'LISTING_CORRECTED' AND target_id = $1",
        [listingId],
      );
      expect(corrections[0].n).toBe(0);

      const beforeCorrection = await instantNow();
      const res = await listingPost(`${listingId}/corrections`, approver, {
        reason: '处理决定载明的起始日期录入有误',
        effectiveFrom: corrected,
      }).expect(200);
      expect(res.body).toMatchObject({ effectiveFrom: corrected, effectiveTo: BAR_TO, status: 'ACTIVE' });
      expect(res.body.history.map((e: Body) => e.status)).toEqual(['PROPOSED', 'ACTIVE', 'CORRECTED']);
      expect(res.body.history.at(-1)).toMatchObject({
        status: 'CORRECTED',
        effectiveFrom: corrected,
        effectiveTo: BAR_TO,
        actorId: approver.id,
        reason: '处理决定载明的起始日期录入有误',
      });
      expect(Date.parse(res.body.history.at(-1).recordedAt)).toBeGreaterThan(Date.parse(beforeCorrection));
      // The proposal's own period stays in the history.
      expect(res.body.history[0]).toMatchObject({ status: 'PROPOSED', effectiveFrom: BAR_FROM });
      const [audit] = await t.dataSource.query(
        "SELECT actor_id, changes FROM audit_entry WHERE action = 'LISTING_CORRECTED' AND target_id = $1",
        [listingId],
      );
      expect(audit).toMatchObject({
        actor_id: approver.id,
        changes: {
          before: expect.objectContaining({ effectiveFrom: BAR_FROM }),
          after: expect.objectContaining({ effectiveFrom: corrected }),
        },
      });

      const now = await verdict(person, LIST_ONLY_DOMAIN, { asOf });
      expect(now).toMatchObject({ verdict: 'CLEAR', evidence: [] });
      expect((await verdict(person, LIST_ONLY_DOMAIN, { asOf: corrected })).verdict).toBe('BLOCK');
      const asBefore = await verdict(person, LIST_ONLY_DOMAIN, { asOf, knownAt: beforeCorrection });
      expect(asBefore.verdict).toBe('BLOCK');
      expect(asBefore.evidence[0].period).toMatchObject({ from: BAR_FROM, to: BAR_TO });
    });

    it('corrects the date of a revocation with a new event of the same kind', async () => {
      const first = '2025-06-01';
      const second = '2025-09-01';
      const between = '2025-07-01';
      const { person, listingId } = await blackListed();
      await listingPost(`${listingId}/revoke`, approver, { reason: '撤销', effectiveDate: first }).expect(
        200,
      );
      const beforeCorrection = await instantNow();
      const res = await listingPost(`${listingId}/corrections`, approver, {
        reason: '撤销决定的生效日期录入有误',
        terminatedFrom: second,
      }).expect(200);
      expect(res.body).toMatchObject({ terminatedFrom: second, status: 'REVOKED' });
      const revocations = res.body.history.filter((e: Body) => e.status === 'REVOKED');
      expect(revocations.map((e: Body) => e.effectiveDate)).toEqual([first, second]);
      expect(await verdictsOn(person, 'PROJECT_FUNDING', [between, addDays(second, -1), second])).toEqual({
        [between]: 'BLOCK',
        [addDays(second, -1)]: 'BLOCK',
        [second]: 'CLEAR',
      });
      expect(
        await verdictsOn(person, 'PROJECT_FUNDING', [addDays(first, -1), between], {
          knownAt: beforeCorrection,
        }),
      ).toEqual({ [addDays(first, -1)]: 'BLOCK', [between]: 'CLEAR' });
    });

    it('refuses an empty correction, an end before the start, a date to end an entry never ended, and a non-approver', async () => {
      const { listingId } = await blackListed();
      const before = await rowCounts(t, listingTables);
      const empty = await listingPost(`${listingId}/corrections`, approver, { reason: '无' }).expect(400);
      expect(empty.body.code).toBe('LISTING_CORRECTION_EMPTY');

      const backwards = await listingPost(`${listingId}/corrections`, approver, {
        reason: '更正',
        effectiveTo: addDays(BAR_FROM, -1),
      }).expect(400);
      expect(backwards.body.code).toBe('LISTING_END_BEFORE_START');
      expect(backwards.body.details[0]).toMatchObject({ field: 'effectiveTo' });

      const backwardsFrom = await listingPost(`${listingId}/corrections`, approver, {
        reason: '更正',
        effectiveFrom: addDays(BAR_TO, 1),
      }).expect(400);
      expect(backwardsFrom.body.code).toBe('LISTING_END_BEFORE_START');

      const notEnded = await listingPost(`${listingId}/corrections`, approver, {
        reason: '更正',
        terminatedFrom: '2025-01-01',
      }).expect(409);
      expect(notEnded.body.code).toBe('LISTING_NOT_TERMINATED');

      const noReason = await listingPost(`${listingId}/corrections`, approver, {
        effectiveFrom: '2024-06-01',
      }).expect(400);
      expect(noReason.body.details[0]).toMatchObject({ field: 'reason' });

      const badDate = await listingPost(`${listingId}/corrections`, approver, {
        reason: '更正',
        effectiveFrom: '2024-02-30',
      }).expect(400);
      expect(badDate.body.details[0]).toMatchObject({ field: 'effectiveFrom' });

      await listingPost(`${listingId}/corrections`, recorder, {
        reason: '更正',
        effectiveFrom: '2024-06-01',
      }).expect(403);
      await listingPost(`${listingId}/corrections`, reviewer, {
        reason: '更正',
        effectiveFrom: '2024-06-01',
      }).expect(403);

      expect(await rowCounts(t, listingTables)).toEqual(before);
      expect((await readListing(listingId).expect(200)).body).toMatchObject({
        effectiveFrom: BAR_FROM,
        effectiveTo: BAR_TO,
        version: 2,
      });
    });
  });

  // ---------------------------------------------------------------------------------------------
  describe('receipts', () => {
    it('stores the knownAt a check judged by, and replays it after the registry changed', async () => {
      const { person, listingId } = await blackListed();
      const knownAt = await instantNow();
      const asOf = '2025-01-01';
      const res = await checkRequest(person, 'PROJECT_FUNDING', { asOf, knownAt: inBeijing(knownAt) }).expect(
        200,
      );
      // The same instant, whichever zone it was written in.
      expect(Date.parse(res.body.knownAt)).toBe(Date.parse(knownAt));
      expect(res.body.at).not.toBe(res.body.knownAt);
      expect(Date.parse(res.body.at)).toBeGreaterThan(Date.parse(res.body.knownAt));
      expect(res.body.results[0].verdict).toBe('BLOCK');

      const receipt = await request(t.http)
        .get(`/api/v1/checks/${res.body.id}`)
        .set(reviewer.auth)
        .expect(200);
      expect(receipt.body).toMatchObject({ knownAt: res.body.knownAt, at: res.body.at, asOf });
      expect(Date.parse(receipt.body.knownAt)).toBe(Date.parse(knownAt));
      const [row] = await t.dataSource.query('SELECT known_at FROM check_run WHERE id = $1', [res.body.id]);
      expect(new Date(row.known_at).toISOString()).toBe(new Date(knownAt).toISOString());

      // The entry is then revoked from its first day: it counts on no day any more…
      await listingPost(`${listingId}/revoke`, approver, {
        reason: '原处理决定自始无效',
        effectiveDate: BAR_FROM,
      }).expect(200);
      expect((await verdict(person, 'PROJECT_FUNDING', { asOf })).verdict).toBe('CLEAR');
      // …but the receipt's knownAt replays the answer it gave.
      const replay = await checkRequest(person, 'PROJECT_FUNDING', {
        asOf: receipt.body.asOf,
        knownAt: receipt.body.knownAt,
      }).expect(200);
      expect(replay.body.knownAt).toBe(receipt.body.knownAt);
      expect(replay.body.results).toEqual(receipt.body.results);
    });

    it('judges by now when no knownAt is given', async () => {
      const person = await newPerson();
      const before = Date.now();
      const res = await checkRequest(person, 'PROJECT_FUNDING').expect(200);
      const after = Date.now();
      expect(Date.parse(res.body.knownAt)).toBeGreaterThanOrEqual(before);
      expect(Date.parse(res.body.knownAt)).toBeLessThanOrEqual(after);
      const receipt = await request(t.http)
        .get(`/api/v1/checks/${res.body.id}`)
        .set(reviewer.auth)
        .expect(200);
      expect(receipt.body.knownAt).toBe(res.body.knownAt);
    });
  });

  // ---------------------------------------------------------------------------------------------
  describe('bad input writes nothing', () => {
    it('refuses a knownAt in the future with 400 CHECK_KNOWN_AT_IN_FUTURE', async () => {
      const person = await newPerson();
      const before = await rowCounts(t, checkTables);
      const res = await checkRequest(person, 'PROJECT_FUNDING', {
        knownAt: new Date(Date.now() + 60_000).toISOString(),
      }).expect(400);
      expect(res.body.code).toBe('CHECK_KNOWN_AT_IN_FUTURE');
      expect(res.body.details[0]).toMatchObject({ field: 'knownAt', code: 'CHECK_KNOWN_AT_IN_FUTURE' });
      expect(await rowCounts(t, checkTables)).toEqual(before);
    });

    it.each([
      ['without a zone', '2026-01-01T00:00:00'],
      ['on a day that does not exist', '2025-02-30T00:00:00Z'],
      ['as a bare date', '2025-01-01'],
      ['as a number', 1735689600000],
    ])('refuses a knownAt %s with 400 naming the field', async (_, knownAt) => {
      const person = await newPerson();
      const before = await rowCounts(t, checkTables);
      const res = await checkRequest(person, 'PROJECT_FUNDING', { knownAt }).expect(400);
      expect(res.body.details).toEqual(
        expect.arrayContaining([expect.objectContaining({ field: 'knownAt' })]),
      );
      expect(await rowCounts(t, checkTables)).toEqual(before);
    });

    it('refuses a revocation effective on a day that does not exist', async () => {
      const { person, listingId } = await blackListed();
      const before = await rowCounts(t, listingTables);
      const res = await listingPost(`${listingId}/revoke`, approver, {
        reason: '撤销',
        effectiveDate: '2025-02-30',
      }).expect(400);
      expect(res.body.details).toEqual(
        expect.arrayContaining([expect.objectContaining({ field: 'effectiveDate' })]),
      );
      expect(await rowCounts(t, listingTables)).toEqual(before);
      expect((await readListing(listingId).expect(200)).body).toMatchObject({
        status: 'ACTIVE',
        terminatedFrom: null,
        inForceToday: true,
      });
      expect((await verdict(person, 'PROJECT_FUNDING', { asOf: '2025-03-01' })).verdict).toBe('BLOCK');
    });
  });
});
