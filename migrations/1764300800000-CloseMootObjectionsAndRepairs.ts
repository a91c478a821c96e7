import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * An objection or a repair request about an entry that has ended (revoked, repaired, or a rejected
 * proposal) is moot: it is closed with the entry, as CLOSED, instead of staying open for ever.
 */
export class CloseMootObjectionsAndRepairs1764300800000 implements MigrationInterface {
  name = 'CloseMootObjectionsAndRepairs1764300800000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE objection DROP CONSTRAINT objection_status_check,
      ADD CONSTRAINT objection_status_check CHECK (status IN ('OPEN','UPHELD','REJECTED','CLOSED'))`);
    await q.query(`ALTER TABLE repair_request DROP CONSTRAINT repair_request_status_check,
      ADD CONSTRAINT repair_request_status_check CHECK (status IN ('PENDING','APPROVED','REFUSED','CLOSED'))`);
  }

  async down(q: QueryRunner): Promise<void> {
    // Before this migration such objections and requests stayed open: they are reopened.
    await q.query(`UPDATE objection SET status = 'OPEN', resolved_by = NULL, resolved_at = NULL,
      resolution_reason = NULL WHERE status = 'CLOSED'`);
    await q.query(`UPDATE repair_request SET status = 'PENDING', decided_by = NULL, decided_at = NULL,
      decision_reason = NULL WHERE status = 'CLOSED'`);
    await q.query(`ALTER TABLE repair_request DROP CONSTRAINT repair_request_status_check,
      ADD CONSTRAINT repair_request_status_check CHECK (status IN ('PENDING','APPROVED','REFUSED'))`);
    await q.query(`ALTER TABLE objection DROP CONSTRAINT objection_status_check,
      ADD CONSTRAINT objection_status_check CHECK (status IN ('OPEN','UPHELD','REJECTED'))`);
  }
}
