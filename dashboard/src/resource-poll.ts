import { setAttr, setText } from './dom.js';
import { formatBytes } from './format.js';
import { request } from './http.js';
import type { ResourcesAnswer } from './types.js';

/** How often the CPU and memory columns are read again while the page is in view. */
const pollMs = 2_000;

/**
 * Fills each plugin row's CPU and memory cells from GET /plugins/status,
 * every 2 s while the page is visible (a hidden tab asks nothing: hale
 * samples only when asked). A plugin with no process shows `–`.
 *
 * @example
 * startResourcePoll();
 */
export const startResourcePoll = (): void => {
  let timer: ReturnType<typeof setTimeout> | null = null;
  let polling = false;
  const poll = async (): Promise<void> => {
    timer = null;
    polling = true;
    const answer = await request<ResourcesAnswer>('/plugins/status');
    if (answer.ok && Array.isArray(answer.body.plugins)) {
      for (const plugin of answer.body.plugins) {
        const row = document.querySelector<HTMLTableRowElement>(`tr.plugin[data-plugin="${CSS.escape(plugin.name)}"]`);
        const cpu = row?.querySelector<HTMLElement>('td.cpu');
        const memory = row?.querySelector<HTMLElement>('td.mem');
        if (cpu === null || cpu === undefined || memory === null || memory === undefined) continue;
        const usage = plugin.resources;
        setText(cpu, usage === null ? '–' : `${usage.cpuPercent.toFixed(1)}%`);
        setText(memory, usage === null ? '–' : formatBytes(usage.memoryBytes));
        setAttr(
          memory,
          'title',
          usage === null
            ? 'no process runs'
            : `${usage.processes} process${usage.processes === 1 ? '' : 'es'}, from its ${usage.source === 'cgroup' ? 'cgroup' : 'process tree in /proc'}`,
        );
      }
    }
    polling = false;
    schedule();
  };
  const schedule = (): void => {
    if (timer === null && document.visibilityState === 'visible') timer = setTimeout(() => void poll(), pollMs);
  };
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible' && timer === null && !polling) void poll();
  });
  void poll();
};
