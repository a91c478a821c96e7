import { Client } from 'pg';
import { SCREENING_SQL } from '../../src/screening/screening.repository';
import { createTestDatabase, TestDatabase } from '../database';

/** The check's tables on disk: the identifier look-up served by the unique index (IndexCleanUp). */
describe('check tables: clustering and indexes', () => {
  let db: TestDatabase;
  let client: Client;

  beforeAll(async () => {
    db = await createTestDatabase();
    client = new Client({ connectionString: db.url });
    await client.connect();
  });

  afterAll(async () => {
    await client?.end();
    await db?.drop();
  });

  it('looks identifiers up by the unique index, which leads with the hash', async () => {
    const holder = (
      await client.query<{ id: string }>(
        `INSERT INTO subject (kind, name, name_key) VALUES ('LEGAL_PERSON', 'H', 'h') RETURNING id`,
      )
    ).rows[0].id;
    await client.query(
      `INSERT INTO subject_identifier (subject_id, type, lookup_hash, ciphertext, masked)
       SELECT $1, 'USCC', sha256(n::text::bytea), '\\x00', 'x' FROM generate_series(1, 5000) n`,
      [holder],
    );
    await client.query('VACUUM (ANALYZE) subject_identifier');
    // The generic plan, as the screening pool's sessions use (plan_cache_mode=force_generic_plan).
    await client.query('SET plan_cache_mode = force_generic_plan');
    await client.query(`PREPARE screening(bytea[], text[], text[]) AS ${SCREENING_SQL}`);
    const { rows } = await client.query<{ 'QUERY PLAN': string }>(
      `EXPLAIN EXECUTE screening('{"\\\\x01"}', '{}', '{}')`,
    );
    const plan = rows.map((r) => r['QUERY PLAN']).join('\n');
    expect(plan).toMatch(/subject_identifier_unique[^\n]*\n\s*Index Cond: \(lookup_hash = ANY/);
    expect(plan).not.toMatch(/subject_identifier_hash_idx/);
  });

  it('still refuses a second subject holding the same identifier under the unique index’s name', async () => {
    const [a, b] = (
      await client.query<{ id: string }>(
        `INSERT INTO subject (kind, name, name_key) VALUES ('NATURAL_PERSON', 'A', 'a'), ('NATURAL_PERSON', 'B', 'b')
         RETURNING id`,
      )
    ).rows.map((r) => r.id);
    const insert = (subjectId: string) =>
      client.query(
        `INSERT INTO subject_identifier (subject_id, type, lookup_hash, ciphertext, masked)
         VALUES ($1, 'RESIDENT_ID', '\\x01', '\\x02', '1***')`,
        [subjectId],
      );
    await insert(a);
    await expect(insert(b)).rejects.toMatchObject({ code: '23505', constraint: 'subject_identifier_unique' });
  });
});
