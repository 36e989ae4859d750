import type { PluginStatus } from '../model/status.js';
import { dependenciesDownOf, readyWithDependencies } from '../supervisor/dependency-readiness.js';
import { isOwnReady } from '../supervisor/overall.js';
import type { GraphEdgeBody, PluginGraphBody } from './bodies.js';

type GraphInput = Pick<PluginStatus, 'name' | 'state' | 'ready' | 'critical' | 'dependsOn' | 'restartWith' | 'waitingFor'>;

/**
 * Each plugin's readiness, as /plugins/status and /plugins/graph show it:
 * its own readiness (serving, its readiness probe passing), and every plugin it depends on up.
 *
 * @example
 * readyByName([{ name: 'db', state: 'failed' }, { name: 'api', state: 'healthy', dependsOn: ['db'] }]).get('api'); // false
 */
export const readyByName = (plugins: ReadonlyArray<Pick<PluginStatus, 'name' | 'state' | 'ready' | 'dependsOn'>>): Map<string, boolean> => {
  const downOf = dependenciesDownOf(plugins);
  return new Map(plugins.map((p) => [p.name, readyWithDependencies(isOwnReady(p), downOf(p))]));
};

/**
 * The body of GET /plugins/graph from a snapshot's plugins: a node each, in
 * config order, and an edge per dependsOn entry.
 *
 * @example
 * toGraphBody(supervisor.snapshot().plugins).edges; // [{ from: 'api', to: 'db', kind: 'restartWith' }]
 */
export const toGraphBody = (plugins: readonly GraphInput[]): PluginGraphBody => {
  const ready = readyByName(plugins);
  return {
    nodes: plugins.map((p) => ({
      name: p.name,
      state: p.state,
      critical: p.critical,
      ready: ready.get(p.name) ?? false,
      ...(p.waitingFor === undefined ? {} : { waitingFor: p.waitingFor }),
    })),
    edges: plugins.flatMap((p) =>
      (p.dependsOn ?? []).map((to): GraphEdgeBody => ({
        from: p.name,
        to,
        kind: p.restartWith?.includes(to) === true ? 'restartWith' : 'dependsOn',
      })),
    ),
  };
};
