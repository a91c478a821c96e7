import { HttpStatus, Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { CasesService } from '../cases/cases.service';
import { AppError } from '../common/errors/app-error';
import { RequestContext } from '../common/request-context';
import { Transactions } from '../database/transactions';
import { IdentifierType } from '../identifiers/identifiers';
import { PersonalDataProtector } from '../personal-data/personal-data.protector';
import { maskName } from '../receipts/check-receipt';
import { todayIn } from '../rules/rules';
import { ApplicantDto, MAX_APPLICANTS } from '../screening/screening.dto';
import type { CheckJobUpload } from '../screening/jobs/check-jobs.service';
import { ScreeningService } from '../screening/screening.service';
import { SubjectKind } from '../subjects/subjects.types';
import {
  allocate,
  applyDeclines,
  canonicalHash,
  draw,
  DrawError,
  DrawInput,
  DrawParameters,
  drawSeed,
  inspectorRows,
  RATIO_SCALE,
  sampleFrame,
  StratumCount,
  targetRows,
} from './draw';
import { DRAW_DOCUMENT_FORMAT, DrawDocument, POOL_EXPORT_FORMAT, PoolExport, Redraw } from './draw-document';
import {
  DrawCreateDto,
  FindingCreateDto,
  FindingDto,
  PlanCreateDto,
  PlanResponseDto,
  PoolCreateDto,
  PoolResponseDto,
  PublicInspectionDto,
  PublicInspectorPoolDto,
  PublicTargetPoolDto,
  RedrawCreateDto,
} from './inspections.dto';
import {
  InspectionsRepository,
  PlanRow,
  PoolRow,
  IdentifiedInspector,
  StoredTarget,
} from './inspections.repository';
import { InspectionErrorCode, PLAN_LIFECYCLE, PlanStatus, PoolKind } from './inspections.types';
import { readInspectorPool, readTargetPool } from './pool-file';

/** The review domain whose bars keep an inspector out of a draw (DOMAIN.md, Review domains). */
const INSPECTOR_DOMAIN = 'REVIEWER_SELECTION';

/** A pool file read and checked, ready to store as a version. */
interface ReadPool {
  format: string;
  rowCount: number;
  hash: string;
  insert: (m: EntityManager, versionId: string) => Promise<void>;
}

const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());

const userId = (ctx: RequestContext): string => {
  if (ctx.principal?.kind !== 'USER') {
    throw new AppError(HttpStatus.FORBIDDEN, 'ACCESS_DENIED', 'Inspections are worked by people');
  }
  return ctx.principal.id;
};

/** A DrawError as the API answers it: 400 for a plan the pool cannot satisfy, 409 at draw time. */
const drawRefusal = (error: unknown, status: HttpStatus) => {
  if (!(error instanceof DrawError)) return error;
  return new AppError(status, error.code, error.message, [
    { field: error.field, code: error.code, message: error.message },
  ]);
};

/** What every view of a plan opens with. */
const planHeader = ({ id, title, scope, year, items }: PlanRow) => ({ id, title, scope, year, items });

export function toPoolDto(p: PoolRow): PoolResponseDto {
  return {
    id: p.id,
    kind: p.kind,
    name: p.name,
    createdAt: iso(p.createdAt)!,
    versions: p.versions.map((v) => ({ ...v, createdAt: iso(v.createdAt)! })),
  };
}

/**
 * Random inspections (双随机一公开, docs/inspections.md): pools frozen per version, plans approved by
 * someone other than their planner, the draw (pure, draw.ts) with the registry's own REVIEWER_SELECTION
 * check for barred inspectors, redraws, findings (a suspected misconduct opens a case in the same
 * transaction), and the public record once closed. Every write is audited in its transaction.
 */
@Injectable()
export class InspectionsService {
  constructor(
    private readonly repository: InspectionsRepository,
    private readonly screening: ScreeningService,
    private readonly cases: CasesService,
    private readonly protector: PersonalDataProtector,
    private readonly audit: AuditService,
    private readonly tx: Transactions,
  ) {}

  // --- pools ---

