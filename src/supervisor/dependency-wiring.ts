import type { PluginConfig } from '../config/types.js';
import type { Logger } from '../log.js';
import type { SupervisorEvent } from '../model/events.js';
import type { PluginStatus } from '../model/status.js';
import type { EventBus } from '../util/event-bus.js';
import { withDependencyReadiness } from './dependency-readiness.js';
import { withGraph } from './graph-status.js';
import { followRestarts } from './restart-with.js';
import type { PluginRunner } from './runner.js';
import { createStartGate, type StartGate } from './start-gate.js';

/** The supervisor's side of `dependsOn` and `restartWith` (README, Start order). */
export interface DependencyWiring {
  /** Holds starts until what a plugin depends on is up. */
  gate: StartGate;
  /** A runner's status with its graph fields, what it waits for, and its readiness and-ed with its dependencies'. */
  statusOf(runner: PluginRunner): PluginStatus;
  /** The graph of a config a reload applied. */
  setGraph(plugins: readonly PluginConfig[]): void;
}

/**
 * Wires the dependency graph into a supervisor: the start gate, the
 * restartWith follower, and the status view of both.
 *
 * @example
 * const dependencies = wireDependencies({ runners, graph: () => config.plugins, events, log });
 * dependencies.gate.request(runner, 'supervisor started');
 */
export const wireDependencies = (options: {
  runners: ReadonlyMap<string, PluginRunner>;
  graph: () => readonly PluginConfig[];
  events: EventBus<SupervisorEvent>;
  log: Logger;
}): DependencyWiring => {
  const { runners, graph } = options;
  const gate = createStartGate(options);
  followRestarts({ ...options, gate });
  let graphOf = new Map(graph().map((plugin) => [plugin.name, plugin]));
  const stateOf = (name: string) => runners.get(name)?.state;
  return {
    gate,
    statusOf: (runner) =>
      withDependencyReadiness(withGraph(runner.status(), graphOf.get(runner.name), gate.waitingFor(runner.name)), stateOf),
    setGraph: (plugins) => {
      graphOf = new Map(plugins.map((plugin) => [plugin.name, plugin]));
    },
  };
};
