/**
 * Versioned rule data and the pure rules that read it: no Nest, no I/O. The figures themselves live in
 * the `rule_set` table (seeded by migration 1764300200000, changed by an ADMIN through the API); this file
 * only says what shape they have and how to apply them. See docs/rules.md.
 */

import { chinaDateOf } from '../common/china-date';

export const SEVERITIES = ['MINOR', 'SERIOUS', 'SEVERE', 'ESPECIALLY_SEVERE'] as const;
/** 情节较轻 · 情节较重 · 情节严重 · 情节特别严重 */
export type Severity = (typeof SEVERITIES)[number];

export const MEASURE_TIMINGS = ['NONE', 'DEADLINE', 'PERIOD', 'PERIOD_OR_LIFETIME'] as const;
/**
 * NONE: no dates. DEADLINE: an end date (the rectification deadline), the start optional.
 * PERIOD: start and end date. PERIOD_OR_LIFETIME: start and end date, or a start date and lifetime.
 */
export type MeasureTiming = (typeof MEASURE_TIMINGS)[number];

export const PUBLICITY_CLASSES = ['NOT_PUBLISHED', 'GENERAL', 'SERIOUS'] as const;
/** CR26: how a decision is published, which sets when credit repair may be granted. */
export type PublicityClass = (typeof PUBLICITY_CLASSES)[number];

export type ListKind = 'BLACK' | 'WATCH' | 'RED';

/** Codes of review domains, measure types and severity schemes. */
export const RULE_CODE_PATTERN = /^[A-Z][A-Z0-9_]{1,39}$/;

/** The earliest effective date a rule set may have: nothing the registry holds predates it. */
export const EARLIEST_EFFECTIVE_FROM = '2000-01-01';

export interface ReviewDomainRule {
  code: string;
  /** The Chinese term users see. */
  label: string;
  /** What a bar means in this domain. */
  description: string;
}

export interface MeasureTypeRule {
  code: string;
  label: string;
  timing: MeasureTiming;
  /** A bar keeps the subject out of the review domains the measure names. */
  isBar: boolean;
  /** The domains a bar of this type may name; empty for a measure that is not a bar. */
  allowedDomains: string[];
  /** A measure of this type puts the subject on that list (SERIOUS_DB_ENTRY → BLACK). */
  putsOnList?: 'BLACK';
}

/**
 * The sanction term a severity allows under one scheme: a fixed term of `minMonths` to `maxMonths`
 * months (`maxMonths: null`: no upper limit) and, when `lifetime` is true, a lifetime term as well.
 * `maxMonths: 0` with `lifetime: true` means lifetime only.
 */
export interface SeverityBand {
  scheme: string;
  severity: Severity;
  minMonths: number;
  maxMonths: number | null;
  lifetime: boolean;
}

export interface PublicityPeriod {
  /** Publication before credit repair may be granted. */
  minMonths: number;
  /** Publication stops at the latest after this long. */
  maxMonths: number;
}

export interface PublicityRules {
  severityClass: Record<Severity, PublicityClass>;
  periods: Record<Exclude<PublicityClass, 'NOT_PUBLISHED'>, PublicityPeriod>;
}

/** Procedural time limits (DOMAIN.md "Procedure and time limits"). */
export interface ProcedureRules {
  investigationMonths: number;
  investigationExtensionMonths: number;
  reviewRequestWorkingDays: number;
  reviewDecisionWorkingDays: number;
  appealWorkingDays: number;
}

/** Everything a rule set version holds (the `data` column of `rule_set`). */
export interface RuleData {
  reviewDomains: ReviewDomainRule[];
  measureTypes: MeasureTypeRule[];
  /** The domains a BLACK list entry bars (joint punishment). */
  blackListBarredDomains: string[];
  severityBands: SeverityBand[];
  publicity: PublicityRules;
  /** A RED candidate is published this long before it can be activated. */
  redObjectionPeriodDays: number;
  objectionHandlingWorkingDays: number;
  disclosureMaxYears: number;
  procedure: ProcedureRules;
}

/** One thing wrong with rule data or with a measure: a stable code, a dotted field path, a sentence. */
export interface RuleProblem {
  code: string;
  field: string;
  message: string;
}

