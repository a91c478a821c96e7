import fc from 'fast-check';
import { RULE_DATA_V1 } from '../../migrations/1764300200000-CreateRuleSets';
import {
  addDays,
  addMonths,
  barredDomains,
  diffRuleData,
  earliestRepairDate,
  isIsoDate,
  MeasureInput,
  measureDomains,
  publicationEnd,
  RuleData,
  RuleProblem,
  ruleSetInForce,
  SEVERITIES,
  severityBand,
  SeverityBand,
  termFitsBand,
  todayIn,
  validateMeasure,
  validateRuleData,
} from './rules';

/** A fresh, mutable copy of the seeded version 1. */
const seed = (): RuleData => structuredClone(RULE_DATA_V1) as RuleData;
const SIX = [
  'PROJECT_FUNDING',
  'TALENT_RECOMMENDATION',
  'PLATFORM_CONSTRUCTION',
  'HNTE_CERTIFICATION',
  'AWARD',
  'REVIEWER_SELECTION',
];
const codes = (problems: RuleProblem[]) => problems.map((p) => `${p.code} ${p.field}`);
const indexOf = (rules: RuleData, code: string) => rules.measureTypes.findIndex((m) => m.code === code);

/** Dates 1900–2200 as YYYY-MM-DD. */
const isoDate = fc
  .date({ min: new Date('1900-01-01T00:00:00Z'), max: new Date('2200-12-31T00:00:00Z'), noInvalidDate: true })
  .map((d) => d.toISOString().slice(0, 10));

describe('isIsoDate', () => {
  it.each(['2026-02-28', '2024-02-29', '2000-02-29', '0001-01-01', '9999-12-31', '2026-12-31'])(
    'accepts %s',
    (value) => expect(isIsoDate(value)).toBe(true),
  );

  it.each([
    '2026-02-29',
    '1900-02-29',
    '2026-13-01',
    '2026-00-10',
    '2026-04-31',
    '2026-01-32',
    '2026-1-01',
    '20260101',
    '2026-01-01T00:00:00Z',
    ' 2026-01-01',
    '0000-01-01',
    '',
    20260101,
    null,
    undefined,
  ])('refuses %j', (value) => expect(isIsoDate(value)).toBe(false));
});

describe('addDays', () => {
  it.each([
    ['2026-02-28', 1, '2026-03-01'],
    ['2024-02-28', 1, '2024-02-29'],
    ['2026-01-01', -1, '2025-12-31'],
    ['2026-03-29', 7, '2026-04-05'],
    ['0099-12-31', 1, '0100-01-01'],
    ['2026-05-10', 0, '2026-05-10'],
  ])('%s + %d days = %s', (date, days, expected) => expect(addDays(date, days)).toBe(expected));

  it('refuses a malformed date and a result past 9999', () => {
    expect(() => addDays('2026-02-30', 1)).toThrow(RangeError);
    expect(() => addDays('9999-12-31', 1)).toThrow(RangeError);
  });

  it('is undone by the opposite number of days, and composes (property)', () => {
    fc.assert(
      fc.property(
        isoDate,
        fc.integer({ min: -20000, max: 20000 }),
        fc.integer({ min: -20000, max: 20000 }),
        (d, a, b) => {
          expect(addDays(addDays(d, a), -a)).toBe(d);
          expect(addDays(addDays(d, a), b)).toBe(addDays(d, a + b));
          const moved = addDays(d, a);
          expect(isIsoDate(moved)).toBe(true);
          expect(Math.sign(moved.localeCompare(d))).toBe(Math.sign(a));
        },
      ),
    );
  });
});

