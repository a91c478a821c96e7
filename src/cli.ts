import 'reflect-metadata';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { createInterface } from 'node:readline';
import { DataSource } from 'typeorm';
import { AppModule } from './app.module';
import { describeVerification } from './audit/audit.controller';
import { seedDemo } from './demo/demo-seeder';
import { AuditService } from './audit/audit.service';
import { PASSWORD_MIN_LENGTH } from './auth/password';
import { ALL_ROLES, Role } from './auth/principal';
import { systemContext } from './common/request-context';
import { generateSecrets, resolveSecrets } from './config/secrets';
import { USERNAME_PATTERN } from './users/users.dto';
import { UsersService } from './users/users.service';
import { AppError } from './common/errors/app-error';
import { createLogger } from './common/logging/logger';
import { EnvError, validateEnv } from './config/env';
import { BackupError, backupDatabase, restoreDatabase } from './database/backup';
import { createDataSource } from './database/data-source';
import { openDatabase } from './database/open-database';
import { ReceiptKeys } from './receipts/receipt-keys';
import type { JwkSet } from './receipts/receipt-signature';
import { describeReceiptVerification, loadJwks, verifyReceiptText } from './receipts/receipt-verify-offline';
import { describeDrawVerification, DrawDocument, verifyDrawDocument } from './inspections/draw-document';

const USAGE = `Usage: npm run cli -- <command> [options]
       node dist/src/cli.js <command> [options]     (in the container image, or after npm run build)

Commands:
  migration:run                 apply every pending migration
  migration:revert              undo the last applied migration
  migration:generate <Name>     write migrations/<timestamp>-<Name>.ts from the entities' difference to the schema
  migration:show                list migrations and whether each is applied
  user:create --username <name> --role <ROLE> [--role <ROLE>...] [--display-name <text>]
                                create a user; the password is read from standard input (or prompted for)
  audit:verify                  recompute the audit chain; exit code 3 when it is broken
  backup <file>                 write a consistent backup of the database to <file> (gzipped; the service may run)
  restore <file>                restore a backup into an empty database (a fresh DATA_DIR, or a new DATABASE_URL)
  seed:demo                     load a demo data set (synthetic people and companies, decided cases, list entries)
  receipt:verify <FILE> [--keys <JWKS file or URL>]
                                verify a signed receipt or certificate manifest (JSON) offline; the keys are a
                                JWK set as GET /api/v1/receipts/keys publishes it, by default this installation's
                                (RECEIPT_SIGNING_KEY, RECEIPT_VERIFY_KEYS); exit code 3 when it is invalid
  draw:verify <DRAW> <TARGETS> <INSPECTORS>
                                replay a published random-inspection draw offline: DRAW is GET
                                /api/v1/public/inspections/{id} (or its draw member) as a file, TARGETS and INSPECTORS
                                the pool exports of …/{id}/targets and …/{id}/inspectors; exit code 3 when it does
                                not reproduce (docs/inspections.md)
  secrets:generate              print fresh JWT_SECRET, PII_HMAC_KEY, PII_ENCRYPTION_KEYS and RECEIPT_SIGNING_KEY
                                lines for an env file
                                (needs no database; for a new installation only)
  help                          this list (also --help, or no command)

Roles: ${ALL_ROLES.join(', ')}.
The database is DATABASE_URL, or the embedded PostgreSQL under DATA_DIR when it is unset.`;

type StandaloneCommand = (args: string[], options: Options) => Promise<number | void> | number | void;
type DatabaseCommand = (dataSource: DataSource, args: string[]) => Promise<void>;
type AppCommand = (app: INestApplicationContext, options: Options) => Promise<number | void>;
type Options = Record<string, string | boolean | (string | boolean)[] | undefined>;

const out = (line: string): void => void process.stdout.write(`${line}\n`);

