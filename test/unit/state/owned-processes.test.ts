import { describe, expect, test } from 'vitest';
import { findOwnedProcesses } from '../../../src/state/owned-processes.js';
import type { ProcStat } from '../../../src/state/proc-stat.js';

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

  test('the leader gone: members of its group that started no earlier are what it left', () => {
    const processes = [proc(101, 100, '5000'), proc(102, 100, '7000'), proc(103, 100, '4999'), proc(104, 104, '8000')];
    expect(findOwnedProcesses(record, processes)).toEqual({ group: false, pids: [101, 102] });
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
