import fc from 'fast-check';
import { chinaDateOf } from '../common/china-date';
import { addDays, addMonths, RuleData } from '../rules/rules';
import {
  decide,
  effectForMatch,
  endedWithin,
  EvidenceEffect,
  isBarMeasure,
  lookbackStart,
  MATCH_KINDS,
  MatchKind,
  measurePeriod,
  outcomeOf,
  periodCovers,
  ScreeningCandidate,
  VERDICT_OUTCOME_LABELS,
  VERDICT_OUTCOMES,
  VerdictInput,
  VerdictOutcome,
} from './verdict';
import {
  at,
  bar,
  buildListing,
  candidate,
  decidedCase,
  entry,
  ev,
  inputArb,
  LATER,
  listingArb,
  rulesV1,
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

/** Records that ended on 2023-06-30, inside a 3-year window from 2025-06-01 but not a 1-year one. */
const endedBar = bar({ startDate: '2021-07-01', endDate: '2023-06-30' });
const ended = (listType: 'BLACK' | 'WATCH' | 'RED') =>
  withEvents(
    entry(listType, {
      effectiveFrom: '2021-07-01',
      effectiveTo: '2023-06-30',
      history: [ev('PROPOSED', at('2021-06-30')), ev('ACTIVE', at('2021-07-01'))],
    }),
    ev('EXPIRED', at('2023-07-01', '00:10')),
  );

describe('decide: the verdict table', () => {
  interface Expected {
    outcome: VerdictOutcome;
    /** The effects of the evidence, in order. */
    effects: EvidenceEffect[];
    /** The listing id of the incentive; null when none. */
    incentive?: string | null;
    underObjection?: boolean;
  }
  type Row = [string, VerdictInput, Expected];
  const BLOCK: Expected = { outcome: 'BLOCK', effects: ['BLOCK'] };
  const REVIEW: Expected = { outcome: 'REVIEW', effects: ['REVIEW'] };
  const CLEAR: Expected = { outcome: 'CLEAR', effects: [] };

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
      'possible name match with a bar on another domain',
      one({ match: 'NAME_ORGANISATION', measures: [bar()] }, { domain: 'AWARD' }),
      CLEAR,
    ],
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

    // Look-back.
    ['an ended bar without a look-back window', one({ measures: [endedBar] }), CLEAR],
    ['an ended bar inside a 3-year look-back', one({ measures: [endedBar] }, { lookbackYears: 3 }), REVIEW],
    ['an ended bar outside a 1-year look-back', one({ measures: [endedBar] }, { lookbackYears: 1 }), CLEAR],
    ['a 0-year look-back holds nothing', one({ measures: [endedBar] }, { lookbackYears: 0 }), CLEAR],
    [
      'a bar that ended the day before asOf, 1-year look-back',
      one({ measures: [bar({ endDate: '2025-05-31' })] }, { lookbackYears: 1 }),
      REVIEW,
    ],
    [
      'a bar that ended on the first day of the window',
      one({ measures: [bar({ startDate: '2020-01-01', endDate: '2022-06-01' })] }, { lookbackYears: 3 }),
      REVIEW,
    ],
    [
      'a bar that ended the day before the window',
      one({ measures: [bar({ startDate: '2020-01-01', endDate: '2022-05-31' })] }, { lookbackYears: 3 }),
      CLEAR,
    ],
    [
      'an ended bar on another domain inside the window',
      one({ measures: [endedBar] }, { lookbackYears: 3, domain: 'AWARD' }),
      CLEAR,
    ],
    [
      'an ended bar of an undecided case inside the window',
      one({ measures: [endedBar], cases: [decidedCase({ status: 'ACCEPTED' })] }, { lookbackYears: 3 }),
      CLEAR,
    ],
    [
      'an ended bar of a possible match inside the window',
      one({ match: 'NAME_ORGANISATION', measures: [endedBar] }, { lookbackYears: 3 }),
      REVIEW,
    ],
    [
      'a lifetime bar never ends, so it blocks with a look-back too',
      one({ measures: [bar({ endDate: null, lifetime: true })] }, { lookbackYears: 3 }),
      BLOCK,
    ],
    [
      'an expired BLACK entry inside the window',
      one({ listings: [ended('BLACK')] }, { lookbackYears: 3 }),
      REVIEW,
    ],
    [
      'an expired BLACK entry outside the window',
      one({ listings: [ended('BLACK')] }, { lookbackYears: 1 }),
      CLEAR,
    ],
    [
      'an expired WATCH entry inside the window',
      one({ listings: [ended('WATCH')] }, { lookbackYears: 3 }),
      REVIEW,
    ],
    [
      'an expired RED entry is no misconduct record',
      one({ listings: [ended('RED')] }, { lookbackYears: 3 }),
      { ...CLEAR, incentive: null },
    ],
    [
      'an ended bar inside the window beside a bar in force',
      one({ measures: [bar({ id: 'measure-2', startDate: '2025-01-01' }), endedBar] }, { lookbackYears: 3 }),
      { outcome: 'BLOCK', effects: ['BLOCK', 'REVIEW'] },
    ],

    // Repair and revocation count from the instant recorded, never retroactively.
    [
      'BLACK repaired before asOf',
      one({ listings: [withEvents(entry('BLACK'), ev('REPAIRED', at('2025-03-01')))] }),
      CLEAR,
    ],
    [
      'BLACK repaired in the morning of asOf',
      one({ listings: [withEvents(entry('BLACK'), ev('REPAIRED', at('2025-06-01', '09:00')))] }),
      CLEAR,
    ],
    [
      'BLACK repaired before asOf, with a look-back window',
      one({ listings: [withEvents(entry('BLACK'), ev('REPAIRED', at('2025-03-01')))] }, { lookbackYears: 3 }),
      CLEAR,
    ],
    [
      'BLACK repaired after asOf (history known later) counts for that asOf',
      one({ listings: [withEvents(entry('BLACK'), ev('REPAIRED', at('2025-09-01')))] }),
      BLOCK,
    ],
    [
      'BLACK repaired after asOf, asked before the repair was recorded',
      one(
        { listings: [withEvents(entry('BLACK'), ev('REPAIRED', at('2025-09-01')))] },
        { knownAt: '2025-08-01T00:00:00Z' },
      ),
      BLOCK,
    ],
    [
      'an expired BLACK entry repaired before asOf does not count for look-back',
      one({ listings: [withEvents(ended('BLACK'), ev('REPAIRED', at('2024-01-10')))] }, { lookbackYears: 3 }),
      CLEAR,
    ],
    [
      'an expired BLACK entry repaired after asOf still counts for look-back on asOf',
      one({ listings: [withEvents(ended('BLACK'), ev('REPAIRED', at('2025-09-01')))] }, { lookbackYears: 3 }),
      REVIEW,
    ],
    [
      'BLACK revoked before asOf',
      one({ listings: [withEvents(entry('BLACK'), ev('REVOKED', at('2025-03-01')))] }),
      CLEAR,
    ],
    [
      'BLACK revoked after asOf (history known later) counts for that asOf',
      one({ listings: [withEvents(entry('BLACK'), ev('REVOKED', at('2025-09-01')))] }),
      BLOCK,
    ],
    [
      'WATCH revoked before asOf',
      one({ listings: [withEvents(entry('WATCH'), ev('REVOKED', at('2025-03-01')))] }),
      CLEAR,
    ],
    [
      'an expired BLACK entry revoked before asOf does not count for look-back',
      one({ listings: [withEvents(ended('BLACK'), ev('REVOKED', at('2024-01-10')))] }, { lookbackYears: 3 }),
      CLEAR,
    ],
    [
      'an expired BLACK entry revoked after asOf still counts for look-back on asOf',
      one({ listings: [withEvents(ended('BLACK'), ev('REVOKED', at('2025-09-01')))] }, { lookbackYears: 3 }),
      REVIEW,
    ],

    // Proposals.
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
    if (expected.incentive !== undefined)
      expect(verdict.incentive?.listingId ?? null).toBe(expected.incentive);
    if (expected.underObjection !== undefined) expect(verdict.underObjection).toBe(expected.underObjection);
    expect(verdict.ruleVersion).toBe(input.ruleVersion);
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
      'an ended bar in the look-back window',
      one({ measures: [endedBar] }, { lookbackYears: 3 }),
      'Was barred from PROJECT_FUNDING until 2023-06-30 by BAN_FUNDED_ACTIVITY in decision 国科金监处〔2024〕3号 of 国家自然科学基金委员会, which ended inside the 3-year look-back window starting 2022-06-01.',
    ],
    [
      'a possible match',
      one({ match: 'NAME_ORGANISATION', maskedIdentifier: undefined, listings: [entry('BLACK')] }),
      'Possible match by name and organisation to 张某某, who is on the black list (严重失信名单) until 2027-06-30 on decision 国科金监处〔2024〕3号 of 国家自然科学基金委员会, which bars PROJECT_FUNDING; a person must confirm whether the applicant is this subject.',
    ],
    [
      'a conflicting identifier in the look-back window',
      one({ match: 'NAME_CONFLICTING_IDENTIFIER', listings: [ended('WATCH')] }, { lookbackYears: 3 }),
      'Name match to 张某某, whose recorded identifier 110105********002X differs from the one given and who was on the watch list (重点关注名单) until 2023-06-30 on decision 国科金监处〔2024〕3号 of 国家自然科学基金委员会, which ended inside the 3-year look-back window starting 2022-06-01; a person must check whether the applicant is this subject.',
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
            measures: [bar({ id: 'measure-2', startDate: '2023-01-01', endDate: '2025-12-31' }), endedBar],
          }),
          candidate({ match: 'NAME_ORGANISATION', subjectId: 'subject-2', measures: [bar()] }),
        ],
      }),
    );
    expect(verdict.evidence.map((e) => `${e.effect} ${e.recordId} ${e.subjectId}`)).toEqual([
      'BLOCK measure-2 subject-1',
      'BLOCK black-1 subject-1',
      'REVIEW measure-1 subject-1',
      'REVIEW measure-1 subject-2',
      'REVIEW watch-1 subject-1',
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

  it('endedWithin: [asOf − years, asOf), an open end never ends', () => {
    expect(lookbackStart('2025-06-01', 3)).toBe('2022-06-01');
    expect(endedWithin('2022-06-01', '2025-06-01', 3)).toBe(true);
    expect(endedWithin('2022-05-31', '2025-06-01', 3)).toBe(false);
    expect(endedWithin('2025-05-31', '2025-06-01', 3)).toBe(true);
    expect(endedWithin('2025-06-01', '2025-06-01', 3)).toBe(false);
    expect(endedWithin('2025-05-31', '2025-06-01', 0)).toBe(false);
    expect(endedWithin(null, '2025-06-01', 10)).toBe(false);
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

  it('(a) never blocks on a day outside every period and beyond any look-back: CLEAR', () => {
    fc.assert(
      fc.property(inputArb, fc.boolean(), fc.integer({ min: 4, max: 1000 }), (input, before, gap) => {
        const { measures, listings } = allRecords(input);
        const starts = [...measures.map((m) => m.startDate!), ...listings.map((l) => l.effectiveFrom)].sort();
        const ends = [
          ...measures.map((m) => (m.lifetime ? null : m.endDate)),
          ...listings.map((l) => l.effectiveTo),
        ];
        if (starts.length === 0) return;
        // Month ends clamp (2024-02-29 − 1 year = 2023-02-28), hence a gap of at least 4 days.
        const asOf =
          before || ends.includes(null)
            ? addDays(starts[0], -gap)
            : addDays(addMonths((ends as string[]).sort().at(-1)!, 12 * (input.lookbackYears ?? 0)), gap);
        const verdict = decide({ ...input, asOf });
        expect(verdict.outcome).not.toBe('BLOCK');
        expect(verdict.outcome).toBe('CLEAR');
        expect(verdict.evidence).toEqual([]);
      }),
    );
  });

  it('(b) a REVOKED entry never counts for an asOf after its revocation', () => {
    fc.assert(
      fc.property(
        inputArb,
        listingArb,
        fc.nat(),
        fc.integer({ min: 0, max: 3000 }),
        fc.boolean(),
        (input, seed, who, after, knownAtRevocation) => {
          const revoked = buildListing(
            'revoked',
            {
              ...seed,
              approvedAfter: seed.approvedAfter ?? 0,
              ending: { status: 'REVOKED', after: seed.ending?.after ?? 0, at: seed.ending?.at ?? '10:30' },
            },
            [],
          );
          const revokedAt = revoked.history.at(-1)!.at;
          const verdict = decide({
            ...addTo(input, who, (c) => ({ ...c, listings: [...c.listings, revoked] })),
            asOf: addDays(chinaDateOf(new Date(revokedAt)), after),
            knownAt: knownAtRevocation ? new Date(revokedAt).toISOString() : LATER,
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
                ? { status: 'REJECTED', after: seed.ending?.after ?? 0, at: seed.ending?.at ?? '10:30' }
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

  it('(f) adding a bar of an undecided case never changes the verdict', () => {
    const undecided = fc.constantFrom('REPORTED', 'ACCEPTED', 'INVESTIGATING', 'DISMISSED');
    fc.assert(
      fc.property(inputArb, fc.nat(), undecided, fc.boolean(), (input, who, status, lifetime) => {
        const pending = decidedCase({ id: 'case-pending', status, decisionNumber: null, decisionDate: null });
        const measure = bar({
          id: 'measure-pending',
          caseId: 'case-pending',
          startDate: addDays(input.asOf, -100),
          endDate: lifetime ? null : addDays(input.asOf, 100),
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
            cases: [...c.cases].reverse(),
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
});