describe('addMonths', () => {
  it.each([
    ['2026-01-31', 1, '2026-02-28'],
    ['2024-01-31', 1, '2024-02-29'],
    ['2026-03-31', -1, '2026-02-28'],
    ['2026-12-15', 1, '2027-01-15'],
    ['2026-01-15', -13, '2024-12-15'],
    ['2024-02-29', 12, '2025-02-28'],
    ['2026-05-31', 0, '2026-05-31'],
    ['2026-08-31', 3, '2026-11-30'],
    ['0099-06-15', 12, '0100-06-15'],
  ])('%s + %d months = %s', (date, months, expected) => expect(addMonths(date, months)).toBe(expected));

  it('moves by whole calendar months, keeping the day or clamping it to the month end (property)', () => {
    fc.assert(
      fc.property(isoDate, fc.integer({ min: -1200, max: 1200 }), (d, n) => {
        const result = addMonths(d, n);
        expect(isIsoDate(result)).toBe(true);
        const [y, m, day] = d.split('-').map(Number);
        const [ry, rm, rday] = result.split('-').map(Number);
        expect(ry * 12 + rm - (y * 12 + m)).toBe(n);
        const monthEnd = new Date(Date.UTC(ry, rm, 0)).getUTCDate();
        expect(rday).toBe(Math.min(day, monthEnd));
      }),
    );
  });

  it('never goes back when more months are added (property)', () => {
    fc.assert(
      fc.property(isoDate, fc.integer({ min: -600, max: 600 }), fc.nat(600), (d, a, extra) => {
        expect(addMonths(d, a) <= addMonths(d, a + extra)).toBe(true);
      }),
    );
  });
});

describe('todayIn', () => {
  it.each([
    ['2026-03-19T16:30:00Z', '2026-03-20'],
    ['2026-03-19T15:59:59Z', '2026-03-19'],
    ['2025-12-31T23:00:00Z', '2026-01-01'],
  ])('%s is %s in Beijing', (instant, expected) => {
    expect(todayIn(new Date(instant))).toBe(expected);
  });

  it('answers as a formatter for Asia/Shanghai does, at any instant since 1991', () => {
    const beijing = new Intl.DateTimeFormat('en-CA', {
      timeZone: 'Asia/Shanghai',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
    });
    fc.assert(
      fc.property(fc.integer({ min: Date.UTC(1992, 0, 1), max: Date.UTC(2100, 0, 1) }), (at) => {
        expect(todayIn(new Date(at))).toBe(beijing.format(new Date(at)));
      }),
      { numRuns: 2000 },
    );
  });
});

describe('ruleSetInForce', () => {
  const sets = [
    { version: 1, effectiveFrom: '2000-01-01' },
    { version: 2, effectiveFrom: '2026-07-01' },
    { version: 3, effectiveFrom: '2026-07-01' },
    { version: 4, effectiveFrom: '2020-01-01' },
  ];

  it.each([
    ['1999-12-31', undefined],
    ['2000-01-01', 1],
    ['2019-12-31', 1],
    ['2020-01-01', 4],
    ['2026-06-30', 4],
    ['2026-07-01', 3],
    ['2099-01-01', 3],
  ])('on %s answers version %s', (date, version) => {
    expect(ruleSetInForce(sets, date)?.version).toBe(version);
  });

  it('answers nothing without versions', () => {
    expect(ruleSetInForce([], '2026-01-01')).toBeUndefined();
  });

  it('picks the latest start on or before the date, ties to the greatest version, in any order (property)', () => {
    const set = fc.record({ version: fc.integer({ min: 1, max: 50 }), effectiveFrom: isoDate });
    fc.assert(
      fc.property(
        fc.uniqueArray(set, { selector: (s) => s.version, maxLength: 12 }),
        isoDate,
        (list, date) => {
          const expected = [...list]
            .filter((s) => s.effectiveFrom <= date)
            .sort((a, b) => b.effectiveFrom.localeCompare(a.effectiveFrom) || b.version - a.version)[0];
          expect(ruleSetInForce(list, date)).toBe(expected);
          expect(ruleSetInForce([...list].reverse(), date)).toBe(expected);
        },
      ),
    );
  });
});

