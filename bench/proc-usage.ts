import { readdirSync, readFileSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';

// Clock ticks a second for /proc/PID/stat's utime and stime; 100 on every Linux this runs on.
const ticksPerSecond = 100;

/** Resident memory of a process in MiB, or null when it is gone. */
export const readRssMib = (pid: number): number | null => {
  try {
    const kib = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kib === undefined ? null : Number(kib) / 1024;
  } catch {
    return null;
  }
};

/** CPU time (user + system) a process has used, in clock ticks, or null when it is gone. */
export const readCpuTicks = (pid: number): number | null => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return null;
  }
};

export interface Usage {
  /** Sum of the processes' RSS at the end of the window, MiB. */
  rssMib: number;
  /** CPU used over the window, as % of one core. */
  cpuPercent: number;
  windowMs: number;
}

/**
 * The memory and CPU of `pids` (summed) over a window of `ms`: CPU as a % of
 * one core, from /proc, so the measuring costs the measured nothing.
 *
 * @example
 * const usage = await measureUsage([daemonPid], 30_000); // { rssMib: 61.2, cpuPercent: 0.4, windowMs: 30000 }
 */
export const measureUsage = async (pids: number[], ms: number): Promise<Usage> => {
  const ticks = () => pids.reduce((sum, pid) => sum + (readCpuTicks(pid) ?? 0), 0);
  const before = ticks();
  const started = performance.now();
  await delay(ms);
  const windowMs = performance.now() - started;
  const used = ticks() - before;
  const rssMib = pids.reduce((sum, pid) => sum + (readRssMib(pid) ?? 0), 0);
  return { rssMib, cpuPercent: ((used / ticksPerSecond) * 1000 * 100) / windowMs, windowMs };
};

/** Pids of every live (not zombie) process in /proc whose command line contains `marker`. */
export const findProcessesByMarker = (marker: string): number[] => {
  const found: number[] = [];
  let entries: string[] = [];
  try {
    entries = readdirSync('/proc');
  } catch {
    return found;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (stat.slice(stat.lastIndexOf(')') + 2)[0] === 'Z') continue;
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(marker)) found.push(Number(entry));
    } catch {
      // Gone while we looked.
    }
  }
  return found;
};

/** Waits up to `ms`, polling /proc every 50 ms, for none of `pids` to run; returns those that still do. */
export const survivorsAfter = async (pids: number[], ms: number, alive: (pid: number) => boolean): Promise<number[]> => {
  const deadline = Date.now() + ms;
  while (pids.some(alive) && Date.now() < deadline) await delay(50);
  return pids.filter(alive);
};
