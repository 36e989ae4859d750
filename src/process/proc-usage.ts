import { readFileSync, readdirSync } from 'node:fs';
import { splitProcStat } from './proc-stat.js';

/** What /proc/PID/stat says of one process's use of the machine. */
export interface ProcUsage {
  pid: number;
  /** utime + stime + cutime + cstime: its own CPU and that of the children it has reaped, in clock ticks. */
  cpuTicks: number;
  /** Resident pages. */
  rssPages: number;
  /** Clock ticks since boot when it started. */
  startTicks: number;
  state: string;
}

/** USER_HZ: /proc counts CPU time in these on every Linux architecture, whatever the kernel's own HZ. */
export const ticksPerSecond = 100;

/**
 * The fields of one /proc/PID/stat line hale samples, or null when it does not parse.
 *
 * @example
 * parseProcUsage('42 (node) S 1 42 42 0 -1 4194560 0 0 0 0 150 30 2 1 20 0 11 0 5000 1000000 2500 ...');
 * // { pid: 42, cpuTicks: 183, rssPages: 2500, startTicks: 5000, state: 'S' }
 */
export const parseProcUsage = (text: string): ProcUsage | null => {
  const split = splitProcStat(text);
  if (split === null) return null;
  const { pid, fields } = split;
  const numbers = [11, 12, 13, 14, 19, 21].map((index) => Number(fields[index]));
  const [utime, stime, cutime, cstime, startTicks, rssPages] = numbers;
  if (fields[0] === undefined || !numbers.every((n) => Number.isFinite(n) && n >= 0)) return null;
  return {
    pid,
    cpuTicks: (utime ?? 0) + (stime ?? 0) + (cutime ?? 0) + (cstime ?? 0),
    rssPages: rssPages ?? 0,
    startTicks: startTicks ?? 0,
    state: fields[0],
  };
};

/**
 * One process's usage, or null when it is gone (a zombie counts as gone: it holds no memory).
 *
 * @example
 * readProcUsage(process.pid)?.rssPages;
 */
export const readProcUsage = (pid: number): ProcUsage | null => {
  try {
    const usage = parseProcUsage(readFileSync(`/proc/${pid}/stat`, 'utf8'));
    return usage === null || usage.state === 'Z' || usage.state === 'X' ? null : usage;
  } catch {
    return null;
  }
};

/**
 * A process's resident pages from /proc/PID/statm (shorter to read than
 * stat), or null when it is gone.
 *
 * @example
 * readResidentPages(process.pid); // 12800
 */
export const readResidentPages = (pid: number): number | null => {
  try {
    const pages = Number(readFileSync(`/proc/${pid}/statm`, 'latin1').split(' ', 2)[1]);
    return Number.isSafeInteger(pages) && pages > 0 ? pages : null;
  } catch {
    return null;
  }
};

/**
 * The children of a process, from each of its threads' /proc/PID/task/TID/children
 * (a child belongs to the thread that forked it); empty when it is gone.
 *
 * @example
 * readChildren(process.pid); // [4250]
 */
export const readChildren = (pid: number): number[] => {
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return [];
  }
  const children: number[] = [];
  for (const task of tasks) {
    try {
      for (const child of readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').split(' ')) {
        const number = Number(child);
        if (child !== '' && Number.isInteger(number) && number > 0) children.push(number);
      }
    } catch {
      // The thread ended meanwhile.
    }
  }
  return children;
};

/**
 * A process and every descendant it still has (walked through /proc's
 * children lists, bounded): what a plugin runs outside a cgroup. A fork
 * whose parent has exited is the init's child, and no longer found here.
 *
 * @example
 * listProcessTree(child.pid); // [4242, 4250, 4251]
 */
export const listProcessTree = (pid: number, limit = 4_096): number[] => {
  const found = new Set<number>([pid]);
  const queue = [pid];
  for (let next = queue.shift(); next !== undefined && found.size < limit; next = queue.shift()) {
    for (const child of readChildren(next)) {
      if (found.has(child)) continue;
      found.add(child);
      queue.push(child);
    }
  }
  return [...found];
};

/**
 * Seconds since boot (/proc/uptime), or null where there is no /proc.
 *
 * @example
 * readUptimeSeconds(); // 86400.12
 */
export const readUptimeSeconds = (): number | null => {
  try {
    const seconds = Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]);
    return Number.isFinite(seconds) ? seconds : null;
  } catch {
    return null;
  }
};

// AT_PAGESZ in the auxiliary vector the kernel gave this process: the page size, exactly.
const readPageSize = (): number => {
  try {
    const auxv = readFileSync('/proc/self/auxv');
    for (let at = 0; at + 16 <= auxv.length; at += 16) {
      if (auxv.readBigUInt64LE(at) === 6n) return Number(auxv.readBigUInt64LE(at + 8));
    }
  } catch {
    // No /proc: the usual size.
  }
  return 4_096;
};

/** The machine's page size, in bytes (RSS in /proc/PID/stat is counted in pages). */
export const pageSize = readPageSize();
