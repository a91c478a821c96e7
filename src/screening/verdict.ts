/**
 * The screening verdict: may this applicant take part in one review domain on one day? A pure rule
 * over the facts of the registry subjects that matched the applicant: no framework, no I/O. The
 * service gathers the facts (matching, reading the rule set in force); this file only judges them.
 *
 * Choices this rule makes, beyond what DOMAIN.md states outright:
 * - A record counts through the thing a second person approved: a bar through its decided case, a
 *   list entry through its approval (inForceAt). A SERIOUS_DB_ENTRY measure is no bar itself: it
 *   counts through the BLACK entry it proposes, so a rejected proposal never blocks.
 * - A BLACK entry in force warns (REVIEW) in a domain the rule data do not bar for black-listed
 *   subjects: the black list never weighs less than the watch list below it.
 * - Look-back ("近三年无科研失信记录"): a record whose bar or entry ended inside the window counts,
 *   as REVIEW, exactly when the same record in force would have counted (BLOCK or REVIEW) for this
 *   domain. Red entries are no misconduct record. A REVOKED entry (it was wrong) and a REPAIRED one
 *   (CR26: its consequences lift) do not count, from the instant recorded as inForceAt reads it.
 * - A match by name (with or without a conflicting identifier) turns BLOCK and REVIEW into REVIEW and
 *   earns no incentive: a person must first confirm the applicant is that subject.
 * - Case status and measures are read as they stand now; only list entries have a history, so
 *   `knownAt` narrows list entries alone.
 */
import { isDecided } from '../cases/case-lifecycle';
import { inForceAt, InForceListing, InForceReason } from '../listings/in-force';
import { LIST_TYPE_LABELS, ListingStatus, ListType } from '../listings/listing-lifecycle';
import { addMonths, barredDomains, isIsoDate, measureType, RuleData } from '../rules/rules';

/** How an applicant matched a registry subject. */
export const MatchKind = {
  /** The identifier given is one the subject holds. */
  IDENTIFIER: 'IDENTIFIER',
  /** Name and organisation match a subject recorded without an identifier: a possible match. */
  NAME_ORGANISATION: 'NAME_ORGANISATION',
  /** The name matches, but the subject's recorded identifier differs from the one given. */
  NAME_CONFLICTING_IDENTIFIER: 'NAME_CONFLICTING_IDENTIFIER',
} as const;
export type MatchKind = (typeof MatchKind)[keyof typeof MatchKind];

/** Every match kind, strongest first. */
export const MATCH_KINDS: readonly MatchKind[] = Object.values(MatchKind);

/** The answer to "may this applicant take part?". */
export const VerdictOutcome = {
  BLOCK: 'BLOCK',
  REVIEW: 'REVIEW',
  CLEAR: 'CLEAR',
} as const;
export type VerdictOutcome = (typeof VerdictOutcome)[keyof typeof VerdictOutcome];

/** Every outcome, strongest first. */
export const VERDICT_OUTCOMES: readonly VerdictOutcome[] = Object.values(VerdictOutcome);

/** The label users see for each outcome. */
export const VERDICT_OUTCOME_LABELS: Readonly<Record<VerdictOutcome, string>> = {
  BLOCK: '不得参与',
  REVIEW: '需人工核查',
  CLEAR: '未发现限制',
};

/** What one counted record does to the verdict. */
export const EvidenceEffect = {
  BLOCK: 'BLOCK',
  REVIEW: 'REVIEW',
  INCENTIVE: 'INCENTIVE',
} as const;
export type EvidenceEffect = (typeof EvidenceEffect)[keyof typeof EvidenceEffect];

/** The longest look-back window a call may ask for, in years. */
export const MAX_LOOKBACK_YEARS = 10;

/** A list entry of a matched subject, with the status history inForceAt reads. */
export interface ScreeningListing extends InForceListing {
  id: string;
  listType: ListType;
  /** The stored status; bookkeeping only, the history decides (see in-force.ts). */
  status: ListingStatus;
  /** An objection is open: the entry still counts, and the verdict says so. */
  underObjection: boolean;
  /** The case a BLACK or WATCH entry rests on. */
  caseId: string | null;
  /** The document designating a RED entry. */
  designationDocument: string | null;
}

