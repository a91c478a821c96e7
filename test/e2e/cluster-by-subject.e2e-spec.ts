import { Client } from 'pg';
import { SCREENING_SQL } from '../../src/screening/screening.repository';
import { createTestDatabase, TestDatabase } from '../database';

/**
 * The check's tables on disk: measures and listings ordered by subject (ClusterBySubject), restored by
 * a bare `CLUSTER` as docs/operations.md says, and the identifier look-up served by the unique index
 * (IndexCleanUp).
 */
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

  it('marks measure, listing and listing_event as clustered on their subject (listing) index', async () => {
    const { rows } = await client.query<{ table: string; index: string }>(
      `SELECT t.relname AS table, x.relname AS index FROM pg_index i
       JOIN pg_class t ON t.oid = i.indrelid JOIN pg_class x ON x.oid = i.indexrelid
       WHERE i.indisclustered AND t.relnamespace = 'public'::regnamespace ORDER BY 1`,
    );
    expect(rows).toEqual([
      { table: 'listing', index: 'listing_subject_type_idx' },
      { table: 'listing_event', index: 'listing_event_listing_idx' },
      { table: 'measure', index: 'measure_subject_idx' },
    ]);
  });

  it('puts a subject’s measures, recorded interleaved with other subjects’, on one page after CLUSTER', async () => {
    const subjects = (
      await client.query<{ id: string }>(
        `INSERT INTO subject (kind, name, name_key) SELECT 'NATURAL_PERSON', 'S' || n, 's' || n
         FROM generate_series(1, 40) n RETURNING id`,
      )
    ).rows.map((r) => r.id);
    const caseId = (
      await client.query<{ id: string }>(
        `INSERT INTO misconduct_case (status, authority, misconduct_types, source)
         VALUES ('DECIDED', 'A', '{PLAGIARISM}', 'AUDIT') RETURNING id`,
      )
    ).rows[0].id;
    // Twenty rounds, each recording one measure for every subject: a subject's rows 40 rows apart.
    for (let round = 0; round < 20; round++) {
      await client.query(
        `INSERT INTO measure (case_id, subject_id, type, note)
         SELECT $1, s, 'WARNING', repeat('x', 200) FROM unnest($2::uuid[]) s`,
        [caseId, subjects],
      );
    }
    const pagesOf = async (subjectId: string) =>
      Number(
        (
          await client.query<{ pages: string }>(
            `SELECT count(DISTINCT (ctid::text::point)[0]) AS pages FROM measure WHERE subject_id = $1`,
            [subjectId],
          )
        ).rows[0].pages,
      );
    const scattered = await Promise.all(subjects.map(pagesOf));
    expect(Math.min(...scattered)).toBeGreaterThan(5);

    await client.query('CLUSTER');

    // 20 rows of about 300 bytes fit in one 8 kB page; crossing a page boundary makes two.
    const clustered = await Promise.all(subjects.map(pagesOf));
    expect(Math.max(...clustered)).toBeLessThanOrEqual(2);
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
