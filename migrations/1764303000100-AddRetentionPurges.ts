import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Retention (docs/reliability.md): check receipts stay append-only except for housekeeping's purge of
 * those older than the retention period, which names its cut-off in the transaction-local setting
 * `registry.receipts_purge_before`; a finished job's rows (its upload and results) are deleted after
 * their own period, and the job says when.
 */
export class AddRetentionPurges1764303000100 implements MigrationInterface {
  name = 'AddRetentionPurges1764303000100';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE check_job ADD COLUMN files_purged_at timestamptz');
    await q.query(`
      CREATE FUNCTION check_run_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        cut_off text := current_setting('registry.receipts_purge_before', true);
      BEGIN
        IF TG_OP = 'DELETE' AND cut_off IS NOT NULL AND cut_off <> '' AND OLD.at < cut_off::timestamptz THEN
          RETURN OLD;
        END IF;
        RAISE EXCEPTION 'check receipts are append-only: % on % refused', TG_OP, TG_TABLE_NAME
          USING ERRCODE = 'insufficient_privilege';
      END $$`);
    await q.query('DROP TRIGGER check_run_no_update_delete ON check_run');
    await q.query(`CREATE TRIGGER check_run_no_update_delete BEFORE UPDATE OR DELETE ON check_run
      FOR EACH ROW EXECUTE FUNCTION check_run_refuse_change()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TRIGGER check_run_no_update_delete ON check_run');
    await q.query(`CREATE TRIGGER check_run_no_update_delete BEFORE UPDATE OR DELETE ON check_run
      FOR EACH ROW EXECUTE FUNCTION audit_refuse_change()`);
    await q.query('DROP FUNCTION check_run_refuse_change()');
    await q.query('ALTER TABLE check_job DROP COLUMN files_purged_at');
  }
}
