import { existsSync, watch } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../../test/helpers/paths.js';

/** The preload that lets a bench profile a window of hale's life with SIGUSR2. */
export const profilerMain = join(repoRoot, 'bench/hale/cpu-profiler.mjs');

/**
 * What to give startHaleBench so hale can be profiled: NODE_OPTIONS loading
 * the profiler, and where it writes.
 *
 * @example
 * const bench = await startHaleBench({ plugins, ...profilerOptions('/tmp/prof') });
 */
export const profilerOptions = (dir: string, intervalUs = 200): { nodeOptions: string; haleEnv: Record<string, string> } => ({
  nodeOptions: `--import ${profilerMain}`,
  haleEnv: { HALE_BENCH_PROFILE_DIR: dir, HALE_BENCH_PROFILE_INTERVAL_US: String(intervalUs) },
});

/** Starts the profiler in a hale started with profilerOptions. */
export const startProfile = (pid: number): void => {
  process.kill(pid, 'SIGUSR2');
};

/**
 * Stops the profiler and resolves with the file it wrote (the `count`-th of
 * this hale), or rejects after `timeoutMs`.
 *
 * @example
 * startProfile(bench.pid);
 * await delay(10_000);
 * const file = await stopProfile(bench.pid, '/tmp/prof');
 */
export const stopProfile = (pid: number, dir: string, count = 1, timeoutMs = 10_000): Promise<string> => {
  const file = join(dir, `hale-${pid}-${count}.cpuprofile`);
  return new Promise((resolve, reject) => {
    const watcher = watch(dir);
    const done = (error?: Error) => {
      clearTimeout(timer);
      watcher.close();
      if (error === undefined) resolve(file);
      else reject(error);
    };
    const timer = setTimeout(() => done(new Error(`hale ${pid} wrote no ${file} within ${timeoutMs} ms`)), timeoutMs);
    // The profile is written synchronously in the signal handler: the file appears whole, once renamed in.
    watcher.on('change', () => {
      if (existsSync(file)) done();
    });
    process.kill(pid, 'SIGUSR2');
  });
};
