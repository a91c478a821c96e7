/**
 * The inspection plan's lifecycle and the module's error codes (docs/inspections.md). Pure.
 */
import { stateMachine } from '../common/state-machine';

export const PlanStatus = {
  DRAFT: 'DRAFT',
  APPROVED: 'APPROVED',
  DRAWN: 'DRAWN',
  CLOSED: 'CLOSED',
} as const;
export type PlanStatus = (typeof PlanStatus)[keyof typeof PlanStatus];
export const PLAN_STATUSES: readonly PlanStatus[] = Object.values(PlanStatus);

const PLAN_STATUS_LABELS: Readonly<Record<PlanStatus, string>> = {
  DRAFT: '计划拟定',
  APPROVED: '计划已批准',
  DRAWN: '已抽取',
  CLOSED: '已办结公开',
};

/** DRAFT → APPROVED (another user) → DRAWN (the draw) → CLOSED (every finding recorded; then public). */
const PLAN_TRANSITIONS: Readonly<Record<PlanStatus, readonly PlanStatus[]>> = {
  DRAFT: ['APPROVED'],
  APPROVED: ['DRAWN'],
  DRAWN: ['CLOSED'],
  CLOSED: [],
};

export const PLAN_LIFECYCLE = stateMachine(
  'An inspection plan',
  PLAN_TRANSITIONS,
  PLAN_STATUS_LABELS,
  'INSPECTION_TRANSITION_NOT_ALLOWED',
);

export const POOL_KINDS = ['TARGET', 'INSPECTOR'] as const;
export type PoolKind = (typeof POOL_KINDS)[number];

export const FINDING_OUTCOMES = ['NO_PROBLEM', 'RECTIFICATION_REQUIRED', 'SUSPECTED_MISCONDUCT'] as const;
export type FindingOutcome = (typeof FINDING_OUTCOMES)[number];

export enum InspectionErrorCode {
  POOL_NOT_FOUND = 'POOL_NOT_FOUND',
  POOL_VERSION_NOT_FOUND = 'POOL_VERSION_NOT_FOUND',
  POOL_KIND_MISMATCH = 'POOL_KIND_MISMATCH',
  POOL_FILE_EMPTY = 'POOL_FILE_EMPTY',
  POOL_COLUMNS_INVALID = 'POOL_COLUMNS_INVALID',
  POOL_ROWS_INVALID = 'POOL_ROWS_INVALID',
  POOL_TOO_MANY_ROWS = 'POOL_TOO_MANY_ROWS',
  INSPECTION_NOT_FOUND = 'INSPECTION_NOT_FOUND',
  INSPECTION_OWN_PLAN = 'INSPECTION_OWN_PLAN',
  INSPECTION_PUBLIC_VALUE_REQUIRED = 'INSPECTION_PUBLIC_VALUE_REQUIRED',
  INSPECTION_TARGET_NOT_DRAWN = 'INSPECTION_TARGET_NOT_DRAWN',
  INSPECTION_FINDING_EXISTS = 'INSPECTION_FINDING_EXISTS',
  INSPECTION_CASE_REQUIRED = 'INSPECTION_CASE_REQUIRED',
  INSPECTION_FINDINGS_MISSING = 'INSPECTION_FINDINGS_MISSING',
  INSPECTION_KEY_UNKNOWN = 'INSPECTION_KEY_UNKNOWN',
}
