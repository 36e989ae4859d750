import { readFileSync, readdirSync } from 'node:fs';

/** The fields of /proc/PID/stat the soak needs. */
export interface ProcStat {
  pid: number;
  /** R, S, D, T (stopped), Z (zombie), ... */
  state: string;
  ppid: number;
  pgrp: number;
  /** Clock ticks since boot when it started: with the pid, it names one process even when pids are reused. */
  startTime: string;
}

/**
 * One process's /proc/PID/stat, or null once it is gone.
 *
 * @example
 * readStat(process.pid)?.state; // 'R'
 */
export const readStat = (pid: number): ProcStat | null => {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // The command name may hold spaces and parentheses; the fields after its last ')' do not.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { pid, state: fields[0] ?? '', ppid: Number(fields[1]), pgrp: Number(fields[2]), startTime: fields[19] ?? '' };
};

/**
 * Every process there is now, as /proc lists it.
 *
 * @example
 * listProcesses().filter((p) => p.ppid === process.pid);
 */
export const listProcesses = (): ProcStat[] => {
  const stats: ProcStat[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readStat(Number(entry));
    if (stat !== null) stats.push(stat);
  }
  return stats;
};

/**
 * True for a process that runs (or is stopped): not a zombie, not dead.
 *
 * @example
 * listProcesses().filter(isLive);
 */
export const isLive = (stat: ProcStat): boolean => stat.state !== 'Z' && stat.state !== 'X';

/**
 * The resident set size of a process in KiB (VmRSS), or null once it is gone.
 *
 * @example
 * readRssKib(process.pid); // 51234
 */
export const readRssKib = (pid: number): number | null => {
  try {
    const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match?.[1] === undefined ? null : Number(match[1]);
  } catch {
    return null;
  }
};

/**
 * A process's command line with its arguments joined by spaces; '' once it is gone.
 *
 * @example
 * readCommandLine(process.pid); // '/usr/bin/node soak/run.ts'
 */
export const readCommandLine = (pid: number): string => {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  } catch {
    return '';
  }
};
