import { seedDemo } from '../../src/demo/demo-seeder';
import { AuditService } from '../../src/audit/audit.service';
import { IdentifierType, normalizeIdentifier } from '../../src/identifiers/identifiers';
import { PersonalDataProtector } from '../../src/personal-data/personal-data.protector';
import { createTestApp, TestApp } from '../app';

describe('seed:demo', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp();
  });

  afterAll(async () => {
    await t?.close();
  });

  it('loads decided cases, subjects with valid identifiers and approved BLACK entries, once', async () => {
    const lines: string[] = [];
    await seedDemo(t.app, (l) => lines.push(l), 10);
    const [counts] = await t.dataSource.query(
      `SELECT (SELECT count(*) FROM misconduct_case)::int AS cases,
              (SELECT count(*) FROM subject)::int AS subjects,
              (SELECT count(*) FROM listing WHERE list_type = 'BLACK' AND status = 'ACTIVE')::int AS black,
              (SELECT count(*) FROM listing WHERE list_type = 'RED' AND status = 'PROPOSED')::int AS red,
              (SELECT count(*) FROM app_user WHERE username LIKE 'demo.%')::int AS users`,
    );
    expect(counts.cases).toBe(10);
    expect(counts.subjects).toBeGreaterThanOrEqual(13);
    expect(counts.red).toBe(3);
    expect(counts.users).toBe(3);
    expect(counts.black).toBeGreaterThan(0);
    expect(lines.at(-1)).toBe(
      `loaded 10 decided cases, ${counts.black} approved BLACK entries and 3 RED candidates`,
    );

    // Every stored identifier is valid and in normal form, and masked as its type requires.
    const identifiers: { type: IdentifierType; masked: string; ciphertext: Buffer }[] =
      await t.dataSource.query('SELECT type, masked, ciphertext FROM subject_identifier');
    expect(new Set(identifiers.map((i) => i.type))).toEqual(new Set(['RESIDENT_ID', 'USCC']));
    const protector = t.app.get(PersonalDataProtector);
    for (const { type, masked, ciphertext } of identifiers) {
      const value = protector.decrypt(ciphertext);
      expect(normalizeIdentifier(type, value)).toEqual({ ok: true, value });
      // A resident ID keeps its first 6 and last 4 characters; a USCC is public and shown in full.
      expect(masked).toBe(type === 'RESIDENT_ID' ? `${value.slice(0, 6)}********${value.slice(14)}` : value);
    }

    await seedDemo(t.app, (l) => lines.push(l), 10);
    expect(lines.at(-1)).toBe('the demo data set is already loaded');
    const [{ n }] = await t.dataSource.query('SELECT count(*)::int AS n FROM misconduct_case');
    expect(n).toBe(10);
    await expect(t.app.get(AuditService).verify()).resolves.toMatchObject({ ok: true });
  });
});
