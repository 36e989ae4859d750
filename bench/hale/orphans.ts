import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { alive } from '../../test/helpers/alive.js';
import { forgetPid, registerPid } from '../cleanup.js';
import { findProcessesByMarker, survivorsAfter } from '../proc-usage.js';
import { lightPlugins } from './bench-config.js';
import { findWatchdog } from './child-pids.js';
import { startHaleBench } from './hale-bench.js';
import { allHealthy } from './log-lines.js';
import { readPluginStatus } from './plugin-api.js';

export interface OrphanOptions {
  /** 50 by default. */
  count?: number;
  /** How long after the SIGKILL survivors are counted; 2 000 ms by default. */
  waitMs?: number;
}

export interface OrphanResult {
  /** Plugin processes running when hale was killed (from /plugins/status and the command-line marker). */
  plugins: number;
  /** Plugin processes still running `waitMs` after the SIGKILL. */
  survivors: number;
  /** Whether hale's watchdog was still running then (it should have ended the plugins, then itself). */
  watchdogSurvived: boolean;
  /** SIGKILL → no plugin process left, ms (null if some were left at the end). */
  allGoneMs: number | null;
}

/**
 * SIGKILLs hale while it supervises `count` light plugins and counts the
 * plugin processes (by pid from /plugins/status, and anything whose command
 * line bears the bench's marker) left after `waitMs`. Whatever is left is
 * then ended by the bench, by pid.
 *
 * @example
 * const result = await measureOrphans({ count: 50 }); // { plugins: 50, survivors: 0, watchdogSurvived: false, allGoneMs: 12.4 }
 */
export const measureOrphans = async (options: OrphanOptions = {}): Promise<OrphanResult> => {
  const { count = 50, waitMs = 2_000 } = options;
  const marker = `--bench-marker=${randomUUID()}`;
  const plugins = lightPlugins(count, marker);
  const bench = await startHaleBench({ plugins });
  const tracked = new Set<number>();
  let watchdog: number | null = null;
  try {
    await allHealthy(
      bench.hale,
      plugins.map((p) => p.name),
      60_000 + 300 * count,
    );
    const status = await readPluginStatus(bench.url);
    for (const pid of [...status.map((p) => p.pid), ...findProcessesByMarker(marker)]) {
      if (pid === null) continue;
      // Each plugin leads its own process group: should it outlive hale, the bench's cleanup ends the group.
      tracked.add(pid);
      registerPid(-pid);
    }
    watchdog = findWatchdog(bench.pid);
    if (watchdog !== null) registerPid(watchdog);
    const killedAt = performance.now();
    process.kill(bench.pid, 'SIGKILL');
    await bench.hale.exited;
    const left = await survivorsAfter([...tracked], waitMs, alive);
    const allGoneMs = left.length === 0 ? performance.now() - killedAt : null;
    // The watchdog gets the whole wait to finish and exit.
    const watchdogLeft =
      watchdog === null ? [] : await survivorsAfter([watchdog], Math.max(0, waitMs - (performance.now() - killedAt)), alive);
    const survivors = new Set([...left, ...findProcessesByMarker(marker)]);
    for (const pid of survivors) tracked.add(pid);
    return { plugins: tracked.size, survivors: survivors.size, watchdogSurvived: watchdogLeft.length > 0, allGoneMs };
  } finally {
    for (const pid of tracked) {
      // The group first; a survivor found by its marker alone may not lead one.
      for (const target of [-pid, pid]) {
        try {
          if (alive(pid)) process.kill(target, 'SIGKILL');
        } catch {
          // Gone meanwhile, or no such group.
        }
      }
      forgetPid(-pid);
    }
    if (watchdog !== null && alive(watchdog)) process.kill(watchdog, 'SIGKILL');
    if (watchdog !== null) forgetPid(watchdog);
    await bench.stop();
  }
};