/** A measure imposed on a matched subject. */
export interface ScreeningMeasure {
  id: string;
  caseId: string;
  /** A measure type code of the rule data. */
  type: string;
  /** First day (inclusive); null for a deadline without a start, which then runs from the decision. */
  startDate: string | null;
  /** Last day (inclusive); null for life, or for a measure without a term. */
  endDate: string | null;
  lifetime: boolean;
  /** The review domains a bar names. */
  domains: readonly string[];
}

/** A case of a matched subject: whether it is decided, and what evidence cites. */
export interface ScreeningCase {
  id: string;
  status: string;
  decisionNumber: string | null;
  authority: string;
  decisionDate: string | null;
  misconductTypes: readonly string[];
  severity: string | null;
}

/** One registry subject that matched the applicant, with its records. */
export interface ScreeningCandidate {
  match: MatchKind;
  subjectId: string;
  subjectName: string;
  maskedIdentifier?: string;
  listings: readonly ScreeningListing[];
  measures: readonly ScreeningMeasure[];
  /** Every case a measure refers to must be here. */
  cases: readonly ScreeningCase[];
}

/** The facts of one applicant, screened for one domain on one day. */
export interface VerdictInput {
  /** A review domain code of `rules`. */
  domain: string;
  /** The day asked about, `YYYY-MM-DD` in China Standard Time. */
  asOf: string;
  /** ISO timestamp with a zone: judge list entries as the registry knew them then. Defaults to now. */
  knownAt?: string;
  /** A call's look-back window in whole years, 0–10; none when absent. */
  lookbackYears?: number;
  rules: RuleData;
  ruleVersion: number;
  candidates: readonly ScreeningCandidate[];
}

/** A record's term: inclusive dates; `to` null when open-ended or for life. */
export interface VerdictPeriod {
  from: string | null;
  to: string | null;
  lifetime: boolean;
}

/** The decision a counted record rests on, as evidence cites it. */
export interface EvidenceCase {
  decisionNumber: string | null;
  authority: string;
  decisionDate: string | null;
  misconductTypes: readonly string[];
  severity: string | null;
}

/** One record that counted, and why. */
export interface VerdictEvidence {
  kind: 'MEASURE' | 'LISTING';
  /** The measure's or the list entry's id. */
  recordId: string;
  subjectId: string;
  subjectName: string;
  maskedIdentifier?: string;
  match: MatchKind;
  case?: EvidenceCase;
  measureType?: string;
  listType?: ListType;
  domain: string;
  period: VerdictPeriod;
  effect: EvidenceEffect;
  /** True for a list entry under objection; it counted all the same. */
  underObjection: boolean;
  /** One plain English sentence. */
  reason: string;
}

/** The red entry that earns the applicant the green channel (绿色通道). */
export interface VerdictIncentive {
  listingId: string;
  subjectId: string;
  subjectName: string;
  designationDocument: string | null;
  period: VerdictPeriod;
  underObjection: boolean;
}

/** The answer for one applicant, with what it rests on and the rule set version that gave it. */
export interface Verdict {
  outcome: VerdictOutcome;
  domain: string;
  asOf: string;
  knownAt: string;
  lookbackYears: number | null;
  /** First day of the look-back window; null without one. */
  lookbackFrom: string | null;
  ruleVersion: number;
  /** Never set together with BLOCK. */
  incentive: VerdictIncentive | null;
  /** Some entry that counted is under objection. */
  underObjection: boolean;
  /** BLOCK first, then REVIEW, then INCENTIVE; within each by period. */
  evidence: VerdictEvidence[];
}

// ---------------------------------------------------------------------------------------------------
// Helpers, each one rule.

/**
 * Whether a measure is a bar under these rules. A type the rules no longer know still bars when the
 * measure names domains (only bars do), so dropping a code never silently lifts a bar.
 */
export function isBarMeasure(rules: RuleData, measure: Pick<ScreeningMeasure, 'type' | 'domains'>): boolean {
  return measureType(rules, measure.type)?.isBar ?? measure.domains.length > 0;
}