  createPool(ctx: RequestContext, dto: PoolCreateDto): Promise<PoolResponseDto> {
    return this.tx.run(async (m) => {
      const id = await this.repository.insertPool(m, dto.kind, dto.name, userId(ctx));
      await this.audit.record(m, ctx, {
        action: 'INSPECTION_POOL_CREATED',
        targetType: 'INSPECTION_POOL',
        targetId: id,
        changes: { after: { kind: dto.kind, name: dto.name } },
      });
      return toPoolDto((await this.repository.findPool(id, m))!);
    });
  }

  async pool(id: string): Promise<PoolRow> {
    const found = await this.repository.findPool(id);
    if (!found) throw AppError.notFound(InspectionErrorCode.POOL_NOT_FOUND, `No pool has id ${id}`);
    return found;
  }

  listPools(offset: number, limit: number) {
    return this.repository.listPools(offset, limit);
  }

  /**
   * Reads an uploaded file into a new version of the pool: every row valid, or nothing stored.
   * @throws AppError 400 POOL_ROWS_INVALID with each problem as `rows.<row>.<column>`
   */
  async uploadVersion(ctx: RequestContext, poolId: string, upload: CheckJobUpload): Promise<PoolResponseDto> {
    const pool = await this.pool(poolId);
    userId(ctx);
    const read = pool.kind === 'TARGET' ? await this.readTargets(upload) : await this.readInspectors(upload);
    return this.tx.run(async (m) => {
      // Locks the pool so that two uploads at once number their versions one after the other.
      await this.repository.findPool(pool.id, m, true);
      const { fileName } = upload;
      const { format, rowCount, hash } = read;
      const version = await this.repository.insertVersion(m, {
        poolId: pool.id,
        fileName,
        format,
        rowCount,
        hash,
        createdBy: userId(ctx),
      });
      await read.insert(m, version.id);
      await this.audit.record(m, ctx, {
        action: 'INSPECTION_POOL_VERSION_CREATED',
        targetType: 'INSPECTION_POOL',
        targetId: pool.id,
        changes: {
          after: { versionId: version.id, version: version.version, fileName, format, rowCount, hash },
        },
      });
      return toPoolDto((await this.repository.findPool(pool.id, m))!);
    });
  }

  private async readTargets(upload: CheckJobUpload): Promise<ReadPool> {
    const file = await readTargetPool(upload.buffer);
    const rows = file.rows.map((r) => ({
      ...r,
      piId: r.piIdNumber ? this.protector.protect('RESIDENT_ID', r.piIdNumber) : null,
    }));
    return {
      format: file.format,
      rowCount: rows.length,
      hash: canonicalHash(targetRows(file.rows)),
      insert: (m, versionId) => this.repository.insertTargets(m, versionId, rows),
    };
  }

  private async readInspectors(upload: CheckJobUpload): Promise<ReadPool> {
    const file = await readInspectorPool(upload.buffer);
    const linked = file.rows.flatMap((r, i) => (r.subjectId ? [{ id: r.subjectId, i }] : []));
    const existing = await this.repository.existingSubjects(linked.map((l) => l.id));
    const missing = linked.filter((l) => !existing.has(l.id));
    if (missing.length > 0) {
      throw new AppError(
        HttpStatus.BAD_REQUEST,
        InspectionErrorCode.POOL_ROWS_INVALID,
        `${missing.length} row(s) link a subject the registry does not hold; nothing was stored`,
        missing.slice(0, 200).map((l) => ({
          field: `rows.${file.lines[l.i]}.subjectId`,
          code: 'SUBJECT_NOT_FOUND',
          message: `No subject has id ${l.id}`,
        })),
      );
    }
    const rows = file.rows.map((r) => ({
      ...r,
      id: r.identifier
        ? {
            type: r.identifier.type,
            country: r.identifier.issuingCountry,
            ...this.protector.protect(r.identifier.type, r.identifier.value),
          }
        : null,
    }));
    return {
      format: file.format,
      rowCount: rows.length,
      hash: canonicalHash(inspectorRows(file.rows)),
      insert: (m, versionId) => this.repository.insertInspectors(m, versionId, rows),
    };
  }

