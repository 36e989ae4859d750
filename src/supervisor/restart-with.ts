import type { PluginConfig } from '../config/types.js';
import type { Logger } from '../log.js';
import type { SupervisorEvent } from '../model/events.js';
import type { PluginState } from '../model/plugin-state.js';
import type { EventBus } from '../util/event-bus.js';
import type { PluginRunner } from './runner.js';
import type { StartGate } from './start-gate.js';

/**
 * A plugin leaving service this way goes down for a while: restarted by hand (restarting), after a crash or failed
 * checks (unhealthy), or stopped (by hand, or its old runner retired by a reload that changed its config).
 */
const downStates: ReadonlySet<PluginState> = new Set(['unhealthy', 'restarting', 'stopped']);
/** Stopped (by hand, or held) or given up: a restart of a dependency does not bring these back. */
const leftAlone: ReadonlySet<PluginState> = new Set(['stopped', 'failed']);

/**
 * The plugins to cycle when `name` restarts: those that declared
 * `restartWith: [name]`, and theirs in turn, in the order they were found.
 *
 * @example
 * restartWithClosure('db', [{ name: 'api', restartWith: ['db'] }, { name: 'web', restartWith: ['api'] }]); // ['api', 'web']
 */
export const restartWithClosure = (name: string, plugins: ReadonlyArray<Pick<PluginConfig, 'name' | 'restartWith'>>): string[] => {
  const found: string[] = [];
  const seen = new Set([name]);
  // restartWith is part of the acyclic dependsOn, so this ends; `seen` makes sure even if it were not.
  for (let i = -1; i < found.length; i++) {
    const from = i < 0 ? name : (found[i] as string);
    for (const plugin of plugins) {
      if (seen.has(plugin.name) || !plugin.restartWith.includes(from)) continue;
      seen.add(plugin.name);
      found.push(plugin.name);
    }
  }
  return found;
};

/**
 * When a plugin restarts or stops, stops the plugins that restart with it
 * (README, Start order: restartWith; systemd's PartOf=) and hands their
 * start to the gate, which starts them once it is healthy or degraded again.
 *
 * @example
 * const off = followRestarts({ runners, graph: () => config.plugins, gate, events, log });
 */
export const followRestarts = (options: {
  runners: ReadonlyMap<string, PluginRunner>;
  graph: () => ReadonlyArray<Pick<PluginConfig, 'name' | 'restartWith'>>;
  gate: StartGate;
  events: EventBus<SupervisorEvent>;
  log: Logger;
}): (() => void) => {
  const { runners, graph, gate, events, log } = options;
  const cycle = (restarted: string, how: 'restarted' | 'stopped'): void => {
    for (const name of restartWithClosure(restarted, graph())) {
      const runner = runners.get(name);
      if (runner === undefined || runner.retired || leftAlone.has(runner.state) || gate.waitingFor(name) !== undefined) continue;
      const reason = `${how} with ${restarted}`;
      log.info({ plugin: name, with: restarted }, `${name}: stopping to start again once ${restarted} is back (restartWith)`);
      runner.stop(reason);
      gate.request(runner, reason);
    }
  };
  return events.subscribe((event) => {
    if (event.type !== 'transition' || !downStates.has(event.to) || downStates.has(event.from)) return;
    const how = event.to === 'stopped' ? 'stopped' : 'restarted';
    // Deferred, as the gate's looks are: the stop's transitions come after this one on every subscriber.
    queueMicrotask(() => cycle(event.plugin, how));
  });
};
