import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import {
  limitCgroupMemory,
  readCgroupCpuSeconds,
  readCgroupMemoryBytes,
  readCgroupOomKills,
} from '../../../src/containment/cgroup-usage.js';

// A folder laid out as a cgroup v2 directory: the readers read files, and a missing file is a controller that is off.
const dir = mkdtempSync(join(tmpdir(), 'hale-cgroup-usage-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('cgroup usage', () => {
  test('reads cpu.stat usage_usec, memory.current and memory.events oom_kill', () => {
    writeFileSync(join(dir, 'cpu.stat'), 'usage_usec 1250000\nuser_usec 1000000\nsystem_usec 250000\n');
    writeFileSync(join(dir, 'memory.current'), '52428800\n');
    writeFileSync(join(dir, 'memory.events'), 'low 0\nhigh 0\nmax 12\noom 1\noom_kill 1\noom_group_kill 0\n');
    expect(readCgroupCpuSeconds(dir)).toBe(1.25);
    expect(readCgroupMemoryBytes(dir)).toBe(52_428_800);
    expect(readCgroupOomKills(dir)).toBe(1);
  });

  test('a cgroup without the memory controller (or gone) reads as null or 0, and takes no limit', () => {
    const bare = join(dir, 'missing');
    expect(readCgroupCpuSeconds(bare)).toBeNull();
    expect(readCgroupMemoryBytes(bare)).toBeNull();
    expect(readCgroupOomKills(bare)).toBe(0);
    // No memory.max file: the limit is not written (never created), and hale samples instead.
    const other = mkdtempSync(join(dir, 'no-memory-'));
    expect(limitCgroupMemory(other, 100)).toBe(false);
  });

  test('writes memory.max and memory.oom.group where they are', () => {
    writeFileSync(join(dir, 'memory.max'), 'max\n');
    // cgroupfs takes each write whole; a plain file is overwritten in place, so it starts as long as what is written.
    writeFileSync(join(dir, 'memory.oom.group'), '0');
    expect(limitCgroupMemory(dir, 157_286_400)).toBe(true);
    expect(readFileSync(join(dir, 'memory.max'), 'utf8')).toBe('157286400');
    expect(readFileSync(join(dir, 'memory.oom.group'), 'utf8')).toBe('1');
  });
});
