// The dashboard with many plugins: a real chromium against a real API server whose backend is fed events by the bench.
import type { CDPSession, Page } from 'playwright-core';
import { createApp } from '../../src/api/app.js';
import { startApiServer } from '../../src/api/serve.js';
import { buildPluginStatus, buildSnapshot, createRecordingBackend } from '../../test/helpers/status-builder.js';
import { launchChromium } from '../../test/helpers/browser.js';

export interface DashboardRun {
  plugins: number;
  /** From navigation to every row drawn. */
  loadMs: number;
  /** A transition published on the server → its row's data-state changed in the page, while idle. */
  idleTransitionMs: number[];
  /** The same while every plugin reports a check a second. */
  busyTransitionMs: number[];
  /** Share of wall time the page's main thread spent on tasks while every plugin reports a check a second. */
  busyMainThread: number;
  /** The page's JS heap after the busy spell, MiB. */
  heapMiB: number;
}

// The callbacks given to waitForFunction run in the page: the little of the DOM they use.
declare const document: {
  querySelector(selector: string): { getAttribute(name: string): string | null } | null;
  querySelectorAll(selector: string): { length: number };
};

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

const taskSeconds = async (cdp: CDPSession): Promise<number> => {
  const { metrics } = (await cdp.send('Performance.getMetrics')) as { metrics: Array<{ name: string; value: number }> };
  return metrics.find((m) => m.name === 'TaskDuration')?.value ?? Number.NaN;
};

/** Publishes one transition and waits (bounded) for the page to show it; the page's clock and ours are one machine's. */
const timeTransition = async (page: Page, publish: (to: 'healthy' | 'degraded') => string, to: 'healthy' | 'degraded'): Promise<number> => {
  const sentAt = Date.now();
  const name = publish(to);
  const seenAt = await page.waitForFunction(
    ([plugin, state]) => {
      const row = document.querySelector(`tr.plugin[data-plugin="${plugin}"]`);
      return row?.getAttribute('data-state') === state ? Date.now() : false;
    },
    [name, to] as const,
    { timeout: 10_000, polling: 'raf' },
  );
  return ((await seenAt.jsonValue()) as number) - sentAt;
};

/**
 * One run: N plugins, load, transitions while idle, then a busy spell of
 * N checks a second with transitions through it.
 *
 * @example
 * const run = await measureDashboard({ plugins: 200, transitions: 20, busySeconds: 10 });
 */
export const measureDashboard = async (options: { plugins: number; transitions: number; busySeconds: number }): Promise<DashboardRun> => {
  const names = Array.from({ length: options.plugins }, (_, i) => `plugin-${String(i).padStart(3, '0')}`);
  const backend = createRecordingBackend(
    buildSnapshot(names.map((name) => buildPluginStatus(name, { since: Date.now(), startedAt: Date.now() }))),
  );
  const server = await startApiServer({ app: createApp({ backend, token: null }), host: '127.0.0.1', port: 0 });
  const browser = await launchChromium();
  let checkTimer: NodeJS.Timeout | undefined;
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Performance.enable');
    const startedAt = Date.now();
    await page.goto(server.url);
    await page.waitForFunction(
      (count) =>
        document.querySelectorAll('tr.plugin[data-state]').length === count &&
        document.querySelector('#stream')?.getAttribute('data-state') === 'live',
      options.plugins,
      { timeout: 30_000 },
    );
    const loadMs = Date.now() - startedAt;
    const states = new Map(names.map((name) => [name, 'healthy' as 'healthy' | 'degraded']));
    let turn = 0;
    const publish = (to: 'healthy' | 'degraded'): string => {
      const name = names[turn++ % names.length] ?? 'plugin-000';
      const from = states.get(name) ?? 'healthy';
      states.set(name, to);
      const at = Date.now();
      // The snapshot says what the event says: the page reads /health again after a transition.
      backend.current = {
        ...backend.current,
        now: at,
        plugins: backend.current.plugins.map((p) => (p.name === name ? { ...p, state: to, since: at } : p)),
      };
      backend.bus.publish({ type: 'transition', plugin: name, from, to, reason: 'bench', at, restarts: 0, restartCount: 0 });
      return name;
    };
    const transitions = async (): Promise<number[]> => {
      const times: number[] = [];
      for (let i = 0; i < options.transitions; i++) {
        const name = names[turn % names.length] ?? 'plugin-000';
        times.push(await timeTransition(page, publish, states.get(name) === 'healthy' ? 'degraded' : 'healthy'));
        await pause(50);
      }
      return times;
    };
    const idleTransitionMs = await transitions();
    // Every plugin checked once a second, spread over the second, as a real supervisor does.
    let checkTurn = 0;
    const perTick = Math.max(1, Math.round(options.plugins / 20));
    checkTimer = setInterval(() => {
      for (let i = 0; i < perTick; i++) {
        const name = names[checkTurn++ % names.length] ?? 'plugin-000';
        backend.bus.publish({
          type: 'check',
          plugin: name,
          generation: 1,
          check: { at: Date.now(), outcome: 'pass', status: 'healthy', latencyMs: 1 + Math.random() * 20, message: 'ok' },
        });
      }
    }, 50);
    await pause(1_000);
    const busyFrom = await taskSeconds(cdp);
    const wallFrom = performance.now();
    const busyTransitionMs = await transitions();
    await pause(Math.max(0, options.busySeconds * 1_000 - (performance.now() - wallFrom)));
    const busyMainThread = (await taskSeconds(cdp)) - busyFrom;
    const wallSeconds = (performance.now() - wallFrom) / 1_000;
    const heap = (await cdp.send('Runtime.getHeapUsage')) as { usedSize: number };
    return {
      plugins: options.plugins,
      loadMs,
      idleTransitionMs,
      busyTransitionMs,
      busyMainThread: busyMainThread / wallSeconds,
      heapMiB: heap.usedSize / 1024 / 1024,
    };
  } finally {
    clearInterval(checkTimer);
    await browser.close();
    await server.close();
  }
};
