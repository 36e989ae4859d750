import { Counter, Gauge, type Registry } from 'prom-client';
import type { ResourceUsage } from '../model/resources.js';

/** Each plugin's usage now; absent plugins have no sample. */
export type ResourceReader = () => ReadonlyMap<string, ResourceUsage | null>;

/**
 * `hale_plugin_memory_bytes` (gauge) and `hale_plugin_cpu_seconds_total`
 * (counter), sampled at scrape time only. The counter adds up every
 * process generation hale has sampled, so a restart does not take it back
 * (what a generation used after its last sample is not counted).
 *
 * @example
 * registerResourceMetrics(registry, () => supervisor.resources());
 */
export const registerResourceMetrics = (registry: Registry, read: ResourceReader): void => {
  // Per plugin: CPU seconds of the generations before the current one, and the last sample of the current one.
  const totals = new Map<string, { before: number; last: number }>();
  // Both metrics of one scrape get the same sample: the sampler gives a sample again within its 250 ms.
  const sample = read;
  new Gauge({
    name: 'hale_plugin_memory_bytes',
    help: "Resident memory of the plugin's process tree (its cgroup's memory.current where hale has one with the memory controller, else the sum of RSS).",
    labelNames: ['plugin'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const [plugin, usage] of sample()) if (usage !== null) this.set({ plugin }, usage.memoryBytes);
    },
  });
  new Counter({
    name: 'hale_plugin_cpu_seconds_total',
    help: "CPU seconds used by the plugin's process tree (its cgroup's where hale has one), over every process generation sampled.",
    labelNames: ['plugin'] as const,
    registers: [registry],
    collect() {
      const now = sample();
      this.reset();
      for (const plugin of totals.keys()) if (!now.has(plugin)) totals.delete(plugin);
      for (const [plugin, usage] of now) {
        const kept = totals.get(plugin) ?? { before: 0, last: 0 };
        // A generation starts again from 0: what the last one had been seen to use is kept.
        if (usage !== null && usage.cpuSeconds < kept.last) kept.before += kept.last;
        if (usage !== null) kept.last = usage.cpuSeconds;
        totals.set(plugin, kept);
        this.inc({ plugin }, kept.before + kept.last);
      }
    },
  });
};
