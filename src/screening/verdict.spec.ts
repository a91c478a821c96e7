import fc from 'fast-check';
import { isDecided } from '../cases/case-lifecycle';
import { addDays, addMonths, RuleData } from '../rules/rules';
import { instant } from '../listings/in-force';
import {
  decide,
  effectForMatch,
  EvidenceEffect,
  EvidenceKind,
  isBarMeasure,
  knownCase,
  lookbackStart,
  MATCH_KINDS,
  MatchKind,
  measureKnown,
  measurePeriod,
  outcomeOf,
  periodCovers,
  ScreeningCandidate,
  ScreeningCase,
  VERDICT_OUTCOME_LABELS,
  VERDICT_OUTCOMES,
  VerdictInput,
  VerdictOutcome,
  withinLookback,
} from './verdict';
import {
  at,
  bar,
  buildListing,
  candidate,
  correction,
  decidedCase,
  ending,
  entry,
  ev,
  inputArb,
  knownAtOf,
  LATER,
  listingArb,
  rulesV1,
  step,
  verdictInput,
  withEvents,
} from './verdict.fixtures';

const rulesWith = (change: (rules: RuleData) => void): RuleData => {
  const rules = rulesV1();
  change(rules);
  return rules;
};
const one = (over: Partial<ScreeningCandidate>, input: Partial<VerdictInput> = {}): VerdictInput =>
  verdictInput({ candidates: [candidate(over)], ...input });

/**
 * An older case, decided 2021-06-30: outside a 3-year window from 2025-06-01 (it starts 2022-06-01).
 * Its bar ended on 2023-06-30, inside a 3-year window but not a 1-year one.
 */
const oldCase = decidedCase({
  id: 'case-old',
  decisionNumber: '国科金监处〔2021〕7号',
  decisionDate: '2021-06-30',
});
const endedBar = bar({
  id: 'measure-old',
  caseId: 'case-old',
  startDate: '2021-07-01',
  endDate: '2023-06-30',
});
/** The older case and its ended bar, nothing else. */
const withEndedBar = (over: Partial<ScreeningCandidate> = {}): Partial<ScreeningCandidate> => ({
  cases: [oldCase],
  measures: [endedBar],
  ...over,
});
/** An entry on the older case (RED: a designation) that ran 2021-07-01 to 2023-06-30 and was marked EXPIRED. */
const ended = (listType: 'BLACK' | 'WATCH' | 'RED') =>
  withEvents(
    entry(listType, {
      effectiveFrom: '2021-07-01',
      effectiveTo: '2023-06-30',
      history: [ev('PROPOSED', at('2021-06-30')), ev('ACTIVE', at('2021-07-01'))],
      caseId: listType === 'RED' ? null : 'case-old',
    }),
    ending('EXPIRED', at('2023-07-01', '00:10'), '2023-07-01'),
  );
/** A case decided on `decisionDate` with a single measure of `type` (no bar), nothing else. */
const caseWith = (id: string, decisionDate: string, type = 'WARNING'): Partial<ScreeningCandidate> => ({
  cases: [decidedCase({ id, decisionNumber: `${id}号`, decisionDate })],
  measures: [bar({ id: `${id}-measure`, caseId: id, type, startDate: null, endDate: null, domains: [] })],
});

