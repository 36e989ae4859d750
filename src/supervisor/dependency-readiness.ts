import type { PluginState } from '../model/plugin-state.js';
import type { DependencyWait } from '../model/status.js';

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
 * The states of the plugins `dependsOn` names, read from `states` (a plugin
 * missing there counts as stopped).
 *
 * @example
 * dependencyStates(['db'], new Map([['db', 'healthy']])); // [{ name: 'db', state: 'healthy' }]
 */
export const dependencyStates = (dependsOn: readonly string[], states: ReadonlyMap<string, PluginState>): DependencyWait[] =>
  dependsOn.map((name) => ({ name, state: states.get(name) ?? 'stopped' }));

/**
 * A plugin's readiness: its own (serving, and its readiness probe where it
 * has one) and every plugin it depends on up. The two halves are kept apart
 * so that each rule stays in one place.
 *
 * @example
 * isPluginReady(true, [{ name: 'db', state: 'unhealthy' }]); // false
 */
export const isPluginReady = (ownReady: boolean, dependencies: readonly DependencyWait[]): boolean =>
  ownReady && dependenciesUp(dependencies);

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