describe('validateRuleData', () => {
  it('finds nothing wrong with the seeded version 1', () => {
    expect(validateRuleData(seed())).toEqual([]);
  });

  it('holds the six review domains, fifteen measure types, and bars all six on the black list', () => {
    const rules = seed();
    expect(rules.reviewDomains.map((d) => d.code)).toEqual(SIX);
    expect(rules.measureTypes).toHaveLength(15);
    expect(rules.blackListBarredDomains).toEqual(SIX);
    expect(
      rules.measureTypes
        .filter((m) => m.isBar)
        .map((m) => m.code)
        .sort(),
    ).toEqual(
      [
        'BAN_AWARD_TITLE_APPLICATION',
        'BAN_FUNDED_ACTIVITY',
        'BAN_MANAGEMENT_ROLE',
        'BAN_NOMINATOR_REVIEWER',
        'RESTRICT_SUPERVISOR',
        'SUSPEND_AND_RECTIFY',
      ].sort(),
    );
    expect(rules.measureTypes.filter((m) => m.putsOnList).map((m) => m.code)).toEqual(['SERIOUS_DB_ENTRY']);
  });

  const cases: [string, (r: RuleData) => void, string[]][] = [
    [
      'a review domain listed twice',
      (r) => r.reviewDomains.push({ ...r.reviewDomains[0] }),
      ['RULE_CODE_DUPLICATE reviewDomains.6.code'],
    ],
    [
      'a measure type listed twice',
      (r) => r.measureTypes.push({ ...r.measureTypes[2] }),
      ['RULE_CODE_DUPLICATE measureTypes.15.code'],
    ],
    [
      'an unknown domain in a measure type',
      (r) => r.measureTypes[indexOf(r, 'BAN_FUNDED_ACTIVITY')].allowedDomains.push('MOON_LANDING'),
      ['RULE_DOMAIN_UNKNOWN measureTypes.5.allowedDomains.3'],
    ],
    [
      'a domain named twice by a measure type',
      (r) => r.measureTypes[indexOf(r, 'BAN_NOMINATOR_REVIEWER')].allowedDomains.push('AWARD'),
      ['RULE_DOMAIN_DUPLICATE measureTypes.10.allowedDomains.2'],
    ],
    [
      'a bar allowing no domain',
      (r) => (r.measureTypes[indexOf(r, 'RESTRICT_SUPERVISOR')].allowedDomains = []),
      ['RULE_BAR_DOMAINS_REQUIRED measureTypes.11.allowedDomains'],
    ],
    [
      'a measure that is not a bar naming domains',
      (r) => (r.measureTypes[indexOf(r, 'WARNING')].allowedDomains = ['AWARD']),
      ['RULE_DOMAINS_NOT_ALLOWED measureTypes.2.allowedDomains'],
    ],
    [
      'an untimed bar',
      (r) => (r.measureTypes[indexOf(r, 'BAN_MANAGEMENT_ROLE')].timing = 'NONE'),
      ['RULE_BAR_UNTIMED measureTypes.6.timing'],
    ],
    [
      'an untimed listing',
      (r) => (r.measureTypes[indexOf(r, 'SERIOUS_DB_ENTRY')].timing = 'NONE'),
      ['RULE_LISTING_UNTIMED measureTypes.13.timing'],
    ],
    [
      'an unknown domain on the black list',
      (r) => r.blackListBarredDomains.push('NOWHERE'),
      ['RULE_DOMAIN_UNKNOWN blackListBarredDomains.6'],
    ],
    [
      'two bands for one scheme and severity',
      (r) => r.severityBands.push({ ...r.severityBands[1] }),
      ['RULE_BAND_DUPLICATE severityBands.12.severity'],
    ],
    [
      'a band whose minimum exceeds its maximum',
      (r) => (r.severityBands[0].minMonths = 40),
      ['RULE_MIN_ABOVE_MAX severityBands.0.minMonths'],
    ],
    [
      'a band admitting no term',
      (r) => (r.severityBands[6].lifetime = false),
      ['RULE_BAND_EMPTY severityBands.6.maxMonths'],
    ],
    [
      'a publicity period whose minimum exceeds its maximum',
      (r) => (r.publicity.periods.GENERAL.minMonths = 13),
      ['RULE_MIN_ABOVE_MAX publicity.periods.GENERAL.minMonths'],
    ],
    [
      'a review domain removed while measure types and the black list still name it',
      (r) => (r.reviewDomains = r.reviewDomains.filter((d) => d.code !== 'AWARD')),
      [
        'RULE_DOMAIN_UNKNOWN measureTypes.8.allowedDomains.0',
        'RULE_DOMAIN_UNKNOWN measureTypes.10.allowedDomains.0',
        'RULE_DOMAIN_UNKNOWN blackListBarredDomains.4',
      ],
    ],
  ];

  it.each(cases)('reports %s', (_, mutate, expected) => {
    const rules = seed();
    mutate(rules);
    const problems = validateRuleData(rules);
    expect(codes(problems)).toEqual(expected);
    for (const p of problems) expect(p.message).toEqual(expect.any(String));
  });

  it("accepts an agency's own domain, used by a bar and the black list", () => {
    const rules = seed();
    rules.reviewDomains.push({
      code: 'PROVINCIAL_TALENT',
      label: '省级人才计划',
      description: 'not selected',
    });
    rules.measureTypes[indexOf(rules, 'BAN_AWARD_TITLE_APPLICATION')].allowedDomains.push(
      'PROVINCIAL_TALENT',
    );
    rules.blackListBarredDomains.push('PROVINCIAL_TALENT');
    expect(validateRuleData(rules)).toEqual([]);
  });

  it('reports any unknown domain a bar allows, exactly where it is (property)', () => {
    const bars = seed()
      .measureTypes.map((m, i) => ({ m, i }))
      .filter(({ m }) => m.isBar);
    fc.assert(
      fc.property(
        fc.stringMatching(/^[A-Z][A-Z0-9_]{1,39}$/).filter((c) => !SIX.includes(c)),
        fc.constantFrom(...bars),
        (code, { i }) => {
          const rules = seed();
          const at = rules.measureTypes[i].allowedDomains.push(code) - 1;
          expect(codes(validateRuleData(rules))).toEqual([
            `RULE_DOMAIN_UNKNOWN measureTypes.${i}.allowedDomains.${at}`,
          ]);
        },
      ),
    );
  });
});

