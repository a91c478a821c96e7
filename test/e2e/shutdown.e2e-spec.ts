import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { logLines } from '../process';

const ROOT = join(__dirname, '..', '..');
/**
 * The bound the service is given. Generous, because a CI machine running other test files at once may
 * take seconds to finish 50 checks of 200 applicants; the defects these tests guard against (a dead
 * pool waited on, in-flight checks cut off) reach any bound.
 */
const SHUTDOWN_TIMEOUT_MS = 30_000;
const ADMIN = { username: 'shutdown-admin', password: 'shutdown-admin-password' };

/** The newest modification time under a folder (sources), in ms. */
function newest(dir: string): number {
  return readdirSync(dir, { withFileTypes: true }).reduce((max, e) => {
    const path = join(dir, e.name);
    return Math.max(max, e.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }, 0);
}

/**
 * `npm start` runs `npm run build` first (prestart); CI builds before the tests, and building here
 * again would race other runs on dist/. So the build is made only when it is missing or older than
 * the sources, and the service started with `npm start --ignore-scripts`: npm, its shell and node,
 * exactly as `npm start` runs them after its build.
 */
function ensureBuild(): void {
  const main = join(ROOT, 'dist', 'src', 'main.js');
  const stale =
    !existsSync(main) ||
    statSync(main).mtimeMs < Math.max(newest(join(ROOT, 'src')), newest(join(ROOT, 'migrations')));
  if (!stale) return;
  const build = spawnSync('npm', ['run', '-s', 'build'], { cwd: ROOT, encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`npm run build failed:\n${build.stderr}`);
}

interface NpmStart {
  pid: number;
  output(): string;
  listening: Promise<number>;
  /** npm's exit: its code, or the signal that ended it (npm itself may die of the group's SIGTERM). */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Every holder of the output pipes (npm, its shell, node) has closed them: resolves with all output. */
  closed: Promise<string>;
}

/** `npm start` in a process group of its own (the group's id is npm's pid), as a terminal or systemd runs it. */
function npmStart(env: Record<string, string>): NpmStart {
  const child = spawn('npm', ['start', '--ignore-scripts'], {
    cwd: ROOT,
    detached: true,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? tmpdir(),
      LOG_FORMAT: 'json',
      PORT: '0',
      HOST: '127.0.0.1',
      SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS),
      BOOTSTRAP_ADMIN_USERNAME: ADMIN.username,
      BOOTSTRAP_ADMIN_PASSWORD: ADMIN.password,
      RATE_LIMIT_PER_MINUTE: '1000000',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  const closed = new Promise<string>((resolve) => child.on('close', () => resolve(output)));
  const listening = new Promise<number>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on http:\/\/[^:]+:(\d+)/.exec(output);
      if (match) resolve(Number(match[1]));
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    void closed.then(() => reject(new Error(`npm start exited before listening:\n${output}`)));
  });
  listening.catch(() => undefined);
  return { pid: child.pid!, output: () => output, listening, exited, closed };
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
/** Whether any process of the group is left. */
const groupAlive = (pgid: number) => alive(-pgid);

async function waitUntil(what: string, condition: () => boolean, timeoutMs = 30_000): Promise<void> {
  for (let waited = 0; !condition(); waited += 50) {
    if (waited > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Whether the port can be listened on again. */
const portFree = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });

const postmasterPid = (dataDir: string): number =>
  Number(readFileSync(join(dataDir, 'pg', 'postmaster.pid'), 'utf8').split('\n')[0]);

/** An API client allowed to run checks, made through the API by the bootstrap administrator. */
async function checkRunnerKey(base: string): Promise<string> {
  const login = await fetch(`${base}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(ADMIN),
  });
  const { accessToken } = (await login.json()) as { accessToken: string };
  const created = await fetch(`${base}/api/v1/api-clients`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${accessToken}` },
    body: JSON.stringify({ name: 'load-generator', scopes: ['checks:run'] }),
  });
  return ((await created.json()) as { key: string }).key;
}

describe('shutdown of the real `npm start`, signalled as a process group', () => {
  let dataDir: string;

  beforeAll(async () => {
    ensureBuild();
  }, 120_000);

  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'registry-shutdown-'));
    await chmod(dataDir, 0o755);
  });

  afterEach(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('under 50 connections checking: in-flight checks finish, then every process exits, in time', async () => {
    const service = npmStart({ DATA_DIR: dataDir });
    const port = await service.listening;
    const base = `http://127.0.0.1:${port}`;
    const pgPid = postmasterPid(dataDir);
    const key = await checkRunnerKey(base);
    const body = JSON.stringify({
      purpose: 'shutdown under load',
      domain: 'PROJECT_FUNDING',
      applicants: Array.from({ length: 200 }, (_, i) => ({
        name: `申请人${i}`,
        organisation: '东海理工大学',
      })),
    });

    type Outcome = { status: number; code?: string; complete: boolean } | { error: string };
    const sentBefore: Outcome[] = [];
    let signalled = false;
    let answeredAfterSignal = 0;
    const connection = async (): Promise<void> => {
      while (!signalled) {
        let outcome: Outcome;
        try {
          const res = await fetch(`${base}/api/v1/checks`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'x-api-key': key },
            body,
          });
          const json = (await res.json()) as { results?: unknown[]; code?: string };
          outcome = { status: res.status, code: json.code, complete: json.results?.length === 200 };
          if (signalled && res.status === 200) answeredAfterSignal++;
        } catch (error) {
          const cause = (error as { cause?: { code?: string } }).cause;
          outcome = { error: cause?.code ?? String(error) };
        }
        sentBefore.push(outcome);
      }
    };
    const load = Array.from({ length: 50 }, connection);
    await waitUntil('200 checks answered', () => sentBefore.length >= 200);

    const signalledAt = Date.now();
    signalled = true;
    process.kill(-service.pid, 'SIGTERM');
    await Promise.all(load);
    const npm = await service.exited;
    await service.closed;
    await waitUntil('the process group to be gone', () => !groupAlive(service.pid));
    const shutdownMs = Date.now() - signalledAt;

    expect([0, 'SIGTERM']).toContain(npm.code ?? npm.signal);
    const messages = logLines(service.output()).map((l) => l.msg);
    // The last lines only: 'stopped' ends a clean shutdown, and a failure shows how it ended instead.
    expect(messages.slice(-8)).toContain('stopped');
    expect(messages).not.toContain(`shutdown took longer than ${SHUTDOWN_TIMEOUT_MS} ms: exiting`);
    // Checks in flight when the signal came were answered in full; none was cut off mid-answer.
    expect(answeredAfterSignal).toBeGreaterThan(0);
    const bad = sentBefore.filter(
      (o) =>
        !(
          ('status' in o && o.status === 200 && o.complete) ||
          ('status' in o && o.status === 503) ||
          ('error' in o && o.error === 'ECONNREFUSED')
        ),
    );
    expect(bad).toEqual([]);
    expect(alive(pgPid)).toBe(false);
    expect(existsSync(join(dataDir, 'pg', 'postmaster.pid'))).toBe(false);
    expect(await portFree(port)).toBe(true);
    process.stdout.write(
      `shutdown under load: ${sentBefore.length} checks, ${answeredAfterSignal} answered after SIGTERM, ` +
        `every process gone ${shutdownMs} ms after it\n`,
    );
  }, 120_000);

  it('with its embedded PostgreSQL already gone: no wait on the dead pool, no log storm', async () => {
    const service = npmStart({ DATA_DIR: dataDir });
    const port = await service.listening;
    const pgPid = postmasterPid(dataDir);
    // Stopped beneath the service (fast shutdown), as an operator or the OOM killer might.
    process.kill(pgPid, 'SIGINT');
    await waitUntil('PostgreSQL to stop', () => !alive(pgPid));
    // Two seconds of outage: ten rounds of the audit sealer at its 200 ms interval.
    await new Promise((r) => setTimeout(r, 2_000));

    const signalledAt = Date.now();
    process.kill(-service.pid, 'SIGTERM');
    const npm = await service.exited;
    await service.closed;
    await waitUntil('the process group to be gone', () => !groupAlive(service.pid));
    const shutdownMs = Date.now() - signalledAt;

    expect([0, 'SIGTERM']).toContain(npm.code ?? npm.signal);
    const lines = logLines(service.output());
    const messages = lines.map((l) => l.msg);
    // The last lines only: 'stopped' ends a clean shutdown, and a failure shows how it ended instead.
    expect(messages.slice(-8)).toContain('stopped');
    expect(messages).not.toContain(`shutdown took longer than ${SHUTDOWN_TIMEOUT_MS} ms: exiting`);
    // The sealer says once that the database is unreachable, not every 200 ms.
    const sealerErrors = lines.filter((l) => /audit sealing/.test(String(l.msg)) && Number(l.level) >= 50);
    expect(sealerErrors.length).toBeLessThanOrEqual(1);
    // Over the whole outage and shutdown, each background loop (audit sealer, webhook sender…) says at
    // most once that connections are refused (was: the sealer, every 200 ms).
    const refused = new Map<string, number>();
    for (const l of lines.filter((line) => JSON.stringify(line).includes('ECONNREFUSED'))) {
      refused.set(String(l.context), (refused.get(String(l.context)) ?? 0) + 1);
    }
    expect([...refused].filter(([, n]) => n > 1)).toEqual([]);
    expect(await portFree(port)).toBe(true);
    process.stdout.write(
      `shutdown with the database gone: every process gone ${shutdownMs} ms after SIGTERM\n`,
    );
  }, 120_000);
});
