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
 * - Look-back ("近三年无科研失信记录"): any misconduct record against the subject (a case naming it)
 *   that was decided counts, as REVIEW, when its decision date or the end of one of its measures
 *   against the subject falls within the window [asOf − N years, asOf], whatever the measures were
 *   (a warning or a criticism notice too) and whatever became of a list entry resting on it: the
 *   decision stands. Red entries are no misconduct record. Without a window it changes nothing.
 * - A match by name (with or without a conflicting identifier) turns BLOCK and REVIEW into REVIEW and
 *   earns no incentive: a person must first confirm the applicant is that subject.
 * - Two clocks (docs/domain.md, "Time"): `asOf` is valid time, `knownAt` recorded time. Only what was
 *   recorded by `knownAt` is known: a case's status and decision date as its latest known event gave
 *   them, the measures recorded by then, each list entry as knownListing reads it.
 */
import { isDecided } from '../cases/case-lifecycle';
import { inForceOn, instant, InForceListing, knownEvents, knownListing } from '../listings/in-force';
import { LIST_TYPE_LABELS, ListingStatus, ListType } from '../listings/listing-lifecycle';
import { addDays, addMonths, barredDomains, isIsoDate, measureType, RuleData } from '../rules/rules';

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

/** What a piece of evidence cites. */
export type EvidenceKind = 'MEASURE' | 'LISTING' | 'CASE';

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
  /** Recorded time: when the registry learned of the measure (ISO timestamp). Absent: always known. */
  recordedAt?: string;
}

/** One recorded step of a case: the status it moved to and the decision date it then stated. */
export interface CaseEvent {
  status: string;
  /** Recorded time (ISO timestamp with a zone). */
  recordedAt: string;
  /** Valid time: the decision's date as this step stated it. */
  decisionDate: string | null;
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
  /**
   * Every recorded step of the case, in any order. The latest known at `knownAt` gives the status and
   * decision date; a case none of whose steps is known is not known at all. Absent: `status` and
   * `decisionDate` are taken as always known.
   */
  history?: readonly CaseEvent[];
}

/** One registry subject that matched the applicant, with its records. */
export interface ScreeningCandidate {
  match: MatchKind;
  subjectId: string;
  subjectName: string;
  maskedIdentifier?: string;
  listings: readonly ScreeningListing[];
  measures: readonly ScreeningMeasure[];
  /** Every case naming the subject, and every case a measure or an entry refers to. */
  cases: readonly ScreeningCase[];
}

