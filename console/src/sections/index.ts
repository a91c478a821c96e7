import { admin } from './admin';
import { approvals } from './approvals';
import { audit } from './audit';
import { inspections } from './inspections';
import { records } from './records';
import type { Section } from './types';

/** Every section of the console beyond checks, in menu order. */
export const SECTIONS: readonly Section[] = [records, approvals, inspections, admin, audit];
