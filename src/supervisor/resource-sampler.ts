import { readCgroupCpuSeconds, readCgroupMemoryBytes } from '../containment/cgroup-usage.js';
import { listCgroupProcesses } from '../containment/cgroup.js';
import type { ResourceUsage } from '../model/resources.js';
import { listProcessTree, pageSize, readProcUsage, readResidentPages, readUptimeSeconds, ticksPerSecond } from '../process/proc-usage.js';

/** One plugin process generation to sample: its leader and its cgroup, where it has one. */
export interface ResourceTarget {
  plugin: string;
  generation: number;
  pid: number;
  cgroup: string | null;
}

export interface ResourceSampler {
  /** Each target's usage (null for one whose processes are gone); a sample younger than the cache's age is given again. */
  sample(targets: readonly ResourceTarget[]): Map<string, ResourceUsage | null>;
  /** Only the resident memory of one target's tree, read afresh and lean (no CPU, no cache): what the memory watch needs. */
  memory(target: ResourceTarget): MemorySample | null;
}

/** A target's resident memory now, and how many processes it counted. */
export interface MemorySample {
  bytes: number;
  processes: number;
}

interface Kept {
  generation: number;
  pid: number;
  usage: ResourceUsage | null;
}

/** Samples closer than this give the kept one: a scrape, the API and `hale top` at once read the tree once. */
export const resourceCacheMs = 250;

/** A tree of more processes than this is counted up to it. */
const maxProcesses = 4_096;

/**
 * Samples plugins' CPU and memory on demand, each from its cgroup
 * (cgroup.procs, cpu.stat, memory.current) or else from /proc (its leader
 * and descendants). Nothing runs between calls: there is no timer here.
 *
 * @example
 * const sampler = createResourceSampler();
 * sampler.sample([{ plugin: 'echo', generation: 1, pid: 4242, cgroup: null }]).get('echo')?.memoryBytes;
 */
export const createResourceSampler = ({ now = Date.now }: { now?: () => number } = {}): ResourceSampler => {
  const kept = new Map<string, Kept>();
  return {
    sample: (targets) => {
      const at = now();
      const answer = new Map<string, ResourceUsage | null>();
      for (const target of targets) {
        const before = kept.get(target.plugin);
        const same = before !== undefined && before.generation === target.generation && before.pid === target.pid;
        if (same && before.usage !== null && at - before.usage.sampledAt < resourceCacheMs) {
          answer.set(target.plugin, before.usage);
          continue;
        }
        const usage = sampleTarget(target, at, same ? (before.usage ?? null) : null);
        kept.set(target.plugin, { generation: target.generation, pid: target.pid, usage });
        answer.set(target.plugin, usage);
      }
      // Plugins no longer asked about (removed, stopped) are forgotten.
      for (const plugin of kept.keys()) if (!answer.has(plugin)) kept.delete(plugin);
      return answer;
    },
    memory: sampleMemory,
  };
};

// The watch samples only where no cgroup enforces memoryMax, so only where the cgroup has no memory.current: RSS it is.
const sampleMemory = (target: ResourceTarget): MemorySample | null => {
  const pids = target.cgroup === null ? listProcessTree(target.pid, maxProcesses) : listCgroupProcesses(target.cgroup);
  let pages = 0;
  let processes = 0;
  for (const pid of pids.slice(0, maxProcesses)) {
    const resident = readResidentPages(pid);
    if (resident === null) continue;
    pages += resident;
    processes += 1;
  }
  return processes === 0 ? null : { bytes: pages * pageSize, processes };
};

const sampleTarget = (target: ResourceTarget, at: number, previous: ResourceUsage | null): ResourceUsage | null => {
  const leader = readProcUsage(target.pid);
  const pids =
    target.cgroup === null ? (leader === null ? [] : listProcessTree(target.pid, maxProcesses)) : listCgroupProcesses(target.cgroup);
  let ticks = 0;
  let rssPages = 0;
  let processes = 0;
  for (const pid of pids.slice(0, maxProcesses)) {
    const usage = pid === target.pid ? leader : readProcUsage(pid);
    if (usage === null) continue;
    ticks += usage.cpuTicks;
    rssPages += usage.rssPages;
    processes += 1;
  }
  if (processes === 0) return null;
  const cgroupCpu = target.cgroup === null ? null : readCgroupCpuSeconds(target.cgroup);
  const cgroupMemory = target.cgroup === null ? null : readCgroupMemoryBytes(target.cgroup);
  const cpuSeconds = cgroupCpu ?? ticks / ticksPerSecond;
  return {
    cpuSeconds,
    cpuPercent: percentOf(cpuSeconds, at, previous, leader?.startTicks ?? null),
    memoryBytes: cgroupMemory ?? rssPages * pageSize,
    processes,
    sampledAt: at,
    source: target.cgroup === null ? 'proc' : 'cgroup',
  };
};

// Over the interval since the previous sample; for the first, since the leader started, as ps shows it.
const percentOf = (cpuSeconds: number, at: number, previous: ResourceUsage | null, startTicks: number | null): number => {
  if (previous !== null && at > previous.sampledAt) {
    return roundPercent(((cpuSeconds - previous.cpuSeconds) / ((at - previous.sampledAt) / 1_000)) * 100);
  }
  const uptime = readUptimeSeconds();
  if (uptime === null || startTicks === null) return 0;
  const age = uptime - startTicks / ticksPerSecond;
  return age > 0 ? roundPercent((cpuSeconds / age) * 100) : 0;
};

const roundPercent = (percent: number): number => Math.max(0, Math.round(percent * 10) / 10);
