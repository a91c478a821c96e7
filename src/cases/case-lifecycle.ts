/**
 * The procedure a misconduct case goes through (DOMAIN.md, Procedure and time limits): which states a
 * case can be in, which moves between them are allowed, and from which states a case may be recorded.
 * Pure rules: no framework, no I/O. The deadlines of each step are rule data and live elsewhere.
 */
import { stateMachine } from '../common/state-machine';

/** The states of a case. */
export const CaseStatus = {
  REPORTED: 'REPORTED',
  ACCEPTED: 'ACCEPTED',
  INVESTIGATING: 'INVESTIGATING',
  DECIDED: 'DECIDED',
  REVIEW_REQUESTED: 'REVIEW_REQUESTED',
  APPEALED: 'APPEALED',
  FINAL: 'FINAL',
  DISMISSED: 'DISMISSED',
} as const;
export type CaseStatus = (typeof CaseStatus)[keyof typeof CaseStatus];

/** Every case status, in procedural order, for `@IsIn` and the like. */
export const CASE_STATUSES: readonly CaseStatus[] = Object.values(CaseStatus);

/** The label users see for each case status. */
export const CASE_STATUS_LABELS: Readonly<Record<CaseStatus, string>> = {
  REPORTED: '已举报',
  ACCEPTED: '已受理',
  INVESTIGATING: '调查中',
  DECIDED: '已作出处理决定',
  REVIEW_REQUESTED: '复查中',
  APPEALED: '申诉中',
  FINAL: '处理决定已终局',
  // Covers 不予受理 before acceptance as well as an investigation closed without a finding.
  DISMISSED: '不予处理',
};

/** Stable codes of the errors this module raises. */
export const CaseLifecycleErrorCode = {
  CASE_TRANSITION_NOT_ALLOWED: 'CASE_TRANSITION_NOT_ALLOWED',
} as const;
export type CaseLifecycleErrorCode = (typeof CaseLifecycleErrorCode)[keyof typeof CaseLifecycleErrorCode];

/**
 * The allowed moves, as data: a case in a state may move to any of the states listed for it and to no
 * other. Review (复查) ends either with the decision standing again, possibly amended (back to DECIDED,
 * even when the amendment lifts every measure), with an appeal (申诉) or with the case closed. Once a
 * decision exists the case can no longer be dismissed: an overturned decision is an amended decision,
 * so the record of what was decided, and when, is never lost.
 */
export const CASE_TRANSITIONS: Readonly<Record<CaseStatus, readonly CaseStatus[]>> = {
  REPORTED: ['ACCEPTED', 'DISMISSED'],
  ACCEPTED: ['INVESTIGATING', 'DISMISSED'],
  INVESTIGATING: ['DECIDED', 'DISMISSED'],
  DECIDED: ['REVIEW_REQUESTED', 'FINAL'],
  REVIEW_REQUESTED: ['DECIDED', 'APPEALED', 'FINAL'],
  APPEALED: ['DECIDED', 'FINAL'],
  FINAL: [],
  DISMISSED: [],
};

/**
 * The states a case may be created in: REPORTED for a case handled here from the start, DECIDED or
 * FINAL to record a decision another body has already taken and published (e.g. 泉科〔2020〕34号).
 */
export const INITIAL_CASE_STATUSES: readonly CaseStatus[] = ['REPORTED', 'DECIDED', 'FINAL'];

const CASE_LIFECYCLE = stateMachine(
  'A case',
  CASE_TRANSITIONS,
  CASE_STATUS_LABELS,
  CaseLifecycleErrorCode.CASE_TRANSITION_NOT_ALLOWED,
);

/** Whether a case may be created in `status`. */
export function isInitialCaseStatus(status: string): boolean {
  return (INITIAL_CASE_STATUSES as readonly string[]).includes(status);
}

/** The states a case in `from` may move to; none for a terminal or unknown state. */
export const allowedCaseTransitions = (from: string): readonly CaseStatus[] => CASE_LIFECYCLE.allowed(from);

/** Whether a case in `from` may move to `to`. Unknown states (e.g. an unchecked string) answer false. */
export const canTransition = (from: string, to: string): boolean => CASE_LIFECYCLE.can(from, to);

/** Whether a case has reached no further state. */
export const isTerminalCaseStatus = (status: string): boolean => CASE_LIFECYCLE.isTerminal(status);

/**
 * Whether a decision exists for a case in `status`, so that its measures count. A request for review
 * or an appeal does not suspend the decision under review.
 */
export function isDecided(status: string): boolean {
  return status === 'DECIDED' || status === 'REVIEW_REQUESTED' || status === 'APPEALED' || status === 'FINAL';
}

/**
 * Refuses a move the procedure does not allow.
 * @throws AppError 409 CASE_TRANSITION_NOT_ALLOWED naming both states; its one detail, against the
 * field `status`, lists the states that are allowed from `from`.
 */
export const assertCaseTransition = (from: string, to: string): void => CASE_LIFECYCLE.assert(from, to);
