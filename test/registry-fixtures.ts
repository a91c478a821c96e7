import request from 'supertest';
import { addDays } from '../src/rules/rules';
import type { TestApp } from './app';
import type { TestUser } from './factories';

/**
 * Builds registry records through the HTTP API as a recorder and an approver would, for tests that
 * check applicants against them (checks, check jobs).
 */
export function registryFixtures(t: TestApp, recorder: TestUser, approver: TestUser, today: string) {
  let caseNumber = 0;
  const approve = (listingId: string) =>
    request(t.http).post(`/api/v1/listings/${listingId}/approve`).set(approver.auth).expect(200);

  return {
    /** A natural person as a case names one, with a resident ID when given. */
    person: (name: string, organisation: string, id?: string) => ({
      kind: 'NATURAL_PERSON',
      name,
      organisation,
      ...(id ? { identifiers: [{ type: 'RESIDENT_ID', value: id }] } : {}),
    }),

    /** A FINAL severe case against one new subject with these measures; the entries it proposes are approved. */
    async record(
      subject: object,
      measures: object[],
      decisionDate = addDays(today, -30),
    ): Promise<{ id: string; subjects: { subjectId: string }[]; listingIds: string[] }> {
      const res = await request(t.http)
        .post('/api/v1/cases')
        .set(recorder.auth)
        .send({
          status: 'FINAL',
          decisionNumber: `测科〔2026〕${++caseNumber}号`,
          authority: '某省科学技术厅',
          decisionDate,
          misconductTypes: ['FABRICATION_FALSIFICATION'],
          severity: 'SEVERE',
          source: 'RANDOM_INSPECTION',
          subjects: [{ ref: 's', subject, roles: ['PROJECT_LEAD'] }],
          measures: measures.map((m) => ({ subjectRef: 's', ...m })),
        })
        .expect(201);
      for (const listingId of res.body.listingIds) await approve(listingId);
      return res.body;
    },

    /** An approved WATCH entry resting on a recorded case. */
    async watch(recorded: { id: string; subjects: { subjectId: string }[] }, effectiveFrom: string) {
      const res = await request(t.http)
        .post('/api/v1/listings')
        .set(recorder.auth)
        .send({
          subjectId: recorded.subjects[0].subjectId,
          listType: 'WATCH',
          caseId: recorded.id,
          effectiveFrom,
        })
        .expect(201);
      await approve(res.body.id);
    },

    /**
     * A company on the red list, approved at once: its designation was published elsewhere for the
     * rule data's 7 days, ending yesterday.
     */
    async redCompany(name: string, uscc: string, effectiveFrom: string) {
      const company = await request(t.http)
        .post('/api/v1/subjects')
        .set(recorder.auth)
        .send({ kind: 'LEGAL_PERSON', name, identifiers: [{ type: 'USCC', value: uscc }] })
        .expect(201);
      const red = await request(t.http)
        .post('/api/v1/listings')
        .set(recorder.auth)
        .send({
          subjectId: company.body.id,
          listType: 'RED',
          designationDocument: '守信激励名单第1号',
          effectiveFrom,
          publicityFrom: addDays(today, -7),
          publicityTo: addDays(today, -1),
        })
        .expect(201);
      await approve(red.body.id);
    },
  };
}
