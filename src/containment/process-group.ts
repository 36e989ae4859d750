import { readFileSync, readdirSync } from 'node:fs';
import { formatInstanceMark, readInstanceMark } from './instance-mark.js';
import { listPids } from '../process/proc-stat.js';

/** A process's group and state from /proc/PID/stat, or null when it is gone or unreadable. */
const readStat = (pid: string): { pgid: number; state: string } | null => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may hold spaces and parentheses; the fields after its last ')' do not.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { state: fields[0] ?? '', pgid: Number(fields[2]) };
  } catch {
    return null;
  }
};

const hasProc = (() => {
  try {
    readdirSync('/proc/self');
    return true;
  } catch {
    return false;
  }
})();

/**
 * True while a process of the group is running. A zombie does not count: it
 * is dead and only waits to be reaped (by init, which may take its time).
 * Where there is no /proc, any member counts, zombies included.
 *
 * @example
 * if (groupHasLiveMembers(child.pid)) process.kill(-child.pid, 'SIGKILL');
 */
export const groupHasLiveMembers = (pgid: number): boolean => {
  // The usual case, an empty group, needs no walk through /proc.
  if (!signalExists(-pgid)) return false;
  if (!hasProc) return true;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readStat(entry);
    if (stat !== null && stat.pgid === pgid && stat.state !== 'Z' && stat.state !== 'X') return true;
  }
  return false;
};

const signalExists = (target: number): boolean => {
  try {
    process.kill(target, 0);
    return true;
  } catch {
    return false;
  }
};

/**
 * Running processes whose instance mark (HALE_INSTANCE) is exactly `mark`,
 * whatever their group or session; this process never. Reads every
 * /proc/PID/environ it may (bounded), so it is for stops, not for polling
 * at a high rate. Empty where there is no /proc.
 *
 * @example
 * findMarkedPids('0123456789abcdef/echo/2'); // [4250]
 */
export const findMarkedPids = (mark: string): number[] => {
  if (!hasProc) return [];
  const found: number[] = [];
  for (const pid of listPids()) {
    if (pid === process.pid) continue;
    const read = readInstanceMark(pid);
    // A zombie's environ reads empty: only the living match.
    if (read !== null && formatInstanceMark(read) === mark) found.push(pid);
  }
  return found;
};