/** The facts of one applicant, screened for one domain on one day. */
export interface VerdictInput {
  /** A review domain code of `rules`. */
  domain: string;
  /** Valid time: the day asked about, `YYYY-MM-DD` in China Standard Time. */
  asOf: string;
  /** Recorded time, ISO timestamp with a zone: judge as the registry knew things then. Defaults to now. */
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
  /** CASE: a decided record found by the look-back window. */
  kind: EvidenceKind;
  /** The measure's, the list entry's or the case's id. */
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

/** First day of a look-back window of `years` ending on `asOf`. */
export function lookbackStart(asOf: string, years: number): string {
  return addMonths(asOf, -12 * years);
}

/** Whether a day falls inside the look-back window [asOf − years, asOf]. */
export function withinLookback(date: string | null, asOf: string, lookbackYears: number): boolean {
  return date !== null && date <= asOf && date >= lookbackStart(asOf, lookbackYears);
}

/**
 * A case as the registry knew it at `knownAt` (µs, see instant()): its latest known step's status and decision
 * date, or null when no step of it was recorded by then.
 */
export function knownCase(
  c: ScreeningCase,
  knownAt: number,
): { status: string; decisionDate: string | null } | null {
  if (!c.history) return { status: c.status, decisionDate: c.decisionDate };
  const latest = knownEvents(c.history, knownAt).at(-1);
  return latest ? { status: latest.status, decisionDate: latest.decisionDate } : null;
}

/** Whether a measure had been recorded by `knownAt` (µs, see instant()). */
export function measureKnown(measure: Pick<ScreeningMeasure, 'recordedAt'>, knownAt: number): boolean {
  return measure.recordedAt === undefined || instant(measure.recordedAt, 'measure.recordedAt') <= knownAt;
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
  kind: EvidenceKind;
  recordId: string;
  effect: EvidenceEffect;
  /** False: in force on asOf. True: a decided record inside the look-back window. */
  lookback: boolean;
  period: VerdictPeriod;
  /** The case as it was known at knownAt. */
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
  /** knownAt in µs (instant()). */
  known: number;
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
  instant(knownAt, 'knownAt');
  if (
    lookbackYears !== undefined &&
    !(Number.isInteger(lookbackYears) && lookbackYears >= 0 && lookbackYears <= MAX_LOOKBACK_YEARS)
  ) {
    throw new RangeError(
      `lookbackYears must be a whole number 0–${MAX_LOOKBACK_YEARS}, got ${lookbackYears}`,
    );
  }
}

/**
 * The candidate's cases as known at knownAt, by id: status and decision date from the latest known
 * step; cases not known at all are left out. A measure whose case was not given at all is a gathering
 * error: answering CLEAR for it could let a barred applicant through.
 */
function knownCases(candidate: ScreeningCandidate, ctx: Context): Map<string, ScreeningCase> {
  const cases = new Map<string, ScreeningCase>();
  for (const c of candidate.cases) {
    const known = knownCase(c, ctx.known);
    if (known) cases.set(c.id, { ...c, ...known });
  }
  for (const measure of candidate.measures) {
    if (!candidate.cases.some((c) => c.id === measure.caseId)) {
      throw new RangeError(`measure ${measure.id} refers to case ${measure.caseId}, which was not given`);
    }
    for (const date of [measure.startDate, measure.endDate]) {
      if (date !== null && !isIsoDate(date)) {
        throw new RangeError(
          `measure ${measure.id} has a date that is not YYYY-MM-DD: ${JSON.stringify(date)}`,
        );
      }
    }
  }
  return cases;
}

/** The candidate's measures known at knownAt whose case was decided as then known. */
function decidedMeasures(candidate: ScreeningCandidate, cases: Map<string, ScreeningCase>, ctx: Context) {
  return candidate.measures.flatMap((measure) => {
    const c = cases.get(measure.caseId);
    return c && isDecided(c.status) && measureKnown(measure, ctx.known) ? [{ measure, c }] : [];
  });
}

function measureFindings(candidate: ScreeningCandidate, cases: Map<string, ScreeningCase>, ctx: Context) {
  const findings: Finding[] = [];
  for (const { measure, c } of decidedMeasures(candidate, cases, ctx)) {
    if (!isBarMeasure(ctx.rules, measure) || !measure.domains.includes(ctx.domain)) continue;
    const period = measurePeriod(measure, c.decisionDate);
    if (!periodCovers(period, ctx.asOf)) continue;
    findings.push({
      kind: 'MEASURE',
      recordId: measure.id,
      effect: EvidenceEffect.BLOCK,
      lookback: false,
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

function listingFindings(candidate: ScreeningCandidate, cases: Map<string, ScreeningCase>, ctx: Context) {
  const findings: Finding[] = [];
  for (const listing of candidate.listings) {
    const known = knownListing(listing, ctx.knownAt);
    if (!inForceOn(known, ctx.asOf).inForce) continue;
    // The term as known then: its period, cut short by an ending act already known to be coming.
    const { period, termination } = known;
    const lastDay = termination ? addDays(termination.from, -1) : null;
    const to = lastDay !== null && (period.to === null || lastDay < period.to) ? lastDay : period.to;
    const term: VerdictPeriod = { from: period.from, to, lifetime: false };
    const c = listing.caseId !== null ? cases.get(listing.caseId) : undefined;
    const { effect, consequence } = listingEffect(listing.listType, ctx);
    const list = `the ${listing.listType.toLowerCase()} list (${LIST_TYPE_LABELS[listing.listType]})`;
    findings.push({
      kind: 'LISTING',
      recordId: listing.id,
      effect,
      lookback: false,
      period: term,
      case: c,
      listing,
      predicate: `on ${list} ${termPhrase(term)}${listingBasis(listing, c)}`,
      consequence,
    });
  }
  return findings;
}

/**
 * With a look-back window: each decided case against the subject whose decision date, or the end of
 * one of its measures against the subject, falls inside it; a case already cited by a record in force
 * adds nothing.
 */
function lookbackFindings(
  candidate: ScreeningCandidate,
  cases: Map<string, ScreeningCase>,
  cited: ReadonlySet<string>,
  ctx: Context,
): Finding[] {
  const years = ctx.lookbackYears;
  if (years === null) return [];
  const measures = decidedMeasures(candidate, cases, ctx);
  const findings: Finding[] = [];
  for (const c of cases.values()) {
    if (!isDecided(c.status) || cited.has(c.id)) continue;
    const ends = measures.flatMap(({ measure, c: of }) =>
      of.id === c.id ? [measurePeriod(measure, c.decisionDate).to] : [],
    );
    const inside = [c.decisionDate, ...ends].filter((d) => withinLookback(d, ctx.asOf, years));
    if (inside.length === 0) continue;
    const last = inside.reduce((a, b) => (b! > a! ? b : a))!;
    findings.push({
      kind: 'CASE',
      recordId: c.id,
      effect: EvidenceEffect.REVIEW,
      lookback: true,
      period: { from: c.decisionDate, to: last, lifetime: false },
      case: c,
      predicate: `found to have committed ${c.misconductTypes.join(', ')} in ${decisionPhrase(c)}${
        last !== c.decisionDate ? `, with a measure that ran until ${last}` : ''
      }`,
      consequence: '',
    });
  }
  return findings;
}

function reasonFor(finding: Finding, candidate: ScreeningCandidate, ctx: Context): string {
  const tail =
    finding.lookback && ctx.lookbackYears !== null
      ? `, inside the ${ctx.lookbackYears}-year look-back window starting ${lookbackStart(ctx.asOf, ctx.lookbackYears)}`
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
 *   a BLACK entry in force in a domain it does not bar; with a look-back window, a decided case
 *   against the subject whose decision date or measure end falls inside it.
 * - CLEAR otherwise. Unapproved proposals and measures of undecided cases never count, nor anything
 *   recorded after `knownAt`.
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
    known: instant(knownAt, 'knownAt'),
    lookbackYears: input.lookbackYears ?? null,
    rules: input.rules,
    ruleVersion: input.ruleVersion,
  };

  const counted = strongestPerSubject(input.candidates).flatMap((candidate) => {
    const cases = knownCases(candidate, ctx);
    const inForce = [...measureFindings(candidate, cases, ctx), ...listingFindings(candidate, cases, ctx)];
    const cited = new Set(inForce.flatMap((f) => (f.case ? [f.case.id] : [])));
    return [...inForce, ...lookbackFindings(candidate, cases, cited, ctx)].flatMap((finding) => {
      const evidence = evidenceOf(finding, candidate, ctx);
      return evidence ? [{ evidence, listing: finding.listing }] : [];
    });
  });
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
