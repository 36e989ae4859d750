import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { describe, expect, test } from 'vitest';
import { isRunning, listProcesses, parseProcStat, readBootId, readProcStat, readStartTime } from '../../../src/process/proc-stat.js';

// A real line from /proc/PID/stat, with the fields after the name numbered as proc(5) does.
const line = (name: string, state = 'S', pgid = 4242, startTime = '981234') =>
  `4250 (${name}) ${state} 1 ${pgid} ${pgid} 0 -1 4194560 1234 0 0 0 10 5 0 0 20 0 7 0 ${startTime} 1234567 2345 18446744073709551615 1 1 0 0 0 0 0 4096 0 0 0 0 17 1 0 0 0 0 0`;

describe('parseProcStat', () => {
  test('reads pid, state, process group and start time (field 22)', () => {
    expect(parseProcStat(line('node'))).toEqual({ pid: 4250, state: 'S', pgid: 4242, startTime: '981234' });
  });

  test.each(['my plugin', 'a) b (c', ') S 1 2 3', '(', ''])('a command name like %j does not shift the fields', (name) => {
    expect(parseProcStat(line(name, 'Z', 77, '5'))).toEqual({ pid: 4250, state: 'Z', pgid: 77, startTime: '5' });
  });

  test('a start time past 2^53 stays exact', () => {
    expect(parseProcStat(line('node', 'R', 1, '90071992547409931'))?.startTime).toBe('90071992547409931');
  });

  test.each(['', 'garbage', '4250 (node) S 1 4242', 'x (node) S 1 4242 4242 0 -1 0 0 0 0 0 0 0 0 0 0 0 0 0 0 12'])(
    '%j is not a stat line',
    (text) => {
      expect(parseProcStat(text)).toBeNull();
    },
  );
});

describe('reading /proc', () => {
  test('our own start time is field 22 of /proc/self/stat, and stays the same', () => {
    const own = readFileSync('/proc/self/stat', 'utf8');
    const expected = own.slice(own.lastIndexOf(')') + 2).split(' ')[19];
    expect(readStartTime(process.pid)).toBe(expected);
    expect(readStartTime(process.pid)).toBe(expected);
  });

  test('a process that started later has a start time no earlier than ours', () => {
    const { stdout } = spawnSync(process.execPath, ['-e', "process.stdout.write(require('fs').readFileSync('/proc/self/stat','utf8'))"]);
    const child = parseProcStat(stdout.toString());
    expect(child).not.toBeNull();
    expect(BigInt(child?.startTime ?? '0')).toBeGreaterThanOrEqual(BigInt(readStartTime(process.pid) ?? 'x'));
  });

  test('a pid that is not running has no start time', () => {
    const { pid } = spawnSync(process.execPath, ['-e', '']);
    // Reaped already; pid_max is at most 2^22, so the second one never exists.
    expect(readStartTime(pid)).toBeNull();
    expect(readStartTime(2 ** 22 + 1)).toBeNull();
  });

  test('listProcesses sees this process, running, in its own group', () => {
    const self = listProcesses().find((stat) => stat.pid === process.pid);
    expect(self).toEqual(readProcStat(process.pid));
    expect(self !== undefined && isRunning(self)).toBe(true);
  });

  test('the boot id is this boot’s, the same on every read', () => {
    expect(readBootId()).toMatch(/^[0-9a-f-]{36}$/);
    expect(readBootId()).toBe(readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim());
  });
});
