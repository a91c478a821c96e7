import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Index clean-up on the check's tables, each change one index fewer to write and to keep in memory:
 * - `subject_identifier`: the unique index leads with the lookup hash, which the check looks up, so
 *   the separate index on the hash alone goes. Uniqueness is unchanged (the same three columns) and
 *   the index keeps its name, which errors are explained by. (Carrying `subject_id` and `masked` in
 *   it for index-only scans was measured and rejected: at a million identifiers the wider index is
 *   one level deeper, and a 10,000-applicant check then reads more pages, not fewer.)
 * - `listing`: the index on `subject_id` alone is a prefix of `listing_subject_type_idx`
 *   (`subject_id, list_type`), which serves every look-up by subject as well.
 */
export class IndexCleanUp1764310000000 implements MigrationInterface {
  name = 'IndexCleanUp1764310000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE UNIQUE INDEX subject_identifier_lookup_key ON subject_identifier (lookup_hash, type, issuing_country)`,
    );
    await q.query('DROP INDEX subject_identifier_unique');
    await q.query('DROP INDEX subject_identifier_hash_idx');
    await q.query('ALTER INDEX subject_identifier_lookup_key RENAME TO subject_identifier_unique');
    await q.query('DROP INDEX listing_subject_idx');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('CREATE INDEX listing_subject_idx ON listing (subject_id)');
    await q.query('ALTER INDEX subject_identifier_unique RENAME TO subject_identifier_lookup_key');
    await q.query(
      'CREATE UNIQUE INDEX subject_identifier_unique ON subject_identifier (type, issuing_country, lookup_hash)',
    );
    await q.query('CREATE INDEX subject_identifier_hash_idx ON subject_identifier (lookup_hash)');
    await q.query('DROP INDEX subject_identifier_lookup_key');
  }
}
