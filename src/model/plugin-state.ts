/**
 * Where a plugin stands. `stopped` is also where every plugin begins, before
 * the supervisor starts it.
 */
export type PluginState = 'unknown' | 'healthy' | 'degraded' | 'unhealthy' | 'restarting' | 'failed' | 'stopped';

export const pluginStates: readonly PluginState[] = ['unknown', 'healthy', 'degraded', 'unhealthy', 'restarting', 'failed', 'stopped'];

/** The verdict of one health check, after the plugin's answer was judged. */
export type CheckOutcome = 'pass' | 'degraded' | 'fail';