  private async version(id: string, kind: PoolKind, field: string) {
    const v = await this.repository.findVersion(id);
    if (!v)
      throw AppError.badRequest(
        InspectionErrorCode.POOL_VERSION_NOT_FOUND,
        `No pool version has id ${id}`,
        field,
      );
    if (v.kind !== kind) {
      throw AppError.badRequest(
        InspectionErrorCode.POOL_KIND_MISMATCH,
        `Pool version ${id} is not a ${kind} pool`,
        field,
      );
    }
    return v;
  }

  // --- plans ---

  /**
   * Records a plan as DRAFT after checking it against its pools: every excluded key exists, and the
   * quotas fit the strata (the expected counts are what the draw will take).
   */
  async createPlan(ctx: RequestContext, dto: PlanCreateDto): Promise<PlanResponseDto> {
    const createdBy = userId(ctx);
    await this.version(dto.targetPoolVersionId, 'TARGET', 'targetPoolVersionId');
    await this.version(dto.inspectorPoolVersionId, 'INSPECTOR', 'inspectorPoolVersionId');
    if ((dto.ratio === undefined) === (dto.count === undefined)) {
      throw AppError.badRequest('INSPECTION_QUOTA_INVALID', 'Give either ratio or count', 'ratio');
    }
    const per10000 = (r: number) => Math.round(r * RATIO_SCALE);
    const parameters: DrawParameters = {
      stratifyBy: dto.stratifyBy ?? [],
      ratioPer10000: dto.ratio === undefined ? null : per10000(dto.ratio),
      count: dto.count ?? null,
      strata: (dto.strata ?? []).map((s, i) => {
        if ((s.ratio === undefined) === (s.count === undefined)) {
          throw AppError.badRequest('INSPECTION_QUOTA_INVALID', 'Give either ratio or count', `strata.${i}`);
        }
        return s.ratio === undefined
          ? { stratum: s.stratum, count: s.count! }
          : { stratum: s.stratum, ratioPer10000: per10000(s.ratio) };
      }),
      inspectorsPerTarget: dto.inspectorsPerTarget,
      maxTargetsPerInspector: dto.maxTargetsPerInspector ?? null,
      excludedTargetKeys: [...new Set(dto.excludedTargetKeys ?? [])],
      excludedInspectorKeys: [...new Set(dto.excludedInspectorKeys ?? [])],
    };
    const targets = await this.repository.targets(dto.targetPoolVersionId);
    const inspectors = await this.repository.inspectors(dto.inspectorPoolVersionId);
    this.assertKnown(parameters.excludedTargetKeys, targets, 'excludedTargetKeys');
    this.assertKnown(parameters.excludedInspectorKeys, inspectors, 'excludedInspectorKeys');
    this.expectedStrata(parameters, targets, HttpStatus.BAD_REQUEST);
    const id = await this.tx.run(async (m) => {
      const planId = await this.repository.insertPlan(m, {
        title: dto.title,
        scope: dto.scope,
        year: dto.year,
        items: dto.items,
        targetPoolVersionId: dto.targetPoolVersionId,
        inspectorPoolVersionId: dto.inspectorPoolVersionId,
        parameters,
        publicValueSource: dto.publicValueSource ?? null,
        createdBy,
      });
      await this.audit.record(m, ctx, {
        action: 'INSPECTION_PLAN_CREATED',
        targetType: 'INSPECTION_PLAN',
        targetId: planId,
        changes: { after: { ...dto, parameters } },
      });
      return planId;
    });
    return this.get(id);
  }

  private assertKnown(keys: readonly string[], rows: readonly { key: string }[], field: string) {
    const known = new Set(rows.map((r) => r.key));
    const i = keys.findIndex((k) => !known.has(k));
    if (i >= 0) {
      throw AppError.badRequest(
        InspectionErrorCode.INSPECTION_KEY_UNKNOWN,
        `The pool has no row with the key "${keys[i]}"`,
        `${field}.${i}`,
      );
    }
  }

