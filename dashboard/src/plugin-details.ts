import { el } from './dom.js';
import { openEventFeed } from './event-feed.js';
import { request } from './http.js';
import { readLogLine, type ShownLine } from './log-line.js';
import { createTimeline } from './timeline.js';
import type { LogLineBody, PluginState, TransitionBody } from './types.js';

const tailLines = 100;
const keptLines = 300;

export interface PluginDetails {
  row: HTMLTableRowElement;
  close(): void;
}

/** A note of the page's own in the log tail (nothing printed yet, the tail unavailable). */
const note = (text: string): ShownLine => ({ level: 'note', text, raw: text });

/**
 * The row under a plugin's row: its log tail, followed live, and its own
 * transitions. Each open panel holds one event stream; close() ends it.
 *
 * @example
 * const details = openPluginDetails('flaky', columns);
 * row.after(details.row);
 */
export const openPluginDetails = (plugin: string, columns: number): PluginDetails => {
  const log = el('pre', { class: 'log-tail', tabindex: '0', 'aria-label': `last lines ${plugin} printed`, 'data-raw': 'false' });
  const rawToggle = el(
    'button',
    {
      type: 'button',
      class: 'raw-toggle',
      'data-action': 'raw-log',
      'aria-pressed': 'false',
      title: 'show each line as the plugin printed it',
    },
    'raw',
  );
  const list = el('ol', { class: 'plugin-timeline' });
  const timeline = createTimeline(list, { limit: 50, withPlugin: false });
  const status = el('p', { class: 'details-status' }, 'loading…');
  const row = el(
    'tr',
    { class: 'details', 'data-details-for': plugin, id: `details-${plugin}` },
    el(
      'td',
      { colspan: String(columns) },
      el(
        'div',
        { class: 'details-grid' },
        el('section', {}, el('h3', {}, `Log tail of ${plugin} `, rawToggle), log),
        el('section', {}, el('h3', {}, 'Transitions'), list),
      ),
      status,
    ),
  );
  // Time, level and message by default; the raw JSON on demand, for the fields the short form leaves out.
  let raw = false;
  const drawLine = (line: ShownLine) =>
    el('span', { class: 'log-line', 'data-level': line.level, title: raw ? '' : line.raw }, `${raw ? line.raw : line.text}\n`);
  const shown: ShownLine[] = [];
  const appendLines = (lines: ShownLine[]) => {
    const atBottom = log.scrollTop + log.clientHeight >= log.scrollHeight - 4;
    shown.push(...lines);
    log.append(...lines.map(drawLine));
    const over = shown.length - keptLines;
    if (over > 0) {
      shown.splice(0, over);
      for (let i = 0; i < over; i += 1) log.firstChild?.remove();
    }
    if (atBottom) log.scrollTop = log.scrollHeight;
  };
  rawToggle.addEventListener('click', () => {
    raw = !raw;
    rawToggle.setAttribute('aria-pressed', String(raw));
    log.dataset['raw'] = String(raw);
    log.replaceChildren(...shown.map(drawLine));
  });

  void (async () => {
    const [logs, history] = await Promise.all([
      request<{ lines: LogLineBody[]; stats: { dropped: number } }>(`/plugins/${encodeURIComponent(plugin)}/logs?tail=${tailLines}`),
      request<{ transitions: TransitionBody[] }>(`/plugins/${encodeURIComponent(plugin)}/history?limit=50`),
    ]);
    if (logs.ok) appendLines(logs.body.lines.length === 0 ? [note('(nothing printed yet)')] : logs.body.lines.map(readLogLine));
    else appendLines([note(`(log tail unavailable: ${logs.message})`)]);
    if (history.ok) {
      for (const t of history.body.transitions) timeline.add({ plugin, from: t.from, to: t.to, reason: t.reason, at: Date.parse(t.time) });
    }
    status.textContent = logs.ok ? 'following live' : '';
  })();

  const stop = openEventFeed({
    url: `/events?plugin=${encodeURIComponent(plugin)}&types=output,transition`,
    onState: (state) => {
      if (state === 'reconnecting') status.textContent = 'reconnecting…';
    },
    onMessage: (message) => {
      if (message.event === 'hello') status.textContent = 'following live';
      if (message.event === 'output') appendLines([readLogLine(JSON.parse(message.data) as LogLineBody)]);
      if (message.event === 'transition') {
        const t = JSON.parse(message.data) as { from: PluginState; to: PluginState; reason: string; at: number };
        timeline.add({ plugin, from: t.from, to: t.to, reason: t.reason, at: t.at });
      }
    },
  });
  return {
    row,
    close: () => {
      stop();
      row.remove();
    },
  };
};
