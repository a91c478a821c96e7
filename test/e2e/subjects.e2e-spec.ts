import request from 'supertest';
import { Role, Scope } from '../../src/auth/principal';
import { createTestApp, TestApp } from '../app';
import { auditCount, newApiClient, newUser, rowCounts, TestUser } from '../factories';

const PERSON_ID = '11010519491231002X';
const COMPANY_USCC = '91350100M000100Y43';
/** The tables a refused recording must leave as they were. */
const RECORDING_TABLES = ['subject', 'subject_identifier', 'audit_entry'];

describe('subjects', () => {
  let t: TestApp;
  let recorder: TestUser;
  let reviewer: TestUser;
  let approver: TestUser;

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

  const create = (body: object, who: TestUser = recorder) =>
    request(t.http).post('/api/v1/subjects').set(who.auth).send(body);
  const search = (body: object, who: TestUser = reviewer) =>
    request(t.http).post('/api/v1/subjects/search').set(who.auth).send(body);

  describe('recording', () => {
    it('records a person with a lower-case x, stores it masked, hashed and encrypted, and audits it', async () => {
      const res = await create({
        kind: 'NATURAL_PERSON',
        name: '张某某',
        formerNames: ['张某'],
        organisation: '某某大学',
        identifiers: [{ type: 'RESIDENT_ID', value: PERSON_ID.toLowerCase() }],
      }).expect(201);
      expect(res.body).toMatchObject({
        kind: 'NATURAL_PERSON',
        name: '张某某',
        formerNames: ['张某'],
        organisation: '某某大学',
        identifiers: [{ type: 'RESIDENT_ID', issuingCountry: '', masked: '110105********002X' }],
        version: 1,
      });
      expect(JSON.stringify(res.body)).not.toContain('19491231');
      const [stored] = await t.dataSource.query(
        'SELECT lookup_hash, ciphertext, masked FROM subject_identifier WHERE subject_id = $1',
        [res.body.id],
      );
      expect(stored.lookup_hash).toHaveLength(32);
      expect(stored.ciphertext.toString('latin1')).not.toContain('19491231');
      const [entry] = await t.dataSource.query(
        "SELECT actor_id, changes FROM audit_entry WHERE action = 'SUBJECT_CREATED' AND target_id = $1",
        [res.body.id],
      );
      expect(entry.actor_id).toBe(recorder.id);
      expect(JSON.stringify(entry.changes)).not.toContain('19491231');
    });

    it('converts a 15-digit ID to 18 digits', async () => {
      const res = await create({
        kind: 'NATURAL_PERSON',
        name: '李某',
        identifiers: [{ type: 'RESIDENT_ID', value: '440524800101001' }],
      }).expect(201);
      const revealed = await request(t.http)
        .get(`/api/v1/subjects/${res.body.id}/identifiers/revealed?purpose=check conversion`)
        .set(recorder.auth)
        .expect(200);
      expect(revealed.body[0].value).toMatch(/^44052419800101001[0-9X]$/);
    });

    it('records a subject without any identifier', async () => {
      const res = await create({ kind: 'NATURAL_PERSON', name: '王某某', organisation: '某研究所' }).expect(
        201,
      );
      expect(res.body.identifiers).toEqual([]);
    });

    it('answers a taken identifier with 409 and the existing subject id, writing nothing', async () => {
      const first = await create({
        kind: 'LEGAL_PERSON',
        name: '某某科技有限公司',
        identifiers: [{ type: 'USCC', value: COMPANY_USCC }],
      }).expect(201);
      const before = await rowCounts(t, RECORDING_TABLES);
      const again = await create({
        kind: 'LEGAL_PERSON',
        name: '另一家公司',
        identifiers: [{ type: 'USCC', value: COMPANY_USCC.toLowerCase() }],
      }).expect(409);
      expect(again.body.code).toBe('SUBJECT_IDENTIFIER_EXISTS');
      expect(again.body.details[0]).toMatchObject({
        field: 'identifiers.0.value',
        context: { existingSubjectId: first.body.id },
      });
      expect(await rowCounts(t, RECORDING_TABLES)).toEqual(before);
    });

    it('lets exactly one of two concurrent creations of one identifier win', async () => {
      const body = {
        kind: 'NATURAL_PERSON',
        name: '赵某',
        identifiers: [{ type: 'RESIDENT_ID', value: '440524188001010014' }],
      };
      const results = await Promise.all([create(body), create(body)]);
      expect(results.map((r) => r.status).sort()).toEqual([201, 409]);
    });

    it.each([
      [
        'a bad check character',
        { type: 'RESIDENT_ID', value: '110105194912310021' },
        'RESIDENT_ID_CHECKSUM',
        'identifiers.0.value',
      ],
      [
        'an impossible birth date',
        { type: 'RESIDENT_ID', value: '110105194902300025' },
        'RESIDENT_ID_BIRTH_DATE',
        'identifiers.0.value',
      ],
      [
        'a short ID',
        { type: 'RESIDENT_ID', value: '1101051949' },
        'RESIDENT_ID_LENGTH',
        'identifiers.0.value',
      ],
      [
        'a USCC for a person',
        { type: 'USCC', value: COMPANY_USCC },
        'SUBJECT_IDENTIFIER_KIND_MISMATCH',
        'identifiers.0.type',
      ],
      [
        'a passport without country',
        { type: 'PASSPORT', value: 'E12345678' },
        'SUBJECT_IDENTIFIER_COUNTRY',
        'identifiers.0.issuingCountry',
      ],
      ['an unknown type', { type: 'LICENCE', value: 'x' }, 'IS_IN', 'identifiers.0.type'],
    ])('refuses %s with its code and field, writing nothing', async (_, identifier, code, field) => {
      const before = await rowCounts(t, RECORDING_TABLES);
      const res = await create({ kind: 'NATURAL_PERSON', name: '某人', identifiers: [identifier] }).expect(
        400,
      );
      expect(res.body.details).toEqual([expect.objectContaining({ field, code })]);
      expect(await rowCounts(t, RECORDING_TABLES)).toEqual(before);
    });

    it('refuses a bad USCC check character with USCC_CHECKSUM', async () => {
      const res = await create({
        kind: 'LEGAL_PERSON',
        name: '某公司',
        identifiers: [{ type: 'USCC', value: '914403001922038217' }],
      }).expect(400);
      expect(res.body.code).toBe('USCC_CHECKSUM');
    });

    it('refuses the same identifier twice in one request', async () => {
      const res = await create({
        kind: 'NATURAL_PERSON',
        name: '某人',
        identifiers: [
          { type: 'PASSPORT', value: 'E1234', issuingCountry: 'us' },
          { type: 'PASSPORT', value: 'e1234', issuingCountry: 'US' },
        ],
      }).expect(400);
      expect(res.body.code).toBe('SUBJECT_IDENTIFIER_DUPLICATE');
    });

    it('keeps passports of different countries apart', async () => {
      await create({
        kind: 'NATURAL_PERSON',
        name: 'A',
        identifiers: [{ type: 'PASSPORT', value: 'X999', issuingCountry: 'US' }],
      }).expect(201);
      await create({
        kind: 'NATURAL_PERSON',
        name: 'B',
        identifiers: [{ type: 'PASSPORT', value: 'X999', issuingCountry: 'GB' }],
      }).expect(201);
    });

    it('answers a reviewer trying to record with 403', async () => {
      await create({ kind: 'NATURAL_PERSON', name: '某人' }, reviewer).expect(403);
    });
  });

  describe('search', () => {
    let university: string;
    let person: string;

    beforeAll(async () => {
      university = (
        await create({
          kind: 'LEGAL_PERSON',
          name: '华东某某理工大学（上海）',
          formerNames: ['上海某某工学院'],
          identifiers: [{ type: 'USCC', value: '91110000802100433B' }],
        }).expect(201)
      ).body.id;
      person = (
        await create({
          kind: 'NATURAL_PERSON',
          name: '陈某某',
          formerNames: ['陈小某'],
          organisation: '华东某某理工大学(上海)',
        }).expect(201)
      ).body.id;
    });

    it('finds by exact identifier, normalised', async () => {
      const res = await search({ identifier: { type: 'USCC', value: '91110000802100433b' } }).expect(200);
      expect(res.body.items.map((s: { id: string }) => s.id)).toEqual([university]);
    });

    it('answers a bad identifier in a search with 400 and its code', async () => {
      const res = await search({ identifier: { type: 'RESIDENT_ID', value: '110105194912310021' } }).expect(
        400,
      );
      expect(res.body.details[0]).toMatchObject({ field: 'identifier.value', code: 'RESIDENT_ID_CHECKSUM' });
    });

    it('finds by name regardless of full-width brackets and spaces', async () => {
      const res = await search({ name: '华东某某理工大学 (上海)' }).expect(200);
      expect(res.body.items[0].id).toBe(university);
      // The same search form as the recorded name, not merely a similar one.
      expect(res.body.items[0].score).toBe(1);
    });

    it('takes the default page and page size for null, as when left out', async () => {
      const res = await search({ name: '华东某某理工大学 (上海)', page: null, pageSize: null }).expect(200);
      expect(res.body).toMatchObject({ page: 1, pageSize: 20 });
      expect(res.body.items[0].id).toBe(university);
    });

    it('finds by a former name', async () => {
      const res = await search({ name: '上海某某工学院' }).expect(200);
      expect(res.body.items.map((s: { id: string }) => s.id)).toContain(university);
      const byPerson = await search({ name: '陈小某' }).expect(200);
      expect(byPerson.body.items.map((s: { id: string }) => s.id)).toContain(person);
    });

    it('finds a person by organisation, whatever its bracket width', async () => {
      const res = await search({ organisation: '华东某某理工大学（上海）', kind: 'NATURAL_PERSON' }).expect(
        200,
      );
      expect(res.body.items.map((s: { id: string }) => s.id)).toEqual([person]);
    });

    it('finds a name containing the one searched', async () => {
      const res = await search({ name: '华东某某理工大学' }).expect(200);
      expect(res.body.items[0].id).toBe(university);
      expect(res.body.items[0].score).toBeGreaterThan(0);
    });

    it('finds a similar name (trigram) ranked by closeness', async () => {
      // A misspelling (原 for 源) contained in neither name; the farther name sorts first by name,
      // so only the score can put the closer one first.
      const record = async (name: string): Promise<string> =>
        (await create({ kind: 'LEGAL_PERSON', name }).expect(201)).body.id;
      const closer = await record('西岭量子能源研究院');
      const farther = await record('西岭量子材料研究院');
      const res = await search({ name: '西岭量子能原研究院' }).expect(200);
      const items: { id: string; score: number }[] = res.body.items;
      expect(items.map((s) => s.id).filter((id) => id === closer || id === farther)).toEqual([
        closer,
        farther,
      ]);
      expect(items[0].id).toBe(closer);
      const score = (id: string) => items.find((s) => s.id === id)!.score;
      expect(score(closer)).toBeGreaterThan(score(farther));
      expect(score(farther)).toBeGreaterThan(0);
    });

    it('audits every search with its criteria, identifiers masked', async () => {
      const before = await auditCount(t, 'SUBJECT_SEARCHED');
      await search({ identifier: { type: 'RESIDENT_ID', value: PERSON_ID } }).expect(200);
      expect(await auditCount(t, 'SUBJECT_SEARCHED')).toBe(before + 1);
      const [entry] = await t.dataSource.query(
        "SELECT changes FROM audit_entry WHERE action = 'SUBJECT_SEARCHED' ORDER BY seq DESC LIMIT 1",
      );
      expect(JSON.stringify(entry.changes)).toContain('110105********002X');
      expect(JSON.stringify(entry.changes)).not.toContain(PERSON_ID);
    });

    it('lets an API client with records:read search', async () => {
      const client = await newApiClient(t, [Scope.RECORDS_READ]);
      await request(t.http)
        .post('/api/v1/subjects/search')
        .set(client.auth)
        .send({ name: '陈某某' })
        .expect(200);
    });
  });

  describe('reading and revealing', () => {
    let id: string;

    beforeAll(async () => {
      id = (
        await create({
          kind: 'NATURAL_PERSON',
          name: '孙某',
        }).expect(201)
      ).body.id;
      await request(t.http)
        .post(`/api/v1/subjects/${id}/identifiers`)
        .set(recorder.auth)
        .send({ identifiers: [{ type: 'PASSPORT', value: 'G1234567', issuingCountry: 'CN' }] })
        .expect(201);
    });

    it('shows masked identifiers to a reviewer and audits the read', async () => {
      const before = await auditCount(t, 'SUBJECT_READ');
      const res = await request(t.http).get(`/api/v1/subjects/${id}`).set(reviewer.auth).expect(200);
      expect(res.body.identifiers).toEqual([
        expect.objectContaining({ type: 'PASSPORT', masked: 'G1****67' }),
      ]);
      expect(await auditCount(t, 'SUBJECT_READ')).toBe(before + 1);
    });

    it('reveals full numbers to an approver, with the purpose in the audit trail', async () => {
      const res = await request(t.http)
        .get(`/api/v1/subjects/${id}/identifiers/revealed?purpose=verify identity for case 2026-7`)
        .set(approver.auth)
        .expect(200);
      expect(res.body).toEqual([expect.objectContaining({ type: 'PASSPORT', value: 'G1234567' })]);
      const [entry] = await t.dataSource.query(
        "SELECT actor_id, purpose FROM audit_entry WHERE action = 'SUBJECT_IDENTIFIERS_REVEALED' AND target_id = $1",
        [id],
      );
      expect(entry).toEqual({ actor_id: approver.id, purpose: 'verify identity for case 2026-7' });
    });

    it('refuses to reveal to a reviewer, and without a purpose', async () => {
      await request(t.http)
        .get(`/api/v1/subjects/${id}/identifiers/revealed?purpose=x`)
        .set(reviewer.auth)
        .expect(403);
      const res = await request(t.http)
        .get(`/api/v1/subjects/${id}/identifiers/revealed`)
        .set(recorder.auth)
        .expect(400);
      expect(res.body.details[0].field).toBe('purpose');
    });

    it('updates names with If-Match and audits before and after', async () => {
      const stale = await request(t.http)
        .patch(`/api/v1/subjects/${id}`)
        .set(recorder.auth)
        .set('If-Match', '1')
        .send({ aliases: ['孙某某'] })
        .expect(412);
      expect(stale.body.code).toBe('SUBJECT_VERSION_MISMATCH');
      const res = await request(t.http)
        .patch(`/api/v1/subjects/${id}`)
        .set(recorder.auth)
        .set('If-Match', '2')
        .send({ aliases: ['孙某某'], organisation: '某医院' })
        .expect(200);
      expect(res.body).toMatchObject({ aliases: ['孙某某'], organisation: '某医院', version: 3 });
      const [entry] = await t.dataSource.query(
        "SELECT changes FROM audit_entry WHERE action = 'SUBJECT_UPDATED' AND target_id = $1",
        [id],
      );
      expect(entry.changes.before.organisation).toBeNull();
      expect(entry.changes.after.organisation).toBe('某医院');
    });

    it('answers a malformed id with 400 and an unknown one with 404', async () => {
      await request(t.http).get('/api/v1/subjects/nope').set(reviewer.auth).expect(400);
      const res = await request(t.http)
        .get('/api/v1/subjects/00000000-0000-4000-8000-000000000000')
        .set(reviewer.auth)
        .expect(404);
      expect(res.body.code).toBe('SUBJECT_NOT_FOUND');
    });
  });
});
