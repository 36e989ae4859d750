import { el, setAttr, setText } from './dom.js';
import { formatDuration, formatLatency } from './format.js';
import type { PluginView } from './plugin-view.js';
import { createSparkline, drawSparkline } from './sparkline.js';

/** The signals a fault drill may send from the page. */
export const drillSignals = ['SIGKILL', 'SIGSTOP', 'SIGCONT'] as const;

/** The cells of one row that change; found once, written often. */
export interface PluginRow {
  row: HTMLTableRowElement;
  state: HTMLElement;
  version: HTMLElement;
  critical: HTMLElement;
  uptime: HTMLElement;
  pid: HTMLElement;
  /** Written by the resource poll (resource-poll.ts), not from the plugin's view. */
  cpu: HTMLElement;
  memory: HTMLElement;
  restarts: HTMLElement;
  latency: HTMLElement;
  spark: SVGSVGElement;
  message: HTMLElement;
  components: HTMLElement;
  restart: HTMLButtonElement;
  stop: HTMLButtonElement;
  start: HTMLButtonElement;
  signal: HTMLButtonElement;
  details: HTMLButtonElement;
  /** What the sparkline last drew, so an unchanged one is not drawn again. */
  drawn: string;
}

const button = (action: string, label: string, name: string, extra: Record<string, string> = {}) =>
  el('button', { type: 'button', 'data-action': action, 'aria-label': `${label} ${name}`, ...extra }, label);

/**
 * Makes the row of one plugin. Buttons carry `data-action`; the table
 * listens for their clicks once, for every row.
 *
 * @example
 * tbody.append(createPluginRow('greeter').row);
 */
export const createPluginRow = (name: string): PluginRow => {
  const cell = (cls: string, ...children: Array<Node | string>) => el('td', { class: cls }, ...children);
  const version = el('span', { class: 'version' });
  const critical = el('span', { class: 'badge', title: 'a critical plugin: it decides readiness' });
  const spark = createSparkline(`recent check latencies of ${name}`);
  const signalMenu = el(
    'select',
    { 'data-role': 'signal', 'aria-label': `Signal to send to ${name}` },
    ...drillSignals.map((signal) => el('option', { value: signal }, signal)),
  );
  const restart = button('restart', 'Restart', name);
  const stop = button('stop', 'Stop', name);
  const start = button('start', 'Start', name);
  const signal = button('signal', 'Send', name, { 'aria-label': `Send the chosen signal to ${name}` });
  const details = button('details', 'Details', name, { 'aria-expanded': 'false' });
  const cells = {
    state: cell('state'),
    uptime: cell('uptime num'),
    pid: cell('pid num'),
    cpu: cell('cpu num', '–'),
    memory: cell('mem num', '–'),
    restarts: cell('restarts num'),
    latency: cell('latency num'),
    message: cell('message'),
    components: cell('components'),
  };
  const row = el(
    'tr',
    { class: 'plugin', 'data-plugin': name },
    el('th', { scope: 'row', class: 'name' }, el('span', { class: 'plugin-name' }, name), critical, version),
    cells.state,
    cells.uptime,
    cells.pid,
    cells.cpu,
    cells.memory,
    cells.restarts,
    cells.latency,
    cell('spark', spark),
    cells.message,
    cells.components,
    cell('actions', restart, stop, start, el('span', { class: 'signal' }, signalMenu, signal), details),
  );
  return { row, ...cells, version, critical, spark, restart, stop, start, signal, details, drawn: '' };
};

/** The uptime cell alone: ticked every second for every row. */
export const drawUptime = (row: PluginRow, view: PluginView, now: number): void => {
  setText(row.uptime, view.startedAt === null ? '–' : formatDuration(now - view.startedAt));
};

/**
 * Writes a plugin's view into its row, touching only what changed.
 *
 * @example
 * drawPluginRow(rows.get('greeter'), views.get('greeter'), serverNow());
 */
export const drawPluginRow = (row: PluginRow, view: PluginView, now: number): void => {
  setAttr(row.row, 'data-state', view.state);
  setAttr(row.row, 'data-waiting', String(view.waiting));
  setText(row.state, view.waiting ? 'waiting' : view.state);
  const nextRestart =
    view.nextRestartAt === null || view.nextRestartAt < now ? '' : `; restart in ${formatDuration(view.nextRestartAt - now + 999)}`;
  setAttr(row.state, 'title', `${view.state} for ${formatDuration(now - view.since)}: ${view.reason}${nextRestart}`);
  setText(row.critical, view.critical ? 'critical' : '');
  row.critical.hidden = !view.critical;
  setText(row.version, view.version === '' ? '' : `v${view.version}`);
  drawUptime(row, view, now);
  setText(row.pid, view.pid === null ? '–' : String(view.pid));
  setText(row.restarts, String(view.restartCount));
  setText(row.latency, formatLatency(view.latencyMs));
  const drawn = view.latencies.map((s) => `${s.ms}${s.failed ? '!' : ''}`).join(' ');
  if (drawn !== row.drawn) {
    drawSparkline(row.spark, view.latencies);
    row.drawn = drawn;
  }
  const message = view.message === '' ? view.reason : view.message;
  // A crash's stderr can be long: the row shows its start, the title all of it.
  setText(row.message, message.length > 160 ? `${message.slice(0, 157)}…` : message);
  setAttr(row.message, 'title', message === view.reason ? view.reason : `${message}\n\n${view.reason}`);
  const components = view.components.map((c) => `${c.name}:${c.status}`).join(' ');
  if (row.components.dataset['drawn'] !== components) {
    row.components.dataset['drawn'] = components;
    row.components.replaceChildren(
      ...view.components.map((c) =>
        el(
          'span',
          {
            class: 'chip',
            'data-status': c.status.toLowerCase(),
            title: `${c.critical ? 'critical; ' : ''}${formatLatency(c.latencyMs)}${c.message === '' ? '' : `: ${c.message}`}`,
          },
          `${c.name} ${c.status.toLowerCase()}`,
        ),
      ),
    );
  }
  const running = view.pid !== null;
  row.restart.disabled = false;
  row.stop.disabled = view.state === 'stopped';
  row.start.disabled = !(view.state === 'stopped' || view.state === 'failed');
  row.signal.disabled = !running;
};
