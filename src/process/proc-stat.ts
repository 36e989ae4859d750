import { readdirSync, readFileSync } from 'node:fs';

/** What /proc/PID/stat says about a process that the guard needs. */
export interface ProcStat {
  pid: number;
  /** R, S, D, Z (zombie: dead, waiting to be reaped), … */
  state: string;
  pgid: number;
  /** Field 22: clock ticks since boot when it started; a string, as it may outgrow a double one day. */
  startTime: string;
}

/**
 * One /proc/PID/stat line cut into its pid and the fields after the command
 * name (fields[0] is field 3, state; field N is fields[N - 3]), or null.
 *
 * @example
 * splitProcStat('42 (my (odd) name) S 1 42'); // { pid: 42, fields: ['S', '1', '42'] }
 */
export const splitProcStat = (text: string): { pid: number; fields: string[] } | null => {
  // The command name may hold spaces and parentheses; the fields after its last ')' do not.
  const close = text.lastIndexOf(')');
  const open = text.indexOf(' (');
  if (close < 0 || open < 0) return null;
  const pid = Number(text.slice(0, open));
  if (!Number.isInteger(pid) || pid <= 0) return null;
  return {
    pid,
    fields: text
      .slice(close + 2)
      .trim()
      .split(' '),
  };
};

/**
 * Reads one /proc/PID/stat line, or null when it does not parse.
 *
 * @example
 * parseProcStat('42 (node) S 1 42 42 0 -1 4194560 ...'); // { pid: 42, state: 'S', pgid: 42, startTime: '…' }
 */
export const parseProcStat = (text: string): ProcStat | null => {
  const split = splitProcStat(text);
  if (split === null) return null;
  const { pid, fields } = split;
  const state = fields[0];
  const pgid = Number(fields[2]);
  const startTime = fields[19];
  if (state === undefined || state === '' || !Number.isInteger(pgid)) return null;
  if (startTime === undefined || !/^\d+$/.test(startTime)) return null;
  return { pid, state, pgid, startTime };
};

/**
 * The stat of one process, or null when it is gone (or there is no /proc).
 *
 * @example
 * readProcStat(process.pid)?.pgid;
 */
export const readProcStat = (pid: number): ProcStat | null => {
  try {
    return parseProcStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return null;
  }
};

/**
 * When the process started (clock ticks since boot), or null when it is gone
 * or there is no /proc. Together with the pid it names one process for good:
 * a pid that is reused gets another start time.
 *
 * @example
 * const startTime = readStartTime(child.pid);
 */
export const readStartTime = (pid: number): string | null => readProcStat(pid)?.startTime ?? null;

/**
 * Every process /proc shows, as a snapshot; empty where there is no /proc.
 *
 * @example
 * listProcesses().filter((stat) => stat.pgid === 4242);
 */
export const listProcesses = (): ProcStat[] => {
  const found: ProcStat[] = [];
  for (const pid of listPids()) {
    const stat = readProcStat(pid);
    if (stat !== null) found.push(stat);
  }
  return found;
};

/**
 * The pids /proc lists now; empty where there is no /proc.
 *
 * @example
 * listPids().includes(process.pid); // true
 */
export const listPids = (): number[] => {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  return entries.filter((entry) => /^\d+$/.test(entry)).map(Number);
};

/**
 * True for a process that still runs; a zombie has died and only waits to be reaped.
 *
 * @example
 * listProcesses().filter(isRunning);
 */
export const isRunning = (stat: ProcStat): boolean => stat.state !== 'Z' && stat.state !== 'X';

/**
 * This boot's id, or null where there is no /proc. A pid and start time name
 * one process only within one boot: a service started early at every boot
 * may get the same pid and start time each time.
 *
 * @example
 * readBootId(); // '5f1c2a0e-…'
 */
export const readBootId = (): string | null => {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim() || null;
  } catch {
    return null;
  }
};
