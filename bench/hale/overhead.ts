import { randomUUID } from 'node:crypto';
import { freemem } from 'node:os';
import { setTimeout as delay } from 'node:timers/promises';
import { measureUsage, type Usage } from '../proc-usage.js';
import { lightPlugins } from './bench-config.js';
import { analyzeChecks, type TickStats } from './check-ticks.js';
import { findWatchdog } from './child-pids.js';
import { findHelpers } from './helper-pids.js';
import { machineBusyPercent, readMachineTicks } from './machine-cpu.js';
import { startHaleBench } from './hale-bench.js';
import { profilerOptions, startProfile, stopProfile } from './hale-profiler.js';
import { allHealthy, logTimeMs } from './log-lines.js';
import { readPluginHealth } from './plugin-api.js';

export interface OverheadOptions {
  /** How many light plugins hale supervises. */
  count: number;
  /** The idle window over which RSS and CPU are measured; 30 s by default. */
  idleMs?: number;
  /** 1 000 by default. */
  checkIntervalMs?: number;
  /** How far past the interval a check may start before it is late; 25 ms by default. */
  toleranceMs?: number;
  /** Quiet time after the last plugin turned healthy, before the window opens (start-up work, GC, lazy compiles settle); 5 s by default. */
  settleMs?: number;
  /** Profile hale's CPU over the idle window into this directory (the CPU figures then include the profiler's cost). */
  profileDir?: string;
  /** hale's node flags; those of its shebang by default, [] for V8's defaults (the young-generation arm). */
  nodeFlags?: string[];
  /** false: the plugins answer WatchHealth UNIMPLEMENTED, so hale polls them (the baseline); true by default. */
  push?: boolean;
}

export interface OverheadResult {
  count: number;
  /** `hale run` spawned → the last plugin healthy, ms (section 5 at count 100). */
  startupMs: number;
  /** hale's own process over the idle window. */
  hale: Usage;
  /** hale's watchdog process over the same window (null if none was found). */
  watchdog: Usage | null;
  /** hale and all its helpers together (every descendant that is not a plugin), and how many helpers. */
  withHelpers: Usage & { helpers: number };
  /** The cadence the checks were judged against: checkInterval, or (pushed health) the slower guard poll hale settled on. */
  cadenceMs: number;
  /** Health checks in the window (only the last 20 per plugin are kept by hale: about 20 s at 1 s). */
  checks: TickStats;
  /** The whole machine over the window, % of one core (200 = two cores flat out): hale, the plugins, and anything else running. */
  machineCpuPercent: number;
  /** hale's own event-loop lag as GET /health reports it after the window. */
  eventLoopLag: { meanMs: number; p99Ms: number; maxMs: number };
  /** The machine's free memory (os.freemem), MiB: before hale started, once all were healthy, after the window. */
  freeMemMib: { before: number; healthy: number; after: number };
  /** Epoch ms: when `hale run` was spawned, and the idle window (to cut a CPU profile of hale to it). */
  times: { spawnedAt: number; windowStart: number; windowEnd: number };
  /** The .cpuprofile of hale over the idle window, when profileDir was given. */
  profile: string | null;
}

const mib = (bytes: number): number => bytes / 1024 / 1024;

/**
 * hale idle with `count` light plugins checked every second: its RSS and CPU
 * (% of one core, from /proc) over the window, the watchdog's beside it,
 * check latency and late or missed ticks, how long start-up took, and the
 * machine's free memory so one sees the plugins fit.
 *
 * @example
 * const result = await measureOverhead({ count: 500, idleMs: 30_000 });
 * result.hale.cpuPercent; // 2.1
 */
export const measureOverhead = async (options: OverheadOptions): Promise<OverheadResult> => {
  const { count, idleMs = 30_000, checkIntervalMs = 1_000, toleranceMs = 25 } = options;
  const before = mib(freemem());
  const marker = `--bench-marker=${randomUUID()}`;
  const plugins = lightPlugins(count, marker, { push: options.push ?? true });
  const bench = await startHaleBench({
    plugins,
    checkInterval: `${checkIntervalMs}ms`,
    ...(options.nodeFlags === undefined ? {} : { nodeFlags: options.nodeFlags }),
    ...(options.profileDir === undefined ? {} : profilerOptions(options.profileDir)),
  });
  try {
    // Start-up, not supervision, is what grows: 1,000 light plugins took 490 s to be healthy here (spawns slow as the machine fills).
    const last = await allHealthy(
      bench.hale,
      plugins.map((p) => p.name),
      60_000 + 600 * count,
    );
    const startupMs = logTimeMs(last) - bench.spawnedAt;
    await delay(options.settleMs ?? 5_000);
    const healthy = mib(freemem());
    const watchdogPid = findWatchdog(bench.pid);
    const helpers = findHelpers(bench.pid, marker);
    if (options.profileDir !== undefined) startProfile(bench.pid);
    const windowStart = Date.now();
    const machineBefore = readMachineTicks();
    const [hale, watchdog, together] = await Promise.all([
      measureUsage([bench.pid], idleMs),
      watchdogPid === null ? null : measureUsage([watchdogPid], idleMs),
      measureUsage([bench.pid, ...helpers], idleMs),
    ]);
    const windowEnd = Date.now();
    const machineCpuPercent = machineBusyPercent(machineBefore, readMachineTicks());
    const profile = options.profileDir === undefined ? null : await stopProfile(bench.pid, options.profileDir);
    const after = mib(freemem());
    // Read after the window, so that producing these answers is not counted in hale's idle CPU.
    const recent = await readPluginHealth(bench.url);
    const nominal = analyzeChecks(recent, { intervalMs: checkIntervalMs, toleranceMs, since: windowStart });
    // With pushed health hale polls only now and then (its guard): late and missed are judged against the cadence it keeps.
    const cadenceMs = nominal.gapP50Ms > 1.5 * checkIntervalMs ? nominal.gapP50Ms : checkIntervalMs;
    const checks =
      cadenceMs === checkIntervalMs ? nominal : analyzeChecks(recent, { intervalMs: cadenceMs, toleranceMs, since: windowStart });
    const health = (await (await fetch(`${bench.url}/health`)).json()) as { supervisor: { eventLoopLag: OverheadResult['eventLoopLag'] } };
    return {
      count,
      startupMs,
      hale,
      watchdog,
      withHelpers: { ...together, helpers: helpers.length },
      cadenceMs,
      checks,
      eventLoopLag: health.supervisor.eventLoopLag,
      machineCpuPercent,
      freeMemMib: { before, healthy, after },
      times: { spawnedAt: bench.spawnedAt, windowStart, windowEnd },
      profile,
    };
  } finally {
    await bench.stop();
  }
};