describe('validateMeasure', () => {
  const rules = seed();
  const check = (measure: MeasureInput) => codes(validateMeasure(rules, measure));

  it.each<[string, MeasureInput, string[]]>([
    ['an unknown type', { type: 'FLOGGING' }, ['MEASURE_TYPE_UNKNOWN type']],
    ['an untimed measure without dates', { type: 'WARNING' }, []],
    [
      'an untimed measure given null dates',
      { type: 'WARNING', startDate: null, endDate: null, lifetime: false, domains: [] },
      [],
    ],
    [
      'an untimed measure with dates',
      { type: 'WARNING', startDate: '2026-01-01', endDate: '2026-02-01' },
      ['MEASURE_DATES_NOT_ALLOWED startDate', 'MEASURE_DATES_NOT_ALLOWED endDate'],
    ],
    [
      'an untimed measure for life',
      { type: 'ADMONITION_TALK', lifetime: true },
      ['MEASURE_DATES_NOT_ALLOWED lifetime'],
    ],
    [
      'a period without dates',
      { type: 'BAN_MANAGEMENT_ROLE', domains: ['PROJECT_FUNDING'] },
      ['MEASURE_DATES_REQUIRED startDate', 'MEASURE_DATES_REQUIRED endDate'],
    ],
    [
      'a period for life',
      {
        type: 'BAN_MANAGEMENT_ROLE',
        startDate: '2026-01-01',
        endDate: '2027-01-01',
        lifetime: true,
        domains: ['PROJECT_FUNDING'],
      },
      ['MEASURE_LIFETIME_NOT_ALLOWED lifetime'],
    ],
    [
      'a period ending before it starts',
      { type: 'SERIOUS_DB_ENTRY', startDate: '2026-05-02', endDate: '2026-05-01' },
      ['MEASURE_END_BEFORE_START endDate'],
    ],
    ['a period of one day', { type: 'SERIOUS_DB_ENTRY', startDate: '2026-05-01', endDate: '2026-05-01' }, []],
    [
      'a malformed date',
      { type: 'SERIOUS_DB_ENTRY', startDate: '2026-02-30', endDate: '2026-05-01' },
      ['MEASURE_DATE_INVALID startDate'],
    ],
    ['a deadline', { type: 'SUSPEND_AND_RECTIFY', endDate: '2026-09-30', domains: ['PROJECT_FUNDING'] }, []],
    [
      'a deadline with a start',
      {
        type: 'SUSPEND_AND_RECTIFY',
        startDate: '2026-06-01',
        endDate: '2026-09-30',
        domains: ['PROJECT_FUNDING'],
      },
      [],
    ],
    [
      'a deadline without its date',
      { type: 'SUSPEND_AND_RECTIFY', domains: ['PROJECT_FUNDING'] },
      ['MEASURE_DATES_REQUIRED endDate'],
    ],
    [
      'a deadline for life',
      { type: 'SUSPEND_AND_RECTIFY', endDate: '2026-09-30', lifetime: true, domains: ['PROJECT_FUNDING'] },
      ['MEASURE_LIFETIME_NOT_ALLOWED lifetime'],
    ],
    [
      'a lifetime bar',
      { type: 'BAN_FUNDED_ACTIVITY', startDate: '2026-01-01', lifetime: true, domains: ['PROJECT_FUNDING'] },
      [],
    ],
    [
      'a lifetime bar with an end',
      {
        type: 'BAN_FUNDED_ACTIVITY',
        startDate: '2026-01-01',
        endDate: '2030-01-01',
        lifetime: true,
        domains: ['PROJECT_FUNDING'],
      },
      ['MEASURE_DATES_NOT_ALLOWED endDate'],
    ],
    [
      'a lifetime bar without a start',
      { type: 'BAN_NOMINATOR_REVIEWER', lifetime: true, domains: ['AWARD'] },
      ['MEASURE_DATES_REQUIRED startDate'],
    ],
    [
      'a period-or-lifetime bar with neither end nor lifetime',
      { type: 'BAN_FUNDED_ACTIVITY', startDate: '2026-01-01', domains: ['PROJECT_FUNDING'] },
      ['MEASURE_DATES_REQUIRED endDate'],
    ],
    [
      'a bar naming no domain',
      { type: 'BAN_AWARD_TITLE_APPLICATION', startDate: '2026-01-01', endDate: '2029-01-01' },
      ['MEASURE_DOMAINS_REQUIRED domains'],
    ],
    [
      'a bar naming an unknown domain',
      {
        type: 'BAN_AWARD_TITLE_APPLICATION',
        startDate: '2026-01-01',
        endDate: '2029-01-01',
        domains: ['AWARD', 'MOON'],
      },
      ['MEASURE_DOMAIN_UNKNOWN domains.1'],
    ],
    [
      'a bar naming a domain its type does not cover',
      {
        type: 'BAN_AWARD_TITLE_APPLICATION',
        startDate: '2026-01-01',
        endDate: '2029-01-01',
        domains: ['PROJECT_FUNDING'],
      },
      ['MEASURE_DOMAIN_NOT_ALLOWED domains.0'],
    ],
    [
      'a bar naming a domain twice',
      {
        type: 'BAN_AWARD_TITLE_APPLICATION',
        startDate: '2026-01-01',
        endDate: '2029-01-01',
        domains: ['AWARD', 'AWARD'],
      },
      ['MEASURE_DOMAIN_DUPLICATE domains.1'],
    ],
    [
      'a measure that is not a bar naming domains',
      { type: 'REVOKE_AWARD', domains: ['AWARD'] },
      ['MEASURE_DOMAINS_NOT_ALLOWED domains'],
    ],
    [
      'the black-list entry naming domains',
      { type: 'SERIOUS_DB_ENTRY', startDate: '2026-01-01', endDate: '2029-01-01', domains: ['AWARD'] },
      ['MEASURE_DOMAINS_NOT_ALLOWED domains'],
    ],
  ])('%s', (_, measure, expected) => {
    expect(check(measure)).toEqual(expected);
  });

  it('accepts any well-formed measure of any type (property)', () => {
    const measure = fc
      .tuple(fc.constantFrom(...rules.measureTypes), isoDate, fc.nat(3650), fc.boolean(), fc.nat())
      .map(([type, start, days, lifetime, seedIndex]): MeasureInput => {
        const domains = type.isBar
          ? type.allowedDomains.filter(
              (_, i) => i === seedIndex % type.allowedDomains.length || (seedIndex >> (i + 4)) % 2 === 1,
            )
          : [];
        const end = addDays(start, days);
        switch (type.timing) {
          case 'NONE':
            return { type: type.code };
          case 'DEADLINE':
            return { type: type.code, endDate: end, domains };
          case 'PERIOD':
            return { type: type.code, startDate: start, endDate: end, domains };
          case 'PERIOD_OR_LIFETIME':
            return lifetime
              ? { type: type.code, startDate: start, lifetime: true, domains }
              : { type: type.code, startDate: start, endDate: end, domains };
        }
      });
    fc.assert(fc.property(measure, (m) => expect(check(m)).toEqual([])));
  });

  it('reports a reversed period and nothing else (property)', () => {
    fc.assert(
      fc.property(isoDate, fc.integer({ min: 1, max: 3650 }), (start, days) => {
        expect(check({ type: 'SERIOUS_DB_ENTRY', startDate: addDays(start, days), endDate: start })).toEqual([
          'MEASURE_END_BEFORE_START endDate',
        ]);
      }),
    );
  });
});

