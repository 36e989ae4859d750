import { spawn } from 'node:child_process';
import { afterEach, describe, expect, test } from 'vitest';
import { createResourceSampler } from '../../../src/supervisor/resource-sampler.js';

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

// A real child that keeps a core busy for its whole life, in its own group.
const spawnBusy = async (): Promise<number> => {
  const child = spawn(process.execPath, ['-e', 'process.stdout.write("up\\n"); for (;;);'], {
    detached: true,
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  started.push(child.pid ?? 0);
  await new Promise((resolve) => child.stdout.once('data', resolve));
  return child.pid ?? 0;
};

describe('the resource sampler', () => {
  test('samples a real process from /proc, gives the same sample within its cache, and a percent over the interval after', async () => {
    let now = Date.now();
    const sampler = createResourceSampler({ now: () => now });
    const pid = await spawnBusy();
    const target = { plugin: 'busy', generation: 1, pid, cgroup: null };
    const first = sampler.sample([target]).get('busy');
    expect(first).toMatchObject({ processes: 1, source: 'proc', sampledAt: now });
    expect(first?.memoryBytes).toBeGreaterThan(10 * 1024 * 1024);
    now += 100;
    expect(sampler.sample([target]).get('busy')).toBe(first);
    // Real time passes for the CPU to be used; the sampler's clock is told the same.
    const before = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 400));
    now += Date.now() - before;
    const second = sampler.sample([target]).get('busy');
    const usedSeconds = (second?.cpuSeconds ?? 0) - (first?.cpuSeconds ?? 0);
    expect(usedSeconds).toBeGreaterThan(0);
    // The percent is the CPU used over the time between the two samples (how much it got depends on the machine's load).
    const intervalSeconds = ((second?.sampledAt ?? 0) - (first?.sampledAt ?? 0)) / 1_000;
    expect(second?.cpuPercent).toBeCloseTo((usedSeconds / intervalSeconds) * 100, 0);
  });

  test('a process that is gone samples as null, and a new generation starts its own percent', async () => {
    const sampler = createResourceSampler();
    expect(sampler.sample([{ plugin: 'gone', generation: 1, pid: 2 ** 22 + 1, cgroup: null }]).get('gone')).toBeNull();
    const pid = await spawnBusy();
    const usage = sampler.sample([{ plugin: 'gone', generation: 2, pid, cgroup: null }]).get('gone');
    expect(usage?.processes).toBe(1);
    expect(usage?.cpuPercent).toBeGreaterThanOrEqual(0);
  });

  test("memory: the watch's lean sample counts a tree's resident memory, and walks the tree again once a process is gone", async () => {
    const sampler = createResourceSampler();
    const shell = spawn('/bin/sh', ['-c', 'sleep 30 & sleep 30 & echo ready; wait'], {
      detached: true,
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    started.push(shell.pid ?? 0);
    await new Promise((resolve) => shell.stdout.once('data', resolve));
    const target = { plugin: 'tree', generation: 1, pid: shell.pid ?? 0, cgroup: null };
    // Bounded: both forks show within a moment of "ready".
    let sample = sampler.memory(target);
    for (let attempt = 0; attempt < 50 && sample?.processes !== 3; attempt += 1) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      sample = sampler.memory({ ...target, generation: 100 + attempt });
    }
    expect(sample?.processes).toBe(3);
    expect(sample?.bytes).toBeGreaterThan(0);
    process.kill(shell.pid ?? 0, 'SIGKILL');
    // The shell is gone, its sleeps remain (now init's children): the walk from the shell finds nothing more.
    for (let attempt = 0; attempt < 50 && sample !== null; attempt += 1) {
      sample = sampler.memory({ ...target, generation: 149 });
      if (sample !== null) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(sample).toBeNull();
  });
});
