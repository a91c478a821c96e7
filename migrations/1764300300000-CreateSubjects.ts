import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Subjects (责任主体): persons and organisations, their former names and aliases, and their
 * identifiers. Identifiers are never stored in plain text: a keyed hash for exact look-up, an
 * AES-256-GCM ciphertext for authorised display and the masked form for everyone else
 * (docs/personal-data.md). `*_key` columns hold the search form of names (src/subjects/name-key.ts),
 * indexed with pg_trgm for fuzzy search.
 */
export class CreateSubjects1764300300000 implements MigrationInterface {
  name = 'CreateSubjects1764300300000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE subject (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        kind text NOT NULL CHECK (kind IN ('NATURAL_PERSON','LEGAL_PERSON','UNINCORPORATED_ORG')),
        name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
        name_key text NOT NULL,
        organisation text,
        organisation_key text,
        created_by uuid,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        version integer NOT NULL DEFAULT 1
      )`);
    await q.query('CREATE INDEX subject_key_trgm ON subject USING gin (name_key gin_trgm_ops)');
    await q.query(
      'CREATE INDEX subject_organisation_key_trgm ON subject USING gin (organisation_key gin_trgm_ops)',
    );

    await q.query(`
      CREATE TABLE subject_name (
        id bigserial PRIMARY KEY,
        subject_id uuid NOT NULL REFERENCES subject (id) ON DELETE CASCADE,
        kind text NOT NULL CHECK (kind IN ('FORMER','ALIAS')),
        name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
        name_key text NOT NULL
      )`);
    await q.query('CREATE INDEX subject_name_subject_idx ON subject_name (subject_id)');
    await q.query(
      'CREATE INDEX subject_name_name_key_trgm ON subject_name USING gin (name_key gin_trgm_ops)',
    );

    await q.query(`
      CREATE TABLE subject_identifier (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        subject_id uuid NOT NULL REFERENCES subject (id) ON DELETE CASCADE,
        type text NOT NULL CHECK (type IN ('RESIDENT_ID','USCC','PASSPORT','OTHER')),
        issuing_country text NOT NULL DEFAULT '' CHECK (issuing_country ~ '^([A-Z]{2,3})?$'),
        lookup_hash bytea NOT NULL,
        ciphertext bytea NOT NULL,
        masked text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(
      'CREATE UNIQUE INDEX subject_identifier_unique ON subject_identifier (type, issuing_country, lookup_hash)',
    );
    await q.query('CREATE INDEX subject_identifier_hash_idx ON subject_identifier (lookup_hash)');
    await q.query('CREATE INDEX subject_identifier_subject_idx ON subject_identifier (subject_id)');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE IF EXISTS subject_identifier');
    await q.query('DROP TABLE IF EXISTS subject_name');
    await q.query('DROP TABLE IF EXISTS subject');
  }
}
