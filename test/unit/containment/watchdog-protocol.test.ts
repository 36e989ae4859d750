import { describe, expect, test } from 'vitest';
import { formatWatchdogMessage, parseWatchdogMessage, type WatchdogMessage } from '../../../src/containment/watchdog-protocol.js';

describe('the watchdog protocol', () => {
  test.each<WatchdogMessage>([
    { op: 'add', pid: 4242, startTime: '981234' },
    { op: 'remove', pid: 4242 },
    { op: 'add', pid: 4242, startTime: '981234', runId: '0123456789abcdef', cgroup: '/sys/fs/cgroup/hale-0123456789abcdef/echo-1' },
    { op: 'add', pid: 4242, startTime: '981234', cgroup: '/sys/fs/cgroup/hale-0123456789abcdef/echo-1' },
    { op: 'run', runId: '0123456789abcdef', cgroup: '/sys/fs/cgroup/hale-0123456789abcdef' },
    { op: 'run', runId: '0123456789abcdef', cgroup: null },
    { op: 'since', startTime: '981000' },
    { op: 'termed', uptime: '1234.56' },
  ])('%j is one plain line that reads back the same', (message) => {
    const line = formatWatchdogMessage(message) ?? '';
    expect(line).toMatch(/^[a-z]+( [^\s]+)*\n$/);
    expect(parseWatchdogMessage(line.slice(0, -1))).toEqual(message);
  });

  test('the lines, as the sh loop reads them', () => {
    expect(formatWatchdogMessage({ op: 'add', pid: 4242, startTime: '981234' })).toBe('add 4242 981234 - -\n');
    expect(formatWatchdogMessage({ op: 'run', runId: '0123456789abcdef', cgroup: null })).toBe('run 0123456789abcdef -\n');
    expect(formatWatchdogMessage({ op: 'remove', pid: 4242 })).toBe('remove 4242\n');
    expect(formatWatchdogMessage({ op: 'since', startTime: '7' })).toBe('since 7\n');
  });

  test.each<WatchdogMessage>([
    { op: 'add', pid: 4242, startTime: '1', cgroup: '/sys/fs/cgroup/a b' },
    { op: 'add', pid: 4242, startTime: '1', cgroup: '/sys/fs/cgroup/a\tb' },
    { op: 'add', pid: 4242, startTime: '1', cgroup: '/sys/fs/cgroup/a\nremove 1' },
    { op: 'add', pid: 4242, startTime: '1', cgroup: '/sys/fs/cgroup/a\u0007' },
    { op: 'add', pid: 4242, startTime: '1', cgroup: 'relative' },
    { op: 'add', pid: 1, startTime: '1' },
    { op: 'add', pid: 4242.5, startTime: '1' },
    { op: 'add', pid: 4242, startTime: '1', runId: 'short' },
    { op: 'remove', pid: -3 },
    { op: 'run', runId: 'nothex', cgroup: null },
    { op: 'run', runId: '0123456789abcdef', cgroup: '/a b' },
    { op: 'since', startTime: '12ab' },
  ])('%j cannot be carried on a line: null, never a line that says something else', (message) => {
    expect(formatWatchdogMessage(message)).toBeNull();
  });

  test.each([
    '',
    'add 4242',
    'add 4242 981234 - - extra',
    'add 4242 981234 -',
    'add 4242 98a - -',
    'add 1;touch /tmp/x 1 - -',
    'add $(touch) 1 - -',
    'add 04242 1 - -',
    'add 1 1 - -',
    'add 4242 1 short -',
    'add 4242 1 - relative',
    'add  4242 1 - -',
    'kill 4242',
    'remove 4242 4243',
    'remove "4242"',
    'remove 1',
    'remove',
    'run nothex -',
    'run 0123456789abcdef relative',
    'run 0123456789abcdef',
    'since',
    'since 1 2',
    'since x',
    'termed 1234',
    'termed 12.5',
    'termed 1 2',
    '{"op":"remove","pid":4242}',
    'add 4242 1 - /a\r',
  ])('%j is skipped', (line) => {
    expect(parseWatchdogMessage(line)).toBeNull();
  });
});