/** Reads a password: all of standard input when piped, a prompt without echo in a terminal. */
async function readPassword(): Promise<string> {
  if (!process.stdin.isTTY) {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks)
      .toString('utf8')
      .replace(/\r?\n$/, '');
  }
  const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: true });
  const output = rl as unknown as { _writeToOutput: (s: string) => void };
  const ask = (prompt: string) =>
    new Promise<string>((resolve) => {
      process.stdout.write(prompt);
      output._writeToOutput = () => undefined;
      rl.question('', (answer) => {
        process.stdout.write('\n');
        resolve(answer);
      });
    });
  try {
    const first = await ask('Password: ');
    const again = await ask('Again: ');
    if (first !== again) throw new UsageError('the passwords differ');
    return first;
  } finally {
    rl.close();
  }
}

/** Commands that need no database. */
const standaloneCommands: Record<string, StandaloneCommand> = {
  'receipt:verify': async (args, options) => {
    const [file] = args;
    if (!file) throw new UsageError('receipt:verify needs the file to verify');
    const text = await readFile(file, 'utf8');
    const jwks = typeof options.keys === 'string' ? await loadJwks(options.keys) : await configuredJwks();
    const result = verifyReceiptText(text, jwks);
    out(describeReceiptVerification(file, result));
    return result.valid ? 0 : 3;
  },
  'draw:verify': async (args) => {
    if (args.length !== 3)
      throw new UsageError('draw:verify needs the draw file and the two pool export files');
    const [drawFile, targetsFile, inspectorsFile] = await Promise.all(
      args.map(async (file) => {
        try {
          return JSON.parse(await readFile(userPath(file), 'utf8')) as Record<string, unknown>;
        } catch (error) {
          throw new UsageError(`${file}: ${error instanceof Error ? error.message : String(error)}`);
        }
      }),
    );
    // The public inspection carries the document as its `draw` member.
    const doc = (typeof drawFile.format === 'string' ? drawFile : drawFile.draw) as DrawDocument;
    const verified = verifyDrawDocument(doc, targetsFile as never, inspectorsFile as never);
    out(describeDrawVerification(verified));
    return verified.ok ? 0 : 3;
  },
  'secrets:generate': () => {
    for (const [variable, value] of Object.entries(generateSecrets())) out(`${variable}=${value}`);
    // On standard error, so that `> .env` captures the four lines alone.
    process.stderr.write(
      'New secrets, for a new installation: keep them in your secret store. Never swap the keys of an ' +
        'installation holding data for new ones: its identifiers would become unreadable (rotation: ' +
        'docs/personal-data.md).\n',
    );
  },
};

const appCommands: Record<string, AppCommand> = {
  'user:create': async (app, options) => {
    const username = String(options.username ?? '')
      .trim()
      .toLowerCase();
    const roles = [options.role ?? []].flat().map(String);
    if (!USERNAME_PATTERN.test(username))
      throw new UsageError('--username must be 3-64 characters: a-z, 0-9, . _ -');
    const unknown = roles.filter((r) => !ALL_ROLES.includes(r as Role));
    if (roles.length === 0 || unknown.length)
      throw new UsageError(`--role must be one of ${ALL_ROLES.join(', ')}`);
    const password = await readPassword();
    if (password.length < PASSWORD_MIN_LENGTH) {
      throw new UsageError(`the password must be at least ${PASSWORD_MIN_LENGTH} characters`);
    }
    const user = await app.get(UsersService).create(systemContext('cli'), {
      username,
      displayName: String(options['display-name'] ?? username),
      password,
      roles: roles as Role[],
    });
    out(`created user ${user.username} (${user.id}) with roles ${user.roles.join(', ')}`);
  },
  'seed:demo': async (app) => {
    await seedDemo(app, out);
  },
  'audit:verify': async (app) => {
    const result = await app.get(AuditService).verify();
    out(describeVerification(result));
    return result.ok ? 0 : 3;
  },
};

const databaseCommands: Record<string, DatabaseCommand> = {
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
    out(`wrote migrations/${timestamp}-${name}.ts: read it, edit it, and run npm run format`);
  },
};

/** Commands that work on the database's URL (their own connections). */
type UrlCommand = (url: string, args: string[]) => Promise<void>;

