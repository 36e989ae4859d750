import type { DependencyState } from '../model/status.js';
import type { PluginState } from '../model/plugin-state.js';
import type { PluginStatus, StartupProgress, SupervisorSnapshot } from '../model/status.js';
import { dependenciesDownOf, readyWithDependencies } from './dependency-readiness.js';

/** The supervisor's verdict on everything it runs, as /health reports it. */
export type OverallStatus = 'healthy' | 'degraded' | 'unhealthy';

/** The part of a plugin's status the verdicts depend on. */
export type PluginVerdictInput = Pick<PluginStatus, 'name' | 'state' | 'critical' | 'ready' | 'dependsOn'>;

/** The part of a dependency's status the verdicts depend on. */
export interface DependencyVerdictInput {
  name: string;
  state: DependencyState;
  critical: boolean;
}

const dependencyServes = (state: DependencyState): boolean => state === 'healthy' || state === 'degraded';

export interface Liveness {
  alive: boolean;
  reason: string;
}

export interface Readiness {
  ready: boolean;
  reason: string;
  /** The critical plugins that keep the supervisor from being ready; `dependenciesDown` when it is (also) theirs. */
  notReady: Array<{ name: string; state: PluginState; dependenciesDown?: string[] }>;
  /** The critical dependencies (under `checks:`) that keep it from being ready. */
  checksNotReady: Array<{ name: string; state: DependencyState }>;
}

export interface PluginSummary {
  totalPlugins: number;
  healthyPlugins: number;
  degradedPlugins: number;
  unhealthyPlugins: number;
  restartingPlugins: number;
  failedPlugins: number;
  unknownPlugins: number;
  stoppedPlugins: number;
}

/** True for the states in which a plugin does its work. */
export const isServing = (state: PluginState): boolean => state === 'healthy' || state === 'degraded';

/**
 * A plugin's readiness as its status says (its state and readiness probe, see plugin-ready.ts, and in a
 * supervisor's snapshot its dependencies too); a status built by hand without `ready` is ready while it serves.
 * Callers still and it with dependenciesDownOf, which also names the dependencies that are down.
 *
 * @example
 * isOwnReady({ state: 'healthy', ready: false }); // false: its readiness probe fails
 */
export const isOwnReady = (plugin: Pick<PluginStatus, 'state' | 'ready'>): boolean => plugin.ready ?? isServing(plugin.state);

/**
 * healthy when every plugin and every dependency is healthy (also when there
 * are none); unhealthy when a critical plugin or a critical dependency is not
 * serving; degraded otherwise (a non-critical one down degrades).
 *
 * @example
 * overallStatus([{ name: 'a', state: 'unhealthy', critical: false }]); // 'degraded'
 * overallStatus([], [{ name: 'db', state: 'unhealthy', critical: true }]); // 'unhealthy'
 */
export const overallStatus = (
  plugins: readonly PluginVerdictInput[],
  dependencies: readonly DependencyVerdictInput[] = [],
): OverallStatus => {
  if (plugins.some((p) => p.critical && !isServing(p.state))) return 'unhealthy';
  if (dependencies.some((d) => d.critical && !dependencyServes(d.state))) return 'unhealthy';
  if (plugins.some((p) => p.state !== 'healthy') || dependencies.some((d) => d.state !== 'healthy')) return 'degraded';
  return 'healthy';
};

/**
 * The verdict of a whole snapshot: plugins, dependencies, and hale's own
 * links (never critical: a NATS link that is down degrades). During
 * start-up, before every plugin is even listed, it is unhealthy: no plugin
 * serves yet, however empty the list looks.
 *
 * @example
 * snapshotStatus(supervisor.snapshot()); // 'healthy'
 */
export const snapshotStatus = (
  snapshot: Pick<SupervisorSnapshot, 'links' | 'startup'> & {
    plugins: readonly PluginVerdictInput[];
    dependencies: readonly DependencyVerdictInput[];
  },
): OverallStatus => {
  const { startup } = snapshot;
  if (startup !== undefined && startup !== null && snapshot.plugins.length < startup.total) return 'unhealthy';
  return overallStatus(snapshot.plugins, [...snapshot.dependencies, ...(snapshot.links ?? [])]);
};

/**
 * True when every critical plugin is ready: healthy or degraded, its readiness probe (if any) passing, and every
 * plugin it depends on healthy or degraded.
 *
 * @example
 * isReady([{ name: 'a', state: 'unknown', critical: true }]); // false
 */
export const isReady = (plugins: readonly PluginVerdictInput[]): boolean => {
  const downOf = dependenciesDownOf(plugins);
  return plugins.every((p) => !p.critical || readyWithDependencies(isOwnReady(p), downOf(p)));
};

/**
 * What start-up still lacks, in words, or null once it has tried every plugin.
 *
 * @example
 * startupReason({ tried: 2, total: 5 }); // 'starting: 2 of 5 plugins have had their first start tried'
 */