  private expectedStrata(p: DrawParameters, targets: StoredTarget[], status: HttpStatus): StratumCount[] {
    const frame = sampleFrame(targets, p);
    try {
      return allocate(new Map([...frame].map(([k, v]) => [k, v.length])), p);
    } catch (error) {
      throw drawRefusal(error, status);
    }
  }

  private async plan(id: string, m?: EntityManager, lock = false): Promise<PlanRow> {
    const found = await this.repository.findPlan(id, m, lock);
    if (!found)
      throw AppError.notFound(InspectionErrorCode.INSPECTION_NOT_FOUND, `No inspection plan has id ${id}`);
    return found;
  }

  listPlans(f: { status?: string; offset: number; limit: number }) {
    return this.repository.listPlans(f);
  }

  /** Maker-checker: whoever planned may not approve, draw, redraw or close. */
  private assertNotPlanner(ctx: RequestContext, plan: PlanRow, act: string) {
    if (userId(ctx) === plan.createdBy) {
      throw new AppError(
        HttpStatus.FORBIDDEN,
        InspectionErrorCode.INSPECTION_OWN_PLAN,
        `The planner may not ${act} their own plan: another approver must`,
      );
    }
  }

  /** Moves a plan, locked, after `check`; audited with `changes`. */
  private move(
    ctx: RequestContext,
    id: string,
    to: PlanStatus,
    action: string,
    work: (m: EntityManager, plan: PlanRow) => Promise<Record<string, unknown> | void>,
  ): Promise<PlanResponseDto> {
    return this.tx
      .run(async (m) => {
        const plan = await this.plan(id, m, true);
        PLAN_LIFECYCLE.assert(plan.status, to);
        const changes = (await work(m, plan)) ?? {};
        await this.repository.setStatus(m, id, to, userId(ctx));
        await this.audit.record(m, ctx, {
          action,
          targetType: 'INSPECTION_PLAN',
          targetId: id,
          changes: { before: { status: plan.status }, after: { status: to, ...changes } },
        });
      })
      .then(() => this.get(id));
  }

  approve(ctx: RequestContext, id: string): Promise<PlanResponseDto> {
    return this.move(ctx, id, 'APPROVED', 'INSPECTION_PLAN_APPROVED', async (_m, plan) => {
      this.assertNotPlanner(ctx, plan, 'approve');
    });
  }

  /**
   * The draw: the server's 32 random bytes chosen now, combined with the public value the plan names;
   * inspectors barred in REVIEWER_SELECTION today found by the registry's own check (a stored,
   * audited check whose id the draw keeps); then the pure draw, stored with its audit entry.
   * @throws AppError 409 DRAW_NOT_ENOUGH_INSPECTORS (nothing stored but the check)
   */
  async drawPlan(ctx: RequestContext, id: string, dto: DrawCreateDto): Promise<PlanResponseDto> {
    const before = await this.plan(id);
    PLAN_LIFECYCLE.assert(before.status, 'DRAWN');
    this.assertNotPlanner(ctx, before, 'draw');
    if (before.publicValueSource && !dto.publicValue) {
      throw AppError.badRequest(
        InspectionErrorCode.INSPECTION_PUBLIC_VALUE_REQUIRED,
        `The plan combines the seed with a public value: give the value of "${before.publicValueSource}"`,
        'publicValue',
      );
    }
    const [targets, inspectors, targetVersion, inspectorVersion] = await Promise.all([
      this.repository.targets(before.targetPoolVersionId),
      this.repository.inspectorsWithIdentifiers(before.inspectorPoolVersionId),
      this.repository.findVersion(before.targetPoolVersionId),
      this.repository.findVersion(before.inspectorPoolVersionId),
    ]);
    const drawDate = todayIn();
    const screened = await this.barredInspectors(ctx, before, inspectors, drawDate);
    const serverRandom = randomBytes(32);
    const publicValue = dto.publicValue ?? '';
    const seed = drawSeed(serverRandom, publicValue);
    const input: DrawInput = {
      seed,
      targets,
      inspectors,
      parameters: before.parameters,
      barredInspectorKeys: screened.barred,
    };
    let result;
    try {
      result = draw(input);
    } catch (error) {
      throw drawRefusal(error, HttpStatus.CONFLICT);
    }
    const document: DrawDocument = {
      format: DRAW_DOCUMENT_FORMAT,
      planId: id,
      algorithm: result.algorithm,
      drawnAt: new Date().toISOString(),
      drawDate,
      serverRandom: serverRandom.toString('hex'),
      publicValue,
      seed,
      targetPool: { versionId: targetVersion!.id, rows: targetVersion!.rowCount, hash: targetVersion!.hash },
      inspectorPool: {
        versionId: inspectorVersion!.id,
        rows: inspectorVersion!.rowCount,
        hash: inspectorVersion!.hash,
      },
      parameters: before.parameters,
      barredInspectorKeys: screened.barred,
      result,
      resultHash: canonicalHash(result),
      redraws: [],
    };
    return this.move(ctx, id, 'DRAWN', 'INSPECTION_DRAWN', async (m, plan) => {
      this.assertNotPlanner(ctx, plan, 'draw');
      await this.repository.insertDraw(m, {
        planId: id,
        document,
        screeningCheckIds: screened.checkIds,
        drawnBy: userId(ctx),
      });
      return {
        seed,
        serverRandom: document.serverRandom,
        publicValue,
        resultHash: document.resultHash,
        targets: result.targets.length,
        barredInspectorKeys: screened.barred,
        screeningCheckIds: screened.checkIds,
        exclusions: result.exclusions.length,
      };
    });
  }

