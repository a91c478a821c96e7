import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '..');

export interface ServiceProcess {
  child: ChildProcess;
  output(): string;
  /** Resolves with the port once the service logs that it listens; rejects if it exits first. */
  listening: Promise<number>;
  /** Resolves with the exit code. */
  exited: Promise<number | null>;
}

/**
 * Runs src/main.ts in a process of its own, as `npm start` would (TypeScript compiled on the fly),
 * with exactly the environment given plus PATH, so start-up and shutdown are tested for real.
 */
export function startService(env: Record<string, string>): ServiceProcess {
  const child = spawn(process.execPath, ['-r', '@swc-node/register', 'src/main.ts'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', LOG_FORMAT: 'json', PORT: '0', HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const listening = new Promise<number>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on http:\/\/[^:]+:(\d+)/.exec(output);
      if (match) resolve(Number(match[1]));
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    void exited.then((code) => reject(new Error(`service exited with ${code} before listening:\n${output}`)));
  });
  listening.catch(() => undefined);
  return { child, output: () => output, listening, exited };
}

/** Each JSON log line the service printed, parsed; other lines are skipped. */
export function logLines(output: string): Record<string, unknown>[] {
  return output
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}
