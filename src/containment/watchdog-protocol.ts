import type { GroupRecord } from './group-records.js';

/**
 * What the guard tells its watchdog, one JSON object a line on the watchdog's stdin: the run
 * (its id, whose mark every plugin process carries, and its cgroup), and each group as it comes and goes.
 */
export type WatchdogMessage =
  ({ op: 'add' } & GroupRecord) | { op: 'remove'; pid: number } | { op: 'run'; runId: string; cgroup: string | null };

/**
 * One message as the line the watchdog reads.
 *
 * @example
 * formatWatchdogMessage({ op: 'add', pid: 4242, startTime: '981234' }); // '{"op":"add","pid":4242,"startTime":"981234"}\n'
 */
export const formatWatchdogMessage = (message: WatchdogMessage): string => {
  switch (message.op) {
    case 'add': {
      const { pid, startTime, runId, cgroup } = message;
      return `${JSON.stringify({ op: 'add', pid, startTime, ...(runId === undefined ? {} : { runId }), ...(cgroup === undefined ? {} : { cgroup }) })}\n`;
    }
    case 'remove':
      return `${JSON.stringify({ op: 'remove', pid: message.pid })}\n`;
    case 'run':
      return `${JSON.stringify({ op: 'run', runId: message.runId, cgroup: message.cgroup })}\n`;
  }
};

const isPid = (value: unknown): value is number => typeof value === 'number' && Number.isInteger(value) && value > 1;
const isRunId = (value: unknown): value is string => typeof value === 'string' && /^[0-9a-f]{16}$/.test(value);
const isPath = (value: unknown): value is string => typeof value === 'string' && value.startsWith('/');

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
  const { op, pid, startTime, runId, cgroup } = parsed as Record<string, unknown>;
  if (op === 'run') return isRunId(runId) && (cgroup === null || isPath(cgroup)) ? { op, runId, cgroup } : null;
  if (!isPid(pid)) return null;
  if (op === 'remove') return { op, pid };
  if (op !== 'add' || typeof startTime !== 'string' || !/^\d+$/.test(startTime)) return null;
  if ((runId !== undefined && !isRunId(runId)) || (cgroup !== undefined && !isPath(cgroup))) return null;
  return { op, pid, startTime, ...(runId === undefined ? {} : { runId }), ...(cgroup === undefined ? {} : { cgroup }) };
};