describe('barredDomains and measureDomains', () => {
  const rules = seed();

  it.each<['BLACK' | 'WATCH' | 'RED', string[]]>([
    ['BLACK', SIX],
    ['WATCH', []],
    ['RED', []],
  ])('a %s entry bars %j', (list, expected) => {
    expect(barredDomains(rules, { list })).toEqual(expected);
  });

  it('answers a copy the caller may change', () => {
    barredDomains(rules, { list: 'BLACK' }).pop();
    expect(rules.blackListBarredDomains).toEqual(SIX);
  });

  it.each<[string, { type: string; domains?: string[] }, string[]]>([
    ['a bar: the domains it names', { type: 'BAN_AWARD_TITLE_APPLICATION', domains: ['AWARD'] }, ['AWARD']],
    ['the black-list entry: every joint-punishment domain', { type: 'SERIOUS_DB_ENTRY' }, SIX],
    ['a measure that is not a bar: none', { type: 'WARNING' }, []],
    [
      'a type these rules dropped: the domains recorded on it',
      { type: 'OLD_BAN', domains: ['AWARD', 'AWARD'] },
      ['AWARD'],
    ],
  ])('%s', (_, measure, expected) => {
    expect(measureDomains(rules, measure)).toEqual(expected);
  });
});

describe('severity bands', () => {
  const rules = seed();

  it('finds a band by scheme and severity', () => {
    expect(severityBand(rules, 'NSFC_APPLICANT', 'SEVERE')).toMatchObject({ minMonths: 36, maxMonths: 60 });
    expect(severityBand(rules, 'NSFC_APPLICANT', 'MINOR')).toBeUndefined();
    expect(severityBand(rules, 'NOPE', 'SEVERE')).toBeUndefined();
  });

  it.each<[string, SeverityBand['severity'], { months: number } | { lifetime: true }, boolean]>([
    ['R2022', 'MINOR', { months: 36 }, true],
    ['R2022', 'MINOR', { months: 37 }, false],
    ['R2022', 'MINOR', { lifetime: true }, false],
    ['R2022', 'SEVERE', { months: 600 }, true],
    ['R2022', 'SEVERE', { months: 59 }, false],
    ['R2022', 'ESPECIALLY_SEVERE', { lifetime: true }, true],
    ['NSFC_APPLICANT', 'SERIOUS', { months: 12 }, true],
    ['NSFC_APPLICANT', 'SERIOUS', { months: 11 }, false],
    ['NSFC_APPLICANT', 'ESPECIALLY_SEVERE', { lifetime: true }, true],
    ['NSFC_APPLICANT', 'ESPECIALLY_SEVERE', { months: 0 }, false],
    ['NSFC_APPLICANT', 'ESPECIALLY_SEVERE', { months: 120 }, false],
    ['NSFC_PROJECT_LEAD', 'SEVERE', { months: 84 }, true],
  ])('%s %s: %j fits: %s', (scheme, severity, term, expected) => {
    expect(termFitsBand(severityBand(rules, scheme, severity)!, term)).toBe(expected);
  });

  it('fits a fixed term exactly when it lies within the band (property)', () => {
    const band = fc
      .tuple(fc.nat(240), fc.option(fc.nat(240)), fc.boolean())
      .map(([min, extra, lifetime]): SeverityBand => ({
        scheme: 'X',
        severity: 'SEVERE',
        minMonths: min,
        maxMonths: extra === null ? null : min + extra,
        lifetime,
      }))
      .filter((b) => b.maxMonths !== 0);
    fc.assert(
      fc.property(band, fc.nat(600), (b, months) => {
        const within = months >= b.minMonths && (b.maxMonths === null || months <= b.maxMonths);
        expect(termFitsBand(b, { months })).toBe(within);
        expect(termFitsBand(b, { lifetime: true })).toBe(b.lifetime);
      }),
    );
  });
});

