import type { PluginState } from '../model/plugin-state.js';
import { createOutputRing, type OutputRing } from '../plugin/output-ring.js';
import type { JournalRecord } from '../state/journal.js';
import type { EventBus } from '../util/event-bus.js';
import type { SupervisorEvent } from '../model/events.js';
import type { CheckRecord } from '../model/check-record.js';
import { createCheckRing, type CheckRing } from '../util/check-ring.js';

/** One change of a plugin's state. Times are epoch ms. */
export interface TransitionRecord {
  at: number;
  from: PluginState;
  to: PluginState;
  reason: string;
  restarts: number;
  restartCount: number;
}

export interface PluginHistory {
  /** Oldest first. */
  checks: CheckRecord[];
  /** Oldest first; the first ones may come from an earlier run of hale, restored from the journal. */
  transitions: TransitionRecord[];
}

export interface History {
  /** The last `limit` checks and transitions of a plugin; empty for a name never seen. */
  of(plugin: string, limit: number): PluginHistory;
  /** Feeds transitions read back from the journal, before any of this run; how many were taken. */
  restore(records: readonly JournalRecord[]): number;
  stop(): void;
}

export interface HistoryOptions {
  /** Checks kept per plugin; 100 by default. */
  checks?: number;
  /** Transitions kept per plugin; 100 by default. */
  transitions?: number;
}

interface Rings {
  checks: CheckRing;
  transitions: OutputRing<TransitionRecord>;
}

const states = new Set<string>(['unknown', 'healthy', 'degraded', 'unhealthy', 'restarting', 'failed', 'stopped']);

const toTransition = (record: JournalRecord): TransitionRecord | null => {
  const { at, from, to, reason, restarts, restartCount } = record;
  if (typeof from !== 'string' || !states.has(from) || typeof to !== 'string' || !states.has(to)) return null;
  return {
    at,
    from: from as PluginState,
    to: to as PluginState,
    reason: typeof reason === 'string' ? reason : '',
    restarts: typeof restarts === 'number' ? restarts : 0,
    restartCount: typeof restartCount === 'number' ? restartCount : 0,
  };
};

/**
 * A bounded history per plugin: its recent checks and its transitions, fed
 * by the supervisor's events. A plugin a reload removes is forgotten.
 *
 * @example
 * const history = createHistory(supervisor.events);
 * history.of('greeter', 20).transitions.at(-1)?.to; // 'healthy'
 */
export const createHistory = (bus: EventBus<SupervisorEvent>, options: HistoryOptions = {}): History => {
  const bounds = { checks: options.checks ?? 100, transitions: options.transitions ?? 100 };
  const byPlugin = new Map<string, Rings>();
  const ringsOf = (plugin: string): Rings => {
    let rings = byPlugin.get(plugin);
    if (rings === undefined) {
      // Checks come each second and are kept in columns; transitions are rare and kept as they are (count bounds them, not bytes).
      rings = {
        checks: createCheckRing(bounds.checks),
        transitions: createOutputRing({ maxLines: bounds.transitions, maxBytes: Number.MAX_SAFE_INTEGER }),
      };
      byPlugin.set(plugin, rings);
    }
    return rings;
  };
  const unsubscribe = bus.subscribe((event) => {
    if (event.type === 'check') ringsOf(event.plugin).checks.push(event.check);
    else if (event.type === 'transition') {
      const { at, from, to, reason, restarts, restartCount } = event;
      ringsOf(event.plugin).transitions.push({ at, from, to, reason, restarts, restartCount }, 0);
    } else if (event.type === 'reloaded') {
      for (const name of event.removed) byPlugin.delete(name);
    }
  });
  return {
    of: (plugin, limit) => {
      const rings = byPlugin.get(plugin);
      return { checks: rings?.checks.last(limit) ?? [], transitions: rings?.transitions.last(limit) ?? [] };
    },
    restore: (records) => {
      let taken = 0;
      for (const record of records) {
        if (record.type !== 'transition' || typeof record.plugin !== 'string') continue;
        const transition = toTransition(record);
        if (transition === null) continue;
        ringsOf(record.plugin).transitions.push(transition, 0);
        taken += 1;
      }
      return taken;
    },
    stop: unsubscribe,
  };
};