  /**
   * The inspectors a REVIEWER_SELECTION check blocks on the draw date, by identifier, subject link or
   * name: one stored check per MAX_APPLICANTS inspectors.
   */
  private async barredInspectors(
    ctx: RequestContext,
    plan: PlanRow,
    inspectors: IdentifiedInspector[],
    asOf: string,
  ): Promise<{ barred: string[]; checkIds: string[] }> {
    const excluded = new Set(plan.parameters.excludedInspectorKeys);
    const screened = inspectors.filter((i) => !excluded.has(i.key));
    const barred: string[] = [];
    const checkIds: string[] = [];
    for (let from = 0; from < screened.length; from += MAX_APPLICANTS) {
      const part = screened.slice(from, from + MAX_APPLICANTS);
      const check = await this.screening.check(ctx, {
        domain: INSPECTOR_DOMAIN,
        asOf,
        purpose: `Random inspection ${plan.id}: inspectors barred from review (回避)`,
        reference: plan.id,
        applicants: part.map((i) => this.applicantOf(i)),
      });
      checkIds.push(check.id);
      for (const r of check.results) if (r.verdict === 'BLOCK') barred.push(part[r.index].key);
    }
    return { barred, checkIds };
  }

  /** An inspector as a check's applicant: the row's identifier, else the linked subject's. */
  private applicantOf(i: IdentifiedInspector): ApplicantDto {
    const applicant: ApplicantDto = { ref: i.key, kind: SubjectKind.NATURAL_PERSON, name: i.name };
    if (i.organisation) applicant.organisation = i.organisation;
    const [type, country, blob] = i.idCiphertext
      ? [i.idType, i.idCountry, i.idCiphertext]
      : [i.subjectIdType, i.subjectIdCountry, i.subjectIdCiphertext];
    if (type && blob) {
      applicant.identifier = {
        type: type as IdentifierType,
        value: this.protector.decrypt(blob),
        ...(country ? { issuingCountry: country } : {}),
      };
    }
    return applicant;
  }

  private async replayInput(plan: PlanRow, document: DrawDocument, m?: EntityManager): Promise<DrawInput> {
    const [targets, inspectors] = await Promise.all([
      this.repository.targets(plan.targetPoolVersionId, m),
      this.repository.inspectors(plan.inspectorPoolVersionId, m),
    ]);
    return {
      seed: document.seed,
      targets,
      inspectors,
      parameters: document.parameters,
      barredInspectorKeys: document.barredInspectorKeys,
    };
  }