describe('decide: the verdict table', () => {
  interface Expected {
    outcome: VerdictOutcome;
    /** The effects of the evidence, in order. */
    effects: EvidenceEffect[];
    /** The kind and record id of each piece of evidence, in order, when the row is about which. */
    records?: string[];
    /** The listing id of the incentive; null when none. */
    incentive?: string | null;
    underObjection?: boolean;
  }
  type Row = [string, VerdictInput, Expected];
  const BLOCK: Expected = { outcome: 'BLOCK', effects: ['BLOCK'] };
  const REVIEW: Expected = { outcome: 'REVIEW', effects: ['REVIEW'] };
  const CLEAR: Expected = { outcome: 'CLEAR', effects: [] };
  /** REVIEW through the look-back, citing case `id` and nothing else. */
  const LOOKBACK = (id: string): Expected => ({ ...REVIEW, records: [`CASE ${id}`] });

  const table: Row[] = [
    ['nobody matched', verdictInput(), CLEAR],

    // Bars.
    ['identifier match under a bar covering the domain', one({ measures: [bar()] }), BLOCK],
    ['a bar on its first day', one({ measures: [bar()] }, { asOf: '2024-07-01' }), BLOCK],
    ['a bar on its last day (inclusive)', one({ measures: [bar()] }, { asOf: '2028-06-30' }), BLOCK],
    ['a bar the day before it starts', one({ measures: [bar()] }, { asOf: '2024-06-30' }), CLEAR],
    ['a bar the day after it ends', one({ measures: [bar()] }, { asOf: '2028-07-01' }), CLEAR],
    ['a bar on another domain', one({ measures: [bar()] }, { domain: 'AWARD' }), CLEAR],
    [
      'a lifetime bar decades on',
      one({ measures: [bar({ endDate: null, lifetime: true })] }, { asOf: '2060-01-01' }),
      BLOCK,
    ],
    [
      'a bar naming several domains, one of them screened',
      one(
        { measures: [bar({ type: 'BAN_NOMINATOR_REVIEWER', domains: ['AWARD', 'REVIEWER_SELECTION'] })] },
        { domain: 'REVIEWER_SELECTION' },
      ),
      BLOCK,
    ],
    [
      'a deadline without a start runs from the decision (2024-06-30)',
      one({ measures: [bar({ type: 'SUSPEND_AND_RECTIFY', startDate: null, endDate: '2025-12-31' })] }),
      BLOCK,
    ],
    [
      'a deadline without a start, before the decision',
      one(
        { measures: [bar({ type: 'SUSPEND_AND_RECTIFY', startDate: null, endDate: '2025-12-31' })] },
        { asOf: '2024-06-29' },
      ),
      CLEAR,
    ],
    [
      'a bar whose case is under review (复查 does not suspend it)',
      one({ measures: [bar()], cases: [decidedCase({ status: 'REVIEW_REQUESTED' })] }),
      BLOCK,
    ],
    [
      'a bar whose case is final',
      one({ measures: [bar()], cases: [decidedCase({ status: 'FINAL' })] }),
      BLOCK,
    ],
    [
      'a measure of an undecided case (INVESTIGATING)',
      one({ measures: [bar()], cases: [decidedCase({ status: 'INVESTIGATING' })] }),
      CLEAR,
    ],
    [
      'a measure of a dismissed case',
      one({ measures: [bar()], cases: [decidedCase({ status: 'DISMISSED' })] }),
      CLEAR,
    ],
    [
      'a measure that is no bar (WARNING)',
      one({ measures: [bar({ type: 'WARNING', startDate: null, endDate: null, domains: [] })] }),
      CLEAR,
    ],
    [
      'a SERIOUS_DB_ENTRY measure counts only through its BLACK entry',
      one({ measures: [bar({ type: 'SERIOUS_DB_ENTRY', domains: [] })] }),
      CLEAR,
    ],
    [
      'a bar of a type the rules no longer know still bars the domains it names',
      one(
        { measures: [bar()] },
        {
          rules: rulesWith((r) => {
            r.measureTypes = r.measureTypes.filter((m) => m.code !== 'BAN_FUNDED_ACTIVITY');
          }),
        },
      ),
      BLOCK,
    ],
    [
      'a type the rules have made no bar',
      one(
        { measures: [bar()] },
        {
          rules: rulesWith((r) => {
            const type = r.measureTypes.find((m) => m.code === 'BAN_FUNDED_ACTIVITY')!;
            type.isBar = false;
            type.allowedDomains = [];
          }),
        },
      ),
      CLEAR,
    ],

    // Cases and measures as known at knownAt.
    [
      'a bar recorded after knownAt does not exist yet',
      one({ measures: [bar({ recordedAt: at('2025-05-01') })] }, { knownAt: '2025-04-30T00:00:00Z' }),
      CLEAR,
    ],
    [
      'a bar recorded exactly at knownAt is known',
      one({ measures: [bar({ recordedAt: '2025-05-01T02:00:00Z' })] }, { knownAt: '2025-05-01T02:00:00Z' }),
      BLOCK,
    ],
    [
      'a bar recorded after asOf but known: it applied on asOf all the same',
      one({ measures: [bar({ recordedAt: at('2025-09-01') })] }),
      BLOCK,
    ],
    [
      'a bar of a case whose decision was recorded after knownAt (INVESTIGATING then)',
      one(
        {
          measures: [bar()],
          cases: [
            decidedCase({
              history: [
                step('INVESTIGATING', at('2024-03-01')),
                step('DECIDED', at('2024-07-05'), '2024-06-30'),
              ],
            }),
          ],
        },
        { asOf: '2024-07-02', knownAt: '2024-07-04T00:00:00Z' },
      ),
      CLEAR,
    ],
    [
      'the same bar once the decision is known',
      one(
        {
          measures: [bar()],
          cases: [
            decidedCase({
              history: [
                step('INVESTIGATING', at('2024-03-01')),
                step('DECIDED', at('2024-07-05'), '2024-06-30'),
              ],
            }),
          ],
        },
        { asOf: '2024-07-02' },
      ),
      BLOCK,
    ],
    [
      'a bar of a case none of whose steps is known',
      one(
        {
          measures: [bar()],
          cases: [decidedCase({ history: [step('DECIDED', at('2025-03-01'), '2024-06-30')] })],
        },
        { knownAt: '2025-02-01T00:00:00Z' },
      ),
      CLEAR,
    ],
    [
      'a case dismissed as known at knownAt: the stored DECIDED status does not count',
      one(
        { measures: [bar()], cases: [decidedCase({ history: [step('DISMISSED', at('2024-06-30'))] })] },
        { lookbackYears: 3 },
      ),
      CLEAR,
    ],
    [
      'a deadline without a start runs from the decision date as re-decided and known',
      one({
        measures: [bar({ type: 'SUSPEND_AND_RECTIFY', startDate: null, endDate: '2025-12-31' })],
        cases: [
          decidedCase({
            history: [
              step('DECIDED', at('2024-06-30'), '2024-06-30'),
              step('REVIEW_REQUESTED', at('2024-08-01'), '2024-06-30'),
              step('DECIDED', at('2025-07-10'), '2025-07-01'),
            ],
          }),
        ],
      }),
      CLEAR,
    ],
    [
      'the same deadline asked before the re-decision was recorded: from the first decision',
      one(
        {
          measures: [bar({ type: 'SUSPEND_AND_RECTIFY', startDate: null, endDate: '2025-12-31' })],
          cases: [
            decidedCase({
              history: [
                step('DECIDED', at('2024-06-30'), '2024-06-30'),
                step('REVIEW_REQUESTED', at('2024-08-01'), '2024-06-30'),
                step('DECIDED', at('2025-07-10'), '2025-07-01'),
              ],
            }),
          ],
        },
        { knownAt: '2025-07-01T00:00:00Z' },
      ),
      BLOCK,
    ],

    // Black and watch lists.
    ['BLACK in force for a joint-punishment domain', one({ listings: [entry('BLACK')] }), BLOCK],
    ['BLACK in force, screening AWARD', one({ listings: [entry('BLACK')] }, { domain: 'AWARD' }), BLOCK],
    [
      'BLACK in force for a domain removed from blackListBarredDomains: not blocked, warns',
      one(
        { listings: [entry('BLACK')] },
        {
          rules: rulesWith((r) => {
            r.blackListBarredDomains = r.blackListBarredDomains.filter((d) => d !== 'PROJECT_FUNDING');
          }),
        },
      ),
      REVIEW,
    ],
    ['BLACK before its period', one({ listings: [entry('BLACK')] }, { asOf: '2024-06-30' }), CLEAR],
    ['WATCH in force warns', one({ listings: [entry('WATCH')] }), REVIEW],
    [
      'WATCH in force beside a bar',
      one({ listings: [entry('WATCH')], measures: [bar()] }),
      { outcome: 'BLOCK', effects: ['BLOCK', 'REVIEW'] },
    ],

    // Matches by name.
    [
      'possible name match with a BLACK entry: REVIEW, not BLOCK',
      one({ match: 'NAME_ORGANISATION', maskedIdentifier: undefined, listings: [entry('BLACK')] }),
      REVIEW,
    ],
    ['possible name match with a bar', one({ match: 'NAME_ORGANISATION', measures: [bar()] }), REVIEW],
    [
      'possible name match with a WATCH entry',
      one({ match: 'NAME_ORGANISATION', listings: [entry('WATCH')] }),
      REVIEW,
    ],
    [
      'possible name match with a RED entry earns nothing',
      one({ match: 'NAME_ORGANISATION', listings: [entry('RED')] }),
      { ...CLEAR, incentive: null },
    ],
    [
      'conflicting identifier with a bar',
      one({ match: 'NAME_CONFLICTING_IDENTIFIER', measures: [bar()] }),
      REVIEW,
    ],
    [
      'conflicting identifier with a BLACK entry',
      one({ match: 'NAME_CONFLICTING_IDENTIFIER', listings: [entry('BLACK')] }),
      REVIEW,
    ],
    [
      'conflicting identifier with a RED entry earns nothing',
      one({ match: 'NAME_CONFLICTING_IDENTIFIER', listings: [entry('RED')] }),
      { ...CLEAR, incentive: null },
    ],
    [
      'the same subject found twice keeps its identifier match',
      verdictInput({
        candidates: [
          candidate({ match: 'NAME_ORGANISATION', measures: [bar()] }),
          candidate({ measures: [bar()] }),
        ],
      }),
      BLOCK,
    ],

    // Look-back: decided cases whose decision date or a measure's end lies in [asOf − N years, asOf].
    ['an ended bar without a look-back window', one(withEndedBar()), CLEAR],
    [
      'a case whose bar ended inside a 3-year look-back',
      one(withEndedBar(), { lookbackYears: 3 }),
      LOOKBACK('case-old'),
    ],
    ['the same case outside a 1-year look-back', one(withEndedBar(), { lookbackYears: 1 }), CLEAR],
    [
      'a case decided inside the window whose measures ended before it',
      one(withEndedBar({ cases: [{ ...oldCase, decisionDate: '2024-06-30' }] }), { lookbackYears: 1 }),
      LOOKBACK('case-old'),
    ],
    ['a 0-year look-back holds only asOf: an older case', one(withEndedBar(), { lookbackYears: 0 }), CLEAR],
    [
      'a 0-year look-back holds only asOf: a case decided on asOf',
      one(caseWith('case-w', '2025-06-01'), { lookbackYears: 0 }),
      LOOKBACK('case-w'),
    ],
    [
      'a bar that ended the day before asOf, 1-year look-back',
      one(withEndedBar({ measures: [{ ...endedBar, endDate: '2025-05-31' }] }), { lookbackYears: 1 }),
      LOOKBACK('case-old'),
    ],
    [
      'a bar that ended on the first day of the window',
      one(withEndedBar({ measures: [{ ...endedBar, endDate: '2022-06-01' }] }), { lookbackYears: 3 }),
      LOOKBACK('case-old'),
    ],
    [
      'a bar that ended the day before the window',
      one(withEndedBar({ measures: [{ ...endedBar, endDate: '2022-05-31' }] }), { lookbackYears: 3 }),
      CLEAR,
    ],
    [
      'a bar ending after asOf on another domain: its case counts by its decision date',
      one({ measures: [bar()] }, { lookbackYears: 3, domain: 'AWARD' }),
      LOOKBACK('case-1'),
    ],
    [
      'a bar ending after asOf on another domain, its decision outside the window: nothing',
      one(withEndedBar({ measures: [{ ...endedBar, endDate: '2028-06-30' }] }), {
        lookbackYears: 3,
        domain: 'AWARD',
      }),
      CLEAR,
    ],
    [
      'an ended bar on another domain: the case is the record, whatever the domain',
      one(withEndedBar(), { lookbackYears: 3, domain: 'AWARD' }),
      LOOKBACK('case-old'),
    ],
    [
      'a case with a WARNING only, decided inside the window',
      one(caseWith('case-w', '2024-02-01'), { lookbackYears: 3 }),
      LOOKBACK('case-w'),
    ],
    [
      'a case with a CRITICISM_NOTICE only, decided inside the window',
      one(caseWith('case-w', '2024-02-01', 'CRITICISM_NOTICE'), { lookbackYears: 3 }),
      LOOKBACK('case-w'),
    ],
    [
      'a case decided without any measure, inside the window',
      one({ cases: [decidedCase({ id: 'case-w' })] }, { lookbackYears: 3 }),
      LOOKBACK('case-w'),
    ],
    [
      'a case decided the day after asOf does not count',
      one(caseWith('case-w', '2025-06-02'), { lookbackYears: 3 }),
      CLEAR,
    ],
    [
      'a case decided on the first day of the window',
      one(caseWith('case-w', '2022-06-01'), { lookbackYears: 3 }),
      LOOKBACK('case-w'),
    ],
    [
      'a case decided the day before the window',
      one(caseWith('case-w', '2022-05-31'), { lookbackYears: 3 }),
      CLEAR,
    ],
    [
      'an undecided case inside the window',
      one(withEndedBar({ cases: [{ ...oldCase, status: 'ACCEPTED' }] }), { lookbackYears: 3 }),
      CLEAR,
    ],
    [
      'a dismissed case inside the window',
      one(
        { cases: [decidedCase({ id: 'case-w', status: 'DISMISSED', decisionNumber: null })] },
        { lookbackYears: 3 },
      ),
      CLEAR,
    ],
    [
      'a case under review (REVIEW_REQUESTED) is decided',
      one(withEndedBar({ cases: [{ ...oldCase, status: 'REVIEW_REQUESTED' }] }), { lookbackYears: 3 }),
      LOOKBACK('case-old'),
    ],
    [
      'a case decided inside the window but recorded after knownAt',
      one(
        {
          cases: [decidedCase({ id: 'case-w', history: [step('DECIDED', at('2025-06-10'), '2024-06-30')] })],
        },
        { lookbackYears: 3, knownAt: '2025-06-05T00:00:00Z' },
      ),
      CLEAR,
    ],
    [
      'the same case asked once it is recorded, for an asOf before it was recorded',
      one(
        {
          cases: [decidedCase({ id: 'case-w', history: [step('DECIDED', at('2025-06-10'), '2024-06-30')] })],
        },
        { lookbackYears: 3 },
      ),
      LOOKBACK('case-w'),
    ],
    [
      'a case whose only measure inside the window was recorded after knownAt',
      one(withEndedBar({ measures: [{ ...endedBar, recordedAt: at('2025-01-01') }] }), {
        lookbackYears: 3,
        knownAt: '2024-12-31T00:00:00Z',
      }),
      CLEAR,
    ],
    [
      'a case re-decided with a date inside the window, known',
      one(
        withEndedBar({
          measures: [],
          cases: [
            {
              ...oldCase,
              history: [
                step('DECIDED', at('2021-06-30'), '2021-06-30'),
                step('REVIEW_REQUESTED', at('2021-07-15'), '2021-06-30'),
                step('DECIDED', at('2022-09-01'), '2022-08-30'),
              ],
            },
          ],
        }),
        { lookbackYears: 3 },
      ),
      LOOKBACK('case-old'),
    ],
    [
      'the same case asked before the re-decision was recorded',
      one(
        withEndedBar({
          measures: [],
          cases: [
            {
              ...oldCase,
              history: [
                step('DECIDED', at('2021-06-30'), '2021-06-30'),
                step('REVIEW_REQUESTED', at('2021-07-15'), '2021-06-30'),
                step('DECIDED', at('2022-09-01'), '2022-08-30'),
              ],
            },
          ],
        }),
        { lookbackYears: 3, knownAt: '2022-08-31T00:00:00Z' },
      ),
      CLEAR,
    ],
    [
      'an ended bar of a possible match inside the window',
      one(withEndedBar({ match: 'NAME_ORGANISATION' }), { lookbackYears: 3 }),
      LOOKBACK('case-old'),
    ],
    [
      'a lifetime bar in force: its case, inside the window, adds nothing',
      one({ measures: [bar({ endDate: null, lifetime: true })] }, { lookbackYears: 3 }),
      { ...BLOCK, records: ['MEASURE measure-1'] },
    ],
    [
      'a bar in force: its case, with another measure ended inside the window, adds nothing',
      one(
        { measures: [bar(), bar({ id: 'measure-2', type: 'WARNING', endDate: '2024-12-31', domains: [] })] },
        { lookbackYears: 3 },
      ),
      { ...BLOCK, records: ['MEASURE measure-1'] },
    ],
    [
      'a bar in force, for a possible match: its case adds nothing',
      one({ match: 'NAME_ORGANISATION', measures: [bar()] }, { lookbackYears: 3 }),
      { ...REVIEW, records: ['MEASURE measure-1'] },
    ],
    [
      'a BLACK entry in force: its case adds nothing',
      one({ listings: [entry('BLACK')] }, { lookbackYears: 3 }),
      { ...BLOCK, records: ['LISTING black-1'] },
    ],
    [
      'a WATCH entry in force: its case adds nothing',
      one({ listings: [entry('WATCH')] }, { lookbackYears: 3 }),
      { ...REVIEW, records: ['LISTING watch-1'] },
    ],
    [
      'an expired BLACK entry is no record of its own: its case decided outside the window gives nothing',
      one({ cases: [oldCase], listings: [ended('BLACK')] }, { lookbackYears: 3 }),
      CLEAR,
    ],
    [
      'an expired BLACK entry whose case was decided inside the window',
      one(
        { cases: [{ ...oldCase, decisionDate: '2023-01-15' }], listings: [ended('BLACK')] },
        { lookbackYears: 3 },
      ),
      LOOKBACK('case-old'),
    ],
    [
      'an expired WATCH entry whose case had a measure ending inside the window',
      one(withEndedBar({ listings: [ended('WATCH')] }), { lookbackYears: 3 }),
      LOOKBACK('case-old'),
    ],
    [
      'an expired RED entry is no misconduct record',
      one({ cases: [], listings: [ended('RED')] }, { lookbackYears: 3 }),
      { ...CLEAR, incentive: null },
    ],
    [
      'a RED entry in force gives no look-back record',
      one({ cases: [], listings: [entry('RED')] }, { lookbackYears: 3 }),
      { outcome: 'CLEAR', effects: ['INCENTIVE'], records: ['LISTING red-1'], incentive: 'red-1' },
    ],
    [
      'a case inside the window beside a bar in force of another case',
      one(
        {
          cases: [decidedCase(), oldCase],
          measures: [bar({ id: 'measure-2', startDate: '2025-01-01' }), endedBar],
        },
        { lookbackYears: 3 },
      ),
      { outcome: 'BLOCK', effects: ['BLOCK', 'REVIEW'], records: ['MEASURE measure-2', 'CASE case-old'] },
    ],
    [
      'a case whose BLACK entry was revoked still counts: the decision stands',
      one(
        { listings: [withEvents(entry('BLACK'), ending('REVOKED', at('2025-03-01'), '2025-03-01'))] },
        { lookbackYears: 3 },
      ),
      LOOKBACK('case-1'),
    ],

    // Ending acts take effect on their own date (valid time): the entry counts up to the day before.
    [
      'BLACK repaired from before asOf',
      one({ listings: [withEvents(entry('BLACK'), ending('REPAIRED', at('2025-03-01'), '2025-03-01'))] }),
      CLEAR,
    ],
    [
      'BLACK repaired from asOf itself',
      one({ listings: [withEvents(entry('BLACK'), ending('REPAIRED', at('2025-05-20'), '2025-06-01'))] }),
      CLEAR,
    ],
    [
      'BLACK repaired from the day after asOf',
      one({ listings: [withEvents(entry('BLACK'), ending('REPAIRED', at('2025-05-20'), '2025-06-02'))] }),
      BLOCK,
    ],
    [
      'BLACK repaired after asOf (history known later) counts for that asOf',
      one({ listings: [withEvents(entry('BLACK'), ending('REPAIRED', at('2025-09-01'), '2025-09-01'))] }),
      BLOCK,
    ],
    [
      'BLACK repaired after asOf, asked before the repair was recorded',
      one(
        { listings: [withEvents(entry('BLACK'), ending('REPAIRED', at('2025-09-01'), '2025-09-01'))] },
        { knownAt: '2025-08-01T00:00:00Z' },
      ),
      BLOCK,
    ],
    [
      'BLACK repaired with a backdated date, once recorded',
      one({ listings: [withEvents(entry('BLACK'), ending('REPAIRED', at('2025-09-01'), '2025-03-01'))] }),
      CLEAR,
    ],
    [
      'BLACK repaired with a backdated date, asked before it was recorded',
      one(
        { listings: [withEvents(entry('BLACK'), ending('REPAIRED', at('2025-09-01'), '2025-03-01'))] },
        { knownAt: '2025-08-31T00:00:00Z' },
      ),
      BLOCK,
    ],
    [
      'BLACK revoked from before asOf',
      one({ listings: [withEvents(entry('BLACK'), ending('REVOKED', at('2025-03-01'), '2025-03-01'))] }),
      CLEAR,
    ],
    [
      'BLACK revocation recorded before asOf, future-dated after it: still counts on asOf',
      one({ listings: [withEvents(entry('BLACK'), ending('REVOKED', at('2025-03-01'), '2025-07-01'))] }),
      BLOCK,
    ],
    [
      'BLACK revoked after asOf (history known later) counts for that asOf',
      one({ listings: [withEvents(entry('BLACK'), ending('REVOKED', at('2025-09-01'), '2025-09-01'))] }),
      BLOCK,
    ],
    [
      'BLACK revoked from its first day: counts on no day',
      one({ listings: [withEvents(entry('BLACK'), ending('REVOKED', at('2025-09-01'), '2024-07-01'))] }),
      CLEAR,
    ],
    [
      'BLACK revocation corrected to a later date (the latest of a kind supersedes)',
      one({
        listings: [
          withEvents(
            entry('BLACK'),
            ending('REVOKED', at('2025-03-01'), '2025-03-01'),
            ending('REVOKED', at('2025-04-01'), '2025-07-01'),
          ),
        ],
      }),
      BLOCK,
    ],
    [
      'an old revocation without a date takes effect on the Beijing day recorded: that day',
      one({ listings: [withEvents(entry('BLACK'), ev('REVOKED', at('2025-06-01', '07:00')))] }),
      CLEAR,
    ],
    [
      'an old revocation without a date recorded 00:30 Beijing time the day after asOf (16:30 UTC on asOf)',
      one({ listings: [withEvents(entry('BLACK'), ev('REVOKED', '2025-06-01T16:30:00Z'))] }),
      BLOCK,
    ],
    [
      'WATCH revoked from before asOf',
      one({ listings: [withEvents(entry('WATCH'), ending('REVOKED', at('2025-03-01'), '2025-03-01'))] }),
      CLEAR,
    ],

    // Corrections are new versions.
    [
      'BLACK whose end was corrected to before asOf',
      one({
        listings: [withEvents(entry('BLACK'), correction(at('2025-02-01'), '2024-07-01', '2025-05-31'))],
      }),
      CLEAR,
    ],
    [
      'the same, asked before the correction was recorded',
      one(
        { listings: [withEvents(entry('BLACK'), correction(at('2025-02-01'), '2024-07-01', '2025-05-31'))] },
        { knownAt: '2025-01-31T00:00:00Z' },
      ),
      BLOCK,
    ],
    [
      'BLACK whose end was corrected to after asOf',
      one(
        { listings: [withEvents(entry('BLACK'), correction(at('2025-02-01'), '2024-07-01', '2030-06-30'))] },
        { asOf: '2028-01-01' },
      ),
      BLOCK,
    ],
    [
      'BLACK whose start was corrected to after asOf',
      one({
        listings: [withEvents(entry('BLACK'), correction(at('2025-02-01'), '2025-07-01', '2028-06-30'))],
      }),
      CLEAR,
    ],

    // Proposals and approvals: an entry counts once its approval is known, for its whole period.
    [
      'a BLACK proposal only',
      one({
        listings: [entry('BLACK', { status: 'PROPOSED', history: [ev('PROPOSED', at('2024-06-30'))] })],
      }),
      CLEAR,
    ],
    [
      'a rejected BLACK proposal',
      one({
        listings: [
          entry('BLACK', {
            status: 'REJECTED',
            history: [ev('PROPOSED', at('2024-06-30')), ev('REJECTED', at('2024-07-02'))],
          }),
        ],
      }),
      CLEAR,
    ],
    [
      'a BLACK entry approved after knownAt',
      one(
        {
          listings: [
            entry('BLACK', { history: [ev('PROPOSED', at('2024-06-30')), ev('ACTIVE', at('2025-03-01'))] }),
          ],
        },
        { knownAt: '2025-02-01T00:00:00Z' },
      ),
      CLEAR,
    ],
    [
      'a BLACK entry approved after asOf, known: it bars on asOf, a day of its period',
      one({
        listings: [
          entry('BLACK', { history: [ev('PROPOSED', at('2024-06-30')), ev('ACTIVE', at('2025-09-01'))] }),
        ],
      }),
      BLOCK,
    ],
    [
      'a BLACK entry approved after asOf, asked before the approval was recorded',
      one(
        {
          listings: [
            entry('BLACK', { history: [ev('PROPOSED', at('2024-06-30')), ev('ACTIVE', at('2025-09-01'))] }),
          ],
        },
        { knownAt: '2025-08-31T00:00:00Z' },
      ),
      CLEAR,
    ],
    [
      'a RED proposal earns nothing',
      one({ listings: [entry('RED', { status: 'PROPOSED', history: [ev('PROPOSED', at('2024-06-30'))] })] }),
      { ...CLEAR, incentive: null },
    ],

    // The red list.
    [
      'RED in force: CLEAR with the incentive',
      one({ listings: [entry('RED')] }),
      {
        outcome: 'CLEAR',
        effects: ['INCENTIVE'],
        incentive: 'red-1',
      },
    ],
    [
      'RED ended by a BLACK entry (EXPIRED from the BLACK entry’s first day): none from that day',
      one({ listings: [withEvents(entry('RED'), ending('EXPIRED', at('2025-01-01'), '2025-01-01'))] }),
      { ...CLEAR, incentive: null },
    ],
    [
      'RED ended by a BLACK entry, asked for the day before',
      one(
        { listings: [withEvents(entry('RED'), ending('EXPIRED', at('2025-01-01'), '2025-01-01'))] },
        { asOf: '2024-12-31' },
      ),
      { outcome: 'CLEAR', effects: ['INCENTIVE'], incentive: 'red-1' },
    ],
    [
      'RED and BLACK in force: BLOCK without the incentive',
      one({ listings: [entry('RED'), entry('BLACK')] }),
      { ...BLOCK, incentive: null },
    ],
    [
      'RED and a bar: BLOCK without the incentive',
      one({ listings: [entry('RED')], measures: [bar()] }),
      {
        ...BLOCK,
        incentive: null,
      },
    ],
    [
      'RED and a bar on another domain: CLEAR with the incentive',
      one({ listings: [entry('RED')], measures: [bar()] }, { domain: 'AWARD' }),
      { outcome: 'CLEAR', effects: ['INCENTIVE'], incentive: 'red-1' },
    ],
    [
      'RED and a look-back record: REVIEW keeps the incentive',
      one({ listings: [entry('RED')] }, { lookbackYears: 3 }),
      { outcome: 'REVIEW', effects: ['REVIEW', 'INCENTIVE'], records: ['CASE case-1', 'LISTING red-1'] },
    ],
    [
      'RED beside a WATCH entry: REVIEW keeps the incentive',
      one({ listings: [entry('RED'), entry('WATCH')] }),
      { outcome: 'REVIEW', effects: ['REVIEW', 'INCENTIVE'], incentive: 'red-1' },
    ],
    [
      'RED of the applicant, a possible match black-listed: REVIEW keeps the incentive',
      verdictInput({
        candidates: [
          candidate({ listings: [entry('RED')] }),
          candidate({ match: 'NAME_ORGANISATION', subjectId: 'subject-2', listings: [entry('BLACK')] }),
        ],
      }),
      { outcome: 'REVIEW', effects: ['REVIEW', 'INCENTIVE'], incentive: 'red-1' },
    ],

    // Objections.
    [
      'BLACK under objection still blocks, flagged',
      one({ listings: [entry('BLACK', { underObjection: true })] }),
      { ...BLOCK, underObjection: true },
    ],
    [
      'RED under objection still earns the incentive, flagged',
      one({ listings: [entry('RED', { underObjection: true })] }),
      { outcome: 'CLEAR', effects: ['INCENTIVE'], incentive: 'red-1', underObjection: true },
    ],
    [
      'an objection on an entry that did not count is not flagged',
      one(
        { listings: [entry('WATCH', { underObjection: true })], measures: [bar()] },
        { asOf: '2027-07-01' },
      ),
      { ...BLOCK, underObjection: false },
    ],
    [
      'RED under objection dropped by a BLOCK is not flagged',
      one({ listings: [entry('RED', { underObjection: true })], measures: [bar()] }),
      { ...BLOCK, incentive: null, underObjection: false },
    ],
  ];

  it.each(table)('%s', (_name, input, expected) => {
    const verdict = decide(input);
    expect(verdict.outcome).toBe(expected.outcome);
    expect(verdict.evidence.map((e) => e.effect)).toEqual(expected.effects);
    if (expected.records !== undefined) {
      expect(verdict.evidence.map((e) => `${e.kind} ${e.recordId}`)).toEqual(expected.records);
    }
    if (expected.incentive !== undefined)
      expect(verdict.incentive?.listingId ?? null).toBe(expected.incentive);
    if (expected.underObjection !== undefined) expect(verdict.underObjection).toBe(expected.underObjection);
    expect(verdict.ruleVersion).toBe(input.ruleVersion);
  });

  it('has no look-back record where there is no window', () => {
    for (const [, input] of table) {
      const { lookbackYears: _lookbackYears, ...withoutWindow } = input;
      expect(decide(withoutWindow).evidence.map((e) => e.kind)).not.toContain('CASE' satisfies EvidenceKind);
    }
  });
});

