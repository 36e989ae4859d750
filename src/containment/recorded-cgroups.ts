import { rmdirSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { isBelow, removeCgroup } from './cgroup.js';

/** `hale-<runId>`: the cgroup of one hale run, under hale's own. */
export const runDirPattern = /^hale-([0-9a-f]{16})$/;
/** `<plugin>-<generation>`: the cgroup of one plugin process generation, in its run's. */
export const pluginDirPattern = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}-\d{1,15}$/;

/**
 * True when a recorded cgroup is one hale makes for the run `runId`: a
 * `<plugin>-<generation>` directory in a `hale-<runId>` directory, below
 * this machine's cgroup v2 mount. Anything else in a records file is not
 * proof of anything, and is never signalled.
 *
 * @example
 * isRunCgroup('/sys/fs/cgroup/hale-0123456789abcdef/echo-1', '0123456789abcdef', '/sys/fs/cgroup'); // true
 */
export const isRunCgroup = (dir: string, runId: string | undefined, mount: string): boolean => {
  if (runId === undefined || !isBelow(dir, mount)) return false;
  return pluginDirPattern.test(basename(dir)) && runDirPattern.exec(basename(dirname(dir)))?.[1] === runId;
};

/**
 * Removes plugin cgroups that are empty, then their run's cgroup once it
 * holds none. The cgroups that are still there (something runs in them).
 *
 * @example
 * removeRunCgroups(['/sys/fs/cgroup/hale-0123456789abcdef/echo-1']); // []
 */
export const removeRunCgroups = (dirs: readonly string[]): string[] => {
  const left = dirs.filter((dir) => !removeCgroup(dir));
  for (const parent of new Set(dirs.map((dir) => dirname(dir)))) {
    if (!runDirPattern.test(basename(parent))) continue;
    try {
      rmdirSync(parent);
    } catch {
      // Another plugin's cgroup is still in it, or it is gone already.
    }
  }
  return left;
};