  /**
   * An inspector declined: the replacement is drawn from the seed (stream `redraw:<n>`), recorded and
   * published with the draw, never silent.
   */
  redraw(ctx: RequestContext, id: string, dto: RedrawCreateDto): Promise<Redraw> {
    return this.tx.run(async (m) => {
      const plan = await this.plan(id, m, true);
      this.assertNotPlanner(ctx, plan, 'redraw for');
      if (plan.status !== 'DRAWN') {
        throw AppError.conflict(
          'INSPECTION_TRANSITION_NOT_ALLOWED',
          `Redraws happen while the plan is DRAWN; it is ${plan.status}`,
        );
      }
      const drawn = (await this.repository.findDraw(id, m))!;
      const earlier = await this.repository.redraws(id, m);
      const input = await this.replayInput(plan, drawn.document, m);
      let replacement;
      try {
        const { replacements } = applyDeclines(input, drawn.document.result, [...earlier, dto]);
        replacement = replacements[replacements.length - 1];
      } catch (error) {
        throw drawRefusal(error, HttpStatus.CONFLICT);
      }
      const redraw: Redraw = { ...replacement, reason: dto.reason };
      await this.repository.insertRedraw(m, id, redraw, userId(ctx));
      await this.audit.record(m, ctx, {
        action: 'INSPECTION_REDRAWN',
        targetType: 'INSPECTION_PLAN',
        targetId: id,
        changes: { after: redraw },
      });
      return redraw;
    });
  }

  /**
   * A finding for a drawn target. SUSPECTED_MISCONDUCT opens a REPORTED case (source RANDOM_INSPECTION)
   * linked to the plan, in the same transaction.
   */
  async recordFinding(ctx: RequestContext, id: string, dto: FindingCreateDto): Promise<FindingDto> {
    const suspected = dto.outcome === 'SUSPECTED_MISCONDUCT';
    if (suspected !== Boolean(dto.case)) {
      throw AppError.badRequest(
        InspectionErrorCode.INSPECTION_CASE_REQUIRED,
        suspected
          ? 'A suspected misconduct opens a case: give case'
          : 'Only a suspected misconduct opens a case',
        'case',
      );
    }
    return this.tx.run(async (m) => {
      const plan = await this.plan(id, m, true);
      if (plan.status !== 'DRAWN') {
        throw AppError.conflict(
          'INSPECTION_TRANSITION_NOT_ALLOWED',
          `Findings are recorded while the plan is DRAWN; it is ${plan.status}`,
        );
      }
      const drawn = (await this.repository.findDraw(id, m))!;
      if (!drawn.document.result.targets.some((t) => t.key === dto.targetKey)) {
        throw AppError.badRequest(
          InspectionErrorCode.INSPECTION_TARGET_NOT_DRAWN,
          `Target ${dto.targetKey} was not drawn`,
          'targetKey',
        );
      }
      if (await this.repository.findingExists(m, id, dto.targetKey)) {
        throw AppError.conflict(
          InspectionErrorCode.INSPECTION_FINDING_EXISTS,
          `Target ${dto.targetKey} has its finding already`,
        );
      }
      const opened = dto.case
        ? await this.cases
            .createWith(
              m,
              ctx,
              {
                status: 'REPORTED',
                authority: dto.case.authority,
                misconductTypes: dto.case.misconductTypes,
                facts: dto.case.facts,
                source: 'RANDOM_INSPECTION',
                subjects: dto.case.subjects,
              },
              { inspectionPlanId: id },
            )
            .catch((error: unknown) => {
              // The case is the request's `case`: its refusals name their fields under it.
              throw error instanceof AppError ? error.within('case') : error;
            })
        : null;
      const finding = {
        targetKey: dto.targetKey,
        outcome: dto.outcome,
        note: dto.note ?? null,
        caseId: opened?.id ?? null,
        recordedBy: userId(ctx),
      };
      const recordedAt = await this.repository.insertFinding(m, id, finding);
      await this.audit.record(m, ctx, {
        action: 'INSPECTION_FINDING_RECORDED',
        targetType: 'INSPECTION_PLAN',
        targetId: id,
        changes: { after: finding },
      });
      return {
        targetKey: finding.targetKey,
        outcome: finding.outcome,
        note: finding.note,
        caseId: finding.caseId,
        recordedAt: iso(recordedAt)!,
      };
    });
  }

