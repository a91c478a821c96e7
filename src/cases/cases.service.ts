import { HttpStatus, Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { AppError, ErrorDetail } from '../common/errors/app-error';
import { explainUniqueViolation } from '../common/errors/unique-violation';
import { RequestContext } from '../common/request-context';
import { Transactions } from '../database/transactions';
import { ListingsService } from '../listings/listings.service';
import { measureType, RuleData, todayIn, validateMeasure } from '../rules/rules';
import { RuleSet } from '../rules/rules.repository';
import { RulesService } from '../rules/rules.service';
import { SubjectsService } from '../subjects/subjects.service';
import { assertCaseTransition, isDecided, isInitialCaseStatus } from './case-lifecycle';
import { CaseCreateDto, CaseTransitionDto, MeasureAddDto, MeasureInputDto } from './cases.dto';
import { CaseRow, CasesRepository } from './cases.repository';
import { CaseErrorCode } from './cases.types';

const actorId = (ctx: RequestContext): string | null => ctx.principal?.id ?? null;

interface Decision {
  decisionNumber?: string | null;
  decisionDate?: string | null;
  severity?: string | null;
}

/** The fields a decision needs, checked as one rule for recording and for deciding later. */
function assertDecisionComplete(d: Decision, today: string): void {
  const missing = (['decisionNumber', 'decisionDate', 'severity'] as const).filter((k) => !d[k]);
  if (missing.length > 0) {
    throw new AppError(
      HttpStatus.BAD_REQUEST,
      CaseErrorCode.CASE_DECISION_INCOMPLETE,
      `A decided case needs ${missing.join(', ')}`,
      missing.map((field) => ({
        field,
        code: CaseErrorCode.CASE_DECISION_INCOMPLETE,
        message: 'is required once decided',
      })),
    );
  }
  if (d.decisionDate! > today) {
    throw AppError.badRequest(
      CaseErrorCode.CASE_DECISION_IN_FUTURE,
      'The decision date is in the future',
      'decisionDate',
    );
  }
}

/**
 * Each subject's index by its `ref`.
 * @throws AppError 400 for a ref used twice, or a subject given both or neither as id and as new.
 */
function subjectRefs(dto: CaseCreateDto): Map<string, number> {
  const refs = new Map<string, number>();
  dto.subjects.forEach((s, i) => {
    if (refs.has(s.ref)) {
      throw AppError.badRequest(
        CaseErrorCode.CASE_SUBJECT_REF_DUPLICATE,
        `The ref "${s.ref}" is used twice`,
        `subjects.${i}.ref`,
      );
    }
    if (Boolean(s.subjectId) === Boolean(s.subject)) {
      throw AppError.badRequest(
        CaseErrorCode.CASE_SUBJECT_SOURCE,
        'Give either subjectId (an existing subject) or subject (a new one)',
        `subjects.${i}`,
      );
    }
    refs.set(s.ref, i);
  });
  return refs;
}

/**
 * Misconduct cases: one decision each, the subjects it names, the measures it imposes. A decided case
 * with a SERIOUS_DB_ENTRY measure proposes the BLACK list entry itself, in the same transaction.
 */
@Injectable()
export class CasesService {
  constructor(
    private readonly cases: CasesRepository,
    private readonly subjects: SubjectsService,
    private readonly listings: ListingsService,
    private readonly rules: RulesService,
    private readonly audit: AuditService,
    private readonly tx: Transactions,
  ) {}

  async get(id: string, m?: EntityManager): Promise<CaseRow> {
    const found = await this.cases.findById(id, m);
    if (!found) throw AppError.notFound(CaseErrorCode.CASE_NOT_FOUND, `No case has id ${id}`);
    return found;
  }

  list(filter: Parameters<CasesRepository['list']>[0]) {
    return this.cases.list(filter);
  }

  /** Records a case with its subjects (existing or new) and measures: all of it, or nothing. */
  async create(ctx: RequestContext, dto: CaseCreateDto): Promise<CaseRow> {
    const ruleSet = await this.check(dto);
    const decisionNumber = dto.decisionNumber;
    const claim = () => (decisionNumber ? { authority: dto.authority, decisionNumber } : undefined);
    return this.withDecisionNumberConflict(claim, undefined, () =>
      this.tx.run(async (m) => {
        if (decisionNumber) await this.assertDecisionNumberFree(m, dto.authority, decisionNumber);
        return this.recordWith(m, ctx, dto, ruleSet);
      }),
    );
  }

  /**
   * Records a case inside the caller's transaction, as `create` does: what a random inspection's
   * finding of suspected misconduct opens, linked to its plan.
   */
  async createWith(
    m: EntityManager,
    ctx: RequestContext,
    dto: CaseCreateDto,
    link: { inspectionPlanId: string },
  ): Promise<CaseRow> {
    const ruleSet = await this.check(dto);
    if (dto.decisionNumber) await this.assertDecisionNumberFree(m, dto.authority, dto.decisionNumber);
    return this.recordWith(m, ctx, dto, ruleSet, link);
  }

  /**
   * The checks of a case to record that need no transaction: its status, a decision's fields, the
   * subjects' refs and the measures against the rules in force on the decision date (returned, for
   * `recordWith`). A bulk import checks each row with this, so a row answers the codes the API does.
   * @throws AppError 400 for the first problem found (all of the measures' problems at once).
   */
  async check(dto: CaseCreateDto): Promise<RuleSet | undefined> {
    if (!isInitialCaseStatus(dto.status)) {
      throw AppError.badRequest(
        CaseErrorCode.CASE_INITIAL_STATUS,
        `A case is recorded as REPORTED, DECIDED or FINAL`,
        'status',
      );
    }
    const decided = isDecided(dto.status);
    if (decided) assertDecisionComplete(dto, todayIn());
    const measures = dto.measures ?? [];
    if (!decided && measures.length > 0) {
      throw AppError.badRequest(
        CaseErrorCode.CASE_MEASURES_BEFORE_DECISION,
        'Measures come with a decision',
        'measures',
      );
    }
    const refs = subjectRefs(dto);
    measures.forEach((x, i) => {
      if (!refs.has(x.subjectRef)) {
        throw AppError.badRequest(
          CaseErrorCode.CASE_SUBJECT_REF_UNKNOWN,
          `No subject of this case has the ref "${x.subjectRef}"`,
          `measures.${i}.subjectRef`,
        );
      }
    });
    const ruleSet = decided ? await this.rules.inForce(dto.decisionDate) : undefined;
    if (ruleSet) this.assertMeasures(ruleSet.data, measures);
    return ruleSet;
  }

  /**
   * Writes a case `check` has passed, with `check`'s rule set, inside the caller's transaction: new
   * subjects, the case, its measures, the BLACK entries they propose, and the audit entries. The
   * caller has made sure the decision number is free. `link`: the random inspection whose finding
   * opens the case.
   */
  async recordWith(
    m: EntityManager,
    ctx: RequestContext,
    dto: CaseCreateDto,
    ruleSet: RuleSet | undefined,
    link?: { inspectionPlanId: string },
  ): Promise<CaseRow> {
    const refs = subjectRefs(dto);
    const subjectIds: string[] = [];
    for (const [i, s] of dto.subjects.entries()) {
      if (s.subjectId) {
        if (!(await this.subjects.exists(m, s.subjectId))) {
          throw AppError.badRequest(
            CaseErrorCode.CASE_SUBJECT_NOT_FOUND,
            `No subject has id ${s.subjectId}`,
            `subjects.${i}.subjectId`,
          );
        }
        subjectIds.push(s.subjectId);
      } else {
        subjectIds.push(
          (await this.subjects.createWith(m, ctx, s.subject!, `subjects.${i}.subject.identifiers`)).id,
        );
      }
    }
    const id = await this.cases.insert(m, {
      status: dto.status,
      decisionNumber: dto.decisionNumber ?? null,
      authority: dto.authority,
      decisionDate: dto.decisionDate ?? null,
      misconductTypes: dto.misconductTypes,
      severity: dto.severity ?? null,
      facts: dto.facts ?? null,
      legalBasis: dto.legalBasis ?? null,
      source: dto.source,
      aggravating: dto.aggravating ?? [],
      mitigating: dto.mitigating ?? [],
      ruleVersion: ruleSet?.version ?? null,
      createdBy: actorId(ctx),
      inspectionPlanId: link?.inspectionPlanId ?? null,
    });
    await this.cases.addEvent(m, id, dto.status, actorId(ctx), 'recorded', dto.decisionDate ?? null);
    for (const [i, s] of dto.subjects.entries()) await this.cases.addSubject(m, id, subjectIds[i], s.roles);
    const subjectOf = (ref: string) => subjectIds[refs.get(ref)!];
    // Only a decided case has rules, and only a decided case has measures (checked by `check`).
    if (ruleSet) {
      await this.insertMeasures(
        m,
        ctx,
        id,
        ruleSet.data,
        (dto.measures ?? []).map((x) => ({ ...x, subjectId: subjectOf(x.subjectRef) })),
      );
    }
    const created = (await this.cases.findById(id, m))!;
    await this.audit.record(m, ctx, {
      action: 'CASE_RECORDED',
      targetType: 'CASE',
      targetId: id,
      changes: {
        after: {
          status: created.status,
          decisionNumber: created.decisionNumber,
          authority: created.authority,
          decisionDate: created.decisionDate,
          severity: created.severity,
          misconductTypes: created.misconductTypes,
          subjects: created.subjects.map((s) => ({ subjectId: s.subjectId, roles: s.roles })),
          measures: created.measures.map((x) => ({
            type: x.type,
            subjectId: x.subjectId,
            startDate: x.startDate,
            endDate: x.endDate,
            lifetime: x.lifetime,
            domains: x.domains,
          })),
          listingIds: created.listingIds,
          inspectionPlanId: created.inspectionPlanId,
        },
      },
    });
    return created;
  }

  /** The cases recorded under any of the (authority, decision number) pairs, read with `m`. */
  findByDecisionNumbers(m: EntityManager, pairs: { authority: string; decisionNumber: string }[]) {
    return this.cases.findByDecisionNumbers(m, pairs);
  }

  /** Moves a case along its procedure; deciding needs the decision's number, date and severity. */
  async transition(
    ctx: RequestContext,
    id: string,
    dto: CaseTransitionDto,
    expectedVersion?: number,
  ): Promise<CaseRow> {
    let claimed: { authority: string; decisionNumber: string } | undefined;
    return this.withDecisionNumberConflict(
      () => claimed,
      id,
      () =>
        this.tx.run(async (m) => {
          const current = await this.locked(m, id, expectedVersion);
          assertCaseTransition(current.status, dto.to);
          const given = (['decisionNumber', 'decisionDate', 'severity'] as const).filter(
            (k) => dto[k] !== undefined,
          );
          if (!isDecided(dto.to) && given.length > 0) {
            throw new AppError(
              HttpStatus.BAD_REQUEST,
              CaseErrorCode.CASE_DECISION_FIELDS_NOT_ALLOWED,
              `${given.join(', ')} belong to a decision; ${dto.to} is not one`,
              given.map((field) => ({
                field,
                code: CaseErrorCode.CASE_DECISION_FIELDS_NOT_ALLOWED,
                message: 'only when deciding',
              })),
            );
          }
          const decision = {
            decisionNumber: dto.decisionNumber ?? current.decisionNumber,
            decisionDate: dto.decisionDate ?? current.decisionDate,
            severity: dto.severity ?? current.severity,
          };
          let ruleVersion = current.ruleVersion;
          if (isDecided(dto.to)) {
            assertDecisionComplete(decision, todayIn());
            if (decision.decisionNumber !== current.decisionNumber) {
              claimed = { authority: current.authority, decisionNumber: decision.decisionNumber! };
              await this.assertDecisionNumberFree(m, current.authority, decision.decisionNumber!, id);
            }
            ruleVersion ??= (await this.rules.inForce(decision.decisionDate!)).version;
          }
          await this.cases.decide(m, id, dto.to, { ...decision, ruleVersion });
          await this.cases.addEvent(
            m,
            id,
            dto.to,
            actorId(ctx),
            dto.reason ?? null,
            isDecided(dto.to) ? decision.decisionDate : null,
          );
          await this.audit.record(m, ctx, {
            action: 'CASE_STATUS_CHANGED',
            targetType: 'CASE',
            targetId: id,
            changes: {
              before: { status: current.status },
              after: { status: dto.to, ...decision },
              reason: dto.reason,
            },
          });
          return (await this.cases.findById(id, m))!;
        }),
    );
  }

  /** Adds measures to a decided case (proposing BLACK entries for SERIOUS_DB_ENTRY measures). */
  async addMeasures(
    ctx: RequestContext,
    id: string,
    measures: MeasureAddDto[],
    expectedVersion?: number,
  ): Promise<CaseRow> {
    return this.tx.run(async (m) => {
      const current = await this.locked(m, id, expectedVersion);
      if (!isDecided(current.status)) {
        throw AppError.conflict(
          CaseErrorCode.CASE_MEASURES_BEFORE_DECISION,
          `The case is ${current.status}: measures come with a decision`,
        );
      }
      const named = new Set(current.subjects.map((s) => s.subjectId));
      measures.forEach((x, i) => {
        if (!named.has(x.subjectId)) {
          throw AppError.badRequest(
            CaseErrorCode.CASE_SUBJECT_NOT_FOUND,
            'The case does not name this subject',
            `measures.${i}.subjectId`,
          );
        }
      });
      const rules = (await this.rules.inForce(current.decisionDate!)).data;
      this.assertMeasures(rules, measures);
      await this.insertMeasures(m, ctx, id, rules, measures);
      await this.cases.bumpVersion(m, id);
      await this.audit.record(m, ctx, {
        action: 'CASE_MEASURES_ADDED',
        targetType: 'CASE',
        targetId: id,
        changes: { measures },
      });
      return (await this.cases.findById(id, m))!;
    });
  }

  /** Checks measures against the rules; errors name the field `measures.<index>.<field>`. */
  private assertMeasures(rules: RuleData, measures: Omit<MeasureInputDto, 'subjectRef'>[]): void {
    const details: ErrorDetail[] = measures.flatMap((x, i) =>
      validateMeasure(rules, x).map((p) => ({
        code: p.code,
        field: `measures.${i}.${p.field}`,
        message: p.message,
      })),
    );
    if (details.length > 0) {
      throw new AppError(
        HttpStatus.BAD_REQUEST,
        details[0].code,
        details.map((d) => `${d.field}: ${d.message}`).join('; '),
        details,
      );
    }
  }

  private async insertMeasures(
    m: EntityManager,
    ctx: RequestContext,
    caseId: string,
    rules: RuleData,
    measures: (Omit<MeasureInputDto, 'subjectRef'> & { subjectId: string })[],
  ): Promise<void> {
    for (const x of measures) {
      const measureId = await this.cases.addMeasure(m, caseId, {
        subjectId: x.subjectId,
        type: x.type,
        startDate: x.startDate ?? null,
        endDate: x.endDate ?? null,
        lifetime: x.lifetime ?? false,
        domains: x.domains ?? [],
        note: x.note ?? null,
      });
      const listType = measureType(rules, x.type)?.putsOnList;
      if (listType) {
        await this.listings.proposeWith(m, ctx, {
          subjectId: x.subjectId,
          listType,
          caseId,
          measureId,
          effectiveFrom: x.startDate!,
          effectiveTo: x.lifetime ? null : (x.endDate ?? null),
        });
      }
    }
  }

  private async locked(m: EntityManager, id: string, expectedVersion?: number): Promise<CaseRow> {
    const current = await this.cases.findById(id, m, true);
    if (!current) throw AppError.notFound(CaseErrorCode.CASE_NOT_FOUND, `No case has id ${id}`);
    if (expectedVersion !== undefined && current.version !== expectedVersion) {
      throw new AppError(
        HttpStatus.PRECONDITION_FAILED,
        CaseErrorCode.CASE_VERSION_MISMATCH,
        `The case changed since version ${expectedVersion}; it is at version ${current.version}`,
      );
    }
    return current;
  }

  /**
   * Two recordings of one decision number at once both pass the pre-check; the loser's unique
   * violation becomes the same 409 (with the winner's id) the pre-check gives.
   */
  private withDecisionNumberConflict<T>(
    claim: () => { authority: string; decisionNumber: string } | undefined,
    exceptId: string | undefined,
    work: () => Promise<T>,
  ): Promise<T> {
    return explainUniqueViolation('misconduct_case_decision_key', work, async () => {
      const claimed = claim();
      if (claimed) {
        await this.tx.run((m) =>
          this.assertDecisionNumberFree(m, claimed.authority, claimed.decisionNumber, exceptId),
        );
      }
    });
  }

  private async assertDecisionNumberFree(
    m: EntityManager,
    authority: string,
    decisionNumber: string,
    exceptId?: string,
  ) {
    const existing = await this.cases.decisionNumberTaken(m, authority, decisionNumber, exceptId);
    if (existing) {
      throw AppError.conflict(
        CaseErrorCode.CASE_DECISION_NUMBER_TAKEN,
        `${authority} already has a decision ${decisionNumber}`,
        [
          {
            field: 'decisionNumber',
            code: CaseErrorCode.CASE_DECISION_NUMBER_TAKEN,
            message: 'is taken',
            context: { existingCaseId: existing },
          },
        ],
      );
    }
  }
}
