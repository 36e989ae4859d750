import { el } from './dom.js';
import { openEventFeed } from './event-feed.js';
import { formatClock } from './format.js';
import { request } from './http.js';
import { createTimeline } from './timeline.js';
import type { LogLineBody, PluginState, TransitionBody } from './types.js';

const tailLines = 100;
const keptLines = 300;

export interface PluginDetails {
  row: HTMLTableRowElement;
  close(): void;
}

const formatLine = (line: LogLineBody): string => `${formatClock(Date.parse(line.at))} ${line.stream === 'stderr' ? 'err' : 'out'} ${line.line}`;

/**
 * The row under a plugin's row: its log tail, followed live, and its own
 * transitions. Each open panel holds one event stream; close() ends it.
 *
 * @example
 * const details = openPluginDetails('flaky', columns);
 * row.after(details.row);
 */
export const openPluginDetails = (plugin: string, columns: number): PluginDetails => {
  const log = el('pre', { class: 'log-tail', tabindex: '0', 'aria-label': `last lines ${plugin} printed` });
  const list = el('ol', { class: 'plugin-timeline' });
  const timeline = createTimeline(list, { limit: 50, withPlugin: false });
  const status = el('p', { class: 'details-status' }, 'loading…');
  const row = el(
    'tr',
    { class: 'details', 'data-details-for': plugin, id: `details-${plugin}` },
    el(
      'td',
      { colspan: String(columns) },
      el('div', { class: 'details-grid' },
        el('section', {}, el('h3', {}, `Log tail of ${plugin}`), log),
        el('section', {}, el('h3', {}, 'Transitions'), list),
      ),
      status,
    ),
  );
  const appendLines = (lines: string[]) => {
    const text = (log.textContent ?? '') + lines.map((line) => `${line}\n`).join('');
    const kept = text.split('\n').slice(-keptLines - 1).join('\n');
    const atBottom = log.scrollTop + log.clientHeight >= log.scrollHeight - 4;
    log.textContent = kept;
    if (atBottom) log.scrollTop = log.scrollHeight;
  };

  void (async () => {
    const [logs, history] = await Promise.all([
      request<{ lines: LogLineBody[]; stats: { dropped: number } }>(`/plugins/${encodeURIComponent(plugin)}/logs?tail=${tailLines}`),
      request<{ transitions: TransitionBody[] }>(`/plugins/${encodeURIComponent(plugin)}/history?limit=50`),
    ]);
    if (logs.ok) appendLines(logs.body.lines.length === 0 ? ['(nothing printed yet)'] : logs.body.lines.map(formatLine));
    else appendLines([`(log tail unavailable: ${logs.message})`]);
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
      if (message.event === 'output') appendLines([formatLine(JSON.parse(message.data) as LogLineBody)]);
      if (message.event === 'transition') {
        const t = JSON.parse(message.data) as { from: PluginState; to: PluginState; reason: string; at: number };
        timeline.add({ plugin, from: t.from, to: t.to, reason: t.reason, at: t.at });
      }
    },
  });
  return { row, close: () => { stop(); row.remove(); } };
};
