import { HttpStatus, Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { chinaDateOf } from '../common/china-date';
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
import {
  ListingFilter,
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
}

const actorId = (ctx: RequestContext): string | null => ctx.principal?.id ?? null;
const view = (l: ListingRow) => ({
  listType: l.listType,
  subjectId: l.subjectId,
  status: l.status,
  effectiveFrom: l.effectiveFrom,
  effectiveTo: l.effectiveTo,
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
    if (p.listType === 'RED' && (await this.listings.subjectHasActiveSanction(m, p.subjectId, todayIn()))) {
      throw AppError.conflict(
        ListingErrorCode.RED_BLOCKED_BY_SANCTION,
        'The subject is on the black or watch list',
      );
    }
    const id = await this.listings.insert(m, {
      subjectId: p.subjectId,
      listType: p.listType,
      caseId: p.caseId ?? null,
      measureId: p.measureId ?? null,
      designationDocument: p.designationDocument ?? null,
      effectiveFrom: p.effectiveFrom,
      effectiveTo: p.effectiveTo ?? null,
      proposedBy: actorId(ctx),
    });
    await this.audit.record(m, ctx, {
      action: 'LISTING_PROPOSED',
      targetType: 'LISTING',
      targetId: id,
      changes: { after: { ...p, status: 'PROPOSED' } },
    });
    return id;
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
   * Approves a proposal. The approver must not be the proposer; a RED candidate must have been
   * published for the objection period and be free of open objections; a BLACK or WATCH entry ends
   * the subject's active RED entries in the same transaction.
   */
  async approve(ctx: RequestContext, id: string, expectedVersion?: number): Promise<void> {
    return this.tx.run(async (m) => {
      const listing = await this.forDecision(m, ctx, id, expectedVersion);
      assertListingTransition(listing.status, 'ACTIVE', listing.listType);
      if (listing.listType === 'RED') {
        const rules = await this.rules.inForce();
        const openFrom = addDays(
          chinaDateOf(new Date(listing.proposedAt)),
          rules.data.redObjectionPeriodDays,
        );
        if (todayIn() < openFrom) {
          throw AppError.conflict(
            ListingErrorCode.RED_OBJECTION_PERIOD_RUNNING,
            `The RED candidate is published for objections until ${addDays(openFrom, -1)}; it can be activated from ${openFrom}`,
          );
        }
        if (listing.underObjection) {
          throw AppError.conflict(ListingErrorCode.RED_UNDER_OBJECTION, 'Resolve the open objections first');
        }
        if (await this.listings.subjectHasActiveSanction(m, listing.subjectId, todayIn())) {
          throw AppError.conflict(
            ListingErrorCode.RED_BLOCKED_BY_SANCTION,
            'The subject is on the black or watch list',
          );
        }
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

  async revoke(ctx: RequestContext, id: string, reason: string, expectedVersion?: number): Promise<void> {
    return this.tx.run(async (m) => {
      const listing = await this.locked(m, id, expectedVersion);
      assertListingTransition(listing.status, 'REVOKED', listing.listType);
      await this.move(m, ctx, listing, 'REVOKED', 'LISTING_REVOKED', reason);
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
      if (earliest && todayIn() < earliest) {
        throw new AppError(
          HttpStatus.CONFLICT,
          ListingErrorCode.REPAIR_TOO_EARLY,
          `The minimum publicity period runs until ${addDays(earliest, -1)}: repair can be requested from ${earliest}`,
          [
            {
              code: ListingErrorCode.REPAIR_TOO_EARLY,
              message: 'earliest repair date',
              context: { earliest },
            },
          ],
        );
      }
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
  ): Promise<void> {
    return this.tx.run(async (m) => {
      const listing = await this.locked(m, id);
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
        await this.move(m, ctx, listing, 'REPAIRED', 'LISTING_REPAIRED', reason ?? null);
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
    await this.listings.addEvent(m, listing.id, to, actorId(ctx), reason);
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
          ...('effectiveTo' in fields ? { effectiveTo: fields.effectiveTo } : {}),
          ...(closed.objections.length > 0 ? { underObjection: false } : {}),
        },
        reason,
        ...(closed.objections.length > 0 ? { closedObjections: closed.objections } : {}),
        ...(closed.repairs.length > 0 ? { closedRepairRequests: closed.repairs } : {}),
      },
    });
  }

  /**
   * A BLACK or WATCH entry becoming active ends the subject's RED entries the day before. A RED entry
   * that only begins today or later cannot end before it begins (nor would any end date stop it from
   * counting on its first day), so it is revoked instead: it counts on no day from now on.
   */
  private async endRedEntries(m: EntityManager, ctx: RequestContext, cause: ListingRow): Promise<void> {
    const yesterday = addDays(todayIn(), -1);
    const reason = `ended by ${cause.listType} entry ${cause.id}`;
    for (const red of await this.listings.activeRed(m, cause.subjectId)) {
      const effectiveTo = red.effectiveTo && red.effectiveTo < yesterday ? red.effectiveTo : yesterday;
      if (effectiveTo < red.effectiveFrom) {
        await this.move(m, ctx, red, 'REVOKED', 'LISTING_RED_ENDED', reason);
      } else {
        await this.move(m, ctx, red, 'EXPIRED', 'LISTING_RED_ENDED', reason, {
          effectiveTo,
        });
      }
    }
  }
}

/** The China calendar date of an instant. */
