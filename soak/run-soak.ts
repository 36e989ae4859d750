import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startHale, type HaleProcess, type LogLine } from '../test/helpers/hale-process.js';
import { requireBuilt } from '../test/helpers/paths.js';
import { runChaos, type FaultRecord } from './chaos.js';
import { writeSoakConfig } from './config-file.js';
import type { PluginRow } from './hale-api.js';
import type { SoakOptions } from './options.js';
import { watchInvariant, type InvariantWatch } from './invariant-watch.js';
import { findOrphans } from './orphans.js';
import { createPidRegistry } from './pid-registry.js';
import { readRssKib } from './proc.js';
import { findViolations, type PluginRestarts, type SoakReport } from './report.js';
import { percentile } from './stats.js';
import { startStatusPoller, waitForRows, type StatusPoller } from './status-poller.js';
import { watchZombies, type ZombieWatch } from './zombie-watch.js';

export interface SoakHooks {
  /** Progress in words, a line at a time. */
  progress?: (line: string) => void;
  /** Each fault once it has settled. */
  onFault?: (record: FaultRecord) => void;
}

// Bounds on the phases around the chaos; each is generous for a 2-core machine.
const apiLineMs = 15_000;
const startupMs = 30_000;
const finalHealthyMs = 20_000;
const exitMs = 20_000;
const pollIntervalMs = 100;
const pollTimeoutMs = 2_000;
const zombieScanMs = 1_000;
const invariantIntervalMs = 1_000;

const allHealthy = (count: number) => (rows: readonly PluginRow[]) => rows.length === count && rows.every((r) => r.state === 'healthy');

const within = <T>(promise: Promise<T>, ms: number): Promise<T | null> => {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([promise, new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), ms)))]).finally(() =>
    clearTimeout(timer),
  );
};

// Follows hale's log for `spawned` lines: a pid that lived too briefly for a status poll is still known.
const followSpawns = (hale: HaleProcess, note: (pid: number) => void): (() => void) => {
  let read = 0;
  const scan = (): void => {
    for (; read < hale.lines.length; read += 1) {
      const line: LogLine | undefined = hale.lines[read];
      if (line?.event === 'spawned' && typeof line.pluginPid === 'number') note(line.pluginPid);
    }
  };
  const timer = setInterval(scan, 20);
  return () => {
    clearInterval(timer);
    scan();
  };
};

// The next line (from now on) saying a reload stops `plugin`: the moment its old runner is retired.
const nextReloadStop = (hale: HaleProcess, plugin: string, timeoutMs: number): Promise<boolean> => {
  const matches = (l: LogLine): boolean =>
    l.event === 'transition' && l.plugin === plugin && l.to === 'stopped' && l.reason === 'its config changed';
  let seen = hale.lines.filter(matches).length;
  return hale
    .line((l) => matches(l) && (seen -= 1) < 0, timeoutMs)
    .then(
      () => true,
      () => false,
    );
};

// What each plugin's faults imply, on top of the restarts it had before the first fault (or since a reload replaced it: its count began again).
const restartsOf = (
  names: readonly string[],
  faults: readonly FaultRecord[],
  baseline: readonly PluginRow[],
  rows: readonly PluginRow[],
): PluginRestarts[] =>
  names.map((plugin) => {
    const all = faults.filter((f) => f.plugin === plugin);
    const rebasedAt = all.findLastIndex((f) => f.rebase === true);
    const mine = rebasedAt === -1 ? all : all.slice(rebasedAt);
    const before = rebasedAt === -1 ? (baseline.find((r) => r.name === plugin)?.restartCount ?? 0) : 0;
    return {
      plugin,
      before,
      expectedMin: before + mine.reduce((sum, f) => sum + f.expected.min, 0),
      expectedMax: before + mine.reduce((sum, f) => sum + f.expected.max, 0),
      actual: rows.find((r) => r.name === plugin)?.restartCount ?? null,
    };
  });

// Latency from `from` on (the chaos phase: startup's burst of node starts is not what is measured); errors over the whole run.
const apiStats = (poller: StatusPoller, from: number): SoakReport['api'] => {
  const { errors, errorSamples, latenciesMs } = poller.stats();
  const during = latenciesMs.slice(from);
  return {
    requests: during.length,
    errors,
    errorSamples,
    p50Ms: percentile(during, 50),
    p99Ms: percentile(during, 99),
    maxMs: Math.max(0, ...during),
  };
};

/**
 * The chaos soak: runs the real `hale run` with `plugins` flaky plugins,
 * injects random faults through its API for `durationMs`, lets everything
 * settle, stops hale with SIGTERM, and reports what it found (see
 * findViolations for the promises checked). Everything it waits for is
 * bounded; the only process it ends is the hale it started. hale's log is kept
 * (and its folder named in the last progress line) when there is a violation.
 *
 * @example
 * const report = await runSoak({ plugins: 8, durationMs: 20_000, seed: 1, concurrency: null, verbose: false });
 * report.violations; // []
 */
