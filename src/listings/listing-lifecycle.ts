/**
 * The lists a subject can be put on and the life of one entry on a list (DOMAIN.md, Lists; Procedure
 * and time limits): its states, the allowed moves, the four-eyes rule on approving a proposal and
 * which lists credit repair applies to. Pure rules: no framework, no I/O.
 */
import { HttpStatus } from '@nestjs/common';
import { AppError } from '../common/errors/app-error';
import { stateMachine } from '../common/state-machine';

/** The lists. */
export const ListType = {
  BLACK: 'BLACK',
  WATCH: 'WATCH',
  RED: 'RED',
} as const;
export type ListType = (typeof ListType)[keyof typeof ListType];

/** Every list type, for `@IsIn` and the like. */
export const LIST_TYPES: readonly ListType[] = Object.values(ListType);

/** The label users see for each list. */
export const LIST_TYPE_LABELS: Readonly<Record<ListType, string>> = {
  BLACK: '严重失信名单',
  WATCH: '重点关注名单',
  RED: '守信激励名单',
};

/**
 * The states of one entry on a list. Whether an entry counts on a given day is not read from this
 * status alone: see in-force.ts.
 */
export const ListingStatus = {
  PROPOSED: 'PROPOSED',
  ACTIVE: 'ACTIVE',
  EXPIRED: 'EXPIRED',
  REPAIRED: 'REPAIRED',
  REVOKED: 'REVOKED',
  REJECTED: 'REJECTED',
} as const;
export type ListingStatus = (typeof ListingStatus)[keyof typeof ListingStatus];

/** Every listing status, for `@IsIn` and the like. */
export const LISTING_STATUSES: readonly ListingStatus[] = Object.values(ListingStatus);

/** The label users see for each listing status. */
export const LISTING_STATUS_LABELS: Readonly<Record<ListingStatus, string>> = {
  PROPOSED: '拟列入',
  ACTIVE: '已列入',
  EXPIRED: '已期满',
  REPAIRED: '已信用修复',
  REVOKED: '已撤销',
  REJECTED: '未予列入',
};

/** Stable codes of the errors this module raises. */
export const ListingLifecycleErrorCode = {
  LISTING_TRANSITION_NOT_ALLOWED: 'LISTING_TRANSITION_NOT_ALLOWED',
  LISTING_SELF_APPROVAL: 'LISTING_SELF_APPROVAL',
  REPAIR_NOT_APPLICABLE: 'REPAIR_NOT_APPLICABLE',
} as const;
export type ListingLifecycleErrorCode =
  (typeof ListingLifecycleErrorCode)[keyof typeof ListingLifecycleErrorCode];

/**
 * The allowed moves, as data. A proposal is approved (ACTIVE) or rejected by a second person. An
 * expired entry can still be repaired or revoked: the sanction term may be over while the publicity
 * term still runs (repair stops publication and sharing, CR26), and a revoked entry must not count in
 * a later look-back window ("近三年无科研失信记录"), so both are worth recording after the end date.
 */
export const LISTING_TRANSITIONS: Readonly<Record<ListingStatus, readonly ListingStatus[]>> = {
  PROPOSED: ['ACTIVE', 'REJECTED'],
  ACTIVE: ['EXPIRED', 'REPAIRED', 'REVOKED'],
  EXPIRED: ['REPAIRED', 'REVOKED'],
  REPAIRED: [],
  REVOKED: [],
  REJECTED: [],
};

/** The lists credit repair (信用修复, CR26) applies to: it lifts a sanction, and a red entry is none. */
export const REPAIRABLE_LIST_TYPES: readonly ListType[] = ['BLACK', 'WATCH'];

const LISTING_LIFECYCLE = stateMachine(
  'A listing',
  LISTING_TRANSITIONS,
  LISTING_STATUS_LABELS,
  ListingLifecycleErrorCode.LISTING_TRANSITION_NOT_ALLOWED,
);

/** The states an entry in `from` may move to; none for a terminal or unknown state. */
export const allowedListingTransitions = (from: string): readonly ListingStatus[] =>
  LISTING_LIFECYCLE.allowed(from);

/** Whether an entry in `from` may move to `to`, whatever its list. Unknown states answer false. */
export const canListingTransition = (from: string, to: string): boolean => LISTING_LIFECYCLE.can(from, to);

/** Whether an entry has reached no further state. */
export const isTerminalListingStatus = (status: string): boolean => LISTING_LIFECYCLE.isTerminal(status);

/** Whether credit repair applies to entries of `listType`. */
export function isRepairApplicable(listType: string): boolean {
  return (REPAIRABLE_LIST_TYPES as readonly string[]).includes(listType);
}

/**
 * Refuses credit repair on a list it does not apply to.
 * @throws AppError 409 REPAIR_NOT_APPLICABLE for the red list.
 */
export function assertRepairApplicable(listType: string): void {
  if (isRepairApplicable(listType)) return;
  throw AppError.conflict(
    ListingLifecycleErrorCode.REPAIR_NOT_APPLICABLE,
    `Credit repair applies to ${REPAIRABLE_LIST_TYPES.join(' and ')} listings only, not to ${listType}.`,
  );
}

/**
 * Refuses a move of an entry on list `listType` that its life does not allow. Repair on a list it does
 * not apply to is refused first, whatever the current state, since no state would make it allowed.
 * @throws AppError 409 REPAIR_NOT_APPLICABLE, or 409 LISTING_TRANSITION_NOT_ALLOWED naming both states
 * with one detail, against the field `status`, listing the states allowed from `from`.
 */
export function assertListingTransition(from: string, to: string, listType: ListType): void {
  if (to === ListingStatus.REPAIRED) assertRepairApplicable(listType);
  LISTING_LIFECYCLE.assert(from, to);
}

/** Who proposed an entry and who means to approve or reject it (user ids). */
export interface ProposalDecisionParties {
  proposerId: string;
  approverId: string;
}

/**
 * The four-eyes rule: nobody decides (approves or rejects) a listing they proposed themselves. Ids are
 * compared without regard to case, so a UUID written in capitals is still the same person.
 * @throws AppError 403 LISTING_SELF_APPROVAL when proposer and approver are the same person.
 */
export function assertCanDecideProposal({ proposerId, approverId }: ProposalDecisionParties): void {
  if (proposerId.trim().toLowerCase() !== approverId.trim().toLowerCase()) return;
  throw new AppError(
    HttpStatus.FORBIDDEN,
    ListingLifecycleErrorCode.LISTING_SELF_APPROVAL,
    'A listing must be approved or rejected by someone other than the person who proposed it.',
  );
}
