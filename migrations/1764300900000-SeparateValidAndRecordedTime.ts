import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Two clocks (docs/domain.md, "Time"): valid time, when something applies in law (calendar dates),
 * and recorded time, when the registry learned it (instants, never edited).
 *
 * - The `at` of both status histories is renamed `recorded_at`: it always was recorded time. It, an
 *   entry's `proposed_at`/`decided_at` and a rule set's `created_at` keep milliseconds, as the API
 *   shows them and a check's `knownAt` holds them.
 * - A list entry's history event carries the valid time of what it records: the period it sets
 *   (`effective_from`/`effective_to`, on PROPOSED and on CORRECTED, a correction of the dates) and
 *   the first day an ending act takes effect (`effective_date`, on REVOKED, REPAIRED and EXPIRED).
 * - A list entry keeps the day its termination takes effect (`terminated_from`) and, for a RED entry,
 *   its publicity (objection) period (`publicity_from`/`publicity_to`).
 * - A case's history event carries the decision date it stated.
 *
 * Existing rows keep their meaning: an ending act takes effect on the Beijing day it was recorded
 * (as before, when it counted from the instant recorded); a RED entry ended by a BLACK or WATCH entry
 * gets back the end its designation gave (from the audit trail) and an EXPIRED act effective the day
 * after the end it had been cut to; a RED candidate's publicity period runs from the day it was
 * proposed for the objection period of the rule set then in force. Approvals stay as recorded: an
 * approved entry now counts for its whole period from the moment its approval was recorded.
 */
/**
 * The recorded-time columns the API shows, to the millisecond as it shows them. A measure's
 * `created_at` keeps its microseconds: it is never shown, and it orders the measures recorded in one
 * transaction (clock_timestamp()); the check compares it to the microsecond.
 */
const RECORDED_TIME = [
  ['listing_event', 'recorded_at'],
  ['case_status_event', 'recorded_at'],
  ['listing', 'proposed_at'],
  ['listing', 'decided_at'],
  ['rule_set', 'created_at'],
] as const;

