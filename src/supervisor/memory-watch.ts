import type { Logger } from '../log.js';
import { sharedWheel, type TimerWheel, type WheelHandle } from '../util/timer-wheel.js';
import type { MemorySample, ResourceSampler, ResourceTarget } from './resource-sampler.js';

/** How often plugins with a memoryMax that no cgroup enforces are sampled: a crossing is acted on within this (and a kill). */
export const memoryWatchIntervalMs = 500;

/** A plugin the watch samples: its target while it needs watching, and what to do when it is past its limit. */
export interface MemoryWatched {
  /** The current generation, when it has a memoryMax that its cgroup does not enforce; null otherwise. */
  memoryWatchTarget(): (ResourceTarget & { limit: number }) | null;
  exceedMemory(generation: number, used: MemorySample, limit: number): void;
}

export interface MemoryWatch {
  /** Starts sampling, if it is not already; it stops by itself once nothing needs watching. */
  arm(): void;
  stop(): void;
}

/**
 * Samples, every 500 ms on the shared timer wheel, only the plugins whose
 * memoryMax no cgroup enforces, and tells each one past it. It runs only
 * while such a plugin runs: armed by its spawn, it disarms at the first
 * round that finds none, so hale without memoryMax pays nothing.
 *
 * @example
 * const watch = createMemoryWatch({ watched: () => runners.values(), sampler, log });
 * watch.arm();
 */
export const createMemoryWatch = ({
  watched,
  sampler,
  log,
  wheel = sharedWheel(),
  intervalMs = memoryWatchIntervalMs,
}: {
  watched: () => Iterable<MemoryWatched>;
  sampler: Pick<ResourceSampler, 'memory'>;
  log: Logger;
  wheel?: TimerWheel;
  intervalMs?: number;
}): MemoryWatch => {
  let handle: WheelHandle | null = null;
  let stopped = false;
  const round = (): void => {
    handle = null;
    const targets = [...watched()].flatMap((runner) => {
      const target = runner.memoryWatchTarget();
      return target === null ? [] : [{ runner, target }];
    });
    if (targets.length === 0) return;
    try {
      for (const { runner, target } of targets) {
        const used = sampler.memory(target);
        if (used !== null && used.bytes > target.limit) runner.exceedMemory(target.generation, used, target.limit);
      }
    } catch (error) {
      log.error({ err: error }, 'internal error in the memory watch');
    }
    arm();
  };
  const arm = (): void => {
    if (stopped || handle !== null) return;
    handle = wheel.schedule(intervalMs, round);
  };
  return {
    arm,
    stop: () => {
      stopped = true;
      if (handle !== null) wheel.cancel(handle);
      handle = null;
    },
  };
};
