import { describe, expect, test } from 'vitest';
import { findMarkedProcesses, findOwnedProcesses } from '../../../src/containment/owned-processes.js';
import type { ProcStat } from '../../../src/process/proc-stat.js';

const proc = (pid: number, pgid: number, startTime: string, state = 'S'): ProcStat => ({ pid, pgid, startTime, state });
const record = { pid: 100, startTime: '5000' };

describe('findOwnedProcesses', () => {
  test('the leader with the recorded start time: the whole group, leader first, reached as a group', () => {
    const processes = [proc(1, 1, '1'), proc(101, 100, '5100'), proc(100, 100, '5000'), proc(300, 300, '6000')];
    expect(findOwnedProcesses(record, processes)).toEqual({ group: true, pids: [100, 101] });
  });

  test('a pid reused by another program (another start time) is not ours, nor is its group', () => {
    const processes = [proc(100, 100, '9000'), proc(101, 100, '9001')];
    expect(findOwnedProcesses(record, processes)).toEqual({ group: false, pids: [] });
  });

  test('the leader gone: only members that carry the mark of the recorded run are what it left; a stranger in its group is not', () => {
    const runId = '0123456789abcdef';
    const marks = new Map([
      [101, { runId, plugin: 'echo', generation: 1 }],
      [102, { runId, plugin: 'echo', generation: 1 }],
      [105, { runId: 'fedcba9876543210', plugin: 'echo', generation: 1 }],
    ]);
    const readMark = (pid: number) => marks.get(pid) ?? null;
    const processes = [
      proc(101, 100, '5000'),
      proc(102, 100, '7000'),
      proc(103, 100, '4999'),
      proc(104, 104, '8000'),
      proc(105, 100, '5200'),
      proc(106, 100, '6000'),
    ];
    expect(findOwnedProcesses({ ...record, runId }, processes, readMark)).toEqual({ group: false, pids: [101, 102] });
    // A record of an older version names no run: nothing in a leaderless group is proven ours.
    expect(findOwnedProcesses(record, processes, readMark)).toEqual({ group: false, pids: [] });
  });

  test('zombies are dead already; a zombie leader still leads its group', () => {
    const processes = [proc(100, 100, '5000', 'Z'), proc(101, 100, '5100'), proc(102, 100, '5200', 'Z')];
    expect(findOwnedProcesses(record, processes)).toEqual({ group: true, pids: [101] });
  });

  test('a leader that left its group (setsid) is still ours, reached alone', () => {
    const processes = [proc(100, 100_000, '5000'), proc(101, 100, '5100')];
    expect(findOwnedProcesses(record, processes)).toEqual({ group: false, pids: [100, 101] });
  });

  test('nothing left: nothing to do', () => {
    expect(findOwnedProcesses(record, [proc(1, 1, '1')])).toEqual({ group: false, pids: [] });
    expect(findOwnedProcesses(record, [])).toEqual({ group: false, pids: [] });
  });
});

describe('findMarkedProcesses', () => {
  test('every running process with the mark of one of the runs, whatever its group; zombies and this process never', () => {
    const runId = '0123456789abcdef';
    const marks = new Map([
      [201, { runId, plugin: 'echo', generation: 1 }],
      [202, { runId, plugin: 'other', generation: 7 }],
      [203, { runId, plugin: 'echo', generation: 2 }],
      [204, { runId: 'fedcba9876543210', plugin: 'echo', generation: 1 }],
      [process.pid, { runId, plugin: 'echo', generation: 1 }],
    ]);
    const readMark = (pid: number) => marks.get(pid) ?? null;
    const processes = [
      proc(201, 201, '1'),
      proc(202, 900, '2'),
      proc(203, 203, '3', 'Z'),
      proc(204, 204, '4'),
      proc(205, 205, '5'),
      proc(process.pid, 1, '6'),
    ];
    expect(findMarkedProcesses(new Set([runId]), processes, readMark)).toEqual([201, 202]);
    expect(findMarkedProcesses(new Set(), processes, readMark)).toEqual([]);
    // Since a start time: older processes are not even read.
    const read: number[] = [];
    expect(findMarkedProcesses(new Set([runId]), processes, (pid) => (read.push(pid), readMark(pid)), '2')).toEqual([202]);
    expect(read).toEqual([202, 204, 205]);
  });
});
