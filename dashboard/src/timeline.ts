import { el } from './dom.js';
import { formatClock } from './format.js';
import type { PluginState } from './types.js';

export interface TransitionEntry {
  plugin: string;
  from: PluginState;
  to: PluginState;
  reason: string;
  at: number;
}

const describeEntry = (entry: TransitionEntry, withPlugin: boolean): HTMLLIElement =>
  el(
    'li',
    { 'data-plugin': entry.plugin, 'data-to': entry.to, 'data-from': entry.from },
    el('time', { datetime: new Date(entry.at).toISOString() }, formatClock(entry.at)),
    withPlugin ? el('span', { class: 'plugin-name' }, entry.plugin) : null,
    el(
      'span',
      { class: 'move' },
      el('span', { class: 'word', 'data-state': entry.from }, entry.from),
      ' → ',
      el('span', { class: 'word', 'data-state': entry.to }, entry.to),
    ),
    el('span', { class: 'reason' }, entry.reason),
  );

/**
 * A list of transitions, newest first, at most `limit` long; the same
 * event seen twice (a replay after a reconnect) is shown once.
 *
 * @example
 * const timeline = createTimeline(byId('timeline'), { limit: 200, withPlugin: true });
 * timeline.add({ plugin: 'flaky', from: 'healthy', to: 'unhealthy', reason: 'crashed', at: Date.now() });
 */
export const createTimeline = (list: HTMLOListElement, options: { limit: number; withPlugin: boolean }) => {
  // A transition is the same one when its plugin, time and move are: from the stream, a replay or a history.
  const seen = new Set<string>();
  const keys: string[] = [];
  return {
    add(entry: TransitionEntry): void {
      const key = `${entry.plugin}|${entry.at}|${entry.from}|${entry.to}`;
      if (seen.has(key)) return;
      seen.add(key);
      keys.push(key);
      // Replayed entries can arrive older than what is shown: keep the list in time order.
      const item = describeEntry(entry, options.withPlugin);
      item.dataset['at'] = String(entry.at);
      const after = [...list.children].find((child) => Number((child as HTMLElement).dataset['at']) <= entry.at);
      list.insertBefore(item, after ?? null);
      while (list.children.length > options.limit) list.lastElementChild?.remove();
      // Forget the oldest keys: what fell off the list will not be replayed again.
      while (keys.length > options.limit * 4) seen.delete(keys.shift() ?? '');
    },
    clear(): void {
      list.replaceChildren();
    },
  };
};

export type Timeline = ReturnType<typeof createTimeline>;
