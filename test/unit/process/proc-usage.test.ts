import { spawn } from 'node:child_process';
import { afterEach, describe, expect, test } from 'vitest';
import { listProcessTree, pageSize, parseProcUsage, readProcUsage } from '../../../src/process/proc-usage.js';

const started: number[] = [];
afterEach(() => {
  for (const pid of started.splice(0)) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // Gone already.
    }
  }
});

describe('parseProcUsage', () => {
  test('adds utime, stime, cutime and cstime, and reads RSS and the start, past a name with spaces and parentheses', () => {
    const fields = [
      'S',
      '1',
      '42',
      '42',
      '0',
      '-1',
      '4194560',
      '0',
      '0',
      '0',
      '0',
      '150',
      '30',
      '2',
      '1',
      '20',
      '0',
      '11',
      '0',
      '5000',
      '1000000',
      '2500',
    ];
    expect(parseProcUsage(`42 (my (odd) name) ${fields.join(' ')} 0 0\n`)).toEqual({
      pid: 42,
      cpuTicks: 183,
      rssPages: 2500,
      startTicks: 5000,
      state: 'S',
    });
  });

  test.each(['', 'garbage', '42 (x) S 1 2', '42 (x) S 1 42 42 0 -1 0 0 0 0 0 -5 0 0 0 0 0 0 0 0 0 0'])('refuses %j', (text) => {
    expect(parseProcUsage(text)).toBeNull();
  });
});

describe('reading /proc', () => {
  test('this process has a usage, and its RSS in bytes is near what node says', () => {
    const own = readProcUsage(process.pid);
    expect(own).not.toBeNull();
    const rss = (own?.rssPages ?? 0) * pageSize;
    expect(rss / process.memoryUsage.rss()).toBeGreaterThan(0.5);
    expect(rss / process.memoryUsage.rss()).toBeLessThan(2);
  });

  test('a tree holds the process, its children and theirs, a fork in a session of its own included', async () => {
    // sh → (sleep, setsid sleep): three processes, one in a session of its own.
    const child = spawn('/bin/sh', ['-c', 'sleep 30 & setsid sleep 30 & echo ready; wait'], {
      detached: true,
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    started.push(child.pid ?? 0);
    await new Promise((resolve) => child.stdout.once('data', resolve));
    // Bounded: the forks show in /proc within a moment of "ready".
    let tree: number[] = [];
    for (let attempt = 0; attempt < 50 && tree.length < 3; attempt += 1) {
      tree = listProcessTree(child.pid ?? 0);
      if (tree.length < 3) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(tree).toHaveLength(3);
    expect(tree[0]).toBe(child.pid);
    expect(listProcessTree(2 ** 22 + 1)).toEqual([2 ** 22 + 1]);
    expect(readProcUsage(2 ** 22 + 1)).toBeNull();
  });
});
