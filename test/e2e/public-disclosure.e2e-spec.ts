import request from 'supertest';
import { Role } from '../../src/auth/principal';
import { counterKey } from '../../src/auth/rate-limit';
import { addDays, addMonths, todayIn } from '../../src/rules/rules';
import { createTestApp, TestApp } from '../app';
import { freshRateWindow, newResidentId, newUser, newUscc, TestUser } from '../factories';
import { registryFixtures } from '../registry-fixtures';

const ENTRIES = '/api/v1/public/entries';
const VERIFY = '/api/v1/public/verify';

describe('public disclosure', () => {
  let t: TestApp;
  let recorder: TestUser;
  let approver: TestUser;
  const today = todayIn();
  let n = 0;

  beforeAll(async () => {
    t = await createTestApp();
    [recorder, approver] = await Promise.all([newUser(t, [Role.RECORDER]), newUser(t, [Role.APPROVER])]);
  });
  afterAll(() => t.close());

  const approve = (id: string) =>
    request(t.http).post(`/api/v1/listings/${id}/approve`).set(approver.auth).expect(200);

  /** A decided case putting a new person on the black list; its entry approved unless `approved` is false. */
  async function black(o: {
    name: string;
    id: string;
    severity?: string;
    decisionDate?: string;
    startDate?: string;
    endDate?: string;
    approved?: boolean;
  }): Promise<{ listingId: string; decisionNumber: string; decisionDate: string }> {
    const decisionDate = o.decisionDate ?? addDays(today, -30);
    const startDate = o.startDate ?? decisionDate;
    const decisionNumber = `公科〔2026〕${++n}号`;
    const res = await request(t.http)
      .post('/api/v1/cases')
      .set(recorder.auth)
      .send({
        status: 'DECIDED',
        decisionNumber,
        authority: '某省科学技术厅',
        decisionDate,
        severity: o.severity ?? 'SEVERE',
        misconductTypes: ['FABRICATION_FALSIFICATION'],
        legalBasis: '《科学技术进步法》第一百一十二条',
        source: 'AUDIT',
        subjects: [
          {
            ref: 's',
            subject: {
              kind: 'NATURAL_PERSON',
              name: o.name,
              organisation: '东海理工大学',
              identifiers: [{ type: 'RESIDENT_ID', value: o.id }],
            },
            roles: ['PROJECT_LEAD'],
          },
        ],
        measures: [
          {
            subjectRef: 's',
            type: 'SERIOUS_DB_ENTRY',
            startDate,
            endDate: o.endDate ?? addMonths(startDate, 48),
          },
        ],
      })
      .expect(201);
    const listingId: string = res.body.listingIds[0];
    if (o.approved !== false) await approve(listingId);
    return { listingId, decisionNumber, decisionDate };
  }

  const publicNames = async (): Promise<string[]> => {
    const res = await request(t.http).get(ENTRIES).query({ pageSize: 100 }).expect(200);
    return res.body.items.map((e: { name: string }) => e.name);
  };

  const verify = (body: object) => request(t.http).post(VERIFY).send(body);

  describe('what is shown', () => {
    const ids = { shown: newResidentId(), stale: newResidentId(), minor: newResidentId() };
    let shown: Awaited<ReturnType<typeof black>>;
    const redUscc = newUscc();

    beforeAll(async () => {
      shown = await black({ name: '公示甲', id: ids.shown });
      // Still barred, but its publicity term (36 months from the decision, SEVERE) is over.
      await black({
        name: '公示过期',
        id: ids.stale,
        decisionDate: addMonths(today, -40),
        endDate: addMonths(today, 24),
      });
      // MINOR: not published at all (rule data).
      await black({ name: '公示轻微', id: ids.minor, severity: 'MINOR' });
      await black({ name: '公示待批', id: newResidentId(), approved: false });
      await black({ name: '公示未生效', id: newResidentId(), startDate: addDays(today, 10) });
      await black({
        name: '公示已满',
        id: newResidentId(),
        decisionDate: addMonths(today, -6),
        endDate: addDays(today, -1),
      });
      const fixtures = registryFixtures(t, recorder, approver, today);
      const watched = await fixtures.record(fixtures.person('公示关注', '东海理工大学', newResidentId()), []);
      await fixtures.watch(watched, addDays(today, -5));
      await fixtures.redCompany('公示守信公司', redUscc, addDays(today, -3));
    });

    it('answers without credentials: BLACK in its publicity term and RED in force, nothing else', async () => {
      const names = await publicNames();
      expect(names.sort()).toEqual(['公示守信公司', '公示甲'].sort());
    });

    it('shows a person with the ID number masked 6 + 4, the decision, its basis and dates; never the full number', async () => {
      const res = await request(t.http).get(ENTRIES).query({ listType: 'BLACK' }).expect(200);
      expect(res.body).toMatchObject({ total: 1, page: 1, pageSize: 20, asOf: today });
      expect(res.body.items[0]).toEqual({
        id: shown.listingId,
        listType: 'BLACK',
        subjectKind: 'NATURAL_PERSON',
        name: '公示甲',
        organisation: '东海理工大学',
        identifiers: [
          {
            type: 'RESIDENT_ID',
            issuingCountry: null,
            masked: `${ids.shown.slice(0, 6)}********${ids.shown.slice(14)}`,
          },
        ],
        authority: '某省科学技术厅',
        decisionNumber: shown.decisionNumber,
        decisionDate: shown.decisionDate,
        legalBasis: '《科学技术进步法》第一百一十二条',
        misconductTypes: ['FABRICATION_FALSIFICATION'],
        effectiveFrom: shown.decisionDate,
        effectiveTo: addMonths(shown.decisionDate, 48),
        publicUntil: addDays(addMonths(shown.decisionDate, 36), -1),
      });
      expect(JSON.stringify(res.body)).not.toContain(ids.shown);
    });

    it('shows an organisation with its USCC in full', async () => {
      const res = await request(t.http).get(ENTRIES).query({ listType: 'RED' }).expect(200);
      expect(res.body.items).toEqual([
        expect.objectContaining({
          name: '公示守信公司',
          subjectKind: 'LEGAL_PERSON',
          identifiers: [{ type: 'USCC', issuingCountry: null, masked: redUscc }],
          decisionNumber: '守信激励名单第1号',
          publicUntil: null,
        }),
      ]);
    });

    it('filters by text and authority, pages, and refuses a bad filter with a code', async () => {
      const byText = await request(t.http).get(ENTRIES).query({ text: '公示甲' }).expect(200);
      expect(byText.body.items.map((e: { name: string }) => e.name)).toEqual(['公示甲']);
      const byAuthority = await request(t.http).get(ENTRIES).query({ authority: '某省' }).expect(200);
      expect(byAuthority.body.total).toBe(1);
      const second = await request(t.http).get(ENTRIES).query({ pageSize: 1, page: 2 }).expect(200);
      expect(second.body).toMatchObject({ total: 2, page: 2, pageSize: 1 });
      expect(second.body.items).toHaveLength(1);
      const bad = await request(t.http).get(ENTRIES).query({ listType: 'WATCH' }).expect(400);
      expect(bad.body.code).toBe('VALIDATION_FAILED');
      expect(bad.body.details[0].field).toBe('listType');
    });

    it('exports the same entries as CSV (masked, with a BOM) and as JSON', async () => {
      const csv = await request(t.http).get(`${ENTRIES}/export`).query({ format: 'csv' }).expect(200);
      expect(csv.headers['content-type']).toMatch(/^text\/csv/);
      expect(csv.headers['content-disposition']).toContain(`public-entries-${today}.csv`);
      const lines = csv.text
        .replace(/^\uFEFF/, '')
        .trim()
        .split('\r\n');
      expect(csv.text.startsWith('\uFEFF')).toBe(true);
      expect(lines[0]).toBe(
        'id,listType,subjectKind,name,organisation,identifiers,authority,decisionNumber,decisionDate,legalBasis,misconductTypes,effectiveFrom,effectiveTo,publicUntil',
      );
      expect(lines).toHaveLength(3);
      expect(csv.text).toContain(`RESIDENT_ID:${ids.shown.slice(0, 6)}********${ids.shown.slice(14)}`);
      expect(csv.text).not.toContain(ids.shown);
      const json = await request(t.http).get(`${ENTRIES}/export`).expect(200);
      expect(json.body.map((e: { name: string }) => e.name).sort()).toEqual(
        ['公示守信公司', '公示甲'].sort(),
      );
    });

    it('verifies an exact identifier: which public list, and nothing else', async () => {
      const listed = await verify({ type: 'RESIDENT_ID', value: ids.shown.toLowerCase() }).expect(200);
      expect(listed.body).toEqual({ listed: true, lists: ['BLACK'] });
      expect((await verify({ type: 'USCC', value: redUscc }).expect(200)).body).toEqual({
        listed: true,
        lists: ['RED'],
      });
      // Barred but past its publicity term, not published, or not on record: all the same "no".
      for (const value of [ids.stale, ids.minor, newResidentId()]) {
        expect((await verify({ type: 'RESIDENT_ID', value }).expect(200)).body).toEqual({
          listed: false,
          lists: [],
        });
      }
      const bad = await verify({ type: 'RESIDENT_ID', value: '110105194912310021' }).expect(400);
      expect(bad.body.code).toBe('RESIDENT_ID_CHECKSUM');
      expect(JSON.stringify(bad.body)).not.toContain('110105194912310021');
      const noCountry = await verify({ type: 'PASSPORT', value: 'E12345678' }).expect(400);
      expect(noCountry.body.details[0]).toMatchObject({ field: 'issuingCountry', code: 'COUNTRY_REQUIRED' });
      // The identifier never goes in the URL: there is no GET form.
      await request(t.http).get(VERIFY).query({ type: 'RESIDENT_ID', value: ids.shown }).expect(404);
    });
  });

  describe('entries leave at once', () => {
    it('a revoked entry leaves the list and the verify answer the day the revocation takes effect', async () => {
      const id = newResidentId();
      const { listingId } = await black({ name: '公示撤销', id });
      expect(await publicNames()).toContain('公示撤销');
      await request(t.http)
        .post(`/api/v1/listings/${listingId}/revoke`)
        .set(approver.auth)
        .send({ reason: '决定被撤销' })
        .expect(200);
      expect(await publicNames()).not.toContain('公示撤销');
      expect((await verify({ type: 'RESIDENT_ID', value: id }).expect(200)).body.listed).toBe(false);
    });

    it('a revocation effective tomorrow leaves it shown today', async () => {
      const { listingId } = await black({ name: '公示明日撤销', id: newResidentId() });
      await request(t.http)
        .post(`/api/v1/listings/${listingId}/revoke`)
        .set(approver.auth)
        .send({ reason: '明日起撤销', effectiveDate: addDays(today, 1) })
        .expect(200);
      expect(await publicNames()).toContain('公示明日撤销');
    });

    it('a repaired entry leaves at once', async () => {
      const id = newResidentId();
      const { listingId } = await black({
        name: '公示修复',
        id,
        severity: 'SERIOUS',
        decisionDate: addMonths(today, -6),
      });
      expect(await publicNames()).toContain('公示修复');
      const repair = await request(t.http)
        .post(`/api/v1/listings/${listingId}/repairs`)
        .set(recorder.auth)
        .send({ correctionDone: true, obligationsMet: true, commitmentMade: true })
        .expect(201);
      await request(t.http)
        .post(`/api/v1/listings/${listingId}/repairs/${repair.body.id}/decision`)
        .set(approver.auth)
        .send({ decision: 'APPROVE', reason: '符合修复条件' })
        .expect(200);
      expect(await publicNames()).not.toContain('公示修复');
      expect((await verify({ type: 'RESIDENT_ID', value: id }).expect(200)).body.listed).toBe(false);
    });
  });

  describe('HTTP caching', () => {
    it('answers 304 to a matching If-None-Match or If-Modified-Since, and 200 with a new ETag after a change', async () => {
      const first = await request(t.http).get(ENTRIES).expect(200);
      const etag = first.headers.etag;
      const lastModified = first.headers['last-modified'];
      expect(etag).toMatch(/^"[A-Za-z0-9_-]{43}"$/);
      expect(new Date(lastModified).toUTCString()).toBe(lastModified);
      expect(first.headers['cache-control']).toBe('public, no-cache');

      const same = await request(t.http).get(ENTRIES).set('If-None-Match', etag).expect(304);
      expect(same.text ?? '').toBe('');
      expect(same.headers.etag).toBe(etag);
      await request(t.http).get(ENTRIES).set('If-None-Match', `"other", W/${etag}`).expect(304);
      await request(t.http).get(ENTRIES).set('If-Modified-Since', lastModified).expect(304);
      // If-None-Match wins over If-Modified-Since.
      await request(t.http)
        .get(ENTRIES)
        .set('If-None-Match', '"stale"')
        .set('If-Modified-Since', lastModified)
        .expect(200);
      await request(t.http).get(ENTRIES).set('If-Modified-Since', 'not a date').expect(200);
      // Another page is another representation.
      const other = await request(t.http).get(ENTRIES).query({ pageSize: 1 }).expect(200);
      expect(other.headers.etag).not.toBe(etag);

      const exported = await request(t.http).get(`${ENTRIES}/export`).query({ format: 'csv' }).expect(200);
      await request(t.http)
        .get(`${ENTRIES}/export`)
        .query({ format: 'csv' })
        .set('If-None-Match', exported.headers.etag)
        .expect(304);

      await black({ name: '公示新增', id: newResidentId() });
      const changed = await request(t.http).get(ENTRIES).set('If-None-Match', etag).expect(200);
      expect(changed.headers.etag).not.toBe(etag);
      expect(changed.body.items.map((e: { name: string }) => e.name)).toContain('公示新增');
      expect(Date.parse(changed.headers['last-modified'])).toBeGreaterThanOrEqual(Date.parse(lastModified));
    });
  });
});

