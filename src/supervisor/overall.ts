import type { PluginState } from '../lifecycle/state.js';
import type { PluginStatus, SupervisorSnapshot } from './status.js';

/** The supervisor's verdict on everything it runs, as /health reports it. */
export type OverallStatus = 'healthy' | 'degraded' | 'unhealthy';

/** The part of a plugin's status the verdicts depend on. */
export type PluginVerdictInput = Pick<PluginStatus, 'name' | 'state' | 'critical'>;

export interface Liveness {
  alive: boolean;
  reason: string;
}

export interface Readiness {
  ready: boolean;
  reason: string;
  /** The critical plugins that keep the supervisor from being ready. */
  notReady: Array<{ name: string; state: PluginState }>;
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
 * healthy when every plugin is healthy (also when there are none); unhealthy
 * when a critical plugin is not serving; degraded otherwise.
 *
 * @example
 * overallStatus([{ name: 'a', state: 'unhealthy', critical: false }]); // 'degraded'
 */
export const overallStatus = (plugins: readonly PluginVerdictInput[]): OverallStatus => {
  if (plugins.some((p) => p.critical && !isServing(p.state))) return 'unhealthy';
  if (plugins.some((p) => p.state !== 'healthy')) return 'degraded';
  return 'healthy';
};

/**
 * True when every critical plugin is healthy or degraded.
 *
 * @example
 * isReady([{ name: 'a', state: 'unknown', critical: true }]); // false
 */
export const isReady = (plugins: readonly PluginVerdictInput[]): boolean =>
  plugins.every((p) => !p.critical || isServing(p.state));

/**
 * Readiness with its reasons; a supervisor that is shutting down is not
 * ready, so load balancers drain it before the plugins go.
 *
 * @example
 * readiness({ shuttingDown: false, plugins: [] }); // { ready: true, reason: 'every critical plugin is serving', notReady: [] }
 */
export const readiness = (snapshot: {
  shuttingDown: boolean;
  plugins: readonly PluginVerdictInput[];
}): Readiness => {
  const notReady = snapshot.plugins
    .filter((p) => p.critical && !isServing(p.state))
    .map((p) => ({ name: p.name, state: p.state }));
  if (snapshot.shuttingDown) return { ready: false, reason: 'the supervisor is shutting down', notReady };
  if (notReady.length === 0) return { ready: true, reason: 'every critical plugin is serving', notReady };
  const list = notReady.map((p) => `${p.name} (${p.state})`).join(', ');
  return { ready: false, reason: `critical plugins not serving: ${list}`, notReady };
};

/**
 * Not alive while shutting down, or once a critical plugin has given up
 * restarting: only a restart of the whole supervisor can help then.
 *
 * @example
 * liveness({ shuttingDown: false, plugins: [{ name: 'a', state: 'failed', critical: true }] });
 * // { alive: false, reason: 'critical plugin "a" has failed and is not restarted again' }
 */
export const liveness = (
  snapshot: Pick<SupervisorSnapshot, 'shuttingDown'> & { plugins: readonly PluginVerdictInput[] },
): Liveness => {
  if (snapshot.shuttingDown) return { alive: false, reason: 'the supervisor is shutting down' };
  const failed = snapshot.plugins.filter((p) => p.critical && p.state === 'failed').map((p) => `"${p.name}"`);
  if (failed.length === 1) return { alive: false, reason: `critical plugin ${failed.join('')} has failed and is not restarted again` };
  if (failed.length > 1) return { alive: false, reason: `critical plugins ${failed.join(', ')} have failed and are not restarted again` };
  return { alive: true, reason: 'the supervisor is running' };
};

/**
 * Counts plugins by state, with Hockeypuck's field names.
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