/**
 * A measure's term. A measure without a start runs from its decision (`decisionDate`). One recorded
 * with neither an end date nor `lifetime` is taken as open-ended: a malformed bar stays a bar.
 */
export function measurePeriod(
  measure: Pick<ScreeningMeasure, 'startDate' | 'endDate' | 'lifetime'>,
  decisionDate: string | null = null,
): VerdictPeriod {
  return {
    from: measure.startDate ?? decisionDate,
    to: measure.lifetime ? null : measure.endDate,
    lifetime: measure.lifetime,
  };
}

/** Whether `asOf` lies within a period, both ends inclusive, a null end being open. */
export function periodCovers(period: VerdictPeriod, asOf: string): boolean {
  return (period.from === null || period.from <= asOf) && (period.to === null || asOf <= period.to);
}

/** First day of a look-back window of `years` ending the day before `asOf`. */
export function lookbackStart(asOf: string, years: number): string {
  return addMonths(asOf, -12 * years);
}

/**
 * Whether a term whose last day is `end` ended inside the look-back window, [asOf − years, asOf).
 * An open end never ends; a window of 0 years holds nothing.
 */
export function endedWithin(end: string | null, asOf: string, lookbackYears: number): boolean {
  return end !== null && end < asOf && end >= lookbackStart(asOf, lookbackYears);
}

/**
 * What a record does for a match of this kind, given what it would do for an exact identifier match:
 * a name match never blocks and earns no incentive, it makes a person look. Null: it does not count.
 */
export function effectForMatch(effect: EvidenceEffect, match: MatchKind): EvidenceEffect | null {
  if (match === MatchKind.IDENTIFIER) return effect;
  return effect === EvidenceEffect.INCENTIVE ? null : EvidenceEffect.REVIEW;
}

/** The verdict the effects of the counted records add up to. */
export function outcomeOf(effects: readonly EvidenceEffect[]): VerdictOutcome {
  if (effects.includes(EvidenceEffect.BLOCK)) return VerdictOutcome.BLOCK;
  if (effects.includes(EvidenceEffect.REVIEW)) return VerdictOutcome.REVIEW;
  return VerdictOutcome.CLEAR;
}

// ---------------------------------------------------------------------------------------------------
// The verdict.

/** A record that counts, before the match kind and the reason sentence are applied. */
interface Finding {
  kind: 'MEASURE' | 'LISTING';
  recordId: string;
  effect: EvidenceEffect;
  /** False: in force on asOf. True: ended inside the look-back window. */
  lookback: boolean;
  period: VerdictPeriod;
  case?: ScreeningCase;
  measureType?: string;
  listing?: ScreeningListing;
  /** What the record is, to be put after "is" or "was" ("barred from … by … in decision …"). */
  predicate: string;
  /** Why it matters for this domain (", which bars AWARD"); empty when the predicate says it. */
  consequence: string;
}

interface Context {
  domain: string;
  asOf: string;
  knownAt: string;
  lookbackYears: number | null;
  rules: RuleData;
  ruleVersion: number;
}

const EFFECT_RANK: Readonly<Record<EvidenceEffect, number>> = { BLOCK: 0, REVIEW: 1, INCENTIVE: 2 };
const MATCH_RANK = new Map(MATCH_KINDS.map((kind, i) => [kind, i]));

function decisionPhrase(c: ScreeningCase): string {
  return c.decisionNumber !== null
    ? `decision ${c.decisionNumber} of ${c.authority}`
    : `the decision of ${c.authority}${c.decisionDate !== null ? ` dated ${c.decisionDate}` : ''}`;
}

/** The end of a term, which is what matters to an applicant: the period field carries the start. */
function termPhrase(period: VerdictPeriod): string {
  if (period.lifetime) return 'for life';
  return period.to !== null ? `until ${period.to}` : 'with no end date';
}

