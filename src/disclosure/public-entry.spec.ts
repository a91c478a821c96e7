import { RULE_DATA_V1 } from '../../migrations/1764300200000-CreateRuleSets';
import { KnownListing } from '../listings/in-force';
import { RuleData } from '../rules/rules';
import { disclosureOn } from './public-entry';

const rules = structuredClone(RULE_DATA_V1) as RuleData;
const approved = (over: Partial<KnownListing> = {}): KnownListing => ({
  approved: true,
  rejected: false,
  period: { from: '2026-01-10', to: '2030-01-09' },
  termination: null,
  ...over,
});
const black = (severity: string, decisionDate = '2026-01-10') => ({
  listType: 'BLACK',
  caseSeverity: severity,
  caseDecisionDate: decisionDate,
});

describe('disclosureOn', () => {
  it('shows a BLACK entry from its decision date until the day before the publicity term ends', () => {
    // SEVERE: the SERIOUS publicity class, 36 months at most (rule data v1).
    expect(disclosureOn(black('SEVERE'), approved(), '2026-01-10', rules)).toEqual({
      shown: true,
      publicUntil: '2029-01-09',
    });
    expect(disclosureOn(black('SEVERE'), approved(), '2029-01-09', rules).shown).toBe(true);
    expect(disclosureOn(black('SEVERE'), approved(), '2029-01-10', rules).shown).toBe(false);
    // SERIOUS: the GENERAL class, 12 months.
    expect(disclosureOn(black('SERIOUS'), approved(), '2027-01-09', rules).shown).toBe(true);
    expect(disclosureOn(black('SERIOUS'), approved(), '2027-01-10', rules).shown).toBe(false);
  });

  it('never shows a MINOR decision, a BLACK entry without a decided case, or WATCH', () => {
    expect(disclosureOn(black('MINOR'), approved(), '2026-02-01', rules).shown).toBe(false);
    expect(
      disclosureOn(
        { listType: 'BLACK', caseSeverity: null, caseDecisionDate: null },
        approved(),
        '2026-02-01',
        rules,
      ).shown,
    ).toBe(false);
    expect(
      disclosureOn({ ...black('SEVERE'), listType: 'WATCH' }, approved(), '2026-02-01', rules).shown,
    ).toBe(false);
  });

  it('hides an entry that does not count today: not approved, not yet effective, ended, revoked, repaired', () => {
    const day = '2026-06-01';
    expect(disclosureOn(black('SEVERE'), approved({ approved: false }), day, rules).shown).toBe(false);
    expect(
      disclosureOn(black('SEVERE'), approved({ period: { from: '2026-06-02', to: null } }), day, rules).shown,
    ).toBe(false);
    expect(
      disclosureOn(
        black('SEVERE'),
        approved({ period: { from: '2026-01-10', to: '2026-05-31' } }),
        day,
        rules,
      ).shown,
    ).toBe(false);
    for (const reason of ['REVOKED', 'REPAIRED'] as const) {
      const ended = approved({ termination: { from: day, reason } });
      expect(disclosureOn(black('SEVERE'), ended, day, rules).shown).toBe(false);
      // The day before the act takes effect, it is still shown.
      expect(disclosureOn(black('SEVERE'), ended, '2026-05-31', rules).shown).toBe(true);
    }
  });

  it('shows a RED entry while it counts, without a publicity end', () => {
    const red = { listType: 'RED', caseSeverity: null, caseDecisionDate: null };
    expect(disclosureOn(red, approved(), '2026-06-01', null)).toEqual({ shown: true, publicUntil: null });
    expect(
      disclosureOn(
        red,
        approved({ termination: { from: '2026-06-01', reason: 'ENDED' } }),
        '2026-06-01',
        null,
      ).shown,
    ).toBe(false);
  });
});
