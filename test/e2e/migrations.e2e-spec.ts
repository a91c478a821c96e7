import { DataSource } from 'typeorm';
import { createDataSource } from '../../src/database/data-source';
import { createTestDatabase, TestDatabase } from '../database';

const tables = async (ds: DataSource): Promise<string[]> =>
  (
    await ds.query<{ table_name: string }[]>(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_name <> 'typeorm_migrations' ORDER BY 1",
    )
  ).map((r) => r.table_name);

const extensions = async (ds: DataSource): Promise<string[]> =>
  (
    await ds.query<{ extname: string }[]>(
      "SELECT extname FROM pg_extension WHERE extname <> 'plpgsql' ORDER BY 1",
    )
  ).map((r) => r.extname);

describe('migrations', () => {
  let db: TestDatabase;
  let ds: DataSource;

  beforeAll(async () => {
    db = await createTestDatabase({ empty: true });
    ds = createDataSource(db.url, 1);
    await ds.initialize();
  });

  afterAll(async () => {
    await ds?.destroy();
    await db?.drop();
  });

  it('apply in order on an empty database, revert one by one to nothing, and apply again', async () => {
    const applied = await ds.runMigrations({ transaction: 'each' });
    expect(applied.map((m) => m.name)).toEqual(ds.migrations.map((m) => m.name));
    const schema = { tables: await tables(ds), extensions: await extensions(ds) };
    expect(schema.extensions).toEqual(expect.arrayContaining(['pg_trgm', 'pgcrypto']));

    for (let i = 0; i < applied.length; i++) await ds.undoLastMigration({ transaction: 'each' });
    expect(await tables(ds)).toEqual([]);
    expect(await extensions(ds)).toEqual([]);
    expect(await ds.query('SELECT * FROM typeorm_migrations')).toEqual([]);

    await ds.runMigrations({ transaction: 'each' });
    expect({ tables: await tables(ds), extensions: await extensions(ds) }).toEqual(schema);
  });

  it('leave nothing for the entities to change (no schema drift)', async () => {
    const pending = await ds.driver.createSchemaBuilder().log();
    expect(pending.upQueries.map((q) => q.query)).toEqual([]);
  });

  it('are named <timestamp>-<PascalName> with a matching class name', () => {
    for (const migration of ds.migrations) expect(migration.name).toMatch(/^[A-Z][A-Za-z0-9]*\d{13}$/);
  });
});
