import { quoteText } from './quote-text.js';

/** The part of a plugin the dependency graph is made of. */
export interface GraphPlugin {
  name: string;
  dependsOn: readonly string[];
  restartWith: readonly string[];
}

/** One thing wrong with the graph, at `path` under `plugins` (e.g. `[2, 'dependsOn', 0]`). */
export interface GraphIssue {
  path: [number, 'dependsOn' | 'restartWith', number];
  message: string;
}

const arrow = ' → ';

/**
 * Every cycle of `dependsOn`, each found once: the names along it, the first
 * again at the end, and the entry that closes it (where it is reported).
 */
const findCycles = (plugins: readonly GraphPlugin[]): Array<{ names: string[]; at: [number, number] }> => {
  const index = new Map(plugins.map((plugin, i) => [plugin.name, i]));
  // 0 unseen, 1 on the current path, 2 done: the usual three colours of a depth-first search.
  const colour = new Array<number>(plugins.length).fill(0);
  const path: number[] = [];
  const cycles: Array<{ names: string[]; at: [number, number] }> = [];
  // An explicit stack: a config of thousands of plugins in a chain must not overflow the call stack.
  for (let root = 0; root < plugins.length; root++) {
    if (colour[root] !== 0) continue;
    const stack: Array<{ node: number; edge: number }> = [{ node: root, edge: 0 }];
    colour[root] = 1;
    path.push(root);
    while (stack.length > 0) {
      const top = stack[stack.length - 1] as { node: number; edge: number };
      const deps = (plugins[top.node] as GraphPlugin).dependsOn;
      if (top.edge >= deps.length) {
        colour[top.node] = 2;
        path.pop();
        stack.pop();
        continue;
      }
      const edge = top.edge++;
      const target = index.get(deps[edge] as string);
      if (target === undefined || target === top.node) continue;
      if (colour[target] === 1) {
        const from = path.indexOf(target);
        const names = [...path.slice(from), target].map((i) => (plugins[i] as GraphPlugin).name);
        cycles.push({ names, at: [top.node, edge] });
      } else if (colour[target] === 0) {
        colour[target] = 1;
        path.push(target);
        stack.push({ node: target, edge: 0 });
      }
    }
  }
  return cycles;
};

/**
 * Checks the plugins' `dependsOn` and `restartWith` together: every name
 * is a plugin, none is the plugin itself or named twice, `restartWith` is
 * part of `dependsOn` (so its restarts follow the same acyclic graph), and
 * `dependsOn` has no cycle, reported with the whole cycle at the entry that
 * closes it (README, Config reference: dependsOn).
 *
 * @example
 * checkPluginGraph([
 *   { name: 'a', dependsOn: ['b'], restartWith: [] },
 *   { name: 'b', dependsOn: ['a'], restartWith: [] },
 * ]); // [{ path: [1, 'dependsOn', 0], message: 'a dependency cycle: a → b → a' }]
 */
export const checkPluginGraph = (plugins: readonly GraphPlugin[]): GraphIssue[] => {
  const names = new Set(plugins.map((plugin) => plugin.name));
  const issues: GraphIssue[] = [];
  plugins.forEach((plugin, i) => {
    const dependsOn = new Set(plugin.dependsOn);
    for (const key of ['dependsOn', 'restartWith'] as const) {
      const seen = new Set<string>();
      plugin[key].forEach((name, j) => {
        const at: GraphIssue['path'] = [i, key, j];
        if (name === plugin.name)
          issues.push({ path: at, message: `${quoteText(name)} cannot ${key === 'dependsOn' ? 'depend on' : 'restart with'} itself` });
        else if (!names.has(name)) issues.push({ path: at, message: `no plugin named ${quoteText(name)} in plugins:` });
        else if (seen.has(name)) issues.push({ path: at, message: `${quoteText(name)} is listed twice` });
        else if (key === 'restartWith' && !dependsOn.has(name))
          issues.push({
            path: at,
            message: `${quoteText(name)} is not in dependsOn: a plugin restarts only with one it depends on; add it there too`,
          });
        seen.add(name);
      });
    }
  });
  for (const cycle of findCycles(plugins)) {
    issues.push({ path: [cycle.at[0], 'dependsOn', cycle.at[1]], message: `a dependency cycle: ${cycle.names.join(arrow)}` });
  }
  return issues;
};
