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

// Values of a config are plain data: strings, numbers, booleans, null, arrays and objects.
const same = (a: unknown, b: unknown): boolean => {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((item, index) => same(item, b[index]));
  }
  const aKeys = Object.keys(a);
  const bRecord = b as Record<string, unknown>;
  return aKeys.length === Object.keys(b).length && aKeys.every((key) => Object.hasOwn(b, key) && same((a as Record<string, unknown>)[key], bRecord[key]));
};

/** Where a setting lives, for those a running supervisor cannot change. */
const apiKeys = ['host', 'port', 'token', 'allowUnauthenticated', 'protectReads', 'corsOrigins', 'allowedHosts', 'rateLimit', 'requestTimeoutMs'] as const;

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
    else if (same(previous, plugin)) diff.unchanged.push(plugin.name);
    else diff.changed.push(plugin);
  }
  diff.removed = before.plugins.map((plugin) => plugin.name).filter((name) => !names.has(name));
  diff.ignored = restartOnly.filter(([, read]) => !same(read(before), read(after))).map(([path]) => path);
  return diff;
};
