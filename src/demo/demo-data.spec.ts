import { normalizeResidentId, normalizeUscc } from '../identifiers/identifiers';
import { generator, residentId, uscc } from './demo-data';

describe('demo data', () => {
  it('makes valid resident IDs and USCCs', () => {
    const g = generator(42);
    for (let i = 0; i < 500; i++) {
      expect(normalizeResidentId(residentId(g))).toMatchObject({ ok: true });
      expect(normalizeUscc(uscc(g))).toMatchObject({ ok: true });
    }
  });

  it('is the same for the same seed', () => {
    expect(residentId(generator(7))).toBe(residentId(generator(7)));
    expect(uscc(generator(7))).toBe(uscc(generator(7)));
  });
});