describe('decide: evidence', () => {
  it('cites the bar, its decision and its period', () => {
    const verdict = decide(one({ measures: [bar()] }, { ruleVersion: 7 }));
    expect(verdict).toEqual({
      outcome: 'BLOCK',
      domain: 'PROJECT_FUNDING',
      asOf: '2025-06-01',
      knownAt: LATER,
      lookbackYears: null,
      lookbackFrom: null,
      ruleVersion: 7,
      incentive: null,
      underObjection: false,
      evidence: [
        {
          kind: 'MEASURE',
          recordId: 'measure-1',
          subjectId: 'subject-1',
          subjectName: '张某某',
          maskedIdentifier: '110105********002X',
          match: 'IDENTIFIER',
          case: {
            decisionNumber: '国科金监处〔2024〕3号',
            authority: '国家自然科学基金委员会',
            decisionDate: '2024-06-30',
            misconductTypes: ['PLAGIARISM'],
            severity: 'SERIOUS',
          },
          measureType: 'BAN_FUNDED_ACTIVITY',
          domain: 'PROJECT_FUNDING',
          period: { from: '2024-07-01', to: '2028-06-30', lifetime: false },
          effect: 'BLOCK',
          underObjection: false,
          reason:
            'Barred from PROJECT_FUNDING until 2028-06-30 by BAN_FUNDED_ACTIVITY in decision ' +
            '国科金监处〔2024〕3号 of 国家自然科学基金委员会.',
        },
      ],
    });
  });

  it('cites a list entry with its list and case, and no measure type', () => {
    const [evidence] = decide(one({ listings: [entry('BLACK')] })).evidence;
    expect(evidence).toMatchObject({ kind: 'LISTING', recordId: 'black-1', listType: 'BLACK' });
    expect(evidence.measureType).toBeUndefined();
    expect(evidence.case?.decisionNumber).toBe('国科金监处〔2024〕3号');
    expect(evidence.period).toEqual({ from: '2024-07-01', to: '2027-06-30', lifetime: false });
  });

  it("cites a list entry's term as known at knownAt: corrected, and cut short by a known ending act", () => {
    // The row holds the corrected version; the history, each version as recorded.
    const listing = withEvents(
      entry('BLACK', {
        effectiveFrom: '2024-08-01',
        effectiveTo: '2028-06-30',
        history: [
          ev('PROPOSED', at('2024-06-30'), { period: { from: '2024-07-01', to: '2027-06-30' } }),
          ev('ACTIVE', at('2024-07-01')),
        ],
      }),
      correction(at('2025-02-01'), '2024-08-01', '2028-06-30'),
      ending('REVOKED', at('2025-03-01'), '2026-01-01'),
    );
    const periodAt = (knownAt: string, asOf = '2025-06-01') =>
      decide(one({ listings: [listing] }, { knownAt, asOf })).evidence[0]?.period;
    expect(periodAt(LATER)).toEqual({ from: '2024-08-01', to: '2025-12-31', lifetime: false });
    expect(periodAt('2025-02-15T00:00:00Z')).toEqual({
      from: '2024-08-01',
      to: '2028-06-30',
      lifetime: false,
    });
    expect(periodAt('2025-01-15T00:00:00Z')).toEqual({
      from: '2024-07-01',
      to: '2027-06-30',
      lifetime: false,
    });
    // An ending act effective after the end does not lengthen the term.
    const late = withEvents(entry('BLACK'), ending('REVOKED', at('2025-03-01'), '2029-01-01'));
    expect(decide(one({ listings: [late] })).evidence[0].period).toEqual({
      from: '2024-07-01',
      to: '2027-06-30',
      lifetime: false,
    });
    // On the day of the revocation, nothing is cited.
    expect(periodAt(LATER, '2026-01-01')).toBeUndefined();
  });

  it('cites a case found by the look-back, as known at knownAt', () => {
    const verdict = decide(one(withEndedBar(), { lookbackYears: 3 }));
    expect(verdict).toMatchObject({ outcome: 'REVIEW', lookbackYears: 3, lookbackFrom: '2022-06-01' });
    expect(verdict.evidence).toEqual([
      {
        kind: 'CASE',
        recordId: 'case-old',
        subjectId: 'subject-1',
        subjectName: '张某某',
        maskedIdentifier: '110105********002X',
        match: 'IDENTIFIER',
        case: {
          decisionNumber: '国科金监处〔2021〕7号',
          authority: '国家自然科学基金委员会',
          decisionDate: '2021-06-30',
          misconductTypes: ['PLAGIARISM'],
          severity: 'SERIOUS',
        },
        domain: 'PROJECT_FUNDING',
        period: { from: '2021-06-30', to: '2023-06-30', lifetime: false },
        effect: 'REVIEW',
        underObjection: false,
        reason:
          'Was found to have committed PLAGIARISM in decision 国科金监处〔2021〕7号 of 国家自然科学基金委员会, ' +
          'with a measure that ran until 2023-06-30, inside the 3-year look-back window starting 2022-06-01.',
      },
    ]);
  });

  it('cites the decision date a re-decided case had as known at knownAt', () => {
    const redecided = decidedCase({
      id: 'case-w',
      history: [
        step('DECIDED', at('2023-01-10'), '2023-01-10'),
        step('REVIEW_REQUESTED', at('2023-02-01'), '2023-01-10'),
        step('DECIDED', at('2023-09-01'), '2023-08-28'),
      ],
    });
    const cited = (knownAt: string) =>
      decide(one({ cases: [redecided] }, { lookbackYears: 3, knownAt })).evidence.map((e) => [
        e.recordId,
        e.case?.decisionDate,
        e.period,
      ]);
    expect(cited(LATER)).toEqual([
      ['case-w', '2023-08-28', { from: '2023-08-28', to: '2023-08-28', lifetime: false }],
    ]);
    expect(cited('2023-05-01T00:00:00Z')).toEqual([
      ['case-w', '2023-01-10', { from: '2023-01-10', to: '2023-01-10', lifetime: false }],
    ]);
    expect(cited('2023-01-09T00:00:00Z')).toEqual([]);
  });

  it('cites each case once, by its latest date inside the window', () => {
    const verdict = decide(
      one(
        {
          cases: [decidedCase({ id: 'case-w', decisionDate: '2022-07-01' })],
          measures: [
            bar({ id: 'm1', caseId: 'case-w', type: 'WARNING', startDate: null, endDate: null, domains: [] }),
            bar({
              id: 'm2',
              caseId: 'case-w',
              startDate: '2022-07-01',
              endDate: '2023-12-31',
              domains: ['AWARD'],
            }),
            bar({
              id: 'm3',
              caseId: 'case-w',
              startDate: '2022-07-01',
              endDate: '2024-12-31',
              domains: ['AWARD'],
            }),
            bar({
              id: 'm4',
              caseId: 'case-w',
              startDate: '2022-07-01',
              endDate: '2025-12-31',
              domains: ['AWARD'],
            }),
          ],
        },
        { lookbackYears: 3 },
      ),
    );
    expect(verdict.evidence.map((e) => [e.kind, e.recordId, e.period])).toEqual([
      ['CASE', 'case-w', { from: '2022-07-01', to: '2024-12-31', lifetime: false }],
    ]);
  });

  it.each<[string, VerdictInput, string]>([
    [
      'a lifetime bar',
      one({ measures: [bar({ endDate: null, lifetime: true })] }),
      'Barred from PROJECT_FUNDING for life by BAN_FUNDED_ACTIVITY in decision 国科金监处〔2024〕3号 of 国家自然科学基金委员会.',
    ],
    [
      'a BLACK entry',
      one({ listings: [entry('BLACK')] }),
      'On the black list (严重失信名单) until 2027-06-30 on decision 国科金监处〔2024〕3号 of 国家自然科学基金委员会, which bars PROJECT_FUNDING.',
    ],
    [
      'a BLACK entry in a domain it does not bar',
      one(
        { listings: [entry('BLACK')] },
        { rules: rulesWith((r) => (r.blackListBarredDomains = ['AWARD'])) },
      ),
      'On the black list (严重失信名单) until 2027-06-30 on decision 国科金监处〔2024〕3号 of 国家自然科学基金委员会, which under rule version 1 does not bar PROJECT_FUNDING but warns.',
    ],
    [
      'a WATCH entry under objection',
      one({ listings: [entry('WATCH', { underObjection: true, caseId: null })] }),
      'On the watch list (重点关注名单) until 2027-06-30, which warns but never bars, and the entry is under objection (异议) but counts until that is decided.',
    ],
    [
      'a RED entry',
      one({ listings: [entry('RED')] }),
      'On the red list (守信激励名单) until 2027-06-30 by designation 沪科信〔2025〕12号, which opens the green channel (绿色通道).',
    ],
    [
      'a case in the look-back window by the end of its bar',
      one(withEndedBar(), { lookbackYears: 3 }),
      'Was found to have committed PLAGIARISM in decision 国科金监处〔2021〕7号 of 国家自然科学基金委员会, with a measure that ran until 2023-06-30, inside the 3-year look-back window starting 2022-06-01.',
    ],
    [
      'a case with a warning only, in the look-back window by its decision date',
      one(
        { cases: [decidedCase({ decisionNumber: null, misconductTypes: ['FABRICATION', 'PLAGIARISM'] })] },
        { lookbackYears: 1 },
      ),
      'Was found to have committed FABRICATION, PLAGIARISM in the decision of 国家自然科学基金委员会 dated 2024-06-30, inside the 1-year look-back window starting 2024-06-01.',
    ],
    [
      'a possible match',
      one({ match: 'NAME_ORGANISATION', maskedIdentifier: undefined, listings: [entry('BLACK')] }),
      'Possible match by name and organisation to 张某某, who is on the black list (严重失信名单) until 2027-06-30 on decision 国科金监处〔2024〕3号 of 国家自然科学基金委员会, which bars PROJECT_FUNDING; a person must confirm whether the applicant is this subject.',
    ],
    [
      'a conflicting identifier in the look-back window',
      one(withEndedBar({ match: 'NAME_CONFLICTING_IDENTIFIER', listings: [ended('WATCH')] }), {
        lookbackYears: 3,
      }),
      'Name match to 张某某, whose recorded identifier 110105********002X differs from the one given and who was found to have committed PLAGIARISM in decision 国科金监处〔2021〕7号 of 国家自然科学基金委员会, with a measure that ran until 2023-06-30, inside the 3-year look-back window starting 2022-06-01; a person must check whether the applicant is this subject.',
    ],
    [
      'a possible match in the look-back window',
      one(withEndedBar({ match: 'NAME_ORGANISATION', maskedIdentifier: undefined }), { lookbackYears: 3 }),
      'Possible match by name and organisation to 张某某, who was found to have committed PLAGIARISM in decision 国科金监处〔2021〕7号 of 国家自然科学基金委员会, with a measure that ran until 2023-06-30, inside the 3-year look-back window starting 2022-06-01; a person must confirm whether the applicant is this subject.',
    ],
  ])('says in one sentence why %s counted', (_name, input, reason) => {
    expect(decide(input).evidence[0].reason).toBe(reason);
  });

  it('orders BLOCK, then REVIEW, then INCENTIVE, each by period', () => {
    const verdict = decide(
      verdictInput({
        lookbackYears: 3,
        candidates: [
          candidate({
            listings: [entry('WATCH', { effectiveFrom: '2025-01-01' }), entry('BLACK'), entry('RED')],
            cases: [decidedCase(), oldCase],
            measures: [bar({ id: 'measure-2', startDate: '2023-01-01', endDate: '2025-12-31' }), endedBar],
          }),
          candidate({ match: 'NAME_ORGANISATION', subjectId: 'subject-2', measures: [bar()] }),
          candidate({ subjectId: 'subject-3', cases: [decidedCase({ id: 'case-3' })] }),
        ],
      }),
    );
    expect(verdict.evidence.map((e) => `${e.effect} ${e.kind} ${e.recordId} ${e.subjectId}`)).toEqual([
      'BLOCK MEASURE measure-2 subject-1',
      'BLOCK LISTING black-1 subject-1',
      'REVIEW CASE case-old subject-1',
      'REVIEW CASE case-3 subject-3',
      'REVIEW MEASURE measure-1 subject-2',
      'REVIEW LISTING watch-1 subject-1',
    ]);
  });

  it('gives the incentive with its designation and period', () => {
    expect(decide(one({ listings: [entry('RED')] })).incentive).toEqual({
      listingId: 'red-1',
      subjectId: 'subject-1',
      subjectName: '张某某',
      designationDocument: '沪科信〔2025〕12号',
      period: { from: '2024-07-01', to: '2027-06-30', lifetime: false },
      underObjection: false,
    });
  });

  it("gives the incentive's term as known: to the day before a known ending act", () => {
    const red = withEvents(entry('RED'), ending('EXPIRED', at('2025-03-01'), '2025-09-01'));
    expect(decide(one({ listings: [red] })).incentive?.period).toEqual({
      from: '2024-07-01',
      to: '2025-08-31',
      lifetime: false,
    });
  });

  it('picks the red entry running longest when several are in force', () => {
    const verdict = decide(
      one({
        listings: [
          entry('RED'),
          entry('RED', { id: 'red-2', effectiveTo: null }),
          entry('RED', { id: 'red-0' }),
        ],
      }),
    );
    expect(verdict.incentive?.listingId).toBe('red-2');
    expect(verdict.evidence).toHaveLength(3);
  });

  it('states the look-back window it applied', () => {
    const verdict = decide(verdictInput({ lookbackYears: 3, asOf: '2028-02-29' }));
    expect(verdict).toMatchObject({ lookbackYears: 3, lookbackFrom: '2025-02-28' });
  });

  it('does not know a measure or a case step recorded a fraction of a millisecond after knownAt', () => {
    const knownAt = '2025-01-01T00:00:00.000100Z';
    const later = '2025-01-01T00:00:00.000900Z';
    expect(decide(one({ measures: [bar({ recordedAt: later })] }, { knownAt })).outcome).toBe('CLEAR');
    const decidedLater = decidedCase({ history: [step('DECIDED', later, '2024-06-30')] });
    expect(decide(one({ measures: [bar()], cases: [decidedLater] }, { knownAt })).outcome).toBe('CLEAR');
    expect(decide(one({ measures: [bar({ recordedAt: later })] }, { knownAt: later })).outcome).toBe('BLOCK');
  });

  it('judges as known now when knownAt is not given', () => {
    const before = Date.now();
    const verdict = decide(one({ listings: [entry('BLACK')] }, { knownAt: undefined }));
    expect(verdict.outcome).toBe('BLOCK');
    expect(Date.parse(verdict.knownAt)).toBeGreaterThanOrEqual(before);
    expect(Date.parse(verdict.knownAt)).toBeLessThanOrEqual(Date.now());
  });
});

