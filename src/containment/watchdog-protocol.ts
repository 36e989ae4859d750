import type { GroupRecord } from './group-records.js';

/**
 * What the guard tells its watchdog, one plain-text line each on the watchdog's stdin (a POSIX
 * sh reads them, see hale-watchdog.sh): the supervisor's own start time (every plugin of its run
 * started after it), the run (its id, whose mark every plugin process carries, and its cgroup),
 * and each group as it comes and goes. Fields are split by one space; '-' stands for none.
 * The sh loop adds one when it hands over to the cleanup program: when it sent the first
 * SIGTERM (seconds since boot, as /proc/uptime says).
 *
 *     since <startTime>
 *     run <runId> <cgroup|->
 *     add <pid> <startTime> <runId|-> <cgroup|->
 *     remove <pid>
 *     termed <uptime>
 */
export type WatchdogMessage =
  | ({ op: 'add' } & GroupRecord)
  | { op: 'remove'; pid: number }
  | { op: 'run'; runId: string; cgroup: string | null }
  | { op: 'since'; startTime: string }
  | { op: 'termed'; uptime: string };

const isPid = (value: number): boolean => Number.isSafeInteger(value) && value > 1 && value < 1e9;
const pidPattern = /^[1-9]\d{0,8}$/;
const startTimePattern = /^\d{1,20}$/;
const uptimePattern = /^\d{1,12}\.\d{2}$/;
const runIdPattern = /^[0-9a-f]{16}$/;
// An absolute path of one word: no whitespace nor control characters, which a line could not carry.
const cgroupPattern = /^\/[^\s\p{Cc}]{0,4095}$/u;

const isSendable = (message: WatchdogMessage): boolean => {
  switch (message.op) {
    case 'add':
      return (
        isPid(message.pid) &&
        startTimePattern.test(message.startTime) &&
        (message.runId === undefined || runIdPattern.test(message.runId)) &&
        (message.cgroup === undefined || cgroupPattern.test(message.cgroup))
      );
    case 'remove':
      return isPid(message.pid);
    case 'run':
      return runIdPattern.test(message.runId) && (message.cgroup === null || cgroupPattern.test(message.cgroup));
    case 'since':
      return startTimePattern.test(message.startTime);
    case 'termed':
      return uptimePattern.test(message.uptime);
  }
};

/**
 * One message as the line the watchdog reads, or null when a field cannot be carried on a line
 * (a cgroup path with a space, say): the caller decides what to send instead.
 *
 * @example
 * formatWatchdogMessage({ op: 'add', pid: 4242, startTime: '981234' }); // 'add 4242 981234 - -\n'
 * formatWatchdogMessage({ op: 'run', runId: '0123456789abcdef', cgroup: '/a b' }); // null
 */
export const formatWatchdogMessage = (message: WatchdogMessage): string | null => {
  if (!isSendable(message)) return null;
  switch (message.op) {
    case 'add':
      return `add ${message.pid} ${message.startTime} ${message.runId ?? '-'} ${message.cgroup ?? '-'}\n`;
    case 'remove':
      return `remove ${message.pid}\n`;
    case 'run':
      return `run ${message.runId} ${message.cgroup ?? '-'}\n`;
    case 'since':
      return `since ${message.startTime}\n`;
    case 'termed':
      return `termed ${message.uptime}\n`;
  }
};

/**
 * A line from the guard, or null when it is not a message (the watchdog skips it).
 *
 * @example
 * parseWatchdogMessage('remove 4242'); // { op: 'remove', pid: 4242 }
 * parseWatchdogMessage('remove 1;touch /tmp/x'); // null
 */
export const parseWatchdogMessage = (line: string): WatchdogMessage | null => {
  const [op, ...fields] = line.split(' ');
  const message = ((): WatchdogMessage | null => {
    if (op === 'since' && fields.length === 1) return { op, startTime: fields[0] ?? '' };
    if (op === 'termed' && fields.length === 1) return { op, uptime: fields[0] ?? '' };
    if (op === 'run' && fields.length === 2) {
      const [runId = '', cgroup = ''] = fields;
      return { op, runId, cgroup: cgroup === '-' ? null : cgroup };
    }
    if (!pidPattern.test(fields[0] ?? '')) return null;
    const pid = Number(fields[0]);
    if (op === 'remove' && fields.length === 1) return { op, pid };
    if (op !== 'add' || fields.length !== 4) return null;
    const [, startTime = '', runId = '', cgroup = ''] = fields;
    return { op, pid, startTime, ...(runId === '-' ? {} : { runId }), ...(cgroup === '-' ? {} : { cgroup }) };
  })();
  return message !== null && isSendable(message) ? message : null;
};
