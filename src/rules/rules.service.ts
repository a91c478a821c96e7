import { HttpStatus, Injectable } from '@nestjs/common';
import { AuditService } from '../audit/audit.service';
import { AppError, CommonErrorCode, ErrorDetail } from '../common/errors/app-error';
import { RequestContext } from '../common/request-context';
import { Transactions } from '../database/transactions';
import {
  diffRuleData,
  EARLIEST_EFFECTIVE_FROM,
  isIsoDate,
  RuleData,
  ruleSetInForce,
  todayIn,
  validateRuleData,
} from './rules';
import { validateRuleDataShape } from './rules.dto';
import { RuleSet, RuleSetSummary, RulesRepository } from './rules.repository';

export enum RuleErrorCode {
  RULE_SET_NOT_FOUND = 'RULE_SET_NOT_FOUND',
  /** No version has started by the date asked (before the first effective date). */
  RULE_SET_NOT_IN_FORCE = 'RULE_SET_NOT_IN_FORCE',
  /** The rule data is well-typed but inconsistent (details: one problem per field). */
  RULE_DATA_INVALID = 'RULE_DATA_INVALID',
  RULE_SET_EFFECTIVE_TOO_EARLY = 'RULE_SET_EFFECTIVE_TOO_EARLY',
  INVALID_DATE = 'INVALID_DATE',
  INVALID_VERSION = 'INVALID_VERSION',
}

export interface RuleSetCreateInput {
  effectiveFrom: string;
  data: RuleData;
  note?: string | null;
}

/** Audit entries list at most this many changed paths; the count says how many there were. */
const AUDIT_MAX_CHANGES = 100;

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

const underData = (details: ErrorDetail[]): ErrorDetail[] =>
  details.map((d) => ({ ...d, field: d.field ? `data.${d.field}` : 'data' }));

/**
 * Versioned rule data: the figures of the regulations (measure types, review domains, severity bands,
 * publicity periods, time limits) that change over time and vary by agency. Other modules ask
 * `inForce(date)` for the rules of a date; that answer comes from memory (hot path).
 */
@Injectable()
export class RulesService {
  /** How long the cached versions are trusted before a cheap check for versions written by another instance. */
  static readonly REFRESH_MS = 30_000;

  private cache?: { sets: readonly RuleSet[]; maxVersion: number; checkedAt: number };
  private refreshing?: Promise<readonly RuleSet[]>;
  /** Bumped by each write here, so a load that started before it cannot install stale versions. */
  private generation = 0;

  constructor(
    private readonly repository: RulesRepository,
    private readonly audit: AuditService,
    private readonly tx: Transactions,
  ) {}

  /**
   * The rule set in force on `date` (valid time, `YYYY-MM-DD`, default today in Beijing): the greatest
   * effective date on or before it, ties to the greatest version. With `knownAt` (recorded time), only
   * the versions recorded by then are considered. The object is frozen: do not change it.
   */
  async inForce(date: string = todayIn(), knownAt?: Date): Promise<RuleSet> {
    if (!isIsoDate(date))
      throw AppError.badRequest(RuleErrorCode.INVALID_DATE, 'date must be a date YYYY-MM-DD', 'date');
    const versions = await this.versions();
    const known = knownAt ? versions.filter((v) => new Date(v.createdAt) <= knownAt) : versions;
    const set = ruleSetInForce(known, date);
    if (!set)
      throw AppError.notFound(
        RuleErrorCode.RULE_SET_NOT_IN_FORCE,
        `No rule set ${knownAt ? `recorded by ${knownAt.toISOString()} ` : ''}is in force on ${date}`,
      );
    return set;
  }

  async get(version: number): Promise<RuleSet> {
    const set = await this.repository.get(version);
    if (!set) throw AppError.notFound(RuleErrorCode.RULE_SET_NOT_FOUND, `No rule set has version ${version}`);
    return set;
  }

  list(): Promise<RuleSetSummary[]> {
    return this.repository.list();
  }

