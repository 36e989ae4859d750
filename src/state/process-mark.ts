import { isRunning, readBootId, readProcStat } from '../process/proc-stat.js';

/** Who wrote a file: a pid with what tells it from a later process given the same pid. */
export interface ProcessMark {
  pid: number;
  /** Null where there is no /proc to read it from. */
  startTime: string | null;
  bootId: string | null;
}

/**
 * This process's mark, as a line of JSON to write into a file it owns.
 *
 * @example
 * await writeFile(join(dir, 'hale.lock'), formatOwnMark());
 */
export const formatOwnMark = (): string =>
  `${JSON.stringify({ pid: process.pid, startTime: readProcStat(process.pid)?.startTime ?? null, bootId: readBootId() })}\n`;

/**
 * Reads a mark written by formatOwnMark; null for anything else.
 *
 * @example
 * parseProcessMark('{"pid":42,"startTime":"9001","bootId":null}'); // { pid: 42, startTime: '9001', bootId: null }
 */
export const parseProcessMark = (text: string): ProcessMark | null => {
  try {
    const { pid, startTime, bootId } = JSON.parse(text) as Record<string, unknown>;
    if (typeof pid !== 'number' || !Number.isInteger(pid) || pid <= 0) return null;
    return { pid, startTime: typeof startTime === 'string' ? startTime : null, bootId: typeof bootId === 'string' ? bootId : null };
  } catch {
    return null;
  }
};

/**
 * True while the process that wrote the mark still runs: same boot, same
 * pid, same start time. Without /proc, the pid alone has to do.
 *
 * @example
 * isMarkRunning(parseProcessMark(text), readBootId());
 */
export const isMarkRunning = (mark: ProcessMark, bootId: string | null): boolean => {
  if (mark.bootId !== null && bootId !== null && mark.bootId !== bootId) return false;
  const stat = readProcStat(mark.pid);
  if (stat !== null) return isRunning(stat) && (mark.startTime === null || stat.startTime === mark.startTime);
  if (mark.startTime !== null) return false;
  try {
    process.kill(mark.pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};
