import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const readText = (path: string): string | null => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
};

const readField = (text: string | null, name: string): number | null => {
  const value = text === null ? undefined : new RegExp(`^${name} (\\d+)$`, 'm').exec(text)?.[1];
  return value === undefined ? null : Number(value);
};

/**
 * CPU time used by every process that ever ran in the cgroup (cpu.stat
 * `usage_usec`, there with or without the cpu controller), in seconds; null when it is gone.
 *
 * @example
 * readCgroupCpuSeconds('/sys/fs/cgroup/hale-0123456789abcdef/echo-1'); // 1.25
 */
export const readCgroupCpuSeconds = (dir: string): number | null => {
  const usec = readField(readText(join(dir, 'cpu.stat')), 'usage_usec');
  return usec === null ? null : usec / 1e6;
};

/**
 * The cgroup's memory.current in bytes; null where the memory controller is not enabled for it.
 *
 * @example
 * readCgroupMemoryBytes(dir); // 52428800
 */
export const readCgroupMemoryBytes = (dir: string): number | null => {
  const text = readText(join(dir, 'memory.current'));
  const bytes = text === null ? NaN : Number(text.trim());
  return Number.isSafeInteger(bytes) ? bytes : null;
};

/**
 * How many processes the kernel's OOM killer ended in the cgroup for
 * passing its memory.max (memory.events `oom_kill`); 0 when it has none.
 *
 * @example
 * if (readCgroupOomKills(dir) > 0) reason = 'memory';
 */
export const readCgroupOomKills = (dir: string): number => readField(readText(join(dir, 'memory.events')), 'oom_kill') ?? 0;

/**
 * Has the kernel enforce `bytes` on the cgroup (memory.max, and
 * memory.oom.group so an OOM kill ends all of it, not one fork). False where
 * the memory controller is not enabled for it: then hale samples instead.
 *
 * @example
 * limitCgroupMemory('/sys/fs/cgroup/hale-0123456789abcdef/echo-1', 150 * 2 ** 20); // true
 */
export const limitCgroupMemory = (dir: string, bytes: number): boolean => {
  try {
    writeFileSync(join(dir, 'memory.max'), String(bytes), { flag: 'r+' });
  } catch {
    return false;
  }
  try {
    writeFileSync(join(dir, 'memory.oom.group'), '1', { flag: 'r+' });
  } catch {
    // Kernels before 4.19: the OOM killer picks one process, and the plugin goes down when it is the leader.
  }
  return true;
};
