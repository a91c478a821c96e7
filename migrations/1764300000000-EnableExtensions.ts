import { MigrationInterface, QueryRunner } from 'typeorm';

/** pg_trgm serves fuzzy name search; pgcrypto gives gen_random_uuid() and digest() in SQL. */
export class EnableExtensions1764300000000 implements MigrationInterface {
  name = 'EnableExtensions1764300000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('CREATE EXTENSION IF NOT EXISTS pg_trgm');
    await queryRunner.query('CREATE EXTENSION IF NOT EXISTS pgcrypto');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP EXTENSION IF EXISTS pgcrypto');
    await queryRunner.query('DROP EXTENSION IF EXISTS pg_trgm');
  }
}
