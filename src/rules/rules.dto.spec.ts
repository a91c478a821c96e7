import { RULE_DATA_V1 } from '../../migrations/1764300200000-CreateRuleSets';
import { RuleData } from './rules';
import { validateRuleDataShape } from './rules.dto';

const seed = (): RuleData => structuredClone(RULE_DATA_V1) as RuleData;
const fields = (value: unknown) => validateRuleDataShape(value).map((d) => `${d.code} ${d.field}`);

describe('validateRuleDataShape', () => {
  it('accepts the seeded version 1', () => {
    expect(validateRuleDataShape(seed())).toEqual([]);
  });

  it.each([null, [], 'rules', 7])('refuses %j as a whole', (value) => {
    expect(fields(value)).toEqual(['IS_OBJECT ']);
  });

  const cases: [string, (r: Record<string, unknown> & RuleData) => void, string[]][] = [
    ['an unknown field', (r) => (r.extra = 1), ['UNKNOWN_FIELD extra']],
    [
      'an unknown nested field',
      (r) => Object.assign(r.measureTypes[0], { colour: 'red' }),
      ['UNKNOWN_FIELD measureTypes.0.colour'],
    ],
    ['a missing part', (r) => delete (r as Partial<RuleData>).publicity, ['IS_DEFINED publicity']],
    ['a lower-case code', (r) => (r.reviewDomains[1].code = 'award'), ['MATCHES reviewDomains.1.code']],
    [
      'an unknown timing',
      (r) => Object.assign(r.measureTypes[3], { timing: 'SOMETIMES' }),
      ['IS_IN measureTypes.3.timing'],
    ],
    [
      'a malformed domain code',
      (r) => r.measureTypes[5].allowedDomains.push('x y'),
      ['MATCHES measureTypes.5.allowedDomains'],
    ],
    [
      'a list other than BLACK',
      (r) => Object.assign(r.measureTypes[13], { putsOnList: 'RED' }),
      ['IS_IN measureTypes.13.putsOnList'],
    ],
    [
      'an unknown severity',
      (r) => Object.assign(r.severityBands[0], { severity: 'MILD' }),
      ['IS_IN severityBands.0.severity'],
    ],
    ['a fractional month', (r) => (r.severityBands[0].minMonths = 1.5), ['IS_INT severityBands.0.minMonths']],
    [
      'a missing maximum',
      (r) => delete (r.severityBands[0] as Partial<RuleData['severityBands'][0]>).maxMonths,
      ['IS_INT severityBands.0.maxMonths'],
    ],
    [
      'a negative period',
      (r) => (r.publicity.periods.SERIOUS.minMonths = -1),
      ['MIN publicity.periods.SERIOUS.minMonths'],
    ],
    [
      'an unknown publicity class',
      (r) => Object.assign(r.publicity.severityClass, { MINOR: 'SECRET' }),
      ['IS_IN publicity.severityClass.MINOR'],
    ],
    ['a zero objection period', (r) => (r.redObjectionPeriodDays = 0), ['MIN redObjectionPeriodDays']],
    ['no review domain', (r) => (r.reviewDomains = []), ['ARRAY_MIN_SIZE reviewDomains']],
    [
      'a figure given as text',
      (r) => Object.assign(r, { disclosureMaxYears: '5' }),
      ['IS_INT disclosureMaxYears'],
    ],
    [
      'a label given as a number',
      (r) => Object.assign(r.reviewDomains[0], { label: 5 }),
      ['IS_STRING reviewDomains.0.label'],
    ],
    ['a list given as text', (r) => Object.assign(r, { measureTypes: 'all' }), ['IS_ARRAY measureTypes']],
    [
      'a missing procedure limit',
      (r) => delete (r.procedure as Partial<RuleData['procedure']>).appealWorkingDays,
      ['IS_INT procedure.appealWorkingDays'],
    ],
  ];

  it.each(cases)('names the field of %s', (_, mutate, expected) => {
    const rules = seed() as Record<string, unknown> & RuleData;
    mutate(rules);
    expect(fields(rules)).toEqual(expected);
  });

  it('accepts a band without an upper limit', () => {
    const rules = seed();
    rules.severityBands[0].maxMonths = null;
    expect(validateRuleDataShape(rules)).toEqual([]);
  });
});