export const runSoak = async (options: SoakOptions, hooks: SoakHooks = {}): Promise<SoakReport> => {
  requireBuilt();
  const progress = hooks.progress ?? (() => {});
  const origin = Date.now();
  const setup = writeSoakConfig(options.plugins);
  const concurrency = options.concurrency ?? Math.ceil(options.plugins / 4);
  const hale = startHale(['run', '-c', setup.configFile]);
  const halePid = hale.child.pid ?? 0;
  const registry = createPidRegistry();
  const stopFollowing = followSpawns(hale, registry.note);
  let poller: StatusPoller | null = null;
  let zombies: ZombieWatch | null = null;
  let invariant: InvariantWatch | null = null;
  let keepDir = true;
  try {
    const url = String((await hale.line((l) => typeof l.api === 'string', apiLineMs)).api);
    poller = startStatusPoller(url, { intervalMs: pollIntervalMs, timeoutMs: pollTimeoutMs, onPid: registry.note });
    // From start-up on, every second: no process of a plugin that the API does not account for.
    invariant = watchInvariant({
      baseUrl: url,
      halePid,
      runId: () => {
        const found = hale.lines.find((l) => typeof l.runId === 'string')?.runId;
        return typeof found === 'string' ? found : null;
      },
      knownGroups: () => new Set(registry.seen().map((s) => s.pid)),
      intervalMs: invariantIntervalMs,
      timeoutMs: pollTimeoutMs,
      origin,
    });
    const started = await waitForRows(poller, allHealthy(options.plugins), startupMs);
    const startup = { allHealthy: started !== null, ms: Date.now() - origin };
    progress(
      `hale pid ${halePid} at ${url}: ${started === null ? 'NOT all' : 'all'} ${options.plugins} plugins healthy after ${startup.ms} ms`,
    );
    const rssStart = readRssKib(halePid);
    const baseline = started ?? poller.latest() ?? [];
    const watch = watchZombies(halePid, zombieScanMs, origin);
    zombies = watch;
    const chaosFrom = poller.stats().latenciesMs.length;

    progress(`injecting faults for ${options.durationMs} ms (seed ${options.seed}, at most ${concurrency} pending)`);
    const chaos = await runChaos({
      baseUrl: url,
      names: setup.names,
      faultDirOf: setup.faultDirOf,
      bumpPlugin: setup.bumpPlugin,
      nextReloadStop: (name, timeoutMs) => nextReloadStop(hale, name, timeoutMs),
      poller,
      seed: options.seed,
      endAt: Date.now() + options.durationMs,
      origin,
      concurrency,
      ...(hooks.onFault === undefined ? {} : { onRecord: hooks.onFault }),
    });
    progress(`${chaos.faults.length} faults injected; waiting for every plugin to be healthy`);
    const healthyRows = await waitForRows(poller, allHealthy(options.plugins), finalHealthyMs);
    const finalRows = healthyRows ?? poller.latest() ?? [];
    const rssEnd = readRssKib(halePid);
    // Two scans a second apart: a zombie in both is lingering.
    watch.scan();
    await new Promise((resolve) => setTimeout(resolve, zombieScanMs));
    watch.scan();
    watch.stop();
    await invariant.stop();
    await poller.stop();

    progress('stopping hale with SIGTERM');
    const stopAt = Date.now();
    hale.child.kill('SIGTERM');
    const exit = await within(hale.exited, exitMs);
    const haleExit = exit === null ? null : { code: exit.code, signal: exit.signal, ms: Date.now() - stopAt };
    stopFollowing();
    const orphans = findOrphans(registry.seen(), setup.dir);

    const watched = watch.result();
    const partial: Omit<SoakReport, 'violations'> = {
      plugins: options.plugins,
      durationMs: options.durationMs,
      seed: options.seed,
      concurrency,
      startup,
      faults: chaos.faults,
      problems: chaos.problems,
      unjudged: chaos.unjudged,
      finalRows,
      allHealthyAtEnd: healthyRows !== null,
      restarts: restartsOf(setup.names, chaos.faults, baseline, finalRows),
      zombies: { scans: watched.scans, zombiesSeen: watched.zombiesSeen, lingering: watched.lingering },
      orphans,
      invariant: invariant.result(),
      seenPids: registry.seen().length,
      rss: { startKib: rssStart, endKib: rssEnd, maxKib: watched.maxRssKib },
      api: apiStats(poller, chaosFrom),
      haleExit,
    };
    const report: SoakReport = { ...partial, violations: findViolations(partial) };
    keepDir = report.violations.length > 0;
    return report;
  } finally {
    zombies?.stop();
    await invariant?.stop();
    stopFollowing();
    await poller?.stop();
    // Only on a failure path is hale still running here; it is ours, ended by its pid.
    if (hale.child.exitCode === null && hale.child.signalCode === null) {
      hale.child.kill('SIGKILL');
      await within(hale.exited, exitMs);
    }
    if (keepDir) {
      writeFileSync(join(setup.dir, 'hale.log'), `${hale.lines.map((l) => JSON.stringify(l)).join('\n')}\n${hale.stderr()}`);
      progress(`hale's log and config are kept in ${setup.dir}`);
    } else {
      rmSync(setup.dir, { recursive: true, force: true });
    }
  }
};
