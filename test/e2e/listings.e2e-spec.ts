import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { Role } from '../../src/auth/principal';
import { inForceAt, ListingEventKind } from '../../src/listings/in-force';
import { addDays, addMonths, todayIn } from '../../src/rules/rules';
import { createTestApp, TestApp } from '../app';
import { auditCount, newSubject, newUser, rowCounts, TestUser } from '../factories';

type Body = Record<string, unknown>;

const UNKNOWN_ID = '00000000-0000-4000-8000-000000000000';

describe('listings', () => {
  let t: TestApp;
  let recorder: TestUser;
  /** Records and approves: the four-eyes rule must still stop them on their own proposals. */
  let recorderApprover: TestUser;
  let approver: TestUser;
  let approver2: TestUser;
  let reviewer: TestUser;
  const today = todayIn();
  const yesterday = addDays(today, -1);

  beforeAll(async () => {
    t = await createTestApp();
    [recorder, recorderApprover, approver, approver2, reviewer] = await Promise.all([
      newUser(t, [Role.RECORDER]),
      newUser(t, [Role.RECORDER, Role.APPROVER]),
      newUser(t, [Role.APPROVER]),
      newUser(t, [Role.APPROVER]),
      newUser(t, [Role.REVIEWER]),
    ]);
  });

  afterAll(async () => {
    await t?.close();
  });

  const token = () => randomBytes(3).toString('hex');
  const counts = () =>
    rowCounts(t, ['listing', 'listing_event', 'objection', 'repair_request', 'audit_entry']);

  const read = (id: string, who: TestUser = reviewer) =>
    request(t.http).get(`/api/v1/listings/${id}`).set(who.auth);
  const propose = (body: Body, who: TestUser = recorder) =>
    request(t.http).post('/api/v1/listings').set(who.auth).send(body);
  const post = (path: string, who: TestUser, body: Body = {}, ifMatch?: string) => {
    const req = request(t.http).post(`/api/v1/listings/${path}`).set(who.auth);
    return (ifMatch === undefined ? req : req.set('If-Match', ifMatch)).send(body);
  };
  const approve = (id: string, who: TestUser = approver, ifMatch?: string) =>
    post(`${id}/approve`, who, {}, ifMatch);
  const statuses = (res: { body: { history: Body[] } }) => res.body.history.map((e: Body) => e.status);

  interface Recorded {
    caseId: string;
    listingId: string;
    subjectId: string;
    decisionNumber: string;
  }

  /** A decided case putting one subject on the black list through a SERIOUS_DB_ENTRY measure. */
  const blackCase = async (
    o: {
      subjectId?: string;
      name?: string;
      decisionDate?: string;
      severity?: string;
      startDate?: string;
      endDate?: string;
      who?: TestUser;
    } = {},
  ): Promise<Recorded> => {
    const subjectId = o.subjectId ?? (await newSubject(t, recorder, o.name ? { name: o.name } : {}));
    const decisionDate = o.decisionDate ?? addDays(today, -10);
    const startDate = o.startDate ?? decisionDate;
    const res = await request(t.http)
      .post('/api/v1/cases')
      .set((o.who ?? recorder).auth)
      .send({
        status: 'DECIDED',
        decisionNumber: `闽科〔2026〕${token()}号`,
        authority: '福建省科学技术厅',
        decisionDate,
        severity: o.severity ?? 'SERIOUS',
        misconductTypes: ['PLAGIARISM'],
        source: 'AUDIT',
        subjects: [{ ref: 's', subjectId, roles: ['RESEARCHER'] }],
        measures: [
          {
            subjectRef: 's',
            type: 'SERIOUS_DB_ENTRY',
            startDate,
            endDate: o.endDate ?? addMonths(startDate, 36),
          },
        ],
      })
      .expect(201);
    expect(res.body.listingIds).toHaveLength(1);
    return {
      caseId: res.body.id,
      listingId: res.body.listingIds[0],
      subjectId,
      decisionNumber: res.body.decisionNumber,
    };
  };

  const activeBlack = async (o: Parameters<typeof blackCase>[0] = {}): Promise<Recorded> => {
    const recorded = await blackCase(o);
    await approve(recorded.listingId).expect(200);
    return recorded;
  };

  const proposeRed = async (subjectId: string, effectiveFrom = addDays(today, -8)): Promise<string> =>
    (
      await propose({
        subjectId,
        listType: 'RED',
        designationDocument: `守信激励认定〔2026〕${token()}号`,
        effectiveFrom,
        effectiveTo: addMonths(today, 24),
      }).expect(201)
    ).body.id;

  /**
   * The test's clock: the RED candidate's publicity period, the rule data's 7 days, began `days` ago
   * (so it is over once `days` ≥ 7).
   */
  const publishedDaysAgo = (id: string, days: number) =>
    t.dataSource.query(`UPDATE listing SET publicity_from = $2, publicity_to = $3 WHERE id = $1`, [
      id,
      addDays(today, -days),
      addDays(today, 6 - days),
    ]);

  /** An entry's history as the pure rule reads it (in-force.ts), from its API view. */
  const knownHistory = (body: Body & { history: Body[] }) => ({
    history: body.history.map((e) => ({
      status: e.status as ListingEventKind,
      recordedAt: e.recordedAt as string,
      effectiveDate: e.effectiveDate as string | null,
      period: e.effectiveFrom
        ? { from: e.effectiveFrom as string, to: e.effectiveTo as string | null }
        : null,
    })),
    effectiveFrom: body.effectiveFrom as string,
    effectiveTo: body.effectiveTo as string | null,
  });

  const activeRed = async (subjectId: string, effectiveFrom?: string): Promise<string> => {
    const id = await proposeRed(subjectId, effectiveFrom);
    await publishedDaysAgo(id, 8);
    await approve(id).expect(200);
    return id;
  };

  describe('proposing', () => {
    it('proposes a WATCH entry resting on a decided case, and audits it', async () => {
      const { caseId, subjectId } = await blackCase();
      const before = await auditCount(t, 'LISTING_PROPOSED');
      const res = await propose({
        subjectId,
        listType: 'WATCH',
        caseId,
        effectiveFrom: today,
        effectiveTo: addMonths(today, 6),
      }).expect(201);
      expect(res.body).toMatchObject({
        subjectId,
        listType: 'WATCH',
        caseId,
        status: 'PROPOSED',
        effectiveFrom: today,
        effectiveTo: addMonths(today, 6),
        inForceToday: false,
        inForceReason: 'NOT_APPROVED',
        underObjection: false,
        proposedBy: recorder.id,
        decidedBy: null,
        version: 1,
        objections: [],
        repairs: [],
      });
      expect(statuses(res)).toEqual(['PROPOSED']);
      expect(await auditCount(t, 'LISTING_PROPOSED')).toBe(before + 1);
    });

    it.each<
      [string, (r: Recorded, stranger: string, reported: string) => Body, number, string, string | undefined]
    >([
      [
        'a BLACK entry without its case',
        (r) => ({ subjectId: r.subjectId, listType: 'BLACK', effectiveFrom: today }),
        400,
        'LISTING_BASIS_REQUIRED',
        'caseId',
      ],
      [
        'a RED entry without its designation document',
        (r) => ({ subjectId: r.subjectId, listType: 'RED', effectiveFrom: today }),
        400,
        'LISTING_BASIS_REQUIRED',
        'designationDocument',
      ],
      [
        'an entry on a case without a decision',
        (_, stranger, reported) => ({
          subjectId: stranger,
          listType: 'BLACK',
          caseId: reported,
          effectiveFrom: today,
        }),
        409,
        'LISTING_CASE_NOT_DECIDED',
        undefined,
      ],
      [
        'an entry for a subject the case does not name',
        (r, stranger) => ({ subjectId: stranger, listType: 'WATCH', caseId: r.caseId, effectiveFrom: today }),
        400,
        'LISTING_SUBJECT_NOT_IN_CASE',
        'subjectId',
      ],
      [
        'an entry on an unknown case',
        (r) => ({ subjectId: r.subjectId, listType: 'WATCH', caseId: UNKNOWN_ID, effectiveFrom: today }),
        404,
        'CASE_NOT_FOUND',
        undefined,
      ],
      [
        'an entry ending before it starts',
        (r) => ({
          subjectId: r.subjectId,
          listType: 'WATCH',
          caseId: r.caseId,
          effectiveFrom: today,
          effectiveTo: yesterday,
        }),
        400,
        'LISTING_END_BEFORE_START',
        'effectiveTo',
      ],
      [
        'a RED entry for an unknown subject',
        () => ({
          subjectId: UNKNOWN_ID,
          listType: 'RED',
          designationDocument: '认定书',
          effectiveFrom: today,
        }),
        400,
        'LISTING_SUBJECT_NOT_FOUND',
        'subjectId',
      ],
      [
        'an unknown list',
        (r) => ({ subjectId: r.subjectId, listType: 'GREY', caseId: r.caseId, effectiveFrom: today }),
        400,
        'VALIDATION_FAILED',
        'listType',
      ],
      [
        'a malformed start date',
        (r) => ({ subjectId: r.subjectId, listType: 'WATCH', caseId: r.caseId, effectiveFrom: '2026-02-30' }),
        400,
        'VALIDATION_FAILED',
        'effectiveFrom',
      ],
    ])('refuses %s, writing nothing', async (_, body, status, code, field) => {
      const recorded = await blackCase();
      const stranger = await newSubject(t, recorder);
      const reported = (
        await request(t.http)
          .post('/api/v1/cases')
          .set(recorder.auth)
          .send({
            authority: '某市科学技术局',
            misconductTypes: ['OTHER'],
            source: 'MEDIA',
            subjects: [{ ref: 's', subjectId: stranger, roles: ['RESEARCHER'] }],
          })
          .expect(201)
      ).body.id;
      const before = await counts();
      const res = await propose(body(recorded, stranger, reported)).expect(status);
      expect(res.body.code).toBe(code);
      if (field) expect(res.body.details[0]).toMatchObject({ field });
      expect(await counts()).toEqual(before);
    });

    it('lets only recorders propose', async () => {
      const { caseId, subjectId } = await blackCase();
      const body = { subjectId, listType: 'WATCH', caseId, effectiveFrom: today };
      await propose(body, approver).expect(403);
      await propose(body, reviewer).expect(403);
      await request(t.http).post('/api/v1/listings').send(body).expect(401);
    });
  });

  describe('maker-checker', () => {
    it('refuses the recorder whose case proposed the entry, and lets another approver approve it', async () => {
      const { listingId, subjectId, caseId } = await blackCase({ who: recorderApprover });
      const own = await approve(listingId, recorderApprover, '1').expect(403);
      expect(own.body.code).toBe('LISTING_SELF_APPROVAL');
      expect((await read(listingId).expect(200)).body).toMatchObject({ status: 'PROPOSED', version: 1 });

      const before = await auditCount(t, 'LISTING_APPROVED');
      const res = await approve(listingId, approver, '1').expect(200);
      expect(res.body).toMatchObject({
        id: listingId,
        subjectId,
        caseId,
        listType: 'BLACK',
        status: 'ACTIVE',
        inForceToday: true,
        inForceReason: 'IN_FORCE',
        proposedBy: recorderApprover.id,
        decidedBy: approver.id,
        decidedAt: expect.any(String),
        version: 2,
      });
      expect(statuses(res)).toEqual(['PROPOSED', 'ACTIVE']);
      expect(res.body.history[1]).toMatchObject({ actorId: approver.id });
      expect(await auditCount(t, 'LISTING_APPROVED')).toBe(before + 1);

      const again = await approve(listingId, approver2).expect(409);
      expect(again.body.code).toBe('LISTING_TRANSITION_NOT_ALLOWED');
    });

    it('refuses the proposer of a manual entry, and lets another approver reject it with a reason', async () => {
      const { caseId, subjectId } = await blackCase();
      const id = (
        await propose(
          { subjectId, listType: 'WATCH', caseId, effectiveFrom: today },
          recorderApprover,
        ).expect(201)
      ).body.id;
      await approve(id, recorderApprover).expect(403);
      const ownReject = await post(`${id}/reject`, recorderApprover, { reason: '证据不足' }).expect(403);
      expect(ownReject.body.code).toBe('LISTING_SELF_APPROVAL');

      const noReason = await post(`${id}/reject`, approver, {}).expect(400);
      expect(noReason.body.details).toEqual([
        expect.objectContaining({ field: 'reason', code: 'IS_STRING' }),
      ]);
      const blank = await post(`${id}/reject`, approver, { reason: '  ' }).expect(400);
      expect(blank.body.details).toEqual([
        expect.objectContaining({ field: 'reason', code: 'IS_NOT_EMPTY' }),
      ]);

      const res = await post(`${id}/reject`, approver, { reason: '证据不足' }).expect(200);
      expect(res.body).toMatchObject({
        status: 'REJECTED',
        decisionReason: '证据不足',
        decidedBy: approver.id,
        inForceToday: false,
        inForceReason: 'REJECTED',
      });
      expect(statuses(res)).toEqual(['PROPOSED', 'REJECTED']);
      expect(res.body.history[1].reason).toBe('证据不足');
      const late = await approve(id, approver2).expect(409);
      expect(late.body.code).toBe('LISTING_TRANSITION_NOT_ALLOWED');
    });

    it('answers a reviewer, a plain recorder and no credentials with 403 or 401, changing nothing', async () => {
      const { listingId } = await blackCase();
      const res = await approve(listingId, reviewer).expect(403);
      expect(res.body.code).toBe('ACCESS_DENIED');
      await approve(listingId, recorder).expect(403);
      await request(t.http).post(`/api/v1/listings/${listingId}/approve`).expect(401);
      expect((await read(listingId).expect(200)).body).toMatchObject({ status: 'PROPOSED', version: 1 });
    });

    it('lets an admin approve', async () => {
      const admin = await newUser(t, [Role.ADMIN]);
      const { listingId } = await blackCase();
      const res = await approve(listingId, admin).expect(200);
      expect(res.body).toMatchObject({ status: 'ACTIVE', decidedBy: admin.id });
    });

    it('answers a stale If-Match with 409 LISTING_VERSION_CONFLICT', async () => {
      const { listingId } = await blackCase();
      await post(`${listingId}/objections`, recorder, { raisedBy: '当事人', reason: '不服' }).expect(201);
      const res = await approve(listingId, approver, '1').expect(409);
      expect(res.body.code).toBe('LISTING_VERSION_CONFLICT');
      await approve(listingId, approver, '2').expect(200);
    });

    it('lets exactly one of two concurrent approvals of the same version win', async () => {
      const { listingId } = await blackCase();
      const before = await auditCount(t, 'LISTING_APPROVED');
      const results = await Promise.all([
        approve(listingId, approver, '1'),
        approve(listingId, approver2, '1'),
      ]);
      expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
      const loser = results.find((r) => r.status === 409)!;
      expect(['LISTING_VERSION_CONFLICT', 'LISTING_TRANSITION_NOT_ALLOWED']).toContain(loser.body.code);
      const winner = results.find((r) => r.status === 200)!;
      const after = await read(listingId).expect(200);
      expect(after.body).toMatchObject({ status: 'ACTIVE', version: 2, decidedBy: winner.body.decidedBy });
      expect(statuses(after)).toEqual(['PROPOSED', 'ACTIVE']);
      expect(await auditCount(t, 'LISTING_APPROVED')).toBe(before + 1);
    });

    it('revokes an active entry with a reason, and refuses to revoke a proposal', async () => {
      const { listingId } = await activeBlack();
      const res = await post(`${listingId}/revoke`, approver, { reason: '原处理决定已撤销' }).expect(200);
      expect(res.body).toMatchObject({ status: 'REVOKED', inForceToday: false, inForceReason: 'REVOKED' });
      expect(statuses(res)).toEqual(['PROPOSED', 'ACTIVE', 'REVOKED']);
      const proposal = await blackCase();
      const refused = await post(`${proposal.listingId}/revoke`, approver, { reason: 'x' }).expect(409);
      expect(refused.body.code).toBe('LISTING_TRANSITION_NOT_ALLOWED');
    });
  });

  describe('the red list', () => {
    it('publishes a RED candidate for its objection period, then a BLACK entry ends it from its own first day and blocks new ones', async () => {
      const subjectId = await newSubject(t, recorder, { kind: 'LEGAL_PERSON', name: `守信企业${token()}` });
      const redFrom = addDays(today, -8);
      const redTo = addMonths(today, 24);
      const redId = await proposeRed(subjectId, redFrom);
      // Proposed without dates: published from today for the rule data's 7 days.
      const proposed = await read(redId).expect(200);
      expect(proposed.body).toMatchObject({
        status: 'PROPOSED',
        publicityFrom: today,
        publicityTo: addDays(today, 6),
        terminatedFrom: null,
      });
      const early = await approve(redId).expect(409);
      expect(early.body.code).toBe('RED_OBJECTION_PERIOD_RUNNING');
      expect(early.body.message).toContain(addDays(today, 6));
      expect(early.body.message).toContain(addDays(today, 7));
      expect((await read(redId).expect(200)).body.status).toBe('PROPOSED');

      // Today is the last day of publicity: still refused; from the day after, approved.
      await publishedDaysAgo(redId, 6);
      expect((await approve(redId).expect(409)).body.code).toBe('RED_OBJECTION_PERIOD_RUNNING');
      await publishedDaysAgo(redId, 7);
      const red = await approve(redId).expect(200);
      expect(red.body).toMatchObject({
        status: 'ACTIVE',
        inForceToday: true,
        effectiveFrom: redFrom,
        publicityFrom: addDays(today, -7),
        publicityTo: yesterday,
      });

      // The BLACK entry begins three days ago (its decision date), after the RED entry began.
      const blackFrom = addDays(today, -3);
      const { listingId: blackId } = await blackCase({ subjectId, decisionDate: blackFrom });
      const black = await approve(blackId, approver2).expect(200);
      expect(black.body).toMatchObject({ status: 'ACTIVE', inForceToday: true, effectiveFrom: blackFrom });

      const ended = await read(redId).expect(200);
      expect(ended.body).toMatchObject({
        status: 'EXPIRED',
        effectiveFrom: redFrom,
        effectiveTo: redTo,
        terminatedFrom: blackFrom,
        inForceToday: false,
        inForceReason: 'ENDED',
      });
      expect(statuses(ended)).toEqual(['PROPOSED', 'ACTIVE', 'EXPIRED']);
      const redEnd = ended.body.history[2];
      expect(redEnd).toMatchObject({
        actorId: approver2.id,
        effectiveDate: blackFrom,
        reason: expect.stringContaining(blackId),
      });
      // Both rows were written by one transaction: now() is the same instant for both.
      expect(redEnd.recordedAt).toEqual(expect.any(String));
      expect(redEnd.recordedAt).toBe(black.body.history[1].recordedAt);
      // It counts up to the day before the BLACK entry's first day, and from then on no more.
      expect(inForceAt(knownHistory(ended.body), addDays(blackFrom, -1))).toEqual({
        inForce: true,
        reason: 'IN_FORCE',
      });
      expect(inForceAt(knownHistory(ended.body), blackFrom)).toEqual({ inForce: false, reason: 'ENDED' });
      const [entry] = await t.dataSource.query(
        `SELECT changes FROM audit_entry WHERE action = 'LISTING_RED_ENDED' AND target_id = $1`,
        [redId],
      );
      expect(entry.changes.after).toMatchObject({
        status: 'EXPIRED',
        effectiveTo: redTo,
        terminatedFrom: blackFrom,
      });

      const before = await counts();
      const blocked = await propose({
        subjectId,
        listType: 'RED',
        designationDocument: '守信激励认定〔2026〕99号',
        effectiveFrom: today,
      }).expect(409);
      expect(blocked.body.code).toBe('RED_BLOCKED_BY_SANCTION');
      expect(await counts()).toEqual(before);
    });

    it('revokes from its own first day a RED entry that begins on or after the first day of a BLACK or WATCH entry', async () => {
      const subjectId = await newSubject(t, recorder);
      const startedBefore = await activeRed(subjectId);
      const startsToday = await activeRed(subjectId, today);
      const startsLater = await activeRed(subjectId, addMonths(today, 1));
      expect((await read(startsToday).expect(200)).body.inForceToday).toBe(true);

      const { caseId } = await blackCase({ subjectId });
      const watch = (
        await propose({ subjectId, listType: 'WATCH', caseId, effectiveFrom: today }).expect(201)
      ).body.id;
      await approve(watch).expect(200);

      // Begun before the WATCH entry: it ends from the WATCH entry's first day, today.
      const before = await read(startedBefore).expect(200);
      expect(before.body).toMatchObject({ status: 'EXPIRED', terminatedFrom: today, inForceToday: false });
      expect(before.body.history.at(-1)).toMatchObject({ status: 'EXPIRED', effectiveDate: today });
      expect(inForceAt(knownHistory(before.body), yesterday).inForce).toBe(true);

      for (const id of [startsToday, startsLater]) {
        const res = await read(id).expect(200);
        const first = res.body.effectiveFrom;
        expect(res.body).toMatchObject({
          status: 'REVOKED',
          terminatedFrom: first,
          inForceToday: false,
          inForceReason: first === today ? 'REVOKED' : 'NOT_YET_EFFECTIVE',
        });
        expect(res.body.history.at(-1)).toMatchObject({
          status: 'REVOKED',
          effectiveDate: first,
          reason: expect.stringContaining(watch),
        });
        const onFirstDay = inForceAt(knownHistory(res.body), first);
        expect(onFirstDay).toEqual({ inForce: false, reason: 'REVOKED' });
      }
    });

    it('refuses a RED candidate for a subject whose approved BLACK entry begins later', async () => {
      const subjectId = await newSubject(t, recorder);
      const { listingId } = await activeBlack({ subjectId, startDate: addDays(today, 10) });
      expect((await read(listingId).expect(200)).body).toMatchObject({
        status: 'ACTIVE',
        inForceReason: 'NOT_YET_EFFECTIVE',
      });
      const res = await propose({
        subjectId,
        listType: 'RED',
        designationDocument: `守信激励认定〔2026〕${token()}号`,
        effectiveFrom: today,
      }).expect(409);
      expect(res.body.code).toBe('RED_BLOCKED_BY_SANCTION');
    });

    it('refuses a RED candidate under objection, and approves it once the objection is rejected', async () => {
      const subjectId = await newSubject(t, recorder);
      const redId = await proposeRed(subjectId);
      const objection = await post(`${redId}/objections`, recorder, {
        raisedBy: '举报人',
        reason: '该单位存在未公开的违规行为',
      }).expect(201);
      await publishedDaysAgo(redId, 10);
      const res = await approve(redId).expect(409);
      expect(res.body.code).toBe('RED_UNDER_OBJECTION');
      await post(`${redId}/objections/${objection.body.id}/resolve`, approver, {
        outcome: 'REJECT',
        reason: '经核查不属实',
      }).expect(200);
      await approve(redId).expect(200);
    });

    it('refuses to approve a RED candidate whose subject was black-listed meanwhile', async () => {
      const subjectId = await newSubject(t, recorder);
      const redId = await proposeRed(subjectId);
      await activeBlack({ subjectId });
      await publishedDaysAgo(redId, 8);
      const res = await approve(redId).expect(409);
      expect(res.body.code).toBe('RED_BLOCKED_BY_SANCTION');
    });
  });

  describe('objections', () => {
    const raise = (id: string, reason = '处理决定认定事实有误') =>
      post(`${id}/objections`, recorder, { raisedBy: '当事人本人', reason });
    const resolve = (id: string, objectionId: string, outcome: 'UPHOLD' | 'REJECT', who = approver) =>
      post(`${id}/objections/${objectionId}/resolve`, who, { outcome, reason: `复核结论${token()}` });

    it('marks the entry under objection at once, still in force, until every objection is rejected', async () => {
      const rejectionsBefore = await auditCount(t, 'OBJECTION_REJECTED');
      const { listingId } = await activeBlack();
      const first = await raise(listingId).expect(201);
      expect(first.body).toMatchObject({ status: 'OPEN', raisedBy: '当事人本人', resolvedAt: null });
      const marked = await read(listingId).expect(200);
      expect(marked.body).toMatchObject({ status: 'ACTIVE', underObjection: true, inForceToday: true });
      expect(marked.body.objections).toEqual([
        expect.objectContaining({ id: first.body.id, status: 'OPEN' }),
      ]);

      const second = await raise(listingId, '处罚过重').expect(201);
      const one = await resolve(listingId, first.body.id, 'REJECT').expect(200);
      expect(one.body).toMatchObject({ status: 'ACTIVE', underObjection: true });
      const both = await resolve(listingId, second.body.id, 'REJECT').expect(200);
      expect(both.body).toMatchObject({ status: 'ACTIVE', underObjection: false, inForceToday: true });
      expect(both.body.objections.map((o: Body) => o.status)).toEqual(['REJECTED', 'REJECTED']);
      expect(await auditCount(t, 'OBJECTION_REJECTED')).toBe(rejectionsBefore + 2);

      const twice = await resolve(listingId, first.body.id, 'UPHOLD').expect(409);
      expect(twice.body.code).toBe('OBJECTION_ALREADY_RESOLVED');
      expect((await read(listingId).expect(200)).body.status).toBe('ACTIVE');
    });

    it('revokes an active entry when an objection is upheld', async () => {
      const { listingId } = await activeBlack();
      const objection = await raise(listingId).expect(201);
      const res = await resolve(listingId, objection.body.id, 'UPHOLD').expect(200);
      expect(res.body).toMatchObject({
        status: 'REVOKED',
        inForceToday: false,
        inForceReason: 'REVOKED',
        underObjection: false,
      });
      expect(statuses(res)).toEqual(['PROPOSED', 'ACTIVE', 'REVOKED']);
      expect(res.body.history[2].reason).toContain('objection upheld');
      expect(res.body.objections[0]).toMatchObject({
        status: 'UPHELD',
        resolutionReason: expect.any(String),
      });
      const late = await raise(listingId).expect(409);
      expect(late.body.code).toBe('OBJECTION_NOT_ALLOWED');
    });

    it('rejects a proposal when an objection is upheld', async () => {
      const { listingId } = await blackCase();
      const objection = await raise(listingId).expect(201);
      const res = await resolve(listingId, objection.body.id, 'UPHOLD').expect(200);
      expect(res.body).toMatchObject({ status: 'REJECTED', inForceReason: 'REJECTED' });
      expect(statuses(res)).toEqual(['PROPOSED', 'REJECTED']);
    });

    it('answers an unknown objection with 404 and a reviewer with 403', async () => {
      const { listingId } = await blackCase();
      const missing = await resolve(listingId, UNKNOWN_ID, 'REJECT').expect(404);
      expect(missing.body.code).toBe('OBJECTION_NOT_FOUND');
      await post(`${listingId}/objections`, reviewer, { raisedBy: 'x', reason: 'y' }).expect(403);
      const noWho = await post(`${listingId}/objections`, recorder, { reason: 'y' }).expect(400);
      expect(noWho.body.details).toEqual([expect.objectContaining({ field: 'raisedBy', code: 'IS_STRING' })]);
    });
  });

  describe('credit repair', () => {
    const conditions = { correctionDone: true, obligationsMet: true, commitmentMade: true };
    const requestRepair = (id: string, body: Body = conditions, who = recorderApprover) =>
      post(`${id}/repairs`, who, body);
    const decide = (id: string, repairId: string, body: Body, who = approver) =>
      post(`${id}/repairs/${repairId}/decision`, who, body);

    it('refuses repair before the minimum publicity period of a SERIOUS decision has run', async () => {
      const decisionDate = addDays(today, -20);
      const { listingId } = await activeBlack({ decisionDate, severity: 'SERIOUS' });
      const before = await counts();
      const res = await requestRepair(listingId).expect(409);
      expect(res.body.code).toBe('REPAIR_TOO_EARLY');
      expect(res.body.details[0].context).toEqual({ earliest: addMonths(decisionDate, 3) });
      expect(await counts()).toEqual(before);
    });

    it('counts the longer minimum of a SEVERE decision', async () => {
      const decisionDate = addMonths(today, -6);
      const { listingId } = await activeBlack({ decisionDate, severity: 'SEVERE' });
      const res = await requestRepair(listingId).expect(409);
      expect(res.body.details[0].context).toEqual({ earliest: addMonths(decisionDate, 12) });
    });

    it('repairs an entry decided two years ago: requested, refused to its requester, approved by another', async () => {
      const decisionDate = addMonths(today, -24);
      const { listingId } = await activeBlack({ decisionDate, severity: 'SERIOUS' });

      const unmet = await requestRepair(listingId, { ...conditions, obligationsMet: false }).expect(400);
      expect(unmet.body.code).toBe('REPAIR_CONDITIONS_NOT_MET');
      expect(unmet.body.details).toEqual([
        expect.objectContaining({ field: 'obligationsMet', code: 'REPAIR_CONDITIONS_NOT_MET' }),
      ]);

      const repair = await requestRepair(listingId, {
        ...conditions,
        statement: '已整改并作出信用承诺',
      }).expect(201);
      expect(repair.body).toMatchObject({ status: 'PENDING', decidedAt: null });
      const pending = await requestRepair(listingId).expect(409);
      expect(pending.body.code).toBe('REPAIR_ALREADY_PENDING');

      const own = await decide(listingId, repair.body.id, { decision: 'APPROVE' }, recorderApprover).expect(
        403,
      );
      expect(own.body.code).toBe('LISTING_SELF_APPROVAL');
      await decide(listingId, repair.body.id, { decision: 'APPROVE' }, reviewer).expect(403);
      expect((await read(listingId).expect(200)).body.status).toBe('ACTIVE');

      const res = await decide(listingId, repair.body.id, {
        decision: 'APPROVE',
        reason: '符合修复条件',
      }).expect(200);
      expect(res.body).toMatchObject({
        status: 'REPAIRED',
        inForceToday: false,
        inForceReason: 'REPAIRED',
        repairs: [
          expect.objectContaining({ id: repair.body.id, status: 'APPROVED', decisionReason: '符合修复条件' }),
        ],
      });
      expect(statuses(res)).toEqual(['PROPOSED', 'ACTIVE', 'REPAIRED']);
      const again = await decide(listingId, repair.body.id, { decision: 'REFUSE', reason: 'x' }).expect(409);
      expect(again.body.code).toBe('REPAIR_ALREADY_DECIDED');
      const after = await requestRepair(listingId).expect(409);
      expect(after.body.code).toBe('REPAIR_NOT_IN_FORCE');
    });

    it('refuses a repair with a reason, leaving the entry in force', async () => {
      const { listingId } = await activeBlack({ decisionDate: addMonths(today, -24) });
      const repair = await requestRepair(listingId).expect(201);
      const noReason = await decide(listingId, repair.body.id, { decision: 'REFUSE' }).expect(400);
      expect(noReason.body.details[0].field).toBe('reason');
      const res = await decide(listingId, repair.body.id, {
        decision: 'REFUSE',
        reason: '未履行法定义务',
      }).expect(200);
      expect(res.body).toMatchObject({ status: 'ACTIVE', inForceToday: true });
      expect(res.body.repairs[0]).toMatchObject({ status: 'REFUSED', decisionReason: '未履行法定义务' });
      await requestRepair(listingId).expect(201);
    });

    it('closes the open objections and the pending request of an entry that is revoked', async () => {
      const { listingId } = await activeBlack({ decisionDate: addMonths(today, -24) });
      const objection = await post(`${listingId}/objections`, recorder, {
        raisedBy: '当事人',
        reason: '不服',
      }).expect(201);
      const repair = await requestRepair(listingId).expect(201);
      const res = await post(`${listingId}/revoke`, approver, { reason: '原处理决定已撤销' }).expect(200);
      expect(res.body).toMatchObject({ status: 'REVOKED', underObjection: false });
      expect(res.body.objections).toEqual([
        expect.objectContaining({
          id: objection.body.id,
          status: 'CLOSED',
          resolutionReason: 'the entry is REVOKED',
        }),
      ]);
      expect(res.body.repairs).toEqual([
        expect.objectContaining({
          id: repair.body.id,
          status: 'CLOSED',
          decisionReason: 'the entry is REVOKED',
        }),
      ]);
      const [entry] = await t.dataSource.query(
        "SELECT changes FROM audit_entry WHERE action = 'LISTING_REVOKED' AND target_id = $1",
        [listingId],
      );
      expect(entry.changes).toMatchObject({
        closedObjections: [objection.body.id],
        closedRepairRequests: [repair.body.id],
      });
      const decided = await decide(listingId, repair.body.id, { decision: 'APPROVE' }).expect(409);
      expect(decided.body.code).toBe('REPAIR_ALREADY_DECIDED');
      const resolved = await post(`${listingId}/objections/${objection.body.id}/resolve`, approver, {
        outcome: 'REJECT',
        reason: '复核',
      }).expect(409);
      expect(resolved.body.code).toBe('OBJECTION_ALREADY_RESOLVED');
    });

    it('closes the open objections of an entry that is repaired', async () => {
      const { listingId } = await activeBlack({ decisionDate: addMonths(today, -24) });
      const objection = await post(`${listingId}/objections`, recorder, {
        raisedBy: '当事人',
        reason: '不服',
      }).expect(201);
      const repair = await requestRepair(listingId).expect(201);
      const res = await decide(listingId, repair.body.id, {
        decision: 'APPROVE',
        reason: '符合修复条件',
      }).expect(200);
      expect(res.body).toMatchObject({ status: 'REPAIRED', underObjection: false });
      expect(res.body.objections).toEqual([
        expect.objectContaining({
          id: objection.body.id,
          status: 'CLOSED',
          resolutionReason: 'the entry is REPAIRED',
        }),
      ]);
      expect(res.body.repairs).toEqual([expect.objectContaining({ id: repair.body.id, status: 'APPROVED' })]);
    });

    it('does not apply to a RED entry', async () => {
      const redId = await proposeRed(await newSubject(t, recorder));
      const res = await requestRepair(redId).expect(409);
      expect(res.body.code).toBe('REPAIR_NOT_APPLICABLE');
    });
  });

  describe('filters', () => {
    let tag: string;
    let early: Recorded;
    let late: Recorded;
    let watchId: string;

    beforeAll(async () => {
      tag = token();
      early = await activeBlack({
        name: `筛选甲${tag}`,
        decisionDate: addMonths(today, -30),
        endDate: addMonths(today, -6),
      });
      late = await blackCase({
        name: `筛选乙${tag}`,
        startDate: addDays(today, 10),
        endDate: addMonths(today, 24),
      });
      watchId = (
        await propose({
          subjectId: late.subjectId,
          listType: 'WATCH',
          caseId: late.caseId,
          effectiveFrom: today,
          effectiveTo: addMonths(today, 3),
        }).expect(201)
      ).body.id;
    });

    const ids = async (query: Body) => {
      const res = await request(t.http).get('/api/v1/listings').query(query).set(reviewer.auth).expect(200);
      return res.body.items.map((l: Body) => l.id).sort();
    };
    const sorted = (...xs: string[]) => [...xs].sort();

    it('filters by text in the subject name or the decision number', async () => {
      expect(await ids({ text: tag })).toEqual(sorted(early.listingId, late.listingId, watchId));
      expect(await ids({ text: `筛选甲${tag}` })).toEqual([early.listingId]);
      expect(await ids({ text: late.decisionNumber })).toEqual(sorted(late.listingId, watchId));
    });

    it('filters by status, list and subject', async () => {
      expect(await ids({ text: tag, status: 'ACTIVE' })).toEqual([early.listingId]);
      expect(await ids({ text: tag, status: 'PROPOSED' })).toEqual(sorted(late.listingId, watchId));
      expect(await ids({ text: tag, listType: 'WATCH' })).toEqual([watchId]);
      expect(await ids({ subjectId: late.subjectId, listType: 'BLACK' })).toEqual([late.listingId]);
      expect(await ids({ caseId: early.caseId })).toEqual([early.listingId]);
    });

    it('filters by the period an entry runs in', async () => {
      expect(await ids({ text: tag, from: today, to: today })).toEqual([watchId]);
      expect(await ids({ text: tag, to: addMonths(today, -12) })).toEqual([early.listingId]);
      expect(await ids({ text: tag, from: addMonths(today, 6) })).toEqual([late.listingId]);
      expect(await ids({ text: tag, from: addDays(today, 10), to: addDays(today, 10) })).toEqual(
        sorted(late.listingId, watchId),
      );
    });

    it('pages, and shows each entry with its in-force state', async () => {
      const res = await request(t.http)
        .get('/api/v1/listings')
        .query({ text: tag, pageSize: 2, page: 2 })
        .set(reviewer.auth)
        .expect(200);
      expect(res.body).toMatchObject({ total: 3, page: 2, pageSize: 2 });
      expect(res.body.items).toHaveLength(1);
      const all = await request(t.http)
        .get('/api/v1/listings')
        .query({ text: tag })
        .set(reviewer.auth)
        .expect(200);
      const byId = new Map(all.body.items.map((l: Body) => [l.id, l]));
      expect(byId.get(early.listingId)).toMatchObject({ inForceToday: false, inForceReason: 'ENDED' });
      expect(byId.get(late.listingId)).toMatchObject({ inForceToday: false, inForceReason: 'NOT_APPROVED' });
    });

    it('finds the entries waiting on an objection or a credit repair request, and not once decided', async () => {
      const mark = token();
      const objected = await activeBlack({ name: `异议中${mark}` });
      const repairing = await activeBlack({
        name: `修复中${mark}`,
        decisionDate: addMonths(today, -24),
        severity: 'SERIOUS',
      });
      const objection = await post(`${objected.listingId}/objections`, recorder, {
        raisedBy: '当事人本人',
        reason: '事实认定有误',
      }).expect(201);
      const repair = await post(`${repairing.listingId}/repairs`, recorderApprover, {
        correctionDone: true,
        obligationsMet: true,
        commitmentMade: true,
      }).expect(201);
      expect(await ids({ text: mark, awaiting: 'OBJECTION' })).toEqual([objected.listingId]);
      expect(await ids({ text: mark, awaiting: 'REPAIR' })).toEqual([repairing.listingId]);

      await post(`${objected.listingId}/objections/${objection.body.id}/resolve`, approver, {
        outcome: 'REJECT',
        reason: '复核维持',
      }).expect(200);
      await post(`${repairing.listingId}/repairs/${repair.body.id}/decision`, approver, {
        decision: 'REFUSE',
        reason: '材料不全',
      }).expect(200);
      expect(await ids({ text: mark, awaiting: 'OBJECTION' })).toEqual([]);
      expect(await ids({ text: mark, awaiting: 'REPAIR' })).toEqual([]);
    });

    it.each([
      ['awaiting', 'APPROVAL'],
      ['status', 'LIVE'],
      ['listType', 'GREY'],
      ['subjectId', 'nope'],
      ['from', '2026-02-30'],
      ['pageSize', '1000'],
    ])('answers a bad %s with 400', async (field, value) => {
      const res = await request(t.http)
        .get('/api/v1/listings')
        .query({ [field]: value })
        .set(reviewer.auth)
        .expect(400);
      expect(res.body.details[0].field).toBe(field);
    });
  });

  describe('ids', () => {
    it('answers a malformed id with 400 and an unknown one with 404 LISTING_NOT_FOUND', async () => {
      const bad = await read('not-a-uuid').expect(400);
      expect(bad.body.code).toBe('INVALID_ID');
      await approve('123').expect(400);
      const missing = await read(UNKNOWN_ID).expect(404);
      expect(missing.body.code).toBe('LISTING_NOT_FOUND');
      const actions: [string, Body][] = [
        ['approve', {}],
        ['reject', { reason: 'x' }],
        ['revoke', { reason: 'x' }],
        ['objections', { raisedBy: 'x', reason: 'y' }],
        ['repairs', { correctionDone: true, obligationsMet: true, commitmentMade: true }],
      ];
      for (const [path, body] of actions) {
        const res = await post(`${UNKNOWN_ID}/${path}`, recorderApprover, body);
        expect([path, res.status, res.body.code]).toEqual([path, 404, 'LISTING_NOT_FOUND']);
      }
    });

    it('answers 401 without credentials', async () => {
      await request(t.http).get('/api/v1/listings').expect(401);
      await request(t.http).get(`/api/v1/listings/${UNKNOWN_ID}`).expect(401);
    });
  });
});
