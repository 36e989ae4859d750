import { describe, expect, test } from 'vitest';
import { formatWatchdogMessage, parseWatchdogMessage, type WatchdogMessage } from '../../../src/containment/watchdog-protocol.js';

describe('the watchdog protocol', () => {
  test.each<WatchdogMessage>([
    { op: 'add', pid: 4242, startTime: '981234' },
    { op: 'remove', pid: 4242 },
    { op: 'add', pid: 4242, startTime: '981234', runId: '0123456789abcdef', cgroup: '/sys/fs/cgroup/hale-0123456789abcdef/echo-1' },
    { op: 'run', runId: '0123456789abcdef', cgroup: '/sys/fs/cgroup/hale-0123456789abcdef' },
    { op: 'run', runId: '0123456789abcdef', cgroup: null },
  ])('%j is one line that reads back the same', (message) => {
    const line = formatWatchdogMessage(message);
    expect(line.endsWith('\n')).toBe(true);
    expect(line.slice(0, -1)).not.toContain('\n');
    expect(parseWatchdogMessage(line.trimEnd())).toEqual(message);
  });

  test.each([
    '',
    'add 4242',
    '{"op":"add","pid":4242}',
    '{"op":"add","pid":4242,"startTime":981234}',
    '{"op":"kill","pid":4242}',
    '{"op":"remove","pid":"4242"}',
    '{"op":"remove","pid":1}',
    '{"op":"remove"}',
    'null',
    '{"op":"run","runId":"nothex","cgroup":null}',
    '{"op":"run","runId":"0123456789abcdef","cgroup":"relative"}',
    '{"op":"add","pid":4242,"startTime":"1","runId":"short"}',
  ])('%j is skipped', (line) => {
    expect(parseWatchdogMessage(line)).toBeNull();
  });
});
