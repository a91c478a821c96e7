import 'reflect-metadata';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DataSource } from 'typeorm';
import { createLogger } from './common/logging/logger';
import { EnvError, validateEnv } from './config/env';
import { createDataSource } from './database/data-source';
import { openDatabase } from './database/open-database';

const USAGE = `Usage: npm run cli -- <command> [options]

Commands:
  migration:run                 apply every pending migration
  migration:revert              undo the last applied migration
  migration:generate <Name>     write migrations/<timestamp>-<Name>.ts from the entities' difference to the schema
  migration:show                list migrations and whether each is applied

The database is DATABASE_URL, or the embedded PostgreSQL under DATA_DIR when it is unset.`;

type Command = (dataSource: DataSource, args: string[]) => Promise<void>;

const out = (line: string): void => void process.stdout.write(`${line}\n`);

const commands: Record<string, Command> = {
  'migration:run': async (ds) => {
    const applied = await ds.runMigrations({ transaction: 'each' });
    out(applied.length ? applied.map((m) => `applied ${m.name}`).join('\n') : 'no pending migrations');
  },
  'migration:revert': async (ds) => {
    const before = await ds.query('SELECT name FROM typeorm_migrations ORDER BY id DESC LIMIT 1');
    await ds.undoLastMigration({ transaction: 'each' });
    out(before.length ? `reverted ${before[0].name}` : 'no migration to revert');
  },
  'migration:show': async (ds) => {
    const executed = new Set(
      (await ds.query('SELECT name FROM typeorm_migrations')).map((r: { name: string }) => r.name),
    );
    for (const m of ds.migrations) out(`${executed.has(m.name!) ? '[x]' : '[ ]'} ${m.name}`);
  },
  'migration:generate': async (ds, args) => {
    const name = args[0];
    if (!name || !/^[A-Z][A-Za-z0-9]*$/.test(name))
      throw new UsageError('migration:generate needs a PascalCase name');
    const sql = await ds.driver.createSchemaBuilder().log();
    if (sql.upQueries.length === 0) {
      out('the entities match the schema: nothing to generate');
      return;
    }
    const timestamp = Date.now();
    const q = (query: string) => `    await queryRunner.query(${JSON.stringify(query)});`;
    // npm runs scripts from the project's root, where migrations/ holds the sources.
    await writeFile(
      join(process.cwd(), 'migrations', `${timestamp}-${name}.ts`),
      `import { MigrationInterface, QueryRunner } from 'typeorm';

export class ${name}${timestamp} implements MigrationInterface {
  name = '${name}${timestamp}';

  async up(queryRunner: QueryRunner): Promise<void> {
${sql.upQueries.map((u) => q(u.query)).join('\n')}
  }

  async down(queryRunner: QueryRunner): Promise<void> {
${sql.downQueries
  .reverse()
  .map((d) => q(d.query))
  .join('\n')}
  }
}
`,
    );
    out(`wrote migrations/${timestamp}-${name}.ts: read it, edit it, and run npm run lint -- --fix`);
  },
};

class UsageError extends Error {}

async function main(argv: string[]): Promise<number> {
  const { positionals } = parseArgs({ args: argv, allowPositionals: true, strict: false });
  const [name, ...args] = positionals;
  const command = name ? commands[name] : undefined;
  if (!command) {
    process.stderr.write(`${name ? `unknown command: ${name}\n\n` : ''}${USAGE}\n`);
    return 2;
  }
  const env = validateEnv(process.env);
  const logger = createLogger({ ...env, LOG_LEVEL: env.LOG_LEVEL === 'info' ? 'warn' : env.LOG_LEVEL });
  const database = await openDatabase(env, logger);
  const dataSource = createDataSource(database.url, 2);
  try {
    await dataSource.initialize();
    await command(dataSource, args);
    return 0;
  } finally {
    if (dataSource.isInitialized) await dataSource.destroy();
    await database.stop();
  }
}

main(process.argv.slice(2))
  .then((code) => process.exit(code))
  .catch((error: unknown) => {
    if (error instanceof EnvError || error instanceof UsageError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(2);
    }
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  });
