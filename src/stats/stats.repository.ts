import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

export interface StatsOverview {
  /** Valid time: the day the figures are for (today in China). */
  asOf: string;
  /** Approved entries in force on `asOf`, by list. */
  listsInForce: { listType: string; entries: number }[];
  /** Decided cases by the month of their decision date, the last 12 months including this one. */
  casesPerMonth: { month: string; cases: number }[];
  /** Checks by the China day they ran, the last 30 days, with applicants and their verdicts. */
  checksPerDay: {
    day: string;
    checks: number;
    applicants: number;
    verdicts: { BLOCK: number; REVIEW: number; CLEAR: number; ERROR: number };
  }[];
}

/**
 * The dashboard's figures, read in one round trip. An entry is in force as the registry knows it now:
 * approved (any status past PROPOSED but REJECTED), its period covering the day, and no ending act
 * effective by then (terminated_from, kept by every ending act; see docs/domain.md, "Time").
 */
@Injectable()
export class StatsRepository {
  constructor(private readonly dataSource: DataSource) {}

  async overview(asOf: string): Promise<StatsOverview> {
    const [row] = await this.dataSource.query(
      `SELECT
         (SELECT coalesce(json_agg(x ORDER BY x."listType"), '[]') FROM (
            SELECT list_type AS "listType", count(*)::int AS entries FROM listing
            WHERE status IN ('ACTIVE','EXPIRED','REPAIRED','REVOKED') AND effective_from <= $1::date
              AND (effective_to IS NULL OR effective_to >= $1::date)
              AND (terminated_from IS NULL OR terminated_from > $1::date)
            GROUP BY list_type) x) AS "listsInForce",
         (SELECT json_agg(json_build_object('month', to_char(m, 'YYYY-MM'), 'cases', coalesce(c.n, 0)) ORDER BY m)
          FROM generate_series(date_trunc('month', $1::date) - interval '11 months', date_trunc('month', $1::date),
                               interval '1 month') AS m
          LEFT JOIN (SELECT date_trunc('month', decision_date) AS month, count(*)::int AS n FROM misconduct_case
                     WHERE status IN ('DECIDED','REVIEW_REQUESTED','APPEALED','FINAL')
                       AND decision_date > $1::date - interval '12 months' AND decision_date <= $1::date
                     GROUP BY 1) c ON c.month = m) AS "casesPerMonth",
         (SELECT json_agg(json_build_object('day', to_char(d, 'YYYY-MM-DD'), 'checks', coalesce(r.checks, 0),
                  'applicants', coalesce(r.applicants, 0), 'verdicts', json_build_object(
                    'BLOCK', coalesce(r.block, 0), 'REVIEW', coalesce(r.review, 0),
                    'CLEAR', coalesce(r.clear, 0), 'ERROR', coalesce(r.error, 0))) ORDER BY d)
          FROM generate_series($1::date - 29, $1::date, interval '1 day') AS d
          LEFT JOIN (SELECT (at AT TIME ZONE 'Asia/Shanghai')::date AS day, count(*)::int AS checks,
                       sum(applicants)::int AS applicants, sum((counts->>'BLOCK')::int)::int AS block,
                       sum((counts->>'REVIEW')::int)::int AS review, sum((counts->>'CLEAR')::int)::int AS clear,
                       sum((counts->>'ERROR')::int)::int AS error
                     FROM check_run
                     WHERE at >= ($1::date - 29)::timestamp AT TIME ZONE 'Asia/Shanghai'
                       AND at < ($1::date + 1)::timestamp AT TIME ZONE 'Asia/Shanghai'
                     GROUP BY 1) r ON r.day = d::date) AS "checksPerDay"`,
      [asOf],
    );
    return { asOf, ...row };
  }
}
