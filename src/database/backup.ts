import { createReadStream, createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { PassThrough, Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip } from 'node:zlib';
import { Client } from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { createDataSource } from './data-source';

/**
 * Backup and restore of a registry database (docs/reliability.md, "Backup and restore").
 *
 * The embedded distribution ships no pg_dump, and a machine's pg_dump must be at least as new as the
 * server (18), so the registry writes its own logical backup: the list of applied migrations, then
 * every table's rows in PostgreSQL's COPY text format, all read in one REPEATABLE READ snapshot (a
 * consistent copy while the service runs), gzipped. Restore builds the schema by running the same
 * migrations into an empty database, then copies the rows back with triggers and foreign keys held
 * off (session_replication_role = replica: a superuser, as the embedded server's is) and sets every
 * sequence past its column's largest value.
 *
 * File: a JSON header line, then per table a JSON line `{ table, columns }` followed by its COPY data
 * ending with the line `\.`, then a JSON trailer line with the row counts.
 */

export const BACKUP_FORMAT = 'research-integrity-registry-backup';
const BACKUP_VERSION = 1;
const END_OF_DATA = '\\.';

interface Header {
  format: string;
  version: number;
  createdAt: string;
  serverVersion: string;
  migrations: string[];
}
interface TableStart {
  table: string;
  columns: string[];
}
interface Trailer {
  rows: Record<string, number>;
}

export interface BackupSummary {
  migrations: number;
  tables: number;
  rows: Record<string, number>;
}

export class BackupError extends Error {}

const ident = (client: Client, name: string) => client.escapeIdentifier(name);

/** The tables of the schema with their copyable columns (not generated), in a stable order. */
async function tablesOf(client: Client): Promise<TableStart[]> {
  const { rows } = await client.query<{ table: string; columns: string[] }>(
    `SELECT c.relname::text AS table, array_agg(a.attname::text ORDER BY a.attnum) AS columns
       FROM pg_class c
       JOIN pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
      WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND c.relname <> 'typeorm_migrations'
      GROUP BY c.relname ORDER BY c.relname`,
  );
  return rows;
}

/** Writes a backup of the database at `url` to `file` (through a temporary file, renamed when complete). */
export async function backupDatabase(url: string, file: string): Promise<BackupSummary> {
  const client = new Client({ connectionString: url });
  await client.connect();
  const partial = `${file}.partial`;
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const migrations = (
      await client.query<{ name: string }>('SELECT name FROM typeorm_migrations ORDER BY id')
    ).rows;
    const [{ server_version: serverVersion }] = (
      await client.query<{ server_version: string }>('SHOW server_version')
    ).rows;
    const tables = await tablesOf(client);
    const out = new PassThrough();
    const writing = pipeline(out, createGzip(), createWriteStream(partial, { mode: 0o600 }));
    const write = (text: string) =>
      out.write(text) ? Promise.resolve() : new Promise<void>((r) => out.once('drain', () => r()));
    const header: Header = {
      format: BACKUP_FORMAT,
      version: BACKUP_VERSION,
      createdAt: new Date().toISOString(),
      serverVersion,
      migrations: migrations.map((m) => m.name),
    };
    await write(`${JSON.stringify(header)}\n`);
    const rows: Record<string, number> = {};
    for (const t of tables) {
      await write(`${JSON.stringify(t)}\n`);
      const columns = t.columns.map((c) => ident(client, c)).join(', ');
      const source = client.query(copyTo(`COPY ${ident(client, t.table)} (${columns}) TO STDOUT`));
      let count = 0;
      await pipeline(
        source,
        new Writable({
          write(chunk: Buffer, _encoding, done) {
            for (const byte of chunk) if (byte === 0x0a) count++;
            if (out.write(chunk)) done();
            else out.once('drain', () => done());
          },
        }),
      );
      rows[t.table] = count;
      await write(`${END_OF_DATA}\n`);
    }
    const trailer: Trailer = { rows };
    out.end(`${JSON.stringify(trailer)}\n`);
    await writing;
    await client.query('COMMIT');
    await rename(partial, file);
    return { migrations: migrations.length, tables: tables.length, rows };
  } catch (error) {
    await rm(partial, { force: true });
    throw error;
  } finally {
    await client.end();
  }
}

