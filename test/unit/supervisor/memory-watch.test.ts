import { describe, expect, test } from 'vitest';
import { createTimerWheel } from '../../../src/util/timer-wheel.js';
import { createMemoryWatch, type MemoryWatched } from '../../../src/supervisor/memory-watch.js';
import type { MemorySample, ResourceTarget } from '../../../src/supervisor/resource-sampler.js';
import { createMemoryLogger } from '../../helpers/memory-log.js';

// A wheel on a hand-moved clock: each pending timer is run by `advance`.
const manualWheel = () => {
  let now = 0;
  const timers: Array<{ at: number; fn: () => void }> = [];
  const wheel = createTimerWheel({
    slotMs: 10,
    now: () => now,
    setTimer: (fn, ms) => {
      const timer = { at: now + ms, fn };
      timers.push(timer);
      return timer;
    },
    clearTimer: (timer) => void timers.splice(timers.indexOf(timer as (typeof timers)[number]), 1),
  });
  const advance = (ms: number): void => {
    now += ms;
    for (let round = 0; round < 100; round += 1) {
      const due = timers.find((timer) => timer.at <= now);
      if (due === undefined) return;
      timers.splice(timers.indexOf(due), 1);
      due.fn();
    }
  };
  return { wheel, advance, pending: () => timers.length };
};

const watched = (
  plugin: string,
  limit: number | null,
  exceeded: Array<[string, number]>,
): MemoryWatched & { target: ResourceTarget | null } => {
  const runner = {
    target: { plugin, generation: 1, pid: 100, cgroup: null } as ResourceTarget | null,
    memoryWatchTarget: () => (runner.target === null || limit === null ? null : { ...runner.target, limit }),
    exceedMemory: (_generation: number, used: MemorySample) => void exceeded.push([plugin, used.bytes]),
  };
  return runner;
};

describe('the memory watch', () => {
  test('samples only plugins with a memoryMax, tells the one past it, and disarms once none is left', () => {
    const { wheel, advance, pending } = manualWheel();
    const asked: string[] = [];
    const memory = new Map([
      ['big', 300],
      ['small', 50],
      ['unlimited', 10_000],
    ]);
    const sampler = {
      memory: (target: ResourceTarget): MemorySample => {
        asked.push(target.plugin);
        return { bytes: memory.get(target.plugin) ?? 0, processes: 1 };
      },
    };
    const exceeded: Array<[string, number]> = [];
    const runners = [watched('big', 200, exceeded), watched('small', 200, exceeded), watched('unlimited', null, exceeded)];
    const watch = createMemoryWatch({ watched: () => runners, sampler, log: createMemoryLogger().log, wheel, intervalMs: 500 });
    // Nothing is armed until a spawn asks for it: no timer at all.
    advance(5_000);
    expect(asked).toEqual([]);
    expect(pending()).toBe(0);
    watch.arm();
    watch.arm();
    advance(500);
    expect(asked).toEqual(['big', 'small']);
    expect(exceeded).toEqual([['big', 300]]);
    advance(500);
    expect(asked).toHaveLength(4);
    // The plugins stop: the next round finds none and the watch schedules nothing more.
    for (const runner of runners) runner.target = null;
    advance(500);
    advance(5_000);
    expect(asked).toHaveLength(4);
    expect(pending()).toBe(0);
    watch.arm();
    watch.stop();
    advance(1_000);
    expect(asked).toHaveLength(4);
  });
});
