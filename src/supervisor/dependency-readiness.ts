import type { PluginState } from '../model/plugin-state.js';
import type { DependencyWait, PluginStatus } from '../model/status.js';

// overall.ts has the same rule as isServing; it imports this file, so the rule is spelt here to keep imports one way.
const serves = (state: PluginState): boolean => state === 'healthy' || state === 'degraded';

/**
 * True when every plugin in `dependencies` is healthy or degraded (also when
 * there are none): the condition for a plugin's start, and half of its readiness.
 *
 * @example
 * dependenciesUp([{ name: 'db', state: 'degraded' }]); // true
 * dependenciesUp([{ name: 'db', state: 'unknown' }]); // false
 */
export const dependenciesUp = (dependencies: readonly DependencyWait[]): boolean => dependencies.every((d) => serves(d.state));

/**
 * A plugin's readiness: its own (serving, and its readiness probe where it
 * has one) and no plugin it depends on down. The two halves are kept apart
 * so that each rule stays in one place.
 *
 * @example
 * readyWithDependencies(true, ['db']); // false: db is down
 */
export const readyWithDependencies = (ownReady: boolean, dependenciesDown: readonly string[]): boolean =>
  ownReady && dependenciesDown.length === 0;

const none: readonly string[] = [];

/**
 * For the plugins of one snapshot, a function that gives the plugins one of
 * them depends on that are not up. The states are read into a map on the
 * first plugin that has dependencies: a config without any pays nothing.
 *
 * @example
 * const downOf = dependenciesDownOf(snapshot.plugins);
 * downOf(api); // ['db']
 */
export const dependenciesDownOf = (
  plugins: ReadonlyArray<Pick<PluginStatus, 'name' | 'state'>>,
): ((plugin: Pick<PluginStatus, 'dependsOn'>) => readonly string[]) => {
  let states: Map<string, PluginState> | undefined;
  return (plugin) => {
    if (plugin.dependsOn === undefined || plugin.dependsOn.length === 0) return none;
    const known = (states ??= new Map(plugins.map((p) => [p.name, p.state])));
    return plugin.dependsOn.filter((name) => !serves(known.get(name) ?? 'stopped'));
  };
};

/**
 * The status with its readiness and-ed with its dependencies' (README, Readiness): `ready` is false while a plugin
 * it depends on is not healthy or degraded. `stateOf` gives the current state of another plugin.
 *
 * @example
 * withDependencyReadiness(api, (name) => runners.get(name)?.state).ready; // false while db is unhealthy
 */
export const withDependencyReadiness = (status: PluginStatus, stateOf: (name: string) => PluginState | undefined): PluginStatus => {
  if (status.dependsOn === undefined || status.dependsOn.length === 0 || status.ready === false) return status;
  const up = status.dependsOn.every((name) => serves(stateOf(name) ?? 'stopped'));
  return up ? status : { ...status, ready: false };
};

/**
 * What a held plugin waits for, in words.
 *
 * @example
 * describeWait([{ name: 'db', state: 'unknown' }, { name: 'cache', state: 'healthy' }]); // 'waiting for db (unknown)'
 */
export const describeWait = (dependencies: readonly DependencyWait[]): string => {
  const down = dependencies.filter((d) => !serves(d.state));
  return down.length === 0 ? 'its dependencies are up' : `waiting for ${down.map((d) => `${d.name} (${d.state})`).join(', ')}`;
};
