import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A check's signed receipt (docs/certificates.md), kept as issued: the JSON text with its Ed25519
 * signature. Checks stored before have none; theirs is made from the stored answer when read.
 */
export class AddSignedReceiptToCheckRuns1764302000000 implements MigrationInterface {
  name = 'AddSignedReceiptToCheckRuns1764302000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE check_run ADD COLUMN receipt text');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE check_run DROP COLUMN receipt');
  }
}
