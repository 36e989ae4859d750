/** Where a plugin's resource figures came from: its cgroup (every process in it, forks in sessions of their own too), or /proc (its process and descendants). */
export type ResourceSource = 'cgroup' | 'proc';

/** What one plugin's process tree uses, sampled on demand (README, Resources). */
export interface ResourceUsage {
  /** CPU seconds used by the current process generation, its reaped forks included. */
  cpuSeconds: number;
  /** Percent of one core over the interval since the previous sample (or since the process started, for the first); 100 is one core busy. */
  cpuPercent: number;
  /** Resident memory in bytes: the cgroup's memory.current where its memory controller is on, else the sum of RSS. */
  memoryBytes: number;
  /** Processes in the tree. */
  processes: number;
  /** When sampled (ms since the epoch). */
  sampledAt: number;
  source: ResourceSource;
}