export class SeparateValidAndRecordedTime1764300900000 implements MigrationInterface {
  name = 'SeparateValidAndRecordedTime1764300900000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE listing_event RENAME COLUMN at TO recorded_at');
    await q.query('ALTER TABLE case_status_event RENAME COLUMN at TO recorded_at');
    // Recorded time to the millisecond, what the API shows and a check's knownAt holds: an event shown
    // as recorded at an instant is known at that instant, no hidden microseconds later.
    for (const [table, column] of RECORDED_TIME) {
      await q.query(`ALTER TABLE ${table} ALTER COLUMN ${column} TYPE timestamptz(3)`);
    }
    await q.query(`ALTER TABLE listing_event ADD COLUMN effective_date date, ADD COLUMN effective_from date,
      ADD COLUMN effective_to date,
      ADD CONSTRAINT listing_event_status_check
        CHECK (status IN ('PROPOSED','ACTIVE','EXPIRED','REPAIRED','REVOKED','REJECTED','CORRECTED')),
      ADD CONSTRAINT listing_event_period_check
        CHECK (effective_to IS NULL OR (effective_from IS NOT NULL AND effective_to >= effective_from))`);
    await q.query('ALTER TABLE case_status_event ADD COLUMN decision_date date');
    await q.query(`ALTER TABLE listing ADD COLUMN terminated_from date, ADD COLUMN publicity_from date,
      ADD COLUMN publicity_to date,
      ADD CONSTRAINT listing_publicity_check CHECK (publicity_to IS NULL OR publicity_to >= publicity_from)`);

    // The histories refuse UPDATE (append-only); only this migration fills the new columns in.
    await q.query('ALTER TABLE listing_event DISABLE TRIGGER listing_event_no_update_delete');
    await q.query('ALTER TABLE case_status_event DISABLE TRIGGER case_status_event_no_update_delete');

    // RED entries cut short by a BLACK or WATCH entry: the designated end comes back from the audit trail.
    await q.query(`UPDATE listing l SET terminated_from = l.effective_to + 1,
        effective_to = (SELECT (a.changes->'before'->>'effectiveTo')::date FROM audit_entry a
                         WHERE a.action = 'LISTING_RED_ENDED' AND a.target_type = 'LISTING'
                           AND a.target_id = l.id::text ORDER BY a.seq DESC NULLS LAST LIMIT 1)
      WHERE l.list_type = 'RED' AND l.status = 'EXPIRED'`);
    await q.query(`UPDATE listing_event e SET effective_date = l.terminated_from
      FROM listing l WHERE l.id = e.listing_id AND e.status = 'EXPIRED'`);
    await q.query(`UPDATE listing_event SET effective_date = (recorded_at AT TIME ZONE 'Asia/Shanghai')::date
      WHERE status IN ('REVOKED','REPAIRED')`);
    await q.query(`UPDATE listing l SET terminated_from = e.first
      FROM (SELECT listing_id, min(effective_date) AS first FROM listing_event
            WHERE status IN ('REVOKED','REPAIRED','EXPIRED') GROUP BY listing_id) e
      WHERE e.listing_id = l.id AND (l.terminated_from IS NULL OR e.first < l.terminated_from)`);
    await q.query(`UPDATE listing_event e SET effective_from = l.effective_from, effective_to = l.effective_to
      FROM listing l WHERE l.id = e.listing_id AND e.status = 'PROPOSED'`);
    await q.query(`UPDATE listing l SET publicity_from = (l.proposed_at AT TIME ZONE 'Asia/Shanghai')::date,
        publicity_to = (l.proposed_at AT TIME ZONE 'Asia/Shanghai')::date - 1 + coalesce(
          (SELECT (r.data->>'redObjectionPeriodDays')::int FROM rule_set r
            WHERE r.effective_from <= (l.proposed_at AT TIME ZONE 'Asia/Shanghai')::date
            ORDER BY r.effective_from DESC, r.version DESC LIMIT 1), 0)
      WHERE l.list_type = 'RED'`);
    await q.query(`UPDATE case_status_event e SET decision_date = c.decision_date
      FROM misconduct_case c WHERE c.id = e.case_id
        AND e.status IN ('DECIDED','REVIEW_REQUESTED','APPEALED','FINAL')`);

    await q.query('ALTER TABLE case_status_event ENABLE TRIGGER case_status_event_no_update_delete');
    await q.query('ALTER TABLE listing_event ENABLE TRIGGER listing_event_no_update_delete');
  }

  async down(q: QueryRunner): Promise<void> {
    // A RED entry ended by a BLACK or WATCH entry had its end cut to the day before, as it was stored.
    await q.query(`UPDATE listing SET effective_to = terminated_from - 1
      WHERE list_type = 'RED' AND status = 'EXPIRED' AND terminated_from IS NOT NULL`);
    await q.query('ALTER TABLE listing_event DISABLE TRIGGER listing_event_no_update_delete');
    // Corrections have no place in the old history; the entry keeps its corrected dates.
    await q.query(`DELETE FROM listing_event WHERE status = 'CORRECTED'`);
    await q.query('ALTER TABLE listing_event ENABLE TRIGGER listing_event_no_update_delete');
    await q.query(`ALTER TABLE listing DROP CONSTRAINT listing_publicity_check, DROP COLUMN terminated_from,
      DROP COLUMN publicity_from, DROP COLUMN publicity_to`);
    await q.query('ALTER TABLE case_status_event DROP COLUMN decision_date');
    await q.query(`ALTER TABLE listing_event DROP CONSTRAINT listing_event_period_check,
      DROP CONSTRAINT listing_event_status_check, DROP COLUMN effective_date, DROP COLUMN effective_from,
      DROP COLUMN effective_to`);
    for (const [table, column] of RECORDED_TIME) {
      await q.query(`ALTER TABLE ${table} ALTER COLUMN ${column} TYPE timestamptz`);
    }
    await q.query('ALTER TABLE case_status_event RENAME COLUMN recorded_at TO at');
    await q.query('ALTER TABLE listing_event RENAME COLUMN recorded_at TO at');
  }
}
