import { HttpStatus, Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { AppError } from '../common/errors/app-error';
import { RequestContext } from '../common/request-context';
import { Transactions } from '../database/transactions';
import { isDecided } from '../cases/case-lifecycle';
import { addDays, earliestRepairDate, RuleData, Severity, todayIn } from '../rules/rules';
import { RulesService } from '../rules/rules.service';
import {
  assertCanDecideProposal,
  assertListingTransition,
  assertRepairApplicable,
  canListingTransition,
  isTerminalListingStatus,
  ListingStatus,
  ListType,
} from './listing-lifecycle';
import { knownListing } from './in-force';
import {
  ListingFilter,
  listingEvents,
  ListingRow,
  ListingsRepository,
  ObjectionRow,
  RepairRow,
} from './listings.repository';

export enum ListingErrorCode {
  LISTING_NOT_FOUND = 'LISTING_NOT_FOUND',
  LISTING_VERSION_CONFLICT = 'LISTING_VERSION_CONFLICT',
  LISTING_BASIS_REQUIRED = 'LISTING_BASIS_REQUIRED',
  LISTING_CASE_NOT_DECIDED = 'LISTING_CASE_NOT_DECIDED',
  LISTING_SUBJECT_NOT_IN_CASE = 'LISTING_SUBJECT_NOT_IN_CASE',
  LISTING_SUBJECT_NOT_FOUND = 'LISTING_SUBJECT_NOT_FOUND',
  LISTING_END_BEFORE_START = 'LISTING_END_BEFORE_START',
  RED_OBJECTION_PERIOD_RUNNING = 'RED_OBJECTION_PERIOD_RUNNING',
  RED_PUBLICITY_INCOMPLETE = 'RED_PUBLICITY_INCOMPLETE',
  RED_PUBLICITY_TOO_SHORT = 'RED_PUBLICITY_TOO_SHORT',
  RED_PUBLICITY_IN_FUTURE = 'RED_PUBLICITY_IN_FUTURE',
  LISTING_PUBLICITY_NOT_RED = 'LISTING_PUBLICITY_NOT_RED',
  LISTING_BACKDATE_REASON_REQUIRED = 'LISTING_BACKDATE_REASON_REQUIRED',
  LISTING_CORRECTION_EMPTY = 'LISTING_CORRECTION_EMPTY',
  LISTING_NOT_TERMINATED = 'LISTING_NOT_TERMINATED',
  RED_UNDER_OBJECTION = 'RED_UNDER_OBJECTION',
  RED_BLOCKED_BY_SANCTION = 'RED_BLOCKED_BY_SANCTION',
  OBJECTION_NOT_FOUND = 'OBJECTION_NOT_FOUND',
  OBJECTION_ALREADY_RESOLVED = 'OBJECTION_ALREADY_RESOLVED',
  REPAIR_NOT_FOUND = 'REPAIR_NOT_FOUND',
  REPAIR_CONDITIONS_NOT_MET = 'REPAIR_CONDITIONS_NOT_MET',
  REPAIR_TOO_EARLY = 'REPAIR_TOO_EARLY',
  REPAIR_ALREADY_PENDING = 'REPAIR_ALREADY_PENDING',
  REPAIR_ALREADY_DECIDED = 'REPAIR_ALREADY_DECIDED',
  REPAIR_NOT_IN_FORCE = 'REPAIR_NOT_IN_FORCE',
}

export interface ListingProposal {
  subjectId: string;
  listType: ListType;
  caseId?: string;
  measureId?: string;
  designationDocument?: string;
  effectiveFrom: string;
  effectiveTo?: string | null;
  /** A RED designation already published elsewhere: its publicity (objection) period. */
  publicityFrom?: string;
  publicityTo?: string;
}

/** A correction of an entry's dates: a new version, with its reason; absent fields stay as they are. */
export interface ListingCorrection {
  effectiveFrom?: string;
  /** null: open-ended. */
  effectiveTo?: string | null;
  /** The first day the entry's ending act takes effect. */
  terminatedFrom?: string;
  reason: string;
}

const actorId = (ctx: RequestContext): string | null => ctx.principal?.id ?? null;
const view = (l: ListingRow) => ({
  listType: l.listType,
  subjectId: l.subjectId,
  status: l.status,
  effectiveFrom: l.effectiveFrom,
  effectiveTo: l.effectiveTo,
  terminatedFrom: l.terminatedFrom,
  underObjection: l.underObjection,
});

/** Refuses an entry that is no longer at the version the caller read (If-Match), when one was given. */
function assertAtVersion(listing: ListingRow, expectedVersion: number | undefined): void {
  if (expectedVersion !== undefined && listing.version !== expectedVersion) {
    throw AppError.conflict(
      ListingErrorCode.LISTING_VERSION_CONFLICT,
      `The entry changed since version ${expectedVersion}; it is at version ${listing.version}`,
    );
  }
}

/**
 * The red/black list and its due process: proposals approved by a second person (maker-checker with
 * optimistic locking), RED candidates published for an objection period, BLACK/WATCH entries ending
 * RED ones, objections, and credit repair. Every change writes the entry's status history (for
 * point-in-time answers) and an audit entry in the same transaction.
 */
@Injectable()
export class ListingsService {
  constructor(
    private readonly listings: ListingsRepository,
    private readonly rules: RulesService,
    private readonly audit: AuditService,
    private readonly tx: Transactions,
  ) {}

  propose(ctx: RequestContext, p: ListingProposal): Promise<string> {
    return this.tx.run((m) => this.proposeWith(m, ctx, p));
  }

  /** Proposes an entry inside the caller's transaction (a case recording a SERIOUS_DB_ENTRY uses this). */
  async proposeWith(m: EntityManager, ctx: RequestContext, p: ListingProposal): Promise<string> {
    if (p.listType === 'RED' ? !p.designationDocument : !p.caseId) {
      throw AppError.badRequest(
        ListingErrorCode.LISTING_BASIS_REQUIRED,
        p.listType === 'RED'
          ? 'A RED entry needs its designation document'
          : `A ${p.listType} entry needs the case it rests on`,
        p.listType === 'RED' ? 'designationDocument' : 'caseId',
      );
    }
    if (p.effectiveTo && p.effectiveTo < p.effectiveFrom) {
      throw AppError.badRequest(
        ListingErrorCode.LISTING_END_BEFORE_START,
        'effectiveTo is before effectiveFrom',
        'effectiveTo',
      );
    }
    const publicity = p.listType === 'RED' ? await this.publicityOf(p) : null;
    if (p.listType !== 'RED' && (p.publicityFrom || p.publicityTo)) {
      throw AppError.badRequest(
        ListingErrorCode.LISTING_PUBLICITY_NOT_RED,
        'Only a RED candidate has a publicity period',
        p.publicityFrom ? 'publicityFrom' : 'publicityTo',
      );
    }
    if (!(await this.listings.subjectExists(m, p.subjectId))) {
      throw AppError.badRequest(
        ListingErrorCode.LISTING_SUBJECT_NOT_FOUND,
        `No subject has id ${p.subjectId}`,
        'subjectId',
      );
    }
    if (p.caseId) {
      const basis = await this.listings.caseBasis(m, p.caseId, p.subjectId);
      if (!basis) throw AppError.notFound('CASE_NOT_FOUND', `No case has id ${p.caseId}`);
      if (!isDecided(basis.status)) {
        throw AppError.conflict(
          ListingErrorCode.LISTING_CASE_NOT_DECIDED,
          `The case is ${basis.status}: only a decision lists`,
        );
      }
      if (!basis.namesSubject) {
        throw AppError.badRequest(
          ListingErrorCode.LISTING_SUBJECT_NOT_IN_CASE,
          'The case does not name this subject',
          'subjectId',
        );
      }
    }
    if (p.listType === 'RED')
      await this.assertNoSanction(m, p.subjectId, p.effectiveFrom, p.effectiveTo ?? null);
    const id = await this.listings.insert(m, {
      subjectId: p.subjectId,
      listType: p.listType,
      caseId: p.caseId ?? null,
      measureId: p.measureId ?? null,
      designationDocument: p.designationDocument ?? null,
      effectiveFrom: p.effectiveFrom,
      effectiveTo: p.effectiveTo ?? null,
      publicityFrom: publicity?.from ?? null,
      publicityTo: publicity?.to ?? null,
      proposedBy: actorId(ctx),
    });
    await this.audit.record(m, ctx, {
      action: 'LISTING_PROPOSED',
      targetType: 'LISTING',
      targetId: id,
      changes: {
        after: {
          ...p,
          ...(publicity && { publicityFrom: publicity.from, publicityTo: publicity.to }),
          status: 'PROPOSED',
        },
      },
    });
    return id;
  }

  /**
   * A RED candidate's publicity (objection) period: from today for the rule data's number of days, or,
   * for a designation published elsewhere, the dates given, which must cover as many days and have
   * begun.
   */
  private async publicityOf(p: ListingProposal): Promise<{ from: string; to: string }> {
    const today = todayIn();
    if (!p.publicityFrom && !p.publicityTo) {
      const days = (await this.rules.inForce(today)).data.redObjectionPeriodDays;
      return { from: today, to: addDays(today, days - 1) };
    }
    if (!p.publicityFrom || !p.publicityTo) {
      throw AppError.badRequest(
        ListingErrorCode.RED_PUBLICITY_INCOMPLETE,
        'Give both publicityFrom and publicityTo, or neither (published from today)',
        p.publicityFrom ? 'publicityTo' : 'publicityFrom',
      );
    }
    if (p.publicityTo < p.publicityFrom) {
      throw AppError.badRequest(
        ListingErrorCode.LISTING_END_BEFORE_START,
        'publicityTo is before publicityFrom',
        'publicityTo',
      );
    }
    if (p.publicityFrom > today) {
      throw AppError.badRequest(
        ListingErrorCode.RED_PUBLICITY_IN_FUTURE,
        'A publicity period given with the proposal must have begun; omit it to publish from today',
        'publicityFrom',
      );
    }
    const days = (await this.rules.inForce(p.publicityFrom)).data.redObjectionPeriodDays;
    if (addDays(p.publicityFrom, days - 1) > p.publicityTo) {
      throw AppError.badRequest(
        ListingErrorCode.RED_PUBLICITY_TOO_SHORT,
        `The publicity period must last at least ${days} days (rule data in force on ${p.publicityFrom})`,
        'publicityTo',
      );
    }
    return { from: p.publicityFrom, to: p.publicityTo };
  }

  /** Refuses a RED entry for a period on some day of which an approved BLACK or WATCH entry runs. */
  private async assertNoSanction(m: EntityManager, subjectId: string, from: string, to: string | null) {
    if (await this.listings.sanctionOverlaps(m, subjectId, from, to)) {
      throw AppError.conflict(
        ListingErrorCode.RED_BLOCKED_BY_SANCTION,
        'The subject is on the black or watch list during the period of this RED entry',
      );
    }
  }

  async get(id: string, m?: EntityManager): Promise<ListingRow> {
    const listing = await this.listings.findById(id, m);
    if (!listing) throw AppError.notFound(ListingErrorCode.LISTING_NOT_FOUND, `No list entry has id ${id}`);
    return listing;
  }

  async details(id: string) {
    const listing = await this.get(id);
    const [history, objections, repairs] = await Promise.all([
      this.listings.history(id),
      this.listings.objections(id),
      this.listings.repairs(id),
    ]);
    return { listing, history, objections, repairs };
  }

  async list(filter: ListingFilter) {
    const page = await this.listings.list(filter);
    return { ...page, histories: await this.listings.histories(page.items.map((l) => l.id)) };
  }

  /**
   * Approves a proposal. The approver must not be the proposer; a RED candidate's publicity period
   * must be over and it must be free of open objections; a BLACK or WATCH entry ends the subject's RED
   * entries from its own first day, in the same transaction. Once approved, the entry counts for its
   * whole effective period, whatever the day of approval.
   */
  async approve(ctx: RequestContext, id: string, expectedVersion?: number): Promise<void> {
    return this.tx.run(async (m) => {
      const listing = await this.forDecision(m, ctx, id, expectedVersion);
      assertListingTransition(listing.status, 'ACTIVE', listing.listType);
      if (listing.listType === 'RED') {
        // Every RED row has its publicity period (migration SeparateValidAndRecordedTime).
        const publicityTo = listing.publicityTo!;
        if (todayIn() <= publicityTo) {
          throw AppError.conflict(
            ListingErrorCode.RED_OBJECTION_PERIOD_RUNNING,
            `The RED candidate is published for objections until ${publicityTo}; it can be activated from ${addDays(publicityTo, 1)}`,
          );
        }
        if (listing.underObjection) {
          throw AppError.conflict(ListingErrorCode.RED_UNDER_OBJECTION, 'Resolve the open objections first');
        }
        await this.assertNoSanction(m, listing.subjectId, listing.effectiveFrom, listing.effectiveTo);
      }
      await this.move(m, ctx, listing, 'ACTIVE', 'LISTING_APPROVED', null, {
        decidedBy: actorId(ctx),
        decisionReason: null,
      });
      if (listing.listType !== 'RED') await this.endRedEntries(m, ctx, listing);
    });
  }

  async reject(ctx: RequestContext, id: string, reason: string, expectedVersion?: number): Promise<void> {
    return this.tx.run(async (m) => {
      const listing = await this.forDecision(m, ctx, id, expectedVersion);
      assertListingTransition(listing.status, 'REJECTED', listing.listType);
      await this.move(m, ctx, listing, 'REJECTED', 'LISTING_REJECTED', reason, {
        decidedBy: actorId(ctx),
        decisionReason: reason,
      });
    });
  }

  /**
   * Revokes an entry from `effectiveDate` (valid time; default today): it counts up to the day before.
   * It may be backdated or future-dated; the reason is required either way.
   */
  async revoke(
    ctx: RequestContext,
    id: string,
    reason: string,
    effectiveDate?: string,
    expectedVersion?: number,
  ): Promise<void> {
    return this.tx.run(async (m) => {
      const listing = await this.locked(m, id, expectedVersion);
      assertListingTransition(listing.status, 'REVOKED', listing.listType);
      await this.move(m, ctx, listing, 'REVOKED', 'LISTING_REVOKED', reason, {
        terminatedFrom: effectiveDate ?? todayIn(),
      });
    });
  }

  /**
   * Corrects wrongly recorded dates: the effective period, or the day the entry's ending act takes
   * effect. A new version with its history event and audit entry; the old version stays in the history,
   * so a check with an earlier `knownAt` answers as before.
   */
  async correct(
    ctx: RequestContext,
    id: string,
    c: ListingCorrection,
    expectedVersion?: number,
  ): Promise<void> {
    return this.tx.run(async (m) => {
      const listing = await this.locked(m, id, expectedVersion);
      if (c.effectiveFrom === undefined && c.effectiveTo === undefined && c.terminatedFrom === undefined) {
        throw AppError.badRequest(
          ListingErrorCode.LISTING_CORRECTION_EMPTY,
          'Give effectiveFrom, effectiveTo or terminatedFrom',
          'effectiveFrom',
        );
      }
      if (listing.status === 'REJECTED') {
        throw AppError.conflict(
          'LISTING_TRANSITION_NOT_ALLOWED',
          'A rejected proposal has no dates to correct',
        );
      }
      const from = c.effectiveFrom ?? listing.effectiveFrom;
      const to = c.effectiveTo === undefined ? listing.effectiveTo : c.effectiveTo;
      if (to !== null && to < from) {
        throw AppError.badRequest(
          ListingErrorCode.LISTING_END_BEFORE_START,
          'effectiveTo is before effectiveFrom',
          c.effectiveTo !== undefined ? 'effectiveTo' : 'effectiveFrom',
        );
      }
      const ending = await this.listings.latestEnding(m, id);
      if (c.terminatedFrom !== undefined && !ending) {
        throw AppError.conflict(
          ListingErrorCode.LISTING_NOT_TERMINATED,
          'The entry has no revocation, repair or end whose date could be corrected',
        );
      }
      const periodChanged = from !== listing.effectiveFrom || to !== listing.effectiveTo;
      if (periodChanged && listing.listType === 'RED')
        await this.assertNoSanction(m, listing.subjectId, from, to);
      if (periodChanged) {
        await this.listings.addEvent(m, id, 'CORRECTED', actorId(ctx), c.reason, { period: { from, to } });
      }
      if (c.terminatedFrom !== undefined && ending) {
        // The latest act of a kind corrects the earlier ones of that kind (in-force.ts).
        await this.listings.addEvent(m, id, ending, actorId(ctx), `correction: ${c.reason}`, {
          effectiveDate: c.terminatedFrom,
        });
      }
      // The entry's row shows what its history now says, read by the same rule checks apply.
      const history = listingEvents(await this.listings.history(id, m));
      const known = knownListing({ history, effectiveFrom: from, effectiveTo: to }, new Date().toISOString());
      const terminatedFrom = known.termination?.from ?? null;
      if (
        !(await this.listings.setDates(m, listing, { effectiveFrom: from, effectiveTo: to, terminatedFrom }))
      ) {
        throw AppError.conflict(
          ListingErrorCode.LISTING_VERSION_CONFLICT,
          'Someone else changed this entry at the same time',
        );
      }
      await this.audit.record(m, ctx, {
        action: 'LISTING_CORRECTED',
        targetType: 'LISTING',
        targetId: id,
        changes: {
          before: view(listing),
          after: { ...view(listing), effectiveFrom: from, effectiveTo: to, terminatedFrom },
          reason: c.reason,
        },
      });
    });
  }

  async raiseObjection(
    ctx: RequestContext,
    id: string,
    raisedBy: string,
    reason: string,
  ): Promise<ObjectionRow> {
    return this.tx.run(async (m) => {
      const listing = await this.locked(m, id);
      if (isTerminalListingStatus(listing.status)) {
        throw AppError.conflict(
          'OBJECTION_NOT_ALLOWED',
          `An entry that is ${listing.status} takes no objection`,
        );
      }
      const objection = await this.listings.insertObjection(m, {
        listingId: id,
        raisedBy,
        reason,
        recordedBy: actorId(ctx),
      });
      await this.listings.setUnderObjection(m, id, true);
      await this.audit.record(m, ctx, {
        action: 'OBJECTION_RAISED',
        targetType: 'LISTING',
        targetId: id,
        changes: { objectionId: objection.id, raisedBy, reason },
      });
      return objection;
    });
  }

  /** Upholding an objection revokes the entry (a proposal is rejected); rejecting it leaves the entry. */
  async resolveObjection(
    ctx: RequestContext,
    id: string,
    objectionId: string,
    outcome: 'UPHOLD' | 'REJECT',
    reason: string,
    effectiveDate?: string,
  ): Promise<void> {
    return this.tx.run(async (m) => {
      const listing = await this.locked(m, id);
      const objection = await this.listings.objection(m, id, objectionId, true);
      if (!objection)
        throw AppError.notFound(
          ListingErrorCode.OBJECTION_NOT_FOUND,
          `No objection ${objectionId} on entry ${id}`,
        );
      if (objection.status !== 'OPEN') {
        throw AppError.conflict(
          ListingErrorCode.OBJECTION_ALREADY_RESOLVED,
          `The objection is already ${objection.status}`,
        );
      }
      await this.listings.resolveObjection(
        m,
        objectionId,
        outcome === 'UPHOLD' ? 'UPHELD' : 'REJECTED',
        actorId(ctx),
        reason,
      );
      // The entry is locked: clearing its flag (a new version) is its only change since it was read.
      let current = listing;
      const open = await this.listings.openObjectionCount(m, id);
      if (open === 0) {
        const version = await this.listings.setUnderObjection(m, id, false);
        current = { ...listing, underObjection: false, version };
      }
      await this.audit.record(m, ctx, {
        action: outcome === 'UPHOLD' ? 'OBJECTION_UPHELD' : 'OBJECTION_REJECTED',
        targetType: 'LISTING',
        targetId: id,
        changes: { objectionId, reason },
      });
      if (outcome === 'UPHOLD') {
        const to: ListingStatus = current.status === 'PROPOSED' ? 'REJECTED' : 'REVOKED';
        assertListingTransition(current.status, to, current.listType);
        await this.move(
          m,
          ctx,
          current,
          to,
          to === 'REJECTED' ? 'LISTING_REJECTED' : 'LISTING_REVOKED',
          `objection upheld: ${reason}`,
          to === 'REVOKED' ? { terminatedFrom: effectiveDate ?? todayIn() } : {},
        );
      }
    });
  }

  /**
   * Credit repair (信用修复, CR26): only for BLACK and WATCH entries in force, with every condition met,
   * and not before the minimum publicity period for the case's severity has run from its decision date.
   */
  async requestRepair(
    ctx: RequestContext,
    id: string,
    r: { correctionDone: boolean; obligationsMet: boolean; commitmentMade: boolean; statement?: string },
  ): Promise<RepairRow> {
    return this.tx.run(async (m) => {
      const listing = await this.locked(m, id);
      assertRepairApplicable(listing.listType);
      if (!canListingTransition(listing.status, 'REPAIRED')) {
        throw AppError.conflict(
          ListingErrorCode.REPAIR_NOT_IN_FORCE,
          `An entry that is ${listing.status} cannot be repaired`,
        );
      }
      const unmet = (['correctionDone', 'obligationsMet', 'commitmentMade'] as const).filter((k) => !r[k]);
      if (unmet.length > 0) {
        throw new AppError(
          HttpStatus.BAD_REQUEST,
          ListingErrorCode.REPAIR_CONDITIONS_NOT_MET,
          'Credit repair needs the conduct corrected, the obligations met and a credit commitment',
          unmet.map((field) => ({
            field,
            code: ListingErrorCode.REPAIR_CONDITIONS_NOT_MET,
            message: 'must be true',
          })),
        );
      }
      const earliest = await this.earliestRepair(listing);
      if (earliest && todayIn() < earliest) throw this.tooEarly(earliest);
      if (await this.listings.pendingRepairExists(m, id)) {
        throw AppError.conflict(
          ListingErrorCode.REPAIR_ALREADY_PENDING,
          'A repair request for this entry awaits a decision',
        );
      }
      const repair = await this.listings.insertRepair(m, {
        listingId: id,
        correctionDone: r.correctionDone,
        obligationsMet: r.obligationsMet,
        commitmentMade: r.commitmentMade,
        statement: r.statement ?? null,
        requestedBy: actorId(ctx),
      });
      await this.audit.record(m, ctx, {
        action: 'REPAIR_REQUESTED',
        targetType: 'LISTING',
        targetId: id,
        changes: { repairId: repair.id },
      });
      return repair;
    });
  }

  async decideRepair(
    ctx: RequestContext,
    id: string,
    repairId: string,
    approve: boolean,
    reason?: string,
    effectiveDate?: string,
  ): Promise<void> {
    return this.tx.run(async (m) => {
      const listing = await this.locked(m, id);
      const from = effectiveDate ?? todayIn();
      if (approve && from < todayIn() && !reason) {
        throw AppError.badRequest(
          ListingErrorCode.LISTING_BACKDATE_REASON_REQUIRED,
          'A repair effective before today needs a reason',
          'reason',
        );
      }
      const repair = await this.listings.repair(m, id, repairId, true);
      if (!repair)
        throw AppError.notFound(
          ListingErrorCode.REPAIR_NOT_FOUND,
          `No repair request ${repairId} on entry ${id}`,
        );
      if (repair.status !== 'PENDING') {
        throw AppError.conflict(
          ListingErrorCode.REPAIR_ALREADY_DECIDED,
          `The repair request is already ${repair.status}`,
        );
      }
      assertCanDecideProposal({ proposerId: repair.requestedBy ?? '', approverId: actorId(ctx) ?? '' });
      await this.listings.decideRepair(
        m,
        repairId,
        approve ? 'APPROVED' : 'REFUSED',
        actorId(ctx),
        reason ?? null,
      );
      if (approve) {
        assertListingTransition(listing.status, 'REPAIRED', listing.listType);
        const earliest = await this.earliestRepair(listing);
        if (earliest && from < earliest) throw this.tooEarly(earliest, 'effectiveDate');
        await this.move(m, ctx, listing, 'REPAIRED', 'LISTING_REPAIRED', reason ?? null, {
          terminatedFrom: from,
        });
      } else {
        await this.audit.record(m, ctx, {
          action: 'REPAIR_REFUSED',
          targetType: 'LISTING',
          targetId: id,
          changes: { repairId, reason },
        });
      }
    });
  }

  /** 409 REPAIR_TOO_EARLY naming the earliest day repair can take effect. */
  private tooEarly(earliest: string, field?: string): AppError {
    return new AppError(
      HttpStatus.CONFLICT,
      ListingErrorCode.REPAIR_TOO_EARLY,
      `The minimum publicity period runs until ${addDays(earliest, -1)}: repair can take effect from ${earliest}`,
      [
        {
          ...(field && { field }),
          code: ListingErrorCode.REPAIR_TOO_EARLY,
          message: 'earliest repair date',
          context: { earliest },
        },
      ],
    );
  }

  private async earliestRepair(listing: ListingRow): Promise<string | null> {
    if (!listing.caseSeverity || !listing.caseDecisionDate) return null;
    const rules: RuleData = (await this.rules.inForce(listing.caseDecisionDate)).data;
    return earliestRepairDate(rules, listing.caseSeverity as Severity, listing.caseDecisionDate);
  }

  private async locked(m: EntityManager, id: string, expectedVersion?: number): Promise<ListingRow> {
    const listing = await this.listings.findById(id, m, true);
    if (!listing) throw AppError.notFound(ListingErrorCode.LISTING_NOT_FOUND, `No list entry has id ${id}`);
    assertAtVersion(listing, expectedVersion);
    return listing;
  }

  /** Reads the entry without locking it (the version check decides races) and applies maker-checker. */
  private async forDecision(
    m: EntityManager,
    ctx: RequestContext,
    id: string,
    expectedVersion?: number,
  ): Promise<ListingRow> {
    const listing = await this.get(id, m);
    assertAtVersion(listing, expectedVersion);
    assertCanDecideProposal({ proposerId: listing.proposedBy ?? '', approverId: actorId(ctx) ?? '' });
    return listing;
  }

  /**
   * Moves an entry, as it was read, to `to` (the caller has checked the move), with its history event
   * and audit entry; 409 LISTING_VERSION_CONFLICT if the entry changed since it was read.
   */
  private async move(
    m: EntityManager,
    ctx: RequestContext,
    listing: ListingRow,
    to: ListingStatus,
    action: string,
    reason: string | null,
    fields: Parameters<ListingsRepository['changeStatus']>[3] = {},
  ): Promise<void> {
    const won = await this.listings.changeStatus(m, listing, to, fields);
    if (!won) {
      throw AppError.conflict(
        ListingErrorCode.LISTING_VERSION_CONFLICT,
        'Someone else changed this entry at the same time',
      );
    }
    await this.listings.addEvent(m, listing.id, to, actorId(ctx), reason, {
      effectiveDate: fields.terminatedFrom ?? null,
    });
    // An ended entry leaves nothing to object to or to repair: what was still open closes with it.
    const closed = isTerminalListingStatus(to)
      ? await this.listings.closeOpenMatters(m, listing.id, actorId(ctx), `the entry is ${to}`)
      : { objections: [], repairs: [] };
    await this.audit.record(m, ctx, {
      action,
      targetType: 'LISTING',
      targetId: listing.id,
      changes: {
        before: view(listing),
        after: {
          ...view(listing),
          status: to,
          ...(fields.terminatedFrom !== undefined && {
            terminatedFrom:
              listing.terminatedFrom !== null && listing.terminatedFrom < fields.terminatedFrom
                ? listing.terminatedFrom
                : fields.terminatedFrom,
          }),
          ...(closed.objections.length > 0 ? { underObjection: false } : {}),
        },
        reason,
        ...(closed.objections.length > 0 ? { closedObjections: closed.objections } : {}),
        ...(closed.repairs.length > 0 ? { closedRepairRequests: closed.repairs } : {}),
      },
    });
  }

  /**
   * Marks EXPIRED every ACTIVE entry whose end date lies before `today` (housekeeping), one
   * transaction each, audited as LISTING_EXPIRED. Bookkeeping only: whether an entry counts is
   * computed from its dates either way (in-force.ts). The act's recorded time is when this runs; its
   * valid time is the day after the end date, the first day the entry no longer counts.
   * @returns the ids of the entries marked.
   */
  async expireEnded(ctx: RequestContext, today: string): Promise<string[]> {
    const expired: string[] = [];
    for (const id of await this.listings.activeEndedBefore(today)) {
      const marked = await this.tx.run(async (m) => {
        const listing = await this.listings.findById(id, m, true);
        const end = listing?.effectiveTo;
        if (!listing || listing.status !== 'ACTIVE' || !end || end >= today) return false;
        await this.move(m, ctx, listing, 'EXPIRED', 'LISTING_EXPIRED', `the end date ${end} has passed`, {
          terminatedFrom: addDays(end, 1),
        });
        return true;
      });
      if (marked) expired.push(id);
    }
    return expired;
  }

  /**
   * A BLACK or WATCH entry becoming active ends the subject's RED entries from its own first day (valid
   * time), whenever it is recorded: they count up to the day before. An active RED entry that would
   * count on no day before that (it begins on or after that day) is revoked from its own first day
   * instead. A RED entry already revoked or ended from a later day keeps its status and gains an
   * EXPIRED act effective on that first day, the earlier ending winning (in-force.ts).
   */
  private async endRedEntries(m: EntityManager, ctx: RequestContext, cause: ListingRow): Promise<void> {
    const from = cause.effectiveFrom;
    const reason = `ended by ${cause.listType} entry ${cause.id} from ${from}`;
    for (const red of await this.listings.redCountingFrom(m, cause.subjectId, from)) {
      if (cause.effectiveTo !== null && red.effectiveFrom > cause.effectiveTo) continue;
      if (red.status !== 'ACTIVE') {
        await this.addEndingAct(m, ctx, red, 'EXPIRED', from, 'LISTING_RED_ENDED', reason);
      } else if (from <= red.effectiveFrom) {
        await this.move(m, ctx, red, 'REVOKED', 'LISTING_RED_ENDED', reason, {
          terminatedFrom: red.effectiveFrom,
        });
      } else {
        await this.move(m, ctx, red, 'EXPIRED', 'LISTING_RED_ENDED', reason, { terminatedFrom: from });
      }
    }
  }

  /**
   * Records an ending act effective `effectiveDate` on an entry without moving its status (it has
   * already ended, from a later day, or the act corrects an earlier one of its kind), with its history
   * event and audit entry; 409 LISTING_VERSION_CONFLICT if the entry changed since it was read.
   */
  private async addEndingAct(
    m: EntityManager,
    ctx: RequestContext,
    listing: ListingRow,
    kind: ListingStatus,
    effectiveDate: string,
    action: string,
    reason: string,
  ): Promise<void> {
    const terminatedFrom =
      listing.terminatedFrom !== null && listing.terminatedFrom < effectiveDate
        ? listing.terminatedFrom
        : effectiveDate;
    const dates = { effectiveFrom: listing.effectiveFrom, effectiveTo: listing.effectiveTo, terminatedFrom };
    if (!(await this.listings.setDates(m, listing, dates))) {
      throw AppError.conflict(
        ListingErrorCode.LISTING_VERSION_CONFLICT,
        'Someone else changed this entry at the same time',
      );
    }
    await this.listings.addEvent(m, listing.id, kind, actorId(ctx), reason, { effectiveDate });
    await this.audit.record(m, ctx, {
      action,
      targetType: 'LISTING',
      targetId: listing.id,
      changes: { before: view(listing), after: { ...view(listing), terminatedFrom }, reason },
    });
  }
}
