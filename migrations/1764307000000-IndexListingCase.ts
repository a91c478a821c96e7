import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A case's list entries by the case: reading a case (its listingIds) and proposing an entry for it
 * scanned every list entry, which a bulk import of 10,000 decisions does 10,000 times.
 */
export class IndexListingCase1764307000000 implements MigrationInterface {
  name = 'IndexListingCase1764307000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('CREATE INDEX listing_case_idx ON listing (case_id)');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP INDEX listing_case_idx');
  }
}