// ---------------------------------------------------------------------------------------------------
// Calendar dates: ISO `YYYY-MM-DD` strings, no time of day, no time zone. Arithmetic runs in UTC so
// the host's zone never shifts a date. Years 0001–9999.

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const MS_PER_DAY = 86_400_000;

function utcDate(year: number, monthIndex: number, day: number): Date {
  // setUTCFullYear, unlike Date.UTC, does not map years 0–99 to 1900–1999.
  const d = new Date(0);
  d.setUTCFullYear(year, monthIndex, day);
  return d;
}

function format(d: Date): string {
  const year = d.getUTCFullYear();
  if (year < 1 || year > 9999) throw new RangeError(`the date falls outside the years 0001–9999`);
  return `${String(year).padStart(4, '0')}-${String(d.getUTCMonth() + 1).padStart(2, '0')}-${String(d.getUTCDate()).padStart(2, '0')}`;
}

/** True for a real calendar date written `YYYY-MM-DD` (2026-02-29 is not one). */
export function isIsoDate(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const m = ISO_DATE.exec(value);
  if (!m) return false;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (year < 1 || month < 1 || month > 12 || day < 1) return false;
  return day <= daysInMonth(year, month - 1);
}

function parse(date: string): { year: number; monthIndex: number; day: number } {
  if (!isIsoDate(date)) throw new RangeError(`"${date}" is not a date YYYY-MM-DD`);
  const [year, month, day] = date.split('-').map(Number);
  return { year, monthIndex: month - 1, day };
}

function daysInMonth(year: number, monthIndex: number): number {
  return utcDate(year, monthIndex + 1, 0).getUTCDate();
}

/** `date` plus `days` (negative goes back). */
export function addDays(date: string, days: number): string {
  const { year, monthIndex, day } = parse(date);
  return format(new Date(utcDate(year, monthIndex, day).getTime() + days * MS_PER_DAY));
}

/**
 * `date` plus `months` calendar months; a day the target month lacks becomes its last day
 * (2026-01-31 + 1 month = 2026-02-28).
 */
export function addMonths(date: string, months: number): string {
  const { year, monthIndex, day } = parse(date);
  const first = utcDate(year, monthIndex + months, 1);
  const lastDay = daysInMonth(first.getUTCFullYear(), first.getUTCMonth());
  return format(utcDate(first.getUTCFullYear(), first.getUTCMonth(), Math.min(day, lastDay)));
}

/**
 * Today's calendar date in China at `now`. The registry applies Chinese regulations, so "today" is
 * Beijing's date, whatever zone the host runs in.
 */
export const todayIn = (now: Date = new Date()): string => chinaDateOf(now);

// ---------------------------------------------------------------------------------------------------
// Point-in-time selection.

/**
 * The version in force on `date`: the greatest `effectiveFrom` on or before it, ties broken by the
 * greatest version; undefined when none has started yet.
 */
export function ruleSetInForce<T extends { version: number; effectiveFrom: string }>(
  sets: readonly T[],
  date: string,
): T | undefined {
  let best: T | undefined;
  for (const set of sets) {
    if (set.effectiveFrom > date) continue;
    if (
      !best ||
      set.effectiveFrom > best.effectiveFrom ||
      (set.effectiveFrom === best.effectiveFrom && set.version > best.version)
    ) {
      best = set;
    }
  }
  return best;
}

// ---------------------------------------------------------------------------------------------------
// Cross-checks of rule data. The DTOs (rules.dto.ts) check each value's type and range; these check
// what no single field can: references between lists, uniqueness, orderings.

/**
 * Every inconsistency in well-typed rule data; [] when it is sound. Field paths are relative to the
 * rule data (`measureTypes.3.allowedDomains.0`).
 */