describe('credit repair and publication (CR26)', () => {
  const rules = seed();

  it.each<[SeverityBand['severity'], string, string | null, string | null]>([
    ['MINOR', '2026-04-01', null, null],
    ['SERIOUS', '2026-04-01', '2026-07-01', '2027-04-01'],
    ['SERIOUS', '2025-11-30', '2026-02-28', '2026-11-30'],
    ['SEVERE', '2026-04-01', '2027-04-01', '2029-04-01'],
    ['ESPECIALLY_SEVERE', '2024-02-29', '2025-02-28', '2027-02-28'],
  ])('%s decided %s: repair from %s, publication ends %s', (severity, decided, repair, end) => {
    expect(earliestRepairDate(rules, severity, decided)).toBe(repair);
    expect(publicationEnd(rules, severity, decided)).toBe(end);
  });

  it('follows the rule data, not constants', () => {
    const local = seed();
    local.publicity.severityClass.MINOR = 'GENERAL';
    local.publicity.periods.GENERAL = { minMonths: 6, maxMonths: 24 };
    expect(earliestRepairDate(local, 'MINOR', '2026-01-31')).toBe('2026-07-31');
    expect(publicationEnd(local, 'MINOR', '2026-01-31')).toBe('2028-01-31');
  });

  it('never allows repair after publication ends, nor before the decision (property)', () => {
    fc.assert(
      fc.property(fc.constantFrom(...SEVERITIES), isoDate, (severity, decided) => {
        const repair = earliestRepairDate(rules, severity, decided);
        const end = publicationEnd(rules, severity, decided);
        expect(repair === null).toBe(end === null);
        if (repair !== null && end !== null) {
          expect(repair > decided).toBe(true);
          expect(repair <= end).toBe(true);
        }
      }),
    );
  });
});

