import type { PluginConfig } from '../config/types.js';
import type { Logger } from '../log.js';
import type { SupervisorEvent } from '../model/events.js';
import type { DependencyWait } from '../model/status.js';
import type { EventBus } from '../util/event-bus.js';
import { dependenciesUp, describeWait } from './dependency-readiness.js';
import type { PluginRunner } from './runner.js';
import { stopOrder } from './stop-order.js';

/** The part of a config the gate reads: who depends on whom, as the config says now (a reload changes it). */
export type GraphSource = () => ReadonlyArray<Pick<PluginConfig, 'name' | 'dependsOn'>>;

/**
 * Holds each plugin's start until every plugin it depends on is healthy or
 * degraded (README, Config reference: dependsOn). No timer and no poll: it
 * looks again when a plugin's state changes, and only while one is held.
 */
export interface StartGate {
  /** Starts `runner` now when what it depends on is up; otherwise holds it, and publishes a `waiting` event. */
  request(runner: PluginRunner, reason: string): void;
  /** Forgets a held start (the plugin was stopped by hand, retired, or removed). */
  cancel(name: string): void;
  /** What a held plugin waits for; undefined when it is not held. */
  waitingFor(name: string): DependencyWait[] | undefined;
  /** While true, requests are only held: the start-up loop makes every runner first, then calls `release`. */
  hold(): void;
  release(): void;
  /** Looks at every held plugin again (after a reload changed the graph). */
  recheck(): void;
  /** Starts nothing more (the supervisor is stopping). */
  close(): void;
}

interface Held {
  runner: PluginRunner;
  reason: string;
  waitingFor: DependencyWait[];
}

/**
 * The gate of one supervisor: `runners` are its current runners, `graph`
 * its current config.
 *
 * @example
 * const gate = createStartGate({ runners, graph: () => config.plugins, events, log });
 * gate.request(runner, 'supervisor started');
 */
export const createStartGate = (options: {
  runners: ReadonlyMap<string, PluginRunner>;
  graph: GraphSource;
  events: EventBus<SupervisorEvent>;
  log: Logger;
}): StartGate => {
  const { runners, graph, events } = options;
  const held = new Map<string, Held>();
  let holding = false;
  let closed = false;
  let recheckQueued = false;

  // One map a look-round: 500 held plugins are 500 lookups, not 500 scans of the config.
  const dependsOnOf = (): Map<string, readonly string[]> => new Map(graph().map((plugin) => [plugin.name, plugin.dependsOn]));
  const stateOf = (name: string) => runners.get(name)?.state ?? 'stopped';

  const look = (name: string, entry: Held, dependsOn: ReadonlyMap<string, readonly string[]>): void => {
    // A runner replaced by a reload, or stopped for good, is not started by the gate.
    if (entry.runner.retired || runners.get(name) !== entry.runner) {
      held.delete(name);
      return;
    }
    const waits = (dependsOn.get(name) ?? []).map((dependency): DependencyWait => ({ name: dependency, state: stateOf(dependency) }));
    if (dependenciesUp(waits)) {
      held.delete(name);
      entry.runner.start(waits.length === 0 ? entry.reason : `${entry.reason}; ${waits.map((w) => w.name).join(', ')} up`);
      return;
    }
    const before = entry.waitingFor;
    entry.waitingFor = waits;
    if (JSON.stringify(before) === JSON.stringify(waits)) return;
    events.publish({ type: 'waiting', plugin: name, waitingFor: waits, reason: describeWait(waits), at: Date.now() });
  };

  const recheck = (): void => {
    if (holding || closed) return;
    // Dependencies first, so a dependent sees the state its held dependency was just started into.
    // A start here moves a state, and that transition brings the next look: a chain starts link by link.
    if (held.size === 0) return;
    const dependsOn = dependsOnOf();
    for (const name of stopOrder(graph()).reverse()) {
      const entry = held.get(name);
      if (entry !== undefined) look(name, entry, dependsOn);
    }
    // Held runners a reload removed from the graph are retired; they are forgotten here.
    for (const [name, entry] of held) if (entry.runner.retired) held.delete(name);
  };

  // Deferred: a reaction inside the bus's delivery of a transition would reach later subscribers before it.
  const queueRecheck = (): void => {
    if (recheckQueued) return;
    recheckQueued = true;
    queueMicrotask(() => {
      recheckQueued = false;
      recheck();
    });
  };

  events.subscribe((event) => {
    if (event.type !== 'transition' || held.size === 0) return;
    const entry = held.get(event.plugin);
    // Started some other way (by hand): no longer held.
    if (entry !== undefined && event.to !== 'stopped') held.delete(event.plugin);
    queueRecheck();
  });

  return {
    request: (runner, reason) => {
      if (closed) return;
      const entry: Held = { runner, reason, waitingFor: [] };
      held.set(runner.name, entry);
      if (!holding) look(runner.name, entry, dependsOnOf());
    },
    cancel: (name) => void held.delete(name),
    waitingFor: (name) => {
      const entry = held.get(name);
      return entry === undefined || holding ? undefined : entry.waitingFor;
    },
    hold: () => {
      holding = true;
    },
    release: () => {
      holding = false;
      recheck();
    },
    recheck,
    close: () => {
      closed = true;
      held.clear();
    },
  };
};
