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
  /**
   * Only the resident memory of one target's tree, lean (no CPU, no cache of the figure): what the memory watch
   * needs. Its processes are read each time; the tree itself is walked again every 4th call, or when one is gone.
   */
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
  // The memory watch's last walk of each plugin's tree, reused for a few samples.
  const trees = new Map<string, { generation: number; pid: number; pids: number[]; uses: number }>();
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
    memory: (target) => {
      const known = trees.get(target.plugin);
      const fresh = known === undefined || known.generation !== target.generation || known.pid !== target.pid || known.uses >= treeUses;
      const tree = fresh ? { generation: target.generation, pid: target.pid, pids: listTree(target), uses: 0 } : known;
      tree.uses += 1;
      if (trees.size > 10_000) trees.clear();
      trees.set(target.plugin, tree);
      const sampled = sumResident(tree.pids);
      // A process of the tree gone since the walk: the next look walks it again.
      if (sampled.gone) tree.uses = treeUses;
      return sampled.processes === 0 ? null : { bytes: sampled.pages * pageSize, processes: sampled.processes };
    },
  };
};

/**
 * How many memory samples one walk of a plugin's tree serves: the plugin's processes are read every time, a fork is
 * found within this many samples (2 s at the watch's 500 ms), and the walk (a children file per thread, or the
 * cgroup's process list) is paid a quarter as often.
 */
const treeUses = 4;

const listTree = (target: ResourceTarget): number[] =>
  (target.cgroup === null ? listProcessTree(target.pid, maxProcesses) : listCgroupProcesses(target.cgroup)).slice(0, maxProcesses);

const sumResident = (pids: readonly number[]): { pages: number; processes: number; gone: boolean } => {
  let pages = 0;
  let processes = 0;
  for (const pid of pids) {
    const resident = readResidentPages(pid);
    if (resident === null) continue;
    pages += resident;
    processes += 1;
  }
  return { pages, processes, gone: processes < pids.length };
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
