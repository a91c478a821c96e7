import { join } from 'node:path';
import { DataSource, DataSourceOptions } from 'typeorm';

const ROOT = join(__dirname, '..', '..');

/**
 * The one description of the database connection, shared by the service, the CLI and the tests.
 * Entities and migrations are found by file name so that a new feature or a generated migration needs
 * no registration; the same globs match the TypeScript sources (tests) and the compiled output (dist).
 * The schema comes only from migrations: `synchronize` stays off.
 */
export function dataSourceOptions(url: string, poolSize = 10): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    entities: [join(ROOT, 'src', '**', '*.entity.{ts,js}')],
    migrations: [join(ROOT, 'migrations', '*.{ts,js}')],
    migrationsTableName: 'typeorm_migrations',
    migrationsTransactionMode: 'each',
    synchronize: false,
    // Extensions are created by migrations; generated uuids use pgcrypto's gen_random_uuid().
    installExtensions: false,
    uuidExtension: 'pgcrypto',
    logging: false,
    extra: { max: poolSize, application_name: 'research-integrity-registry' },
  };
}

export function createDataSource(url: string, poolSize?: number): DataSource {
  return new DataSource(dataSourceOptions(url, poolSize));
}