function checkInput(input: VerdictInput, knownAt: string): void {
  const { domain, asOf, lookbackYears, rules } = input;
  if (!rules.reviewDomains.some((d) => d.code === domain)) {
    throw new RangeError(`domain ${JSON.stringify(domain)} is not a review domain of these rules`);
  }
  if (!isIsoDate(asOf)) throw new RangeError(`asOf must be a date YYYY-MM-DD, got ${JSON.stringify(asOf)}`);
  // inForceAt checks knownAt by the very rules it applies to every entry below.
  inForceAt({ history: [], effectiveFrom: asOf, effectiveTo: null }, asOf, knownAt);
  if (
    lookbackYears !== undefined &&
    !(Number.isInteger(lookbackYears) && lookbackYears >= 0 && lookbackYears <= MAX_LOOKBACK_YEARS)
  ) {
    throw new RangeError(
      `lookbackYears must be a whole number 0–${MAX_LOOKBACK_YEARS}, got ${lookbackYears}`,
    );
  }
}

function measureFindings(candidate: ScreeningCandidate, ctx: Context): Finding[] {
  const findings: Finding[] = [];
  for (const measure of candidate.measures) {
    const c = candidate.cases.find((x) => x.id === measure.caseId);
    // A missing case is a gathering error: answering CLEAR for it could let a barred applicant through.
    if (!c)
      throw new RangeError(`measure ${measure.id} refers to case ${measure.caseId}, which was not given`);
    for (const date of [measure.startDate, measure.endDate]) {
      if (date !== null && !isIsoDate(date)) {
        throw new RangeError(
          `measure ${measure.id} has a date that is not YYYY-MM-DD: ${JSON.stringify(date)}`,
        );
      }
    }
    if (!isDecided(c.status) || !isBarMeasure(ctx.rules, measure) || !measure.domains.includes(ctx.domain)) {
      continue;
    }
    const period = measurePeriod(measure, c.decisionDate);
    const inForce = periodCovers(period, ctx.asOf);
    const lookback =
      !inForce && ctx.lookbackYears !== null && endedWithin(period.to, ctx.asOf, ctx.lookbackYears);
    if (!inForce && !lookback) continue;
    findings.push({
      kind: 'MEASURE',
      recordId: measure.id,
      // An ended record warns at most.
      effect: lookback ? EvidenceEffect.REVIEW : EvidenceEffect.BLOCK,
      lookback,
      period,
      case: c,
      measureType: measure.type,
      predicate: `barred from ${ctx.domain} ${termPhrase(period)} by ${measure.type} in ${decisionPhrase(c)}`,
      consequence: '',
    });
  }
  return findings;
}

/** What an entry in force does for this domain, and the clause that says why. */
function listingEffect(listType: ListType, ctx: Context): { effect: EvidenceEffect; consequence: string } {
  switch (listType) {
    case 'BLACK':
      return barredDomains(ctx.rules, { list: 'BLACK' }).includes(ctx.domain)
        ? { effect: EvidenceEffect.BLOCK, consequence: `, which bars ${ctx.domain}` }
        : {
            effect: EvidenceEffect.REVIEW,
            consequence: `, which under rule version ${ctx.ruleVersion} does not bar ${ctx.domain} but warns`,
          };
    case 'WATCH':
      return { effect: EvidenceEffect.REVIEW, consequence: ', which warns but never bars' };
    case 'RED':
      return { effect: EvidenceEffect.INCENTIVE, consequence: ', which opens the green channel (绿色通道)' };
  }
}

/** What an entry rests on: a red entry's designation, a black or watch entry's decision. */
function listingBasis(listing: ScreeningListing, c: ScreeningCase | undefined): string {
  if (listing.listType === 'RED') {
    return listing.designationDocument !== null ? ` by designation ${listing.designationDocument}` : '';
  }
  return c ? ` on ${decisionPhrase(c)}` : '';
}