describe('decide: malformed input', () => {
  it.each<[string, VerdictInput, RegExp]>([
    ['an unknown domain', verdictInput({ domain: 'PROJECT_FUNDNG' }), /not a review domain/],
    ['a malformed asOf', verdictInput({ asOf: '2025-02-30' }), /asOf/],
    ['a knownAt without a zone', verdictInput({ knownAt: '2025-06-01T00:00:00' }), /knownAt/],
    ['a look-back of 11 years', verdictInput({ lookbackYears: 11 }), /lookbackYears/],
    ['a look-back of 1.5 years', verdictInput({ lookbackYears: 1.5 }), /lookbackYears/],
    ['a negative look-back', verdictInput({ lookbackYears: -1 }), /lookbackYears/],
    [
      'a measure whose case was not given',
      one({ measures: [bar()], cases: [] }),
      /case-1, which was not given/,
    ],
    ['a measure with a malformed date', one({ measures: [bar({ endDate: '2028-6-30' })] }), /not YYYY-MM-DD/],
    [
      'a list entry with a malformed event',
      one({ listings: [withEvents(entry('BLACK'), ev('REVOKED', '2025-03-01'))] }),
      /history/,
    ],
    [
      'a list entry with a malformed effective date',
      one({ listings: [withEvents(entry('BLACK'), ending('REVOKED', at('2025-03-01'), '2025-3-1'))] }),
      /effectiveDate/,
    ],
    [
      'a case with a malformed step',
      one({ cases: [decidedCase({ history: [step('DECIDED', '2024-06-30', '2024-06-30')] })] }),
      /history/,
    ],
    [
      'a measure with a malformed recordedAt',
      one({ measures: [bar({ recordedAt: '2024-07-01T10:00:00' })] }),
      /measure\.recordedAt/,
    ],
  ])('refuses %s with a RangeError', (_name, input, message) => {
    expect(() => decide(input)).toThrow(RangeError);
    expect(() => decide(input)).toThrow(message);
  });
});

