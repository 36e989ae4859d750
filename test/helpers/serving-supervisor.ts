import type { PluginState } from '../../src/model/plugin-state.js';
import { createEventBus, type EventBus } from '../../src/util/event-bus.js';
import type { SupervisorEvent } from '../../src/model/events.js';
import type { PluginStatus, SupervisorSnapshot } from '../../src/model/status.js';
import { buildSnapshot, snapshotNow } from './status-builder.js';

/**
 * What a ServingSource reads of a supervisor, driven by hand: each method
 * changes the snapshot and publishes the event the real supervisor would,
 * in the order it does.
 */
export interface ServingSupervisor {
  events: EventBus<SupervisorEvent>;
  snapshot(): SupervisorSnapshot;
  /** Moves a plugin to `to`, then publishes the transition (as a runner does). */
  transition(name: string, to: PluginState): void;
  /** A check result: published, changes nothing. */
  check(name: string): void;
  /** Replaces the plugin list, then publishes `reloaded`. */
  reload(plugins: PluginStatus[]): void;
  /** Publishes `stopping`, then marks the snapshot as shutting down (the real supervisor's order). */
  stop(): void;
}

export const createServingSupervisor = (plugins: PluginStatus[]): ServingSupervisor => {
  // A subscriber that throws fails the test that published, instead of vanishing.
  const events = createEventBus<SupervisorEvent>((error) => {
    throw error;
  });
  let current = buildSnapshot(plugins);
  const replacePlugins = (next: PluginStatus[]) => {
    current = { ...current, plugins: next };
  };
  return {
    events,
    snapshot: () => current,
    transition: (name, to) => {
      const before = current.plugins.find((p) => p.name === name);
      if (before === undefined) throw new Error(`no plugin ${name} in the snapshot`);
      replacePlugins(current.plugins.map((p) => (p.name === name ? { ...p, state: to } : p)));
      events.publish({
        type: 'transition',
        plugin: name,
        from: before.state,
        to,
        reason: `test: ${to}`,
        at: snapshotNow,
        restarts: 0,
        restartCount: 0,
      });
    },
    check: (name) => {
      events.publish({
        type: 'check',
        plugin: name,
        generation: 1,
        check: { at: snapshotNow, outcome: 'pass', status: 'healthy', latencyMs: 1, message: 'ok' },
      });
    },
    reload: (next) => {
      const before = current.plugins.map((p) => p.name);
      const after = next.map((p) => p.name);
      replacePlugins(next);
      events.publish({
        type: 'reloaded',
        added: after.filter((name) => !before.includes(name)),
        removed: before.filter((name) => !after.includes(name)),
        changed: [],
        unchanged: after.filter((name) => before.includes(name)),
        ignored: [],
        at: snapshotNow,
      });
    },
    stop: () => {
      events.publish({ type: 'supervisor', phase: 'stopping', reason: 'test', at: snapshotNow });
      current = { ...current, shuttingDown: true };
    },
  };
};
