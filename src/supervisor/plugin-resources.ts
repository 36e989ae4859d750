import type { PluginConfig } from '../config/types.js';
import { formatBytes } from '../config/size.js';
import type { Logger } from '../log.js';
import type { MemoryExcess } from '../model/events.js';
import { MemoryVerdicts } from './memory-limit.js';
import type { MemoryWatched } from './memory-watch.js';
import type { PluginInstance } from './plugin-instance.js';
import type { MemorySample, ResourceTarget } from './resource-sampler.js';

/**
 * One runner's side of resources: what to sample (its current generation),
 * and memoryMax: the kernel's where the generation's cgroup enforces it,
 * else the memory watch's samples, after which it ends the generation's
 * processes with SIGKILL (as the kernel would) so the exit is told as reason `memory`.
 *
 * @example
 * const resources = new PluginResources(config, () => this.current, log);
 * resources.target(); // { plugin: 'echo', generation: 3, pid: 4242, cgroup: null }
 */
export class PluginResources implements MemoryWatched {
  private readonly verdicts = new MemoryVerdicts();

  constructor(
    private readonly config: PluginConfig,
    private readonly current: () => PluginInstance | null,
    private readonly log: Logger,
  ) {}

  /** The current generation to sample, or null while no process of it runs. */
  target(): ResourceTarget | null {
    const instance = this.current();
    const pid = instance?.pid ?? null;
    if (instance === null || pid === null) return null;
    return { plugin: this.config.name, generation: instance.generation, pid, cgroup: instance.containment?.cgroup ?? null };
  }

  /** A generation was spawned: true when the memory watch must sample it (a memoryMax no cgroup enforces). */
  spawned(instance: PluginInstance): boolean {
    const cgroup = instance.containment?.cgroup ?? null;
    if (this.config.memoryMax === null) return false;
    if (instance.memoryEnforced && cgroup !== null) {
      this.verdicts.enforcedBy(instance.generation, cgroup);
      return false;
    }
    return true;
  }

  memoryWatchTarget(): (ResourceTarget & { limit: number }) | null {
    const limit = this.config.memoryMax;
    const target = this.target();
    if (limit === null || target === null || this.current()?.memoryEnforced === true) return null;
    return { ...target, limit };
  }

  exceedMemory(generation: number, used: MemorySample, limit: number): void {
    const instance = this.current();
    if (instance === null || instance.generation !== generation) return;
    if (!this.verdicts.exceeded(generation, { bytes: used.bytes, limit, by: 'sampled' })) return;
    this.log.warn(
      { generation, memoryBytes: used.bytes, memoryMax: limit, processes: used.processes },
      `${this.config.name}: ${formatBytes(used.bytes)} passed memoryMax ${formatBytes(limit)}; ending it to restart it`,
    );
    instance.signal('SIGKILL');
  }

  /** At a generation's exit: the memory excess that ended it, or null. */
  exitCause(generation: number): MemoryExcess | null {
    return this.verdicts.takeExit(generation, this.config.memoryMax);
  }
}