describe('helpers', () => {
  it('has a Chinese label for every outcome, strongest first', () => {
    expect(VERDICT_OUTCOMES).toEqual(['BLOCK', 'REVIEW', 'CLEAR']);
    for (const o of VERDICT_OUTCOMES) expect(VERDICT_OUTCOME_LABELS[o]).toMatch(/\p{Script=Han}/u);
  });

  it('measurePeriod: a missing start is the decision date; lifetime has no end; no end is open', () => {
    expect(measurePeriod(bar({ startDate: null }), '2024-06-30')).toEqual({
      from: '2024-06-30',
      to: '2028-06-30',
      lifetime: false,
    });
    expect(measurePeriod(bar({ lifetime: true }))).toEqual({ from: '2024-07-01', to: null, lifetime: true });
    expect(periodCovers(measurePeriod(bar({ endDate: null })), '2099-01-01')).toBe(true);
  });

  it('isBarMeasure: the rule data decide; an unknown type bars when it names domains', () => {
    const rules = rulesV1();
    expect(isBarMeasure(rules, bar())).toBe(true);
    expect(isBarMeasure(rules, { type: 'SERIOUS_DB_ENTRY', domains: [] })).toBe(false);
    expect(isBarMeasure(rules, { type: 'WARNING', domains: [] })).toBe(false);
    expect(isBarMeasure(rules, { type: 'LOCAL_BAN', domains: ['AWARD'] })).toBe(true);
    expect(isBarMeasure(rules, { type: 'LOCAL_NOTICE', domains: [] })).toBe(false);
  });

  it('withinLookback: [asOf − years, asOf], both ends inclusive; no date is never inside', () => {
    expect(lookbackStart('2025-06-01', 3)).toBe('2022-06-01');
    expect(lookbackStart('2028-02-29', 1)).toBe('2027-02-28');
    expect(withinLookback('2022-06-01', '2025-06-01', 3)).toBe(true);
    expect(withinLookback('2022-05-31', '2025-06-01', 3)).toBe(false);
    expect(withinLookback('2025-05-31', '2025-06-01', 3)).toBe(true);
    expect(withinLookback('2025-06-01', '2025-06-01', 3)).toBe(true);
    expect(withinLookback('2025-06-02', '2025-06-01', 3)).toBe(false);
    expect(withinLookback('2025-06-01', '2025-06-01', 0)).toBe(true);
    expect(withinLookback('2025-05-31', '2025-06-01', 0)).toBe(false);
    expect(withinLookback(null, '2025-06-01', 10)).toBe(false);
  });

  it('knownCase: the latest step known at knownAt, ties in the order given; no history: as stored', () => {
    const ms = (iso: string) => instant(iso, 'knownAt');
    const stored = decidedCase();
    expect(knownCase(stored, 0)).toEqual({ status: 'DECIDED', decisionDate: '2024-06-30' });
    const c = decidedCase({
      history: [
        step('DECIDED', '2024-07-01T02:00:00Z', '2024-06-30'),
        step('REPORTED', '2024-01-01T02:00:00Z'),
        step('REVIEW_REQUESTED', '2024-08-01T02:00:00Z', '2024-06-30'),
        step('DECIDED', '2024-08-01T02:00:00Z', '2024-07-25'),
      ],
    });
    expect(knownCase(c, ms('2023-12-31T00:00:00Z'))).toBeNull();
    expect(knownCase(c, ms('2024-01-01T02:00:00Z'))).toEqual({ status: 'REPORTED', decisionDate: null });
    expect(knownCase(c, ms('2024-07-01T02:00:00Z'))).toEqual({
      status: 'DECIDED',
      decisionDate: '2024-06-30',
    });
    expect(knownCase(c, ms('2024-08-01T02:00:00Z'))).toEqual({
      status: 'DECIDED',
      decisionDate: '2024-07-25',
    });
    const empty: ScreeningCase = decidedCase({ history: [] });
    expect(knownCase(empty, ms(LATER))).toBeNull();
  });

  it('measureKnown: recorded at or before knownAt; without recordedAt, always', () => {
    const t = instant('2024-07-01T02:00:00Z', 'knownAt');
    expect(measureKnown({}, 0)).toBe(true);
    expect(measureKnown({ recordedAt: '2024-07-01T10:00:00+08:00' }, t)).toBe(true);
    expect(measureKnown({ recordedAt: '2024-07-01T02:00:00.000001Z' }, t)).toBe(false);
    expect(() => measureKnown({ recordedAt: '2024-07-01' }, t)).toThrow(RangeError);
  });

  it('effectForMatch: only an identifier match blocks or earns the incentive', () => {
    expect(MATCH_KINDS.map((m) => effectForMatch('BLOCK', m))).toEqual(['BLOCK', 'REVIEW', 'REVIEW']);
    expect(MATCH_KINDS.map((m) => effectForMatch('REVIEW', m))).toEqual(['REVIEW', 'REVIEW', 'REVIEW']);
    expect(MATCH_KINDS.map((m) => effectForMatch('INCENTIVE', m))).toEqual(['INCENTIVE', null, null]);
  });

  it('outcomeOf: the strongest effect wins; an incentive alone is CLEAR', () => {
    expect(outcomeOf([])).toBe('CLEAR');
    expect(outcomeOf(['INCENTIVE'])).toBe('CLEAR');
    expect(outcomeOf(['INCENTIVE', 'REVIEW'])).toBe('REVIEW');
    expect(outcomeOf(['REVIEW', 'BLOCK', 'INCENTIVE'])).toBe('BLOCK');
  });
});

