import { seedDemo } from '../../src/demo/demo-seeder';
import { AuditService } from '../../src/audit/audit.service';
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
    expect(lines.at(-1)).toBe(
      `loaded 10 decided cases, ${counts.black} approved BLACK entries and 3 RED candidates`,
    );

    await seedDemo(t.app, (l) => lines.push(l), 10);
    expect(lines.at(-1)).toBe('the demo data set is already loaded');
    const [{ n }] = await t.dataSource.query('SELECT count(*)::int AS n FROM misconduct_case');
    expect(n).toBe(10);
    await expect(t.app.get(AuditService).verify()).resolves.toMatchObject({ ok: true });
  });
});
