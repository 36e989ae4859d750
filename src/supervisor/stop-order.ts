import type { PluginConfig } from '../config/types.js';

/**
 * The plugins in the order their stops begin to be chained: each after every
 * plugin that depends on it (dependents first), config order otherwise.
 * Names `dependsOn` gives that are not in `plugins` are ignored.
 *
 * @example
 * stopOrder([{ name: 'db', dependsOn: [] }, { name: 'api', dependsOn: ['db'] }]); // ['api', 'db']
 */
export const stopOrder = (plugins: ReadonlyArray<Pick<PluginConfig, 'name' | 'dependsOn'>>): string[] => {
  const byName = new Map(plugins.map((plugin) => [plugin.name, plugin]));
  // How many plugins still depend on each one; a plugin is next once none does.
  const dependents = new Map<string, number>(plugins.map((plugin) => [plugin.name, 0]));
  for (const plugin of plugins)
    for (const name of new Set(plugin.dependsOn)) if (byName.has(name)) dependents.set(name, (dependents.get(name) ?? 0) + 1);
  const ready = plugins.filter((plugin) => dependents.get(plugin.name) === 0);
  const order: string[] = [];
  for (let i = 0; i < ready.length; i++) {
    const plugin = ready[i] as Pick<PluginConfig, 'name' | 'dependsOn'>;
    order.push(plugin.name);
    for (const name of new Set(plugin.dependsOn)) {
      const left = (dependents.get(name) ?? 0) - 1;
      dependents.set(name, left);
      const dependency = byName.get(name);
      if (left === 0 && dependency !== undefined) ready.push(dependency);
    }
  }
  // A cycle (refused by the config, so only from a config built by hand) leaves plugins out: they stop last, together.
  const ordered = new Set(order);
  for (const plugin of plugins) if (!ordered.has(plugin.name)) order.push(plugin.name);
  return order;
};

/**
 * Retires every runner, each only once every runner that depends on it is
 * fully stopped, and those with nothing between them at the same time.
 *
 * @example
 * await retireInOrder(runners, config.plugins, (runner) => runner.retire('SIGTERM'));
 */
export const retireInOrder = async <R>(
  runners: ReadonlyMap<string, R>,
  plugins: ReadonlyArray<Pick<PluginConfig, 'name' | 'dependsOn'>>,
  retire: (runner: R) => Promise<void>,
): Promise<void> => {
  const listed = plugins.filter((plugin) => runners.has(plugin.name));
  const done = new Map<string, Promise<void>>();
  const dependentsOf = new Map<string, string[]>();
  for (const plugin of listed)
    for (const name of plugin.dependsOn) dependentsOf.set(name, [...(dependentsOf.get(name) ?? []), plugin.name]);
  for (const name of stopOrder(listed)) {
    const before = (dependentsOf.get(name) ?? []).flatMap((dependent) => done.get(dependent) ?? []);
    const runner = runners.get(name) as R;
    done.set(
      name,
      Promise.all(before).then(() => retire(runner)),
    );
  }
  // Runners the config does not list (none, unless a reload is half done) stop with the first.
  const unlisted = [...runners].filter(([name]) => !done.has(name)).map(([, runner]) => retire(runner));
  await Promise.all([...done.values(), ...unlisted]);
};
