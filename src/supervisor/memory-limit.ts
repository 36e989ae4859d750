import { readCgroupOomKills } from '../containment/cgroup-usage.js';
import { formatBytes } from '../config/size.js';
import type { MemoryExcess } from '../model/events.js';

/**
 * Why one process generation went down for its memory, if it did: hale saw
 * it past memoryMax and ended it (`sampled`), or the kernel's OOM killer
 * ended it at its cgroup's memory.max (memory.events `oom_kill`). A plain
 * holder the runner keeps per generation.
 */
export class MemoryVerdicts {
  private readonly sampled = new Map<number, MemoryExcess>();
  private readonly enforced = new Map<number, string>();

  /** The kernel enforces memoryMax on this generation's cgroup. */
  enforcedBy(generation: number, cgroup: string): void {
    this.enforced.set(generation, cgroup);
  }

  /** hale saw this generation past memoryMax; false when it had already (the kill is under way). */
  exceeded(generation: number, excess: MemoryExcess): boolean {
    if (this.sampled.has(generation)) return false;
    this.sampled.set(generation, excess);
    return true;
  }

  /** At the generation's exit: what its memory had to do with it, or null (and the generation is forgotten). */
  takeExit(generation: number, limit: number | null): MemoryExcess | null {
    const sampled = this.sampled.get(generation) ?? null;
    const cgroup = this.enforced.get(generation);
    this.sampled.delete(generation);
    this.enforced.delete(generation);
    if (sampled !== null) return sampled;
    if (cgroup === undefined || limit === null || readCgroupOomKills(cgroup) === 0) return null;
    return { bytes: limit, limit, by: 'cgroup' };
  }
}

/**
 * The exit's reason, in words, for a generation ended for its memory.
 *
 * @example
 * describeMemoryExit({ bytes: 160 * 2 ** 20, limit: 150 * 2 ** 20, by: 'sampled' });
 * // 'memory: 160 MiB passed memoryMax 150 MiB; hale ended it'
 */
export const describeMemoryExit = (excess: MemoryExcess): string =>
  excess.by === 'sampled'
    ? `memory: ${formatBytes(excess.bytes)} passed memoryMax ${formatBytes(excess.limit)}; hale ended it`
    : `memory: the kernel ended it at memoryMax ${formatBytes(excess.limit)} (its cgroup's memory.max)`;
