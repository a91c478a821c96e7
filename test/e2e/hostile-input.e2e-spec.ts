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
  let webhookAdmin: TestUser;

  beforeAll(async () => {
    t = await createTestApp();
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(t.app.getHttpServer().address() as { port: number }).port}`;
    admin = await newUser(t, [Role.RECORDER, Role.REVIEWER]);
    webhookAdmin = await newUser(t, [Role.ADMIN]);
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
  it('refuses text PostgreSQL cannot store (NUL, half a surrogate pair) in bodies and queries with 400, not 500', async () => {
    // Seed -1546513150 sent `"organisation":"x\udfffy"` to the subject search, whose audit entry's
    // jsonb refused it; seed -74789221 sent `authority=%00` to the case list, seed 1850647368 a NUL in
    // an API client's name. Each answered 500.
    const post = (route: string, body: string) =>
      request(base).post(route).set(admin.auth).set('Content-Type', 'application/json').send(body);
    for (const [route, body, field, code] of [
      [
        '/api/v1/subjects/search',
        '{"name":"张三","organisation":"x\\udfffy"}',
        'organisation',
        'INVALID_UNICODE',
      ],
      ['/api/v1/subjects/search', '{"name":"张三\\ud83d"}', 'name', 'INVALID_UNICODE'],
      ['/api/v1/subjects/search', '{"name":"张\\u0000三"}', 'name', 'NUL_CHARACTER'],
      [
        '/api/v1/checks',
        '{"domain":"PROJECT_FUNDING","purpose":"p","applicants":[{"name":"张三"},{"name":"李\\u0000四"}]}',
        'applicants.1.name',
        'NUL_CHARACTER',
      ],
      ['/api/v1/api-clients', '{"name":"a\\u0000b","scopes":["checks:run"]}', 'name', 'NUL_CHARACTER'],
    ]) {
      const res = await post(route, body);
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ code: 'VALIDATION_FAILED', details: [{ field, code }] });
    }
    for (const [query, field, code] of [
      ['status=ACCEPTED&authority=%00', 'authority', 'NUL_CHARACTER'],
      ['text=%ED%A0%80', 'text', undefined],
    ]) {
      const res = await request(base).get(`/api/v1/cases?${query}`).set(admin.auth);
      if (code) {
        expect(res.status).toBe(400);
        expect(res.body).toMatchObject({ code: 'VALIDATION_FAILED', details: [{ field, code }] });
      } else {
        // A surrogate encoded as UTF-8 bytes is not UTF-8: the decoder replaces it, and the list answers.
        expect(res.status).toBe(200);
      }
    }
    // A whole pair is a character like any other.
    const paired = await post('/api/v1/subjects/search', '{"name":"张三","organisation":"x\\ud83d\\ude00y"}');
    expect(paired.status).toBe(200);
  });
  it('takes a webhook endpoint whose description is null as one without a description (seed 859085088: 500)', async () => {
    const res = await request(base)
      .post('/api/v1/webhooks')
      .set(webhookAdmin.auth)
      .send({ url: 'https://credit.example.gov.cn/hooks/null', eventTypes: ['LISTING'], description: null });
    expect(res.status).toBe(201);
    expect(res.body.description).toBe('');
  });
});