/** A file named on the command line: npm runs scripts from the project's root, INIT_CWD is where it was called. */
const userPath = (file: string) => resolve(process.env.INIT_CWD ?? process.cwd(), file);
const sizeOf = async (file: string) => `${((await stat(file)).size / 1024).toFixed(1)} KiB`;
const totalRows = (rows: Record<string, number>) => Object.values(rows).reduce((a, b) => a + b, 0);

const urlCommands: Record<string, UrlCommand> = {
  backup: async (url, args) => {
    if (!args[0]) throw new UsageError('backup needs a file name: npm run cli -- backup <file>');
    const started = Date.now();
    const summary = await backupDatabase(url, userPath(args[0]));
    out(
      `backed up ${totalRows(summary.rows)} rows of ${summary.tables} tables (schema: ${summary.migrations} ` +
        `migrations) to ${args[0]}, ${await sizeOf(userPath(args[0]))}, in ${Date.now() - started} ms`,
    );
  },
  restore: async (url, args) => {
    if (!args[0]) throw new UsageError('restore needs a file name: npm run cli -- restore <file>');
    const started = Date.now();
    const summary = await restoreDatabase(url, userPath(args[0]));
    out(
      `restored ${totalRows(summary.rows)} rows of ${summary.tables} tables (schema: ${summary.migrations} ` +
        `migrations) from ${args[0]} in ${Date.now() - started} ms`,
    );
  },
};

class UsageError extends Error {}

/** The public keys of this installation's configuration, as the service publishes them. */
async function configuredJwks(): Promise<JwkSet> {
  const env = validateEnv(process.env);
  const secrets = await resolveSecrets(env, createLogger({ ...env, LOG_LEVEL: 'error' }));
  return new ReceiptKeys(secrets, env).jwks();
}

/** The table's own entry only: `toString` or `constructor` are not commands. */
const command = <T>(table: Record<string, T>, name: string): T | undefined =>
  Object.hasOwn(table, name) ? table[name] : undefined;

async function main(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: false,
    options: {
      role: { type: 'string', multiple: true },
      username: { type: 'string' },
      'display-name': { type: 'string' },
      keys: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [name, ...args] = positionals;
  if (!name || name === 'help' || values.help === true) {
    out(USAGE);
    return 0;
  }
  const standaloneCommand = command(standaloneCommands, name);
  if (standaloneCommand) return (await standaloneCommand(args, values)) ?? 0;
  const databaseCommand = command(databaseCommands, name);
  const appCommand = command(appCommands, name);
  const urlCommand = command(urlCommands, name);
  if (!databaseCommand && !appCommand && !urlCommand) {
    process.stderr.write(`unknown command: ${name}\n\n${USAGE}\n`);
    return 2;
  }
  const env = validateEnv(process.env);
  const logger = createLogger({ ...env, LOG_LEVEL: env.LOG_LEVEL === 'info' ? 'warn' : env.LOG_LEVEL });
  const secrets = await resolveSecrets(env, logger);
  const database = await openDatabase(env, logger);
  try {
    if (urlCommand) {
      await urlCommand(database.url, args);
      return 0;
    }
    if (databaseCommand) {
      const dataSource = createDataSource(database.url, 2);
      await dataSource.initialize();
      try {
        await databaseCommand(dataSource, args);
        return 0;
      } finally {
        await dataSource.destroy();
      }
    }
    const app = await NestFactory.createApplicationContext(
      AppModule.forRoot({ env, databaseUrl: database.url, secrets }, logger),
      { abortOnError: false, logger: false },
    );
    try {
      return (await appCommand!(app, values)) ?? 0;
    } finally {
      await app.close();
    }
  } finally {
    await database.stop();
  }
}

main(process.argv.slice(2))
  .then((code) => process.exit(code))
  .catch((error: unknown) => {
    if (
      error instanceof EnvError ||
      error instanceof UsageError ||
      error instanceof AppError ||
      error instanceof BackupError
    ) {
      process.stderr.write(`${error.message}\n`);
      process.exit(2);
    }
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  });