export const startupReason = (startup: StartupProgress | null | undefined): string | null =>
  startup === null || startup === undefined
    ? null
    : `starting: ${startup.tried} of ${startup.total} plugins have had their first start tried`;

/**
 * Readiness with its reasons. Not ready while shutting down (load balancers
 * drain hale before the plugins go), nor during start-up until every
 * plugin's first start has been tried (come up or failed) — a snapshot
 * with no plugin yet is not ready — and never while a critical plugin or
 * check is not serving, nor while a critical plugin is not ready (its
 * `readiness:` probe fails; see plugin-ready.ts).
 *
 * @example
 * readiness({ shuttingDown: false, plugins: [] }); // { ready: true, reason: 'every critical plugin is serving', notReady: [] }
 * readiness({ shuttingDown: false, startup: { tried: 0, total: 3 }, plugins: [] }).reason; // 'starting: 0 of 3 plugins have had their first start tried'
 */
export const readiness = (snapshot: {
  shuttingDown: boolean;
  /** Absent or null once start-up is done. */
  startup?: StartupProgress | null;
  plugins: readonly PluginVerdictInput[];
  dependencies?: readonly DependencyVerdictInput[];
}): Readiness => {
  const downOf = dependenciesDownOf(snapshot.plugins);
  const notReady: Readiness['notReady'] = [];
  for (const p of snapshot.plugins) {
    if (!p.critical) continue;
    const down = downOf(p);
    if (readyWithDependencies(isOwnReady(p), down)) continue;
    notReady.push({ name: p.name, state: p.state, ...(down.length === 0 ? {} : { dependenciesDown: [...down] }) });
  }
  const notServing = notReady.filter((p) => !isServing(p.state));
  const servingNotReady = notReady.filter((p) => isServing(p.state));
  const checksNotReady = (snapshot.dependencies ?? [])
    .filter((d) => d.critical && !dependencyServes(d.state))
    .map((d) => ({ name: d.name, state: d.state }));
  const lists = { notReady, checksNotReady };
  if (snapshot.shuttingDown) return { ready: false, reason: 'the supervisor is shutting down', ...lists };
  const starting = startupReason(snapshot.startup);
  if (notReady.length === 0 && checksNotReady.length === 0 && starting === null)
    return { ready: true, reason: 'every critical plugin is serving', ...lists };
  const words = [
    starting ?? '',
    notServing.length === 0 ? '' : `critical plugins not serving: ${notServing.map(describeNotReady).join(', ')}`,
    servingNotReady.length === 0 ? '' : `critical plugins not ready: ${servingNotReady.map(describeNotReady).join(', ')}`,
    checksNotReady.length === 0 ? '' : `critical checks failing: ${checksNotReady.map((d) => `${d.name} (${d.state})`).join(', ')}`,
  ];
  return { ready: false, reason: words.filter((w) => w !== '').join('; '), ...lists };
};

const describeNotReady = (p: Readiness['notReady'][number]): string =>
  p.dependenciesDown === undefined
    ? `${p.name} (${p.state})`
    : `${p.name} (${p.state}; depends on ${p.dependenciesDown.join(', ')}, not up)`;

/**
 * Not alive while shutting down, or once a critical plugin has given up
 * restarting: only a restart of the whole supervisor can help then.
 *
 * @example
 * liveness({ shuttingDown: false, plugins: [{ name: 'a', state: 'failed', critical: true }] });
 * // { alive: false, reason: 'critical plugin "a" has failed and is not restarted again' }
 */
export const liveness = (snapshot: Pick<SupervisorSnapshot, 'shuttingDown'> & { plugins: readonly PluginVerdictInput[] }): Liveness => {
  if (snapshot.shuttingDown) return { alive: false, reason: 'the supervisor is shutting down' };
  const failed = snapshot.plugins.filter((p) => p.critical && p.state === 'failed').map((p) => `"${p.name}"`);
  if (failed.length === 1) return { alive: false, reason: `critical plugin ${failed.join('')} has failed and is not restarted again` };
  if (failed.length > 1) return { alive: false, reason: `critical plugins ${failed.join(', ')} have failed and are not restarted again` };
  return { alive: true, reason: 'the supervisor is running' };
};

/**
 * Counts plugins by state, with the monitor-compatible field names (docs/architecture.md, API field names).
 *
 * @example
 * summarize([{ name: 'a', state: 'healthy', critical: true }]).healthyPlugins; // 1
 */
export const summarize = (plugins: readonly PluginVerdictInput[]): PluginSummary => {
  const count = (state: PluginState) => plugins.filter((p) => p.state === state).length;
  return {
    totalPlugins: plugins.length,
    healthyPlugins: count('healthy'),
    degradedPlugins: count('degraded'),
    unhealthyPlugins: count('unhealthy'),
    restartingPlugins: count('restarting'),
    failedPlugins: count('failed'),
    unknownPlugins: count('unknown'),
    stoppedPlugins: count('stopped'),
  };
};