describe('diffRuleData', () => {
  it('finds nothing between equal data, whatever the order of lists (property)', () => {
    fc.assert(
      fc.property(fc.nat(), (n) => {
        const a = seed();
        const b = seed();
        const rotate = <T>(xs: T[]) => xs.push(...xs.splice(0, n % Math.max(xs.length, 1)));
        rotate(b.reviewDomains);
        rotate(b.measureTypes);
        rotate(b.severityBands);
        rotate(b.blackListBarredDomains);
        b.measureTypes.forEach((m) => m.allowedDomains.reverse());
        expect(diffRuleData(a, b)).toEqual([]);
      }),
    );
  });

  it('names what was added, removed and changed', () => {
    const before = seed();
    const after = seed();
    after.redObjectionPeriodDays = 10;
    after.reviewDomains.push({ code: 'PROVINCIAL_TALENT', label: '省级人才计划', description: 'x' });
    after.measureTypes[indexOf(after, 'BAN_FUNDED_ACTIVITY')].allowedDomains.push('PROVINCIAL_TALENT');
    after.measureTypes = after.measureTypes.filter((m) => m.code !== 'DEGREE_ACTION');
    after.measureTypes[indexOf(after, 'WARNING')].putsOnList = 'BLACK';
    after.severityBands[0].maxMonths = 24;
    after.publicity.periods.SERIOUS.maxMonths = 24;
    expect(diffRuleData(before, after)).toEqual([
      { path: 'measureTypes.BAN_FUNDED_ACTIVITY.allowedDomains.PROVINCIAL_TALENT', op: 'ADDED' },
      { path: 'measureTypes.DEGREE_ACTION', op: 'REMOVED' },
      { path: 'measureTypes.WARNING.putsOnList', op: 'ADDED', after: 'BLACK' },
      { path: 'publicity.periods.SERIOUS.maxMonths', op: 'CHANGED', before: 36, after: 24 },
      { path: 'redObjectionPeriodDays', op: 'CHANGED', before: 7, after: 10 },
      { path: 'reviewDomains.PROVINCIAL_TALENT', op: 'ADDED' },
      { path: 'severityBands.R2022/MINOR.maxMonths', op: 'CHANGED', before: 36, after: 24 },
    ]);
  });

  it('lists every top-level part as added when there is no previous version', () => {
    expect(diffRuleData(undefined, seed()).map((c) => `${c.op} ${c.path}`)).toEqual(
      Object.keys(seed())
        .sort()
        .map((k) => `ADDED ${k}`),
    );
  });
});
