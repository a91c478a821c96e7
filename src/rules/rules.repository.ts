import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { RuleData } from './rules';

/** One version of the rule data, as stored. */
export interface RuleSet {
  version: number;
  /** `YYYY-MM-DD` */
  effectiveFrom: string;
  data: RuleData;
  note: string | null;
  createdBy: string | null;
  createdAt: Date;
}

export type RuleSetSummary = Omit<RuleSet, 'data' | 'createdBy'>;

// to_char, not the date type: node-postgres turns a date into a JavaScript Date at local midnight.
const COLUMNS = `version, to_char(effective_from, 'YYYY-MM-DD') AS "effectiveFrom", note,
  created_at AS "createdAt"`;
const FULL_COLUMNS = `${COLUMNS}, data, created_by AS "createdBy"`;

/** The rule_set table, in SQL: rows are only ever inserted (a trigger refuses anything else). */
@Injectable()
export class RulesRepository {
  constructor(private readonly dataSource: DataSource) {}

  private q(manager?: EntityManager) {
    return manager ?? this.dataSource.manager;
  }

  /** Every version with its data, in version order (the service caches this). */
  all(): Promise<RuleSet[]> {
    return this.q().query(`SELECT ${FULL_COLUMNS} FROM rule_set ORDER BY version`);
  }

  list(): Promise<RuleSetSummary[]> {
    return this.q().query(`SELECT ${COLUMNS} FROM rule_set ORDER BY version`);
  }

  async get(version: number): Promise<RuleSet | undefined> {
    const [row] = await this.q().query(`SELECT ${FULL_COLUMNS} FROM rule_set WHERE version = $1`, [version]);
    return row;
  }

  async maxVersion(): Promise<number> {
    const [row] = await this.q().query('SELECT coalesce(max(version), 0) AS v FROM rule_set');
    return row.v;
  }

  /**
   * Serialises writers (two new versions cannot take the same number) without blocking readers:
   * SHARE ROW EXCLUSIVE conflicts with itself and with inserts, not with SELECT.
   */
  async lockForWrite(manager: EntityManager): Promise<void> {
    await manager.query('LOCK TABLE rule_set IN SHARE ROW EXCLUSIVE MODE');
  }

  async latest(manager: EntityManager): Promise<RuleSet | undefined> {
    const [row] = await manager.query(`SELECT ${FULL_COLUMNS} FROM rule_set ORDER BY version DESC LIMIT 1`);
    return row;
  }

  async insert(
    manager: EntityManager,
    row: {
      version: number;
      effectiveFrom: string;
      data: RuleData;
      note: string | null;
      createdBy: string | null;
    },
  ): Promise<RuleSet> {
    const [inserted] = await manager.query(
      `INSERT INTO rule_set (version, effective_from, data, note, created_by)
       VALUES ($1, $2::date, $3::jsonb, $4, $5) RETURNING ${FULL_COLUMNS}`,
      [row.version, row.effectiveFrom, JSON.stringify(row.data), row.note, row.createdBy],
    );
    return inserted;
  }
}