/**
 * Restores `file` into the empty database at `url`: its migrations are run (they must be exactly the
 * backup's), then the rows copied back in one transaction.
 * @throws BackupError when the file is not a backup, the database is not empty or the migrations differ.
 */
export async function restoreDatabase(url: string, file: string): Promise<BackupSummary> {
  const lines = createInterface({ input: createReadStream(file).pipe(createGunzip()), crlfDelay: Infinity });
  const iterator = lines[Symbol.asyncIterator]();
  const next = async (): Promise<string | undefined> => {
    const r = await iterator.next();
    return r.done ? undefined : r.value;
  };
  let header: Header;
  try {
    header = JSON.parse((await next()) ?? '') as Header;
  } catch {
    throw new BackupError(`${file} is not a registry backup`);
  }
  if (header.format !== BACKUP_FORMAT || header.version !== BACKUP_VERSION) {
    throw new BackupError(`${file} is not a registry backup of version ${BACKUP_VERSION}`);
  }

  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const { rows: existing } = await client.query(
      "SELECT 1 FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'typeorm_migrations' LIMIT 1",
    );
    if (existing.length) {
      throw new BackupError(
        'restore needs an empty database: a fresh DATA_DIR, or a new database in DATABASE_URL',
      );
    }
    const dataSource = createDataSource(url, 1);
    await dataSource.initialize();
    try {
      const known = [...dataSource.migrations]
        .sort((a, b) => Number(/\d+$/.exec(a.name ?? '')?.[0]) - Number(/\d+$/.exec(b.name ?? '')?.[0]))
        .map((m) => m.name);
      if (known.join() !== header.migrations.join()) {
        throw new BackupError(
          `the backup's schema (${header.migrations.length} migrations, the last ${header.migrations.at(-1)}) is ` +
            `not this version's (${known.length}, the last ${known.at(-1)}): restore it with the version that ` +
            'made it, then upgrade',
        );
      }
      await dataSource.runMigrations({ transaction: 'each' });
    } finally {
      await dataSource.destroy();
    }
    await client.query('BEGIN');
    await client.query('SET LOCAL session_replication_role = replica');
    // What the migrations wrote themselves (the first rule data) comes back from the backup as it was.
    const seeded = (await tablesOf(client)).map((t) => ident(client, t.table));
    await client.query(`TRUNCATE ${seeded.join(', ')}`);
    const rows: Record<string, number> = {};
    for (let line = await next(); line !== undefined; line = await next()) {
      const start = JSON.parse(line) as TableStart | Trailer;
      if ('rows' in start) {
        for (const [table, count] of Object.entries(start.rows)) {
          if (rows[table] !== count)
            throw new BackupError(`${table}: ${rows[table]} rows read, ${count} written`);
        }
        break;
      }
      const columns = start.columns.map((c) => ident(client, c)).join(', ');
      const sink = client.query(copyFrom(`COPY ${ident(client, start.table)} (${columns}) FROM STDIN`));
      let count = 0;
      const data = Readable.from(
        (async function* () {
          for (let row = await next(); row !== END_OF_DATA; row = await next()) {
            if (row === undefined) throw new BackupError(`${file} ends inside ${start.table}`);
            count++;
            yield `${row}\n`;
          }
        })(),
      );
      await pipeline(data, sink);
      rows[start.table] = count;
    }
    // Sequences (serial and identity columns) continue after the largest value restored.
    const { rows: sequences } = await client.query<{ seq: string; table: string; column: string }>(
      `SELECT s.oid::regclass::text AS seq, t.relname::text AS table, a.attname::text AS column
         FROM pg_class s
         JOIN pg_depend d ON d.objid = s.oid AND d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass
         JOIN pg_class t ON t.oid = d.refobjid
         JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = d.refobjsubid
        WHERE s.relkind = 'S'`,
    );
    for (const s of sequences) {
      await client.query(
        `SELECT setval($1, COALESCE((SELECT max(${ident(client, s.column)}) FROM ${ident(client, s.table)}), 0) + 1, false)`,
        [s.seq],
      );
    }
    await client.query('COMMIT');
    return { migrations: header.migrations.length, tables: Object.keys(rows).length, rows };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    lines.close();
    await client.end();
  }
}