  /** Closes a plan once every drawn target has its finding; from then on it is public. */
  close(ctx: RequestContext, id: string): Promise<PlanResponseDto> {
    return this.move(ctx, id, 'CLOSED', 'INSPECTION_PLAN_CLOSED', async (m, plan) => {
      this.assertNotPlanner(ctx, plan, 'close');
      const drawn = (await this.repository.findDraw(id, m))!;
      const found = new Set((await this.repository.findings(id, m)).map((f) => f.targetKey));
      const missing = drawn.document.result.targets.filter((t) => !found.has(t.key)).map((t) => t.key);
      if (missing.length > 0) {
        throw AppError.conflict(
          InspectionErrorCode.INSPECTION_FINDINGS_MISSING,
          `${missing.length} drawn target(s) have no finding yet, e.g. ${missing.slice(0, 5).join(', ')}`,
        );
      }
    });
  }

  /** The current assignments: the draw with its redraws applied. */
  private currentAssignments(drawn: DrawDocument, redraws: Redraw[]) {
    const byTarget = new Map(drawn.result.assignments.map((a) => [a.targetKey, [...a.inspectorKeys]]));
    for (const r of redraws) {
      const keys = byTarget.get(r.targetKey)!;
      keys[keys.indexOf(r.inspectorKey)] = r.replacementKey;
    }
    return byTarget;
  }

  /**
   * A plan as a person reads it: it names the inspectors assigned, so the read is audited
   * (INSPECTION_PLAN_READ), durably before the answer leaves, as reads of subjects are.
   */
  async read(ctx: RequestContext, id: string): Promise<PlanResponseDto> {
    const plan = await this.get(id);
    await this.audit.recordGrouped(ctx, {
      action: 'INSPECTION_PLAN_READ',
      targetType: 'INSPECTION_PLAN',
      targetId: id,
    });
    return plan;
  }

  /** A plan with its draw, current assignments (names of inspectors, no identifiers) and findings. */
  async get(id: string): Promise<PlanResponseDto> {
    const plan = await this.plan(id);
    const people = [plan.createdBy, plan.approvedBy, plan.closedBy].filter((u): u is string => u !== null);
    const [names, drawn, findings] = await Promise.all([
      this.repository.userNames(people),
      this.repository.findDraw(id),
      this.repository.findings(id),
    ]);
    const nameOf = (user: string | null) => (user === null ? null : (names.get(user) ?? null));
    const redraws = drawn ? await this.repository.redraws(id) : [];
    let assignments: PlanResponseDto['assignments'] = [];
    let expectedStrata = drawn?.document.result.strata;
    if (drawn) {
      const [targets, inspectors] = await Promise.all([
        this.repository.targets(plan.targetPoolVersionId),
        this.repository.inspectors(plan.inspectorPoolVersionId),
      ]);
      const targetByKey = new Map(targets.map((t) => [t.key, t]));
      const inspectorByKey = new Map(inspectors.map((i) => [i.key, i]));
      assignments = [...this.currentAssignments(drawn.document, redraws)].map(([targetKey, keys]) => ({
        targetKey,
        targetName: targetByKey.get(targetKey)!.name,
        inspectors: keys.map((k) => {
          const i = inspectorByKey.get(k)!;
          return { key: k, name: i.name, organisation: i.organisation };
        }),
      }));
    } else {
      expectedStrata = this.expectedStrata(
        plan.parameters,
        await this.repository.targets(plan.targetPoolVersionId),
        HttpStatus.CONFLICT,
      );
    }
    return {
      ...planHeader(plan),
      targetPoolVersionId: plan.targetPoolVersionId,
      inspectorPoolVersionId: plan.inspectorPoolVersionId,
      parameters: plan.parameters,
      expectedStrata: expectedStrata!,
      publicValueSource: plan.publicValueSource,
      status: plan.status,
      createdBy: plan.createdBy,
      createdByName: nameOf(plan.createdBy),
      approvedBy: plan.approvedBy,
      approvedByName: nameOf(plan.approvedBy),
      approvedAt: iso(plan.approvedAt),
      closedBy: plan.closedBy,
      closedByName: nameOf(plan.closedBy),
      closedAt: iso(plan.closedAt),
      createdAt: iso(plan.createdAt)!,
      version: plan.version,
      draw: drawn ? { ...drawn.document, redraws } : null,
      screeningCheckIds: drawn?.screeningCheckIds ?? [],
      assignments,
      findings: findings.map((f) => ({
        targetKey: f.targetKey,
        outcome: f.outcome,
        note: f.note,
        caseId: f.caseId,
        recordedAt: iso(f.recordedAt)!,
      })),
    };
  }