export function validateRuleData(data: RuleData): RuleProblem[] {
  const problems: RuleProblem[] = [];
  const add = (code: string, field: string, message: string) => problems.push({ code, field, message });

  const domains = new Set<string>();
  data.reviewDomains.forEach((d, i) => {
    if (domains.has(d.code))
      add('RULE_CODE_DUPLICATE', `reviewDomains.${i}.code`, `review domain ${d.code} is listed twice`);
    domains.add(d.code);
  });

  const checkDomainList = (list: readonly string[], path: string) => {
    const seen = new Set<string>();
    list.forEach((code, i) => {
      if (!domains.has(code))
        add('RULE_DOMAIN_UNKNOWN', `${path}.${i}`, `${code} is not one of the review domains`);
      else if (seen.has(code)) add('RULE_DOMAIN_DUPLICATE', `${path}.${i}`, `${code} is named twice`);
      seen.add(code);
    });
  };

  const measureCodes = new Set<string>();
  data.measureTypes.forEach((m, i) => {
    const path = `measureTypes.${i}`;
    if (measureCodes.has(m.code))
      add('RULE_CODE_DUPLICATE', `${path}.code`, `measure type ${m.code} is listed twice`);
    measureCodes.add(m.code);
    checkDomainList(m.allowedDomains, `${path}.allowedDomains`);
    if (m.isBar && m.allowedDomains.length === 0)
      add(
        'RULE_BAR_DOMAINS_REQUIRED',
        `${path}.allowedDomains`,
        `bar ${m.code} must allow at least one domain`,
      );
    if (!m.isBar && m.allowedDomains.length > 0)
      add(
        'RULE_DOMAINS_NOT_ALLOWED',
        `${path}.allowedDomains`,
        `${m.code} is not a bar, so it names no domains`,
      );
    if (m.isBar && m.timing === 'NONE')
      add(
        'RULE_BAR_UNTIMED',
        `${path}.timing`,
        `bar ${m.code} must be timed: a bar without dates never ends`,
      );
    if (m.putsOnList && m.timing === 'NONE')
      add('RULE_LISTING_UNTIMED', `${path}.timing`, `${m.code} puts on a list, so it must be timed`);
  });

  checkDomainList(data.blackListBarredDomains, 'blackListBarredDomains');

  const bands = new Set<string>();
  data.severityBands.forEach((b, i) => {
    const path = `severityBands.${i}`;
    const key = `${b.scheme}/${b.severity}`;
    if (bands.has(key))
      add('RULE_BAND_DUPLICATE', `${path}.severity`, `scheme ${b.scheme} has two bands for ${b.severity}`);
    bands.add(key);
    if (b.maxMonths !== null && b.minMonths > b.maxMonths)
      add(
        'RULE_MIN_ABOVE_MAX',
        `${path}.minMonths`,
        `minMonths ${b.minMonths} exceeds maxMonths ${b.maxMonths}`,
      );
    if (b.maxMonths === 0 && !b.lifetime)
      add('RULE_BAND_EMPTY', `${path}.maxMonths`, 'maxMonths 0 admits no term unless lifetime is true');
  });

  for (const cls of ['GENERAL', 'SERIOUS'] as const) {
    const p = data.publicity.periods[cls];
    if (p.minMonths > p.maxMonths)
      add(
        'RULE_MIN_ABOVE_MAX',
        `publicity.periods.${cls}.minMonths`,
        `minMonths ${p.minMonths} exceeds maxMonths ${p.maxMonths}`,
      );
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------------
// Measures.

export interface MeasureInput {
  type: string;
  startDate?: string | null;
  endDate?: string | null;
  lifetime?: boolean | null;
  domains?: readonly string[] | null;
}

export function measureType(rules: RuleData, code: string): MeasureTypeRule | undefined {
  return rules.measureTypes.find((m) => m.code === code);
}

/**
 * Whether a measure fits its type under these rules: dates as its timing requires, the domains a bar
 * names known and allowed. Field paths are relative to the measure (`startDate`, `domains.1`).
 */
export function validateMeasure(rules: RuleData, measure: MeasureInput): RuleProblem[] {
  const type = measureType(rules, measure.type);
  if (!type) {
    return [
      { code: 'MEASURE_TYPE_UNKNOWN', field: 'type', message: `${measure.type} is not a known measure type` },
    ];
  }
  const problems: RuleProblem[] = [];
  const add = (code: string, field: string, message: string) => problems.push({ code, field, message });
  const has = (v: unknown) => v !== undefined && v !== null;
  const lifetime = measure.lifetime === true;

  for (const field of ['startDate', 'endDate'] as const) {
    const value = measure[field];
    if (has(value) && !isIsoDate(value))
      add('MEASURE_DATE_INVALID', field, `${field} must be a date YYYY-MM-DD`);
  }

  switch (type.timing) {
    case 'NONE':
      for (const field of ['startDate', 'endDate'] as const)
        if (has(measure[field])) add('MEASURE_DATES_NOT_ALLOWED', field, `${type.code} takes no dates`);
      if (lifetime) add('MEASURE_DATES_NOT_ALLOWED', 'lifetime', `${type.code} takes no term`);
      break;
    case 'DEADLINE':
      if (lifetime) add('MEASURE_LIFETIME_NOT_ALLOWED', 'lifetime', `${type.code} runs to a deadline`);
      if (!has(measure.endDate))
        add('MEASURE_DATES_REQUIRED', 'endDate', `${type.code} needs its deadline as endDate`);
      break;
    case 'PERIOD':
      if (lifetime) add('MEASURE_LIFETIME_NOT_ALLOWED', 'lifetime', `${type.code} cannot be for life`);
      for (const field of ['startDate', 'endDate'] as const)
        if (!has(measure[field])) add('MEASURE_DATES_REQUIRED', field, `${type.code} needs a ${field}`);
      break;
    case 'PERIOD_OR_LIFETIME':
      if (!has(measure.startDate))
        add('MEASURE_DATES_REQUIRED', 'startDate', `${type.code} needs a startDate`);
      if (lifetime && has(measure.endDate))
        add('MEASURE_DATES_NOT_ALLOWED', 'endDate', 'a lifetime measure has no endDate');
      if (!lifetime && !has(measure.endDate))
        add('MEASURE_DATES_REQUIRED', 'endDate', `${type.code} needs an endDate, or lifetime`);
      break;
  }

  if (
    isIsoDate(measure.startDate) &&
    isIsoDate(measure.endDate) &&
    measure.endDate < measure.startDate &&
    type.timing !== 'NONE'
  ) {
    add('MEASURE_END_BEFORE_START', 'endDate', 'endDate is before startDate');
  }

  const domains = measure.domains ?? [];
  if (type.isBar && domains.length === 0)
    add('MEASURE_DOMAINS_REQUIRED', 'domains', `bar ${type.code} must name the review domains it bars`);
  if (!type.isBar && domains.length > 0)
    add('MEASURE_DOMAINS_NOT_ALLOWED', 'domains', `${type.code} is not a bar, so it names no domains`);
  if (type.isBar) {
    const known = new Set(rules.reviewDomains.map((d) => d.code));
    const seen = new Set<string>();
    domains.forEach((code, i) => {
      if (!known.has(code))
        add('MEASURE_DOMAIN_UNKNOWN', `domains.${i}`, `${code} is not one of the review domains`);
      else if (!type.allowedDomains.includes(code))
        add('MEASURE_DOMAIN_NOT_ALLOWED', `domains.${i}`, `${type.code} may not bar ${code}`);
      else if (seen.has(code)) add('MEASURE_DOMAIN_DUPLICATE', `domains.${i}`, `${code} is named twice`);
      seen.add(code);
    });
  }
  return problems;
}

/** The review domains a list entry bars: BLACK the joint-punishment domains; WATCH and RED none. */
export function barredDomains(rules: RuleData, entry: { list: ListKind }): string[] {
  return entry.list === 'BLACK' ? [...rules.blackListBarredDomains] : [];
}

/**
 * The review domains a measure bars: the domains it names (a bar), plus the joint-punishment domains
 * when its type puts the subject on the black list. A type these rules no longer know still bars the
 * domains recorded on the measure, so dropping a code never silently lifts a bar.
 */
export function measureDomains(
  rules: RuleData,
  measure: { type: string; domains?: readonly string[] | null },
): string[] {
  const type = measureType(rules, measure.type);
  const listed = type?.putsOnList === 'BLACK' ? rules.blackListBarredDomains : [];
  return [...new Set([...(measure.domains ?? []), ...listed])];
}

// ---------------------------------------------------------------------------------------------------
// Severity and publicity.

export function severityBand(rules: RuleData, scheme: string, severity: Severity): SeverityBand | undefined {
  return rules.severityBands.find((b) => b.scheme === scheme && b.severity === severity);
}

/** Whether a sanction term (whole months, or lifetime) fits a band. */
export function termFitsBand(band: SeverityBand, term: { months: number } | { lifetime: true }): boolean {
  if ('lifetime' in term) return band.lifetime;
  if (band.maxMonths === 0) return false;
  return term.months >= band.minMonths && (band.maxMonths === null || term.months <= band.maxMonths);
}

function publicityPeriod(rules: RuleData, severity: Severity): PublicityPeriod | null {
  const cls = rules.publicity.severityClass[severity];
  return cls === 'NOT_PUBLISHED' ? null : rules.publicity.periods[cls];
}

/**
 * CR26: the first date credit repair may be granted (the minimum publicity has run from the decision
 * date); null when a decision of this severity is not published, so no repair is needed.
 */
export function earliestRepairDate(rules: RuleData, severity: Severity, decisionDate: string): string | null {
  const period = publicityPeriod(rules, severity);
  return period ? addMonths(decisionDate, period.minMonths) : null;
}

/** CR26: the date public display must stop at the latest; null when not published at all. */
export function publicationEnd(rules: RuleData, severity: Severity, decisionDate: string): string | null {
  const period = publicityPeriod(rules, severity);
  return period ? addMonths(decisionDate, period.maxMonths) : null;
}

// ---------------------------------------------------------------------------------------------------
// What changed between two versions (for the audit trail).

export interface RuleDataChange {
  /** Dotted path; list items are named by their code (`measureTypes.BAN_FUNDED_ACTIVITY.isBar`). */
  path: string;
  op: 'ADDED' | 'REMOVED' | 'CHANGED';
  before?: unknown;
  after?: unknown;
}

type Tree = { [key: string]: Tree | string | number | boolean | null };

/** Lists keyed by code become maps, lists of codes become sets, so order never counts as a change. */
function toTree(data: RuleData): Tree {
  const keyed = <T>(items: readonly T[], key: (item: T) => string, item: (x: T) => Tree) =>
    Object.fromEntries(items.map((x) => [key(x), item(x)]));
  // A member is an empty object, so adding or removing one reads as ADDED/REMOVED without a value.
  const set = (codes: readonly string[]): Tree => Object.fromEntries(codes.map((c) => [c, {}]));
  const plain = (value: unknown): Tree => JSON.parse(JSON.stringify(value)) as Tree;
  return {
    ...plain(data),
    reviewDomains: keyed(data.reviewDomains, (d) => d.code, plain),
    measureTypes: keyed(
      data.measureTypes,
      (m) => m.code,
      (m) => ({ ...plain(m), allowedDomains: set(m.allowedDomains) }),
    ),
    blackListBarredDomains: set(data.blackListBarredDomains),
    severityBands: keyed(data.severityBands, (b) => `${b.scheme}/${b.severity}`, plain),
  };
}

const isTree = (v: unknown): v is Tree => typeof v === 'object' && v !== null && !Array.isArray(v);

function diffTrees(before: Tree, after: Tree, path: string, out: RuleDataChange[]): void {
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
  for (const key of keys) {
    const p = path ? `${path}.${key}` : key;
    const [b, a] = [before[key], after[key]];
    if (!(key in before)) out.push(isTree(a) ? { path: p, op: 'ADDED' } : { path: p, op: 'ADDED', after: a });
    else if (!(key in after))
      out.push(isTree(b) ? { path: p, op: 'REMOVED' } : { path: p, op: 'REMOVED', before: b });
    else if (isTree(b) && isTree(a)) diffTrees(b, a, p, out);
    else if (JSON.stringify(b) !== JSON.stringify(a))
      out.push({ path: p, op: 'CHANGED', before: b, after: a });
  }
}

/**
 * A compact list of what differs from `before` to `after`: items added or removed by code, leaf values
 * changed with both values. Order within lists is ignored. Without `before`, everything is ADDED.
 */
export function diffRuleData(before: RuleData | undefined, after: RuleData): RuleDataChange[] {
  const out: RuleDataChange[] = [];
  diffTrees(before ? toTree(before) : {}, toTree(after), '', out);
  return out;
}