function listingFindings(candidate: ScreeningCandidate, ctx: Context): Finding[] {
  const findings: Finding[] = [];
  for (const listing of candidate.listings) {
    const { inForce, reason } = inForceAt(listing, ctx.asOf, ctx.knownAt);
    const lookback =
      !inForce &&
      reason === InForceReason.ENDED &&
      listing.listType !== 'RED' &&
      ctx.lookbackYears !== null &&
      endedWithin(listing.effectiveTo, ctx.asOf, ctx.lookbackYears);
    if (!inForce && !lookback) continue;
    const period: VerdictPeriod = { from: listing.effectiveFrom, to: listing.effectiveTo, lifetime: false };
    const c = candidate.cases.find((x) => x.id === listing.caseId);
    const { effect, consequence } = listingEffect(listing.listType, ctx);
    const list = `the ${listing.listType.toLowerCase()} list (${LIST_TYPE_LABELS[listing.listType]})`;
    findings.push({
      kind: 'LISTING',
      recordId: listing.id,
      effect: lookback ? EvidenceEffect.REVIEW : effect,
      lookback,
      period,
      case: c,
      listing,
      predicate: `on ${list} ${termPhrase(period)}${listingBasis(listing, c)}`,
      consequence,
    });
  }
  return findings;
}

function reasonFor(finding: Finding, candidate: ScreeningCandidate, ctx: Context): string {
  const tail =
    finding.lookback && ctx.lookbackYears !== null
      ? `, which ended inside the ${ctx.lookbackYears}-year look-back window starting ${lookbackStart(ctx.asOf, ctx.lookbackYears)}`
      : finding.consequence;
  const objection = finding.listing?.underObjection
    ? ', and the entry is under objection (异议) but counts until that is decided'
    : '';
  const what = `${finding.predicate}${tail}${objection}`;
  const verb = finding.lookback ? 'was' : 'is';
  switch (candidate.match) {
    case MatchKind.IDENTIFIER: {
      const clause = finding.lookback ? `was ${what}` : what;
      return `${clause.charAt(0).toUpperCase()}${clause.slice(1)}.`;
    }
    case MatchKind.NAME_ORGANISATION:
      return (
        `Possible match by name and organisation to ${candidate.subjectName}, who ${verb} ${what}; ` +
        'a person must confirm whether the applicant is this subject.'
      );
    case MatchKind.NAME_CONFLICTING_IDENTIFIER: {
      const recorded = candidate.maskedIdentifier ? ` ${candidate.maskedIdentifier}` : '';
      return (
        `Name match to ${candidate.subjectName}, whose recorded identifier${recorded} differs from the one ` +
        `given and who ${verb} ${what}; a person must check whether the applicant is this subject.`
      );
    }
  }
}

function evidenceOf(finding: Finding, candidate: ScreeningCandidate, ctx: Context): VerdictEvidence | null {
  const effect = effectForMatch(finding.effect, candidate.match);
  if (effect === null) return null;
  const c = finding.case;
  return {
    kind: finding.kind,
    recordId: finding.recordId,
    subjectId: candidate.subjectId,
    subjectName: candidate.subjectName,
    ...(candidate.maskedIdentifier !== undefined && { maskedIdentifier: candidate.maskedIdentifier }),
    match: candidate.match,
    ...(c && {
      case: {
        decisionNumber: c.decisionNumber,
        authority: c.authority,
        decisionDate: c.decisionDate,
        misconductTypes: [...c.misconductTypes],
        severity: c.severity,
      },
    }),
    ...(finding.measureType !== undefined && { measureType: finding.measureType }),
    ...(finding.listing && { listType: finding.listing.listType }),
    domain: ctx.domain,
    period: finding.period,
    effect,
    underObjection: finding.listing?.underObjection ?? false,
    reason: reasonFor(finding, candidate, ctx),
  };
}

/** Ascending, null first (an open start) or last (an open end). */
function compareNullable(a: string | null, b: string | null, nullLast: boolean): number {
  if (a === b) return 0;
  if (a === null) return nullLast ? 1 : -1;
  if (b === null) return nullLast ? -1 : 1;
  return a < b ? -1 : 1;
}

/** A total order, so the evidence never hangs on the order rows were read in. */
function compareEvidence(a: VerdictEvidence, b: VerdictEvidence): number {
  return (
    EFFECT_RANK[a.effect] - EFFECT_RANK[b.effect] ||
    compareNullable(a.period.from, b.period.from, false) ||
    compareNullable(a.period.to, b.period.to, true) ||
    compareNullable(a.subjectId, b.subjectId, false) ||
    compareNullable(a.kind, b.kind, false) ||
    compareNullable(a.recordId, b.recordId, false)
  );
}