describe('decide: laws (property)', () => {
  const allRecords = (input: VerdictInput) => ({
    cases: input.candidates.flatMap((c) => c.cases),
    measures: input.candidates.flatMap((c) => c.measures),
    listings: input.candidates.flatMap((c) => c.listings),
  });
  const addTo = (
    input: VerdictInput,
    who: number,
    change: (c: ScreeningCandidate) => ScreeningCandidate,
  ) => ({
    ...input,
    candidates: input.candidates.map((c, i) => (i === who % input.candidates.length ? change(c) : c)),
  });
  /** Every decision date a case has had, in any version. */
  const decisionDates = (c: ScreeningCase) => [
    c.decisionDate,
    ...(c.history ?? []).map((s) => s.decisionDate),
  ];

  it('(a) on a day outside every period and beyond any look-back: CLEAR, no evidence', () => {
    fc.assert(
      fc.property(inputArb, fc.boolean(), fc.integer({ min: 4, max: 1000 }), (input, before, gap) => {
        const { cases, measures, listings } = allRecords(input);
        // Every period of every version: the row's own and each one an event of its history set.
        const periods = [
          ...measures.map((m) => ({ from: m.startDate!, to: m.lifetime ? null : m.endDate })),
          ...listings.flatMap((l) => [
            { from: l.effectiveFrom, to: l.effectiveTo },
            ...l.history.flatMap((e) => (e.period ? [e.period] : [])),
          ]),
        ];
        const decisions = cases.flatMap(decisionDates).filter((d): d is string => d !== null);
        const starts = [...periods.map((p) => p.from), ...decisions].sort();
        const ends = [...periods.map((p) => p.to), ...decisions];
        if (starts.length === 0) return;
        // Month ends clamp (2024-02-29 − 1 year = 2023-02-28), hence a gap of at least 4 days.
        const asOf =
          before || ends.includes(null)
            ? addDays(starts[0], -gap)
            : addDays(addMonths((ends as string[]).sort().at(-1)!, 12 * (input.lookbackYears ?? 0)), gap);
        const verdict = decide({ ...input, asOf });
        expect(verdict.outcome).toBe('CLEAR');
        expect(verdict.evidence).toEqual([]);
        expect(verdict.incentive).toBeNull();
      }),
    );
  });

  it('(b) a REVOKED entry never counts on or after the day its revocation takes effect, once known', () => {
    fc.assert(
      fc.property(
        inputArb,
        listingArb,
        fc.nat(),
        fc.integer({ min: 0, max: 3000 }),
        fc.integer({ min: -800, max: 400 }),
        fc.boolean(),
        (input, seed, who, after, effective, knownAtRevocation) => {
          const revoked = buildListing(
            'revoked',
            {
              ...seed,
              approvedAfter: seed.approvedAfter ?? 0,
              ending: {
                status: 'REVOKED',
                after: seed.ending?.after ?? 0,
                at: seed.ending?.at ?? '10',
                effective,
              },
            },
            [],
          );
          const revocation = revoked.history.find((e) => e.status === 'REVOKED')!;
          const verdict = decide({
            ...addTo(input, who, (c) => ({ ...c, listings: [...c.listings, revoked] })),
            asOf: addDays(revocation.effectiveDate!, after),
            knownAt: knownAtRevocation ? new Date(revocation.recordedAt).toISOString() : LATER,
          });
          expect(verdict.evidence.map((e) => e.recordId)).not.toContain('revoked');
          expect(verdict.incentive?.listingId).not.toBe('revoked');
        },
      ),
    );
  });

  it('(c) a match by name never blocks and never earns the incentive', () => {
    const nameMatch = fc.constantFrom<MatchKind>('NAME_ORGANISATION', 'NAME_CONFLICTING_IDENTIFIER');
    fc.assert(
      fc.property(inputArb, fc.array(nameMatch, { minLength: 3, maxLength: 3 }), (input, kinds) => {
        const verdict = decide({
          ...input,
          candidates: input.candidates.map((c, i) => ({ ...c, match: kinds[i] })),
        });
        expect(verdict.outcome).not.toBe('BLOCK');
        expect(verdict.incentive).toBeNull();
        for (const e of verdict.evidence) expect(e.effect).toBe('REVIEW');
      }),
    );
  });

  it('(d) BLOCK never comes with an incentive; otherwise a red entry in force is one', () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        // A red entry of an identifier match, in force on asOf, beside whatever else there is.
        const red = entry('RED', {
          id: 'red-now',
          effectiveFrom: addDays(input.asOf, -10),
          effectiveTo: addDays(input.asOf, 10),
          history: [ev('PROPOSED', at(addDays(input.asOf, -30))), ev('ACTIVE', at(addDays(input.asOf, -20)))],
        });
        const withRed = {
          ...addTo(input, 0, (c) => ({ ...c, match: 'IDENTIFIER' as const, listings: [...c.listings, red] })),
          knownAt: LATER,
        };
        const verdict = decide(withRed);
        const effects = verdict.evidence.map((e) => e.effect);
        if (verdict.outcome === 'BLOCK') {
          expect(verdict.incentive).toBeNull();
          expect(effects).not.toContain('INCENTIVE');
        } else {
          expect(verdict.incentive).not.toBeNull();
          expect(effects).toContain('INCENTIVE');
        }
      }),
      // Blocks are rarer in random facts than the rest: more runs to meet enough of them.
      { numRuns: 400 },
    );
  });

  it('(e) adding an unapproved proposal never changes the verdict', () => {
    const unapproved = fc.constantFrom('PROPOSED', 'REJECTED', 'APPROVED_AFTER_KNOWN_AT');
    fc.assert(
      fc.property(inputArb, listingArb, fc.nat(), unapproved, (input, seed, who, how) => {
        let proposal = buildListing(
          'proposal',
          {
            ...seed,
            approvedAfter: null,
            ending:
              how === 'REJECTED'
                ? {
                    status: 'REJECTED',
                    after: seed.ending?.after ?? 0,
                    at: seed.ending?.at ?? '10',
                    effective: null,
                  }
                : null,
          },
          [],
        );
        if (how === 'APPROVED_AFTER_KNOWN_AT') {
          proposal = withEvents(
            proposal,
            ev('ACTIVE', new Date(Date.parse(input.knownAt!) + 1000).toISOString()),
          );
        }
        const withProposal = addTo(input, who, (c) => ({ ...c, listings: [...c.listings, proposal] }));
        expect(decide(withProposal)).toEqual(decide(input));
      }),
    );
  });

  it('(f) adding a bar of an undecided case never changes the verdict, with a look-back window too', () => {
    const undecided = fc.constantFrom('REPORTED', 'ACCEPTED', 'INVESTIGATING', 'DISMISSED');
    fc.assert(
      fc.property(inputArb, fc.nat(), undecided, fc.boolean(), (input, who, status, lifetime) => {
        const pending = decidedCase({
          id: 'case-pending',
          status,
          decisionNumber: null,
          decisionDate: addDays(input.asOf, -10),
        });
        const measure = bar({
          id: 'measure-pending',
          caseId: 'case-pending',
          startDate: addDays(input.asOf, -100),
          endDate: lifetime ? null : addDays(input.asOf, -1),
          lifetime,
          domains: [input.domain],
        });
        const withPending = addTo(input, who, (c) => ({
          ...c,
          cases: [...c.cases, pending],
          measures: [...c.measures, measure],
        }));
        expect(decide(withPending)).toEqual(decide(input));
      }),
    );
  });

  it('(g) the order candidates and records are read in never changes the verdict', () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        const reversed = {
          ...input,
          candidates: [...input.candidates].reverse().map((c) => ({
            ...c,
            cases: [...c.cases]
              .reverse()
              .map((x) => (x.history ? { ...x, history: [...x.history].reverse() } : x)),
            measures: [...c.measures].reverse(),
            listings: [...c.listings].reverse().map((l) => ({ ...l, history: [...l.history].reverse() })),
          })),
        };
        expect(decide(reversed)).toEqual(decide(input));
      }),
    );
  });

  it('(h) evidence is ordered by effect, and each reason is one sentence', () => {
    const rank = { BLOCK: 0, REVIEW: 1, INCENTIVE: 2 };
    fc.assert(
      fc.property(inputArb, (input) => {
        const { evidence, underObjection } = decide(input);
        const ranks = evidence.map((e) => rank[e.effect]);
        expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
        for (const e of evidence) {
          expect(e.reason).toMatch(/^[A-Z].*\.$/);
          expect(e.reason.slice(0, -1)).not.toMatch(/\.\s/);
          expect(e.domain).toBe(input.domain);
        }
        expect(underObjection).toBe(evidence.some((e) => e.underObjection));
      }),
    );
  });

  it('(i) nothing recorded after knownAt changes the verdict', () => {
    const later = fc.record({
      /** Days after knownAt, at least one second after it. */
      lag: fc.integer({ min: 0, max: 2000 }),
      kind: fc.constantFrom('REVOKED', 'REPAIRED', 'EXPIRED', 'REJECTED', 'ACTIVE', 'CORRECTED'),
      /** A valid-time day around asOf, for effective dates and corrected periods. */
      day: fc.integer({ min: -1500, max: 1500 }),
      who: fc.nat(),
      which: fc.nat(),
    });
    fc.assert(
      fc.property(
        inputArb,
        fc.integer({ min: 0, max: 5800 }),
        fc.array(later, { minLength: 1, maxLength: 4 }),
        (input, k, changes) => {
          const known = { ...input, knownAt: knownAtOf(k) };
          const after = (lag: number) =>
            new Date(Date.parse(known.knownAt) + 1000 + lag * 86_400_000).toISOString();
          let changed: VerdictInput = known;
          for (const { lag, kind, day, who, which } of changes) {
            const validDay = addDays(known.asOf, day);
            changed = addTo(changed, who, (c) => {
              const decided = c.cases.filter((x) => x.history === undefined && isDecided(x.status));
              const withHistory = c.cases.filter((x) => x.history !== undefined);
              switch (which % 4) {
                case 0: {
                  // A later event of an entry it has.
                  if (c.listings.length === 0) return c;
                  const event =
                    kind === 'CORRECTED'
                      ? correction(after(lag), validDay, addDays(validDay, 400))
                      : ev(kind as 'REVOKED', after(lag), { effectiveDate: validDay });
                  const target = which % c.listings.length;
                  return {
                    ...c,
                    listings: c.listings.map((l, i) => (i === target ? withEvents(l, event) : l)),
                  };
                }
                case 1: {
                  // A bar, in force on asOf, of a decided case, recorded later.
                  if (decided.length === 0) return c;
                  const measure = bar({
                    id: `late-measure-${lag}-${day}`,
                    caseId: decided[which % decided.length].id,
                    startDate: addDays(known.asOf, -Math.abs(day)),
                    endDate: addDays(known.asOf, Math.abs(day)),
                    domains: [known.domain],
                    recordedAt: after(lag),
                  });
                  return { ...c, measures: [...c.measures, measure] };
                }
                case 2: {
                  // A case decided on asOf, with a bar, both recorded later.
                  const id = `late-case-${lag}-${day}`;
                  const late = decidedCase({
                    id,
                    decisionNumber: `${id}号`,
                    decisionDate: known.asOf,
                    history: [step('DECIDED', after(lag), known.asOf)],
                  });
                  const measure = bar({
                    id: `${id}-bar`,
                    caseId: id,
                    startDate: null,
                    domains: [known.domain],
                  });
                  return { ...c, cases: [...c.cases, late], measures: [...c.measures, measure] };
                }
                default: {
                  // A later step of a case with a history: re-decided with another date, or decided.
                  if (withHistory.length === 0) return c;
                  const target = withHistory[which % withHistory.length].id;
                  return {
                    ...c,
                    cases: c.cases.map((x) =>
                      x.id === target
                        ? { ...x, history: [...x.history!, step('DECIDED', after(lag), validDay)] }
                        : x,
                    ),
                  };
                }
              }
            });
          }
          expect(decide(changed)).toEqual(decide(known));
        },
      ),
    );
  });

  it('(j) the look-back cites exactly the decided, known cases with a date in the window not cited otherwise', () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        const verdict = decide(input);
        const years = input.lookbackYears;
        const cited = verdict.evidence.filter((e) => e.kind === 'CASE');
        if (years === undefined) {
          expect(cited).toEqual([]);
          return;
        }
        const knownAt = Date.parse(input.knownAt!);
        const from = addMonths(input.asOf, -12 * years);
        const inWindow = (d: string | null) => d !== null && from <= d && d <= input.asOf;
        const expected = input.candidates.flatMap((c) => {
          const others = verdict.evidence.filter((e) => e.subjectId === c.subjectId && e.kind !== 'CASE');
          return c.cases.flatMap((x) => {
            // The case as known at knownAt: its latest step recorded by then (ties: the order given).
            let known: { status: string; decisionDate: string | null } | undefined = x;
            if (x.history) {
              known = x.history
                .map((s, i) => ({ s, i }))
                .filter(({ s }) => Date.parse(s.recordedAt) <= knownAt)
                .sort((a, b) => Date.parse(a.s.recordedAt) - Date.parse(b.s.recordedAt) || a.i - b.i)
                .at(-1)?.s;
            }
            if (!known || !isDecided(known.status)) return [];
            if (others.some((e) => e.case?.decisionNumber === x.decisionNumber)) return [];
            const ends = c.measures
              .filter((m) => m.caseId === x.id)
              .filter((m) => m.recordedAt === undefined || Date.parse(m.recordedAt) <= knownAt)
              .map((m) => (m.lifetime ? null : m.endDate));
            return [known.decisionDate, ...ends].some(inWindow) ? [`${c.subjectId} ${x.id}`] : [];
          });
        });
        expect(cited.map((e) => `${e.subjectId} ${e.recordId}`).sort()).toEqual(expected.sort());
        for (const e of cited) {
          expect(e.effect).toBe('REVIEW');
          expect(inWindow(e.period.to)).toBe(true);
          expect(e.reason).toContain(`${years}-year look-back window starting ${from}`);
        }
      }),
      { numRuns: 300 },
    );
  });
});