  // --- public ---

  private async closedPlan(id: string): Promise<PlanRow> {
    const plan = await this.repository.findPlan(id);
    // A plan not yet closed is not public: the same 404 as none at all.
    if (!plan || plan.status !== 'CLOSED') {
      throw AppError.notFound(
        InspectionErrorCode.INSPECTION_NOT_FOUND,
        `No published inspection has id ${id}`,
      );
    }
    return plan;
  }

  listPublic(offset: number, limit: number) {
    return this.repository.listPlans({ status: 'CLOSED', offset, limit });
  }

  /** A closed plan as published: persons' names masked, identifiers masked or left out. */
  async publicInspection(id: string): Promise<PublicInspectionDto> {
    const plan = await this.closedPlan(id);
    const drawn = (await this.repository.findDraw(id))!;
    const redraws = await this.repository.redraws(id);
    const findings = await this.repository.findings(id);
    const targets = new Map((await this.targetExport(plan)).rows.map((t) => [t.key, t] as const));
    const inspectors = new Map((await this.inspectorExport(plan)).rows.map((i) => [i.key, i] as const));
    return {
      ...planHeader(plan),
      publicValueSource: plan.publicValueSource,
      closedAt: iso(plan.closedAt)!,
      draw: { ...drawn.document, redraws },
      targets: drawn.document.result.targets.map((t) => targets.get(t.key)!),
      assignments: [...this.currentAssignments(drawn.document, redraws)].map(([targetKey, keys]) => ({
        targetKey,
        inspectors: keys.map((k) => inspectors.get(k)!),
      })),
      findings: findings.map((f) => ({
        targetKey: f.targetKey,
        outcome: f.outcome,
        caseOpened: f.caseId !== null,
      })),
    };
  }

  /** A pool version as published: its hash and each row as `show` makes it public. */
  private async poolExport<S, R>(
    versionId: string,
    read: (versionId: string) => Promise<S[]>,
    show: (row: S) => R,
  ): Promise<PoolExport<R>> {
    const version = (await this.repository.findVersion(versionId))!;
    const rows = await read(version.id);
    return {
      format: POOL_EXPORT_FORMAT,
      versionId,
      kind: version.kind,
      hash: version.hash,
      rows: rows.map(show),
    };
  }

  private targetExport(plan: PlanRow): Promise<PublicTargetPoolDto> {
    return this.poolExport(
      plan.targetPoolVersionId,
      (id) => this.repository.targets(id),
      ({ principalInvestigator, ...t }) => ({
        ...t,
        principalInvestigator: principalInvestigator === null ? null : maskName(principalInvestigator),
      }),
    );
  }

  private inspectorExport(plan: PlanRow): Promise<PublicInspectorPoolDto> {
    return this.poolExport(
      plan.inspectorPoolVersionId,
      (id) => this.repository.inspectors(id),
      (i) => ({
        key: i.key,
        name: maskName(i.name),
        organisation: i.organisation,
        organisationKey: i.organisationKey,
        field: i.field,
        conflictKeys: i.conflictKeys,
      }),
    );
  }

  /** The target pool version a closed plan drew from, as published (draw rows and what may be shown). */
  async publicTargets(id: string): Promise<PublicTargetPoolDto> {
    return this.targetExport(await this.closedPlan(id));
  }

  async publicInspectors(id: string): Promise<PublicInspectorPoolDto> {
    return this.inspectorExport(await this.closedPlan(id));
  }
}
