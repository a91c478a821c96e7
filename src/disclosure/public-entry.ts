/**
 * Which list entries the public sees (public disclosure, issue 13 item 3). Pure functions: no
 * framework, no I/O.
 *
 * - A **BLACK** entry is shown while it counts today (in-force.ts: approved, within its effective
 *   period, no ending act effective yet) and its case's publicity term runs: from the decision date
 *   up to the day before `publicationEnd` (CR26, rule data by severity). A severity whose publicity
 *   class is NOT_PUBLISHED, or an entry with no decided case to date it by, is never shown.
 * - A **RED** entry is shown while it counts today: the designation is public for as long as it runs.
 * - WATCH entries are never shown (重点关注名单 warns internally; nothing makes it public).
 *
 * Repair, revocation and expiry take effect on their own date: the entry stops counting that day and
 * so leaves the public view that day. The two clocks stay apart: the sanction term decides whether
 * it counts, the publicity term whether it may still be shown.
 */
import { inForceOn, KnownListing } from '../listings/in-force';
import { addDays, publicationEnd, RuleData, Severity } from '../rules/rules';

export type PublicListType = 'BLACK' | 'RED';
export const PUBLIC_LIST_TYPES: readonly PublicListType[] = ['BLACK', 'RED'];

/** What the rule needs to know of an entry besides its history. */
export interface DisclosureFacts {
  listType: string;
  caseSeverity: string | null;
  caseDecisionDate: string | null;
}

export interface Disclosure {
  shown: boolean;
  /** The last day a BLACK entry may be shown (publicity term); null for RED or when not shown. */
  publicUntil: string | null;
}

const HIDDEN: Disclosure = { shown: false, publicUntil: null };

/**
 * Whether an entry (as known now) is shown publicly on `today` (valid time, China).
 * @param rules the rule data in force on the case's decision date (BLACK); unused for RED.
 */
export function disclosureOn(
  facts: DisclosureFacts,
  known: KnownListing,
  today: string,
  rules: RuleData | null,
): Disclosure {
  if (facts.listType !== 'BLACK' && facts.listType !== 'RED') return HIDDEN;
  if (!inForceOn(known, today).inForce) return HIDDEN;
  if (facts.listType === 'RED') return { shown: true, publicUntil: null };
  if (!facts.caseSeverity || !facts.caseDecisionDate || !rules) return HIDDEN;
  const end = publicationEnd(rules, facts.caseSeverity as Severity, facts.caseDecisionDate);
  if (end === null || today < facts.caseDecisionDate || today >= end) return HIDDEN;
  return { shown: true, publicUntil: addDays(end, -1) };
}
