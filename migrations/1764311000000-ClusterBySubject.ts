import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The check reads every measure and listing of a matched subject, and every event of those
 * listings. Rows recorded years apart land on different pages; ordered by subject (and by listing)
 * they share one. This rewrites the three tables in that order and marks the index each is
 * clustered on, so that `CLUSTER` without arguments (docs/operations.md, maintenance) restores the
 * order as new rows scatter it. CLUSTER holds an exclusive lock on each table while it rewrites it:
 * on a large registry, apply this migration in a maintenance window.
 */
const CLUSTERED = [
  ['measure', 'measure_subject_idx'],
  ['listing', 'listing_subject_type_idx'],
  ['listing_event', 'listing_event_listing_idx'],
] as const;

export class ClusterBySubject1764311000000 implements MigrationInterface {
  name = 'ClusterBySubject1764311000000';

  async up(q: QueryRunner): Promise<void> {
    for (const [table, index] of CLUSTERED) {
      await q.query(`CLUSTER ${table} USING ${index}`);
      await q.query(`ANALYZE ${table}`);
    }
  }

  /** The tables keep their order (no order is the one to go back to); they are no longer marked. */
  async down(q: QueryRunner): Promise<void> {
    for (const [table] of CLUSTERED) await q.query(`ALTER TABLE ${table} SET WITHOUT CLUSTER`);
  }
}