/** One candidate per subject, keeping the strongest match when the matcher found a subject twice. */
function strongestPerSubject(candidates: readonly ScreeningCandidate[]): ScreeningCandidate[] {
  const best = new Map<string, ScreeningCandidate>();
  for (const candidate of candidates) {
    const seen = best.get(candidate.subjectId);
    if (!seen || MATCH_RANK.get(candidate.match)! < MATCH_RANK.get(seen.match)!) {
      best.set(candidate.subjectId, candidate);
    }
  }
  return [...best.values()];
}

/** Of several red entries in force, the one running longest (then the lowest id), so the pick is stable. */
function incentiveOf(red: readonly { evidence: VerdictEvidence; listing: ScreeningListing }[]) {
  const [first] = [...red].sort(
    (a, b) =>
      // Descending, an open end (null) counting as the latest.
      compareNullable(b.evidence.period.to, a.evidence.period.to, true) ||
      compareNullable(a.evidence.recordId, b.evidence.recordId, false),
  );
  if (!first) return null;
  const { evidence, listing } = first;
  return {
    listingId: listing.id,
    subjectId: evidence.subjectId,
    subjectName: evidence.subjectName,
    designationDocument: listing.designationDocument,
    period: evidence.period,
    underObjection: listing.underObjection,
  };
}

/**
 * The screening verdict for one applicant, one review domain and one day.
 *
 * - BLOCK: an IDENTIFIER match is, on `asOf`, under a bar of a decided case covering `domain`, or on
 *   a BLACK entry in force (inForceAt) when the rule data bar `domain` for black-listed subjects.
 * - REVIEW: anything that would block or warn, found through a match by name; a WATCH entry in force;
 *   a BLACK entry in force in a domain it does not bar; with a look-back window, a bar or a BLACK or
 *   WATCH entry that ended inside it and would count were it in force (never a revoked or repaired
 *   entry).
 * - CLEAR otherwise. Unapproved proposals and measures of undecided cases never count.
 * The RED entry in force of an IDENTIFIER match is the incentive, unless the verdict is BLOCK.
 *
 * @throws RangeError when `domain` is not a review domain of `rules`, a date or timestamp is
 * malformed, `lookbackYears` is not a whole number 0–10, or a measure's case was not given.
 */
export function decide(input: VerdictInput): Verdict {
  const knownAt = input.knownAt ?? new Date().toISOString();
  checkInput(input, knownAt);
  const ctx: Context = {
    domain: input.domain,
    asOf: input.asOf,
    knownAt,
    lookbackYears: input.lookbackYears ?? null,
    rules: input.rules,
    ruleVersion: input.ruleVersion,
  };

  const counted = strongestPerSubject(input.candidates).flatMap((candidate) =>
    [...measureFindings(candidate, ctx), ...listingFindings(candidate, ctx)].flatMap((finding) => {
      const evidence = evidenceOf(finding, candidate, ctx);
      return evidence ? [{ evidence, listing: finding.listing }] : [];
    }),
  );
  const outcome = outcomeOf(counted.map((c) => c.evidence.effect));
  // The green channel is for applicants who may take part at all: a BLOCK drops the red entry.
  const kept = counted.filter(
    (c) => !(outcome === VerdictOutcome.BLOCK && c.evidence.effect === EvidenceEffect.INCENTIVE),
  );
  const evidence = kept.map((c) => c.evidence).sort(compareEvidence);
  const red = kept.flatMap(({ evidence: e, listing }) =>
    e.effect === EvidenceEffect.INCENTIVE && listing ? [{ evidence: e, listing }] : [],
  );

  return {
    outcome,
    domain: ctx.domain,
    asOf: ctx.asOf,
    knownAt,
    lookbackYears: ctx.lookbackYears,
    lookbackFrom: ctx.lookbackYears !== null ? lookbackStart(ctx.asOf, ctx.lookbackYears) : null,
    ruleVersion: ctx.ruleVersion,
    incentive: incentiveOf(red),
    underObjection: evidence.some((e) => e.underObjection),
    evidence,
  };
}