describe('public disclosure rate limit', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ env: { RATE_LIMIT_PUBLIC_PER_MINUTE: '3' } });
  });
  afterAll(() => t.close());

  it('answers 429 RATE_LIMITED with Retry-After once an address has used its public requests', async () => {
    await freshRateWindow();
    await request(t.http).get(ENTRIES).expect(200);
    await request(t.http).get(`${ENTRIES}/export`).expect(200);
    await request(t.http).post(VERIFY).send({ type: 'USCC', value: newUscc() }).expect(200);
    const limited = await request(t.http).get(ENTRIES).expect(429);
    expect(limited.body.code).toBe('RATE_LIMITED');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    // Other routes keep their own, larger limit.
    await request(t.http).get('/health/live').expect(200);
  });
});

describe('rate limits shared by instances (RATE_LIMIT_STORE=postgres)', () => {
  let first: TestApp;
  let second: TestApp;
  beforeAll(async () => {
    const env = { RATE_LIMIT_PUBLIC_PER_MINUTE: '4', RATE_LIMIT_STORE: 'postgres' };
    first = await createTestApp({ env });
    // A second instance on the same database, as behind a load balancer.
    second = await createTestApp({ env, databaseUrl: first.databaseUrl });
  });
  afterAll(async () => {
    await second?.close();
    await first?.close();
  });

  it('counts one address across both instances and refuses the fifth request on either', async () => {
    await freshRateWindow();
    await request(first.http).get(ENTRIES).expect(200);
    await request(second.http).get(ENTRIES).expect(200);
    await request(first.http).get(`${ENTRIES}/export`).expect(200);
    await request(second.http).get(ENTRIES).expect(200);
    for (const t of [first, second]) {
      const limited = await request(t.http).get(ENTRIES).expect(429);
      expect(limited.body.code).toBe('RATE_LIMITED');
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    }
    // The counters are keyed by the limit's name and a hash of the caller: no address in clear.
    const addresses = ['127.0.0.1', '::ffff:127.0.0.1', '::1'];
    const [row] = await first.dataSource.query(`SELECT hits FROM rate_limit_counter WHERE key = ANY($1)`, [
      addresses.map((a) => `public:${counterKey('public', `ip:${a}`)}`),
    ]);
    expect(row.hits).toBe(6);
    const [{ clear }] = await first.dataSource.query(
      `SELECT count(*)::int AS clear FROM rate_limit_counter WHERE key LIKE '%127.0.0.1%' OR key LIKE '%ip:%'`,
    );
    expect(clear).toBe(0);
  });
});
