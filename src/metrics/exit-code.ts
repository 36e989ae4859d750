import { constants } from 'node:os';
import type { ExitRecord } from '../model/status.js';

const signalNumbers: Readonly<Record<string, number>> = constants.signals;

/**
 * An exit as one number, the way a shell reports it: the exit code, or
 * 128 + the signal's number for a process a signal ended. Null when neither
 * is known (a signal this platform has no number for).
 *
 * @example
 * exitCodeOf({ code: 3, signal: null }); // 3
 * exitCodeOf({ code: null, signal: 'SIGKILL' }); // 137
 */
export const exitCodeOf = (exit: Pick<ExitRecord, 'code' | 'signal'>): number | null => {
  if (exit.code !== null) return exit.code;
  if (exit.signal === null) return null;
  const number = Object.hasOwn(signalNumbers, exit.signal) ? signalNumbers[exit.signal] : undefined;
  return number === undefined ? null : 128 + number;
};
