import type { PluginState } from '../model/plugin-state.js';
import type { ReadinessProbeStatus } from '../model/status.js';

/**
 * A plugin's own readiness (README, Readiness): it serves (healthy or
 * degraded) and its `readiness:` probe, when it has one, is passing; until
 * the probe's first verdict since the process came up it is not ready. One
 * rule of its own, so that other reasons not to be ready are and-ed to it.
 *
 * @example
 * isPluginReady({ state: 'healthy', readiness: null }); // true
 * isPluginReady({ state: 'healthy', readiness: { verdict: 'failing' } }); // false
 */
export const isPluginReady = (plugin: { state: PluginState; readiness: Pick<ReadinessProbeStatus, 'verdict'> | null }): boolean =>
  (plugin.state === 'healthy' || plugin.state === 'degraded') && (plugin.readiness === null || plugin.readiness.verdict === 'passing');
