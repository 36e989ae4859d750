import type { GroupRecord } from './group-records.js';

/** What the guard tells its watchdog, one JSON object a line on the watchdog's stdin. */
export type WatchdogMessage = ({ op: 'add' } & GroupRecord) | { op: 'remove'; pid: number };

/**
 * One message as the line the watchdog reads.
 *
 * @example
 * formatWatchdogMessage({ op: 'add', pid: 4242, startTime: '981234' }); // '{"op":"add","pid":4242,"startTime":"981234"}\n'
 */
export const formatWatchdogMessage = (message: WatchdogMessage): string =>
  `${JSON.stringify(message.op === 'add' ? { op: 'add', pid: message.pid, startTime: message.startTime } : { op: 'remove', pid: message.pid })}\n`;

const isPid = (value: unknown): value is number => typeof value === 'number' && Number.isInteger(value) && value > 1;

/**
 * A line from the guard, or null when it is not a message (the watchdog skips it).
 *
 * @example
 * parseWatchdogMessage('{"op":"remove","pid":4242}'); // { op: 'remove', pid: 4242 }
 */
export const parseWatchdogMessage = (line: string): WatchdogMessage | null => {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    return null;
  }
  if (typeof parsed !== 'object' || parsed === null) return null;
  const { op, pid, startTime } = parsed as Record<string, unknown>;
  if (!isPid(pid)) return null;
  if (op === 'remove') return { op, pid };
  if (op === 'add' && typeof startTime === 'string' && /^\d+$/.test(startTime)) return { op, pid, startTime };
  return null;
};