  /**
   * Adds the next version. The data is checked field by field (400 VALIDATION_FAILED) and then as a
   * whole (400 RULE_DATA_INVALID); the row and its RULE_SET_CREATED audit entry commit together.
   */
  async create(ctx: RequestContext, input: RuleSetCreateInput): Promise<RuleSet> {
    const data = this.checked(input.data);
    const { effectiveFrom } = input;
    if (!isIsoDate(effectiveFrom)) {
      throw AppError.badRequest(
        RuleErrorCode.INVALID_DATE,
        'effectiveFrom must be a date YYYY-MM-DD',
        'effectiveFrom',
      );
    }
    if (effectiveFrom < EARLIEST_EFFECTIVE_FROM) {
      throw AppError.badRequest(
        RuleErrorCode.RULE_SET_EFFECTIVE_TOO_EARLY,
        `effectiveFrom may not be before ${EARLIEST_EFFECTIVE_FROM}`,
        'effectiveFrom',
      );
    }
    const note = input.note?.trim() || null;
    const created = await this.tx.run(async (m) => {
      await this.repository.lockForWrite(m);
      const previous = await this.repository.latest(m);
      const version = (previous?.version ?? 0) + 1;
      const set = await this.repository.insert(m, {
        version,
        effectiveFrom,
        data,
        note,
        createdBy: ctx.principal?.kind === 'USER' ? ctx.principal.id : null,
      });
      const changes = diffRuleData(previous?.data, data);
      await this.audit.record(m, ctx, {
        action: 'RULE_SET_CREATED',
        targetType: 'RULE_SET',
        targetId: String(version),
        changes: {
          after: { version, effectiveFrom, note },
          previousVersion: previous?.version ?? null,
          changeCount: changes.length,
          changes: changes.slice(0, AUDIT_MAX_CHANGES),
        },
      });
      return set;
    });
    this.invalidate();
    return created;
  }

  /** Shape, then consistency; returns a plain copy holding only known fields. */
  private checked(value: unknown): RuleData {
    const shape = validateRuleDataShape(value);
    if (shape.length) {
      throw new AppError(
        HttpStatus.BAD_REQUEST,
        CommonErrorCode.VALIDATION_FAILED,
        `The rule data has ${shape.length} invalid field${shape.length === 1 ? '' : 's'}`,
        underData(shape),
      );
    }
    const data = JSON.parse(JSON.stringify(value)) as RuleData;
    const problems = validateRuleData(data);
    if (problems.length) {
      throw new AppError(
        HttpStatus.BAD_REQUEST,
        RuleErrorCode.RULE_DATA_INVALID,
        `The rule data is inconsistent: ${problems.map((p) => p.message).join('; ')}`,
        underData(problems),
      );
    }
    return data;
  }

  private invalidate(): void {
    this.generation++;
    this.cache = undefined;
    this.refreshing = undefined;
  }

  /** Every version, from memory; reloaded after a write here, re-checked every REFRESH_MS for others'. */
  private versions(): Promise<readonly RuleSet[]> | readonly RuleSet[] {
    if (this.cache && Date.now() - this.cache.checkedAt < RulesService.REFRESH_MS) return this.cache.sets;
    if (!this.refreshing) {
      const refreshing = this.refresh();
      this.refreshing = refreshing;
      const clear = () => {
        if (this.refreshing === refreshing) this.refreshing = undefined;
      };
      refreshing.then(clear, clear);
    }
    return this.refreshing;
  }

  private async refresh(): Promise<readonly RuleSet[]> {
    const generation = this.generation;
    const cached = this.cache;
    if (cached && (await this.repository.maxVersion()) === cached.maxVersion) {
      if (generation === this.generation) cached.checkedAt = Date.now();
      return cached.sets;
    }
    const sets = deepFreeze(await this.repository.all());
    if (generation === this.generation) {
      this.cache = {
        sets,
        maxVersion: sets.reduce((max, s) => Math.max(max, s.version), 0),
        checkedAt: Date.now(),
      };
    }
    return sets;
  }
}
