/**
 * Where the machine's CPU went during a measurement, from /proc (Linux): the processes the benchmark
 * runs, grouped, and whatever else was busy. On a shared machine that last figure says how far a
 * result can be trusted.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';

const TICKS_PER_SECOND = 100;

/** utime + stime of a process, in clock ticks; 0 once it has gone. */
function ticksOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return 0;
  }
}

/** A process and its children (one level: a postmaster's backends). */
export function withChildren(pid: number): number[] {
  const pids = [pid];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

function machineTicks(): { busy: number; total: number } {
  const [, ...values] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/);
  const [user, nice, system, idle, iowait, irq, softirq, steal] = values.map(Number);
  const busy = user + nice + system + irq + softirq + steal;
  return { busy, total: busy + idle + iowait };
}

export type CpuShares = Record<string, number> & { machine: number; other: number };

/**
 * Measures from start() to stop(): each group's CPU in cores (1.0 = one core busy all the time),
 * the whole machine's, and "other" = machine minus the groups. `groups` are re-read at stop() too,
 * so processes started meanwhile (new database backends) count from zero.
 */
export function cpuMeter(groups: Record<string, () => number[]>): { stop(): CpuShares } {
  const startedAt = process.hrtime.bigint();
  const machine = machineTicks();
  const before = new Map<number, number>();
  for (const pids of Object.values(groups)) for (const pid of pids()) before.set(pid, ticksOf(pid));
  return {
    stop() {
      const seconds = Number(process.hrtime.bigint() - startedAt) / 1e9;
      const after = machineTicks();
      const machineCores =
        ((after.busy - machine.busy) / Math.max(1, after.total - machine.total)) * cpus().length;
      const shares: Record<string, number> = {};
      let ours = 0;
      for (const [name, pids] of Object.entries(groups)) {
        const ticks = pids().reduce(
          (sum, pid) => sum + Math.max(0, ticksOf(pid) - (before.get(pid) ?? 0)),
          0,
        );
        shares[name] = ticks / TICKS_PER_SECOND / seconds;
        ours += shares[name];
      }
      return { ...shares, machine: machineCores, other: Math.max(0, machineCores - ours) } as CpuShares;
    },
  };
}

export const formatShares = (shares: CpuShares): string =>
  Object.entries(shares)
    .map(([name, cores]) => `${name} ${cores.toFixed(2)}`)
    .join(', ') + ` (cores of ${cpus().length})`;
