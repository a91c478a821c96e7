import request from 'supertest';
import { Role } from '../../src/auth/principal';
import { createTestApp, TestApp } from '../app';
import { newUser, TestUser } from '../factories';

/**
 * Defects the hostile-input property (test/faults/hostile-input.ts, issue 12) found, each pinned by a
 * test of its own.
 */
describe('hostile input found by the property test (issue 12)', () => {
  let t: TestApp;
  let base: string;
  let admin: TestUser;

  beforeAll(async () => {
    t = await createTestApp();
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(t.app.getHttpServer().address() as { port: number }).port}`;
    admin = await newUser(t, [Role.RECORDER, Role.REVIEWER]);
  });

  afterAll(async () => {
    await t?.close();
  });

  it('answers a URL over the header size limit 431 HEADERS_TOO_LARGE, with a code', async () => {
    const res = await request(base)
      .get(`/api/v1/cases?text=${'x'.repeat(20_000)}`)
      .set(admin.auth);
    expect(res.status).toBe(431);
    expect(res.body).toEqual({ code: 'HEADERS_TOO_LARGE', message: expect.any(String), details: [] });
  });

  it('refuses a page number whose offset PostgreSQL cannot take, in a query and in a body', async () => {
    const listed = await request(base).get('/api/v1/cases?page=1e308').set(admin.auth).expect(400);
    expect(listed.body).toMatchObject({
      code: 'VALIDATION_FAILED',
      details: [{ field: 'page', code: 'MAX' }],
    });
    const searched = await request(base)
      .post('/api/v1/subjects/search')
      .set(admin.auth)
      .send({ name: '王敌意', page: 1e308 })
      .expect(400);
    expect(searched.body).toMatchObject({
      code: 'VALIDATION_FAILED',
      details: [{ field: 'page', code: 'MAX' }],
    });
  });

  it('refuses a list or a string where one nested object belongs', async () => {
    for (const identifier of [[], [{ type: 'RESIDENT_ID', value: '11010519491231002X' }], 'x', 1]) {
      const searched = await request(base)
        .post('/api/v1/subjects/search')
        .set(admin.auth)
        .send({ identifier })
        .expect(400);
      expect(searched.body).toMatchObject({ code: 'VALIDATION_FAILED', details: [{ field: 'identifier' }] });
      const checked = await request(base)
        .post('/api/v1/checks')
        .set(admin.auth)
        .send({ domain: 'PROJECT_FUNDING', purpose: 'fuzz', applicants: [{ name: '张三', identifier }] })
        .expect(400);
      expect(checked.body).toMatchObject({
        code: 'VALIDATION_FAILED',
        details: [{ field: 'applicants.0.identifier' }],
      });
    }
  });

  it('refuses an inspection ratio JavaScript prints in exponent form with 400, not 500', async () => {
    // class-validator's maxDecimalPlaces read "1e-7" as having no decimal part and threw.
    for (const ratio of [1e-7, 0.00005, 2, -0.1, '0.05']) {
      const res = await request(base)
        .post('/api/v1/inspections/plans')
        .set(admin.auth)
        .send({ title: 't', scope: 's', year: 2026, items: ['x'], ratio, strata: [{ stratum: 'a', ratio }] });
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ code: 'VALIDATION_FAILED' });
      expect(res.body.details).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ field: 'ratio', code: 'IS_RATIO' }),
          expect.objectContaining({ field: 'strata.0.ratio', code: 'IS_RATIO' }),
        ]),
      );
    }
  });

  it('refuses a login whose username holds a NUL character with 400, writing nothing', async () => {
    const res = await request(base).post('/api/v1/auth/login').send({ username: 'a\u0000b', password: 'x' });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({
      code: 'VALIDATION_FAILED',
      details: [{ field: 'username', code: 'NUL_CHARACTER' }],
    });
  });
});
