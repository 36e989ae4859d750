import { isDeepStrictEqual } from 'node:util';
import type { PluginConfig, SupervisorConfig } from './types.js';

/** What changed between two configs, as a reload applies it. */
export interface ConfigDiff {
  added: PluginConfig[];
  removed: string[];
  /** The new config of each plugin whose config changed in any way. */
  changed: PluginConfig[];
  unchanged: string[];
  /** Settings that changed but apply only when the supervisor restarts. */
  ignored: string[];
}

/** Where a setting lives, for those a running supervisor cannot change. */
const apiKeys = [
  'host',
  'port',
  'token',
  'allowUnauthenticated',
  'protectReads',
  'corsOrigins',
  'allowedHosts',
  'rateLimit',
  'requestTimeoutMs',
] as const;

const restartOnly: Array<[string, (config: SupervisorConfig) => unknown]> = [
  ...apiKeys.map((key): [string, (config: SupervisorConfig) => unknown] => [`api.${key}`, (c) => c.api[key]]),
  ['grpc.enabled', (c) => c.grpc.enabled],
  ['grpc.address', (c) => c.grpc.address],
  ['log.level', (c) => c.log.level],
  ['stateDir', (c) => c.stateDir],
  // The NATS link is opened once; a new server or hub id takes a restart of hale.
  ['nats', (c) => c.nats],
  ['federation', (c) => c.federation],
];

// The graph is applied to running plugins as it is: a new dependsOn or restartWith alone restarts nothing.
const withoutGraph = ({ dependsOn: _dependsOn, restartWith: _restartWith, ...rest }: PluginConfig) => rest;

/**
 * Compares plugin by plugin (by name), with `defaults:` already applied to
 * each, so a changed default changes every plugin that uses it.
 *
 * @example
 * diffConfigs(running, reread).changed.map((p) => p.name); // ['greeter']
 */
export const diffConfigs = (before: SupervisorConfig, after: SupervisorConfig): ConfigDiff => {
  const old = new Map(before.plugins.map((plugin) => [plugin.name, plugin]));
  const names = new Set(after.plugins.map((plugin) => plugin.name));
  const diff: ConfigDiff = { added: [], removed: [], changed: [], unchanged: [], ignored: [] };
  for (const plugin of after.plugins) {
    const previous = old.get(plugin.name);
    if (previous === undefined) diff.added.push(plugin);
    else if (isDeepStrictEqual(withoutGraph(previous), withoutGraph(plugin))) diff.unchanged.push(plugin.name);
    else diff.changed.push(plugin);
  }
  diff.removed = before.plugins.map((plugin) => plugin.name).filter((name) => !names.has(name));
  diff.ignored = restartOnly.filter(([, read]) => !isDeepStrictEqual(read(before), read(after))).map(([path]) => path);
  return diff;
};
