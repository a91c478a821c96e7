import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Users, API clients, refresh tokens, login failures, and the append-only audit trail.
 *
 * The audit trail is two tables: `audit_entry`, written in the same transaction as the change it
 * records, and `audit_seal`, written by a single sealer that chains committed entries in order
 * (docs/audit.md). Each entry remembers its writing transaction (`xid`), so the sealer knows when
 * every entry below a horizon has committed or rolled back. The database refuses UPDATE, DELETE and
 * TRUNCATE on all three audit tables.
 */
export class CreateIdentityAndAudit1764300100000 implements MigrationInterface {
  name = 'CreateIdentityAndAudit1764300100000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE app_user (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        username text NOT NULL,
        display_name text NOT NULL,
        password_hash text NOT NULL,
        roles text[] NOT NULL DEFAULT '{}'
          CHECK (roles <@ ARRAY['ADMIN','RECORDER','APPROVER','REVIEWER','AUDITOR']::text[]),
        disabled_at timestamptz,
        password_changed_at timestamptz NOT NULL DEFAULT now(),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        version integer NOT NULL DEFAULT 1
      )`);
    await q.query('CREATE UNIQUE INDEX app_user_username_key ON app_user (lower(username))');

    await q.query(`
      CREATE TABLE login_failure (
        id bigserial PRIMARY KEY,
        username_key text NOT NULL,
        at timestamptz NOT NULL DEFAULT now(),
        ip text
      )`);
    await q.query('CREATE INDEX login_failure_username_at_idx ON login_failure (username_key, at)');

    await q.query(`
      CREATE TABLE refresh_token (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id uuid NOT NULL REFERENCES app_user (id) ON DELETE CASCADE,
        family_id uuid NOT NULL,
        token_hash bytea NOT NULL UNIQUE,
        expires_at timestamptz NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        revoked_at timestamptz,
        revoked_reason text
      )`);
    await q.query('CREATE INDEX refresh_token_family_idx ON refresh_token (family_id)');
    await q.query('CREATE INDEX refresh_token_user_idx ON refresh_token (user_id)');

    await q.query(`
      CREATE TABLE api_client (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL,
        scopes text[] NOT NULL,
        key_prefix text NOT NULL,
        key_hash bytea NOT NULL UNIQUE,
        created_by uuid REFERENCES app_user (id),
        created_at timestamptz NOT NULL DEFAULT now(),
        revoked_at timestamptz,
        last_used_at timestamptz
      )`);
    await q.query(
      'CREATE UNIQUE INDEX api_client_name_key ON api_client (lower(name)) WHERE revoked_at IS NULL',
    );

    await q.query(`
      CREATE TABLE audit_entry (
        seq bigserial PRIMARY KEY,
        at timestamptz NOT NULL,
        xid xid8 NOT NULL DEFAULT pg_current_xact_id(),
        actor_type text NOT NULL CHECK (actor_type IN ('USER','API_CLIENT','SYSTEM','ANONYMOUS')),
        actor_id text,
        actor_name text,
        actor_roles text[] NOT NULL DEFAULT '{}',
        action text NOT NULL,
        target_type text,
        target_id text,
        request_id text,
        purpose text,
        changes jsonb
      )`);
    await q.query('CREATE INDEX audit_entry_xid_idx ON audit_entry (xid)');
    await q.query('CREATE INDEX audit_entry_actor_idx ON audit_entry (actor_id, seq)');
    await q.query('CREATE INDEX audit_entry_action_idx ON audit_entry (action, seq)');
    await q.query('CREATE INDEX audit_entry_target_idx ON audit_entry (target_type, target_id, seq)');
    await q.query('CREATE INDEX audit_entry_at_idx ON audit_entry (at)');

    await q.query(`
      CREATE TABLE audit_seal (
        position bigint PRIMARY KEY,
        entry_seq bigint NOT NULL UNIQUE REFERENCES audit_entry (seq),
        prev_hash bytea NOT NULL,
        hash bytea NOT NULL,
        sealed_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE audit_seal_round (
        id bigserial PRIMARY KEY,
        horizon xid8 NOT NULL,
        complete boolean NOT NULL,
        sealed integer NOT NULL,
        last_position bigint,
        at timestamptz NOT NULL DEFAULT now()
      )`);

    await q.query(`
      CREATE FUNCTION audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'the audit trail is append-only: % on % refused', TG_OP, TG_TABLE_NAME
          USING ERRCODE = 'insufficient_privilege';
      END $$`);
    for (const table of ['audit_entry', 'audit_seal', 'audit_seal_round']) {
      await q.query(`CREATE TRIGGER ${table}_no_update_delete BEFORE UPDATE OR DELETE ON ${table}
        FOR EACH ROW EXECUTE FUNCTION audit_refuse_change()`);
      await q.query(`CREATE TRIGGER ${table}_no_truncate BEFORE TRUNCATE ON ${table}
        FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change()`);
    }
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of [
      'audit_seal_round',
      'audit_seal',
      'audit_entry',
      'api_client',
      'refresh_token',
      'login_failure',
      'app_user',
    ]) {
      await q.query(`DROP TABLE IF EXISTS ${table}`);
    }
    await q.query('DROP FUNCTION IF EXISTS audit_refuse_change()');
  }
}
