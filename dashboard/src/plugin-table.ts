import { byId, el, setText } from './dom.js';
import { sendPluginAction, type PluginAction } from './actions.js';
import { openPluginDetails, type PluginDetails } from './plugin-details.js';
import { createPluginRow, drawPluginRow, drawUptime, type PluginRow } from './plugin-row.js';
import { applyEvent, type PluginView } from './plugin-view.js';
import type { FeedEvent, PluginState } from './types.js';

const columns = 12;
// Each open panel follows its own stream; the supervisor serves 64 at most, to everyone.
const maxOpenDetails = 3;
const batchMs = 500;
const stateOrder: readonly PluginState[] = ['failed', 'unhealthy', 'restarting', 'degraded', 'unknown', 'stopped', 'healthy'];

/** What a row shows of a view, in one string: a full read that changed nothing draws nothing. */
const signatureOf = (view: PluginView | undefined): string =>
  view === undefined
    ? ''
    : [
        view.state,
        view.reason,
        view.since,
        view.pid,
        view.restartCount,
        view.latencyMs,
        view.message,
        view.version,
        view.nextRestartAt,
        view.latencies.length,
        view.latencies.at(-1)?.ms,
      ]
        .concat(view.components.map((c) => `${c.name}:${c.status}:${c.message}`))
        .join('|');

/**
 * The plugin table: one row per plugin, drawn again only when its view
 * changed, at most once a frame, so 200 plugins checked every second cost
 * little. Filters by name or state; buttons act through the API.
 *
 * @example
 * const table = createPluginTable({ now: serverNow });
 * table.replaceAll(views);
 * table.apply(event);
 */
export const createPluginTable = (options: { now: () => number }) => {
  const body = byId<HTMLTableSectionElement>('plugin-rows');
  const filter = byId<HTMLInputElement>('filter');
  const counts = byId('counts');
  const views = new Map<string, PluginView>();
  const rows = new Map<string, PluginRow>();
  const details = new Map<string, PluginDetails>();
  const dirty = new Set<string>();
  let stateFilter: PluginState | null = null;
  let frame: number | null = null;

  const matches = (view: PluginView): boolean => {
    const text = filter.value.trim().toLowerCase();
    return (
      (stateFilter === null || view.state === stateFilter) && (text === '' || view.name.toLowerCase().includes(text) || view.state === text)
    );
  };

  const drawCounts = () => {
    const tally = new Map<PluginState, number>();
    for (const view of views.values()) tally.set(view.state, (tally.get(view.state) ?? 0) + 1);
    const key = [...tally].map(([s, n]) => `${s}${n}`).join() + String(stateFilter);
    if (counts.dataset['drawn'] === key) return;
    counts.dataset['drawn'] = key;
    counts.replaceChildren(
      ...stateOrder
        .filter((s) => tally.has(s))
        .map((state) =>
          el(
            'button',
            {
              type: 'button',
              class: 'count',
              'data-state': state,
              'aria-pressed': String(stateFilter === state),
              title: `show only ${state} plugins`,
            },
            `${tally.get(state) ?? 0} ${state}`,
          ),
        ),
    );
  };

  const flush = () => {
    frame = null;
    const now = options.now();
    for (const name of dirty) {
      const view = views.get(name);
      const row = rows.get(name);
      if (view === undefined || row === undefined) continue;
      drawPluginRow(row, view, now);
      row.row.hidden = !matches(view);
      const panel = details.get(name);
      if (panel !== undefined) panel.row.hidden = row.row.hidden;
    }
    dirty.clear();
    drawCounts();
    setText(byId('empty'), views.size === 0 ? 'No plugins are configured.' : '');
  };

  // A change of state is drawn the next frame; a new latency waits for the next batch: painting, not script, is the cost.
  let batch: ReturnType<typeof setTimeout> | null = null;
  const markDirty = (name: string, urgent = true) => {
    dirty.add(name);
    if (urgent) frame ??= requestAnimationFrame(flush);
    else if (frame === null) {
      batch ??= setTimeout(() => {
        batch = null;
        frame ??= requestAnimationFrame(flush);
      }, batchMs);
    }
  };
  const markAll = () => {
    for (const name of views.keys()) markDirty(name);
  };

  const closeDetails = (name: string) => {
    details.get(name)?.close();
    details.delete(name);
    rows.get(name)?.details.setAttribute('aria-expanded', 'false');
  };

  const toggleDetails = (name: string) => {
    const row = rows.get(name);
    if (row === undefined) return;
    if (details.has(name)) return closeDetails(name);
    if (details.size >= maxOpenDetails) closeDetails(details.keys().next().value ?? '');
    const panel = openPluginDetails(name, columns);
    details.set(name, panel);
    row.row.after(panel.row);
    row.details.setAttribute('aria-expanded', 'true');
    row.details.setAttribute('aria-controls', panel.row.id);
  };

  body.addEventListener('click', (event) => {
    const target = (event.target as Element).closest('button[data-action]');
    const name = target?.closest('tr.plugin')?.getAttribute('data-plugin');
    if (!(target instanceof HTMLButtonElement) || name === null || name === undefined) return;
    const action = target.dataset['action'];
    if (action === 'details') return toggleDetails(name);
    const signal = rows.get(name)?.row.querySelector<HTMLSelectElement>('select[data-role="signal"]')?.value ?? '';
    target.disabled = true;
    void sendPluginAction(name, action as PluginAction, signal).finally(() => markDirty(name));
  });
  filter.addEventListener('input', markAll);
  counts.addEventListener('click', (event) => {
    const state = (event.target as Element).closest('button[data-state]')?.getAttribute('data-state') as PluginState | null;
    stateFilter = state === stateFilter ? null : state;
    counts.dataset['drawn'] = '';
    markAll();
  });

  return {
    /** Every plugin at once, from a full answer: rows added, kept or removed to match. */
    replaceAll(next: ReadonlyMap<string, PluginView>): void {
      for (const name of [...rows.keys()]) {
        if (next.has(name)) continue;
        closeDetails(name);
        rows.get(name)?.row.remove();
        rows.delete(name);
        views.delete(name);
      }
      const sorted = [...next.keys()].sort();
      for (const [index, name] of sorted.entries()) {
        const view = next.get(name) as PluginView;
        const unchanged = signatureOf(view) === signatureOf(views.get(name));
        views.set(name, view);
        let row = rows.get(name);
        if (row === undefined) {
          row = createPluginRow(name);
          rows.set(name, row);
          const before = sorted
            .slice(index + 1)
            .map((n) => rows.get(n)?.row)
            .find((r) => r !== undefined && r.isConnected);
          body.insertBefore(row.row, before ?? null);
        } else if (unchanged) continue;
        markDirty(name);
      }
      if (next.size === 0) frame ??= requestAnimationFrame(flush);
    },
    view: (name: string): PluginView | undefined => views.get(name),
    /** One live event; true when it was about a plugin the table knows. */
    apply(event: FeedEvent): boolean {
      const name = 'plugin' in event ? event.plugin : undefined;
      const view = name === undefined ? undefined : views.get(name);
      if (view === undefined || name === undefined) return false;
      if (applyEvent(view, event)) markDirty(name, event.type !== 'check');
      return true;
    },
    /** Uptimes move every second without any event. */
    tick(): void {
      const now = options.now();
      for (const [name, row] of rows) {
        const view = views.get(name);
        if (view !== undefined && view.startedAt !== null) drawUptime(row, view, now);
      }
    },
  };
};

export type PluginTable = ReturnType<typeof createPluginTable>;
