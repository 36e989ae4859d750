import { readStatus, type PluginRow } from './hale-api.js';

export interface PollStats {
  requests: number;
  errors: number;
  /** The first few errors, to say what went wrong. */
  errorSamples: string[];
  latenciesMs: number[];
}

/** GET /plugins/status, asked again and again: the soak's view of hale and its API latency. */
export interface StatusPoller {
  /** The last rows read, or null before the first answer. */
  latest(): PluginRow[] | null;
  /** The rows of the next answer, or null if none comes within `timeoutMs`. */
  next(timeoutMs: number): Promise<PluginRow[] | null>;
  stats(): PollStats;
  /** Stops asking; resolves once the request in flight has settled. */
  stop(): Promise<void>;
}

const maxErrorSamples = 5;

/**
 * Asks GET /plugins/status every `intervalMs`, one request at a time (a slow
 * answer delays the next, never piles requests up), each with `timeoutMs`.
 * Every pid in an answer goes to `onPid`.
 *
 * @example
 * const poller = startStatusPoller(url, { intervalMs: 100, timeoutMs: 2_000, onPid: registry.note });
 * const rows = await poller.next(1_000);
 * await poller.stop();
 */
export const startStatusPoller = (
  baseUrl: string,
  options: { intervalMs: number; timeoutMs: number; onPid: (pid: number) => void },
): StatusPoller => {
  const stats: PollStats = { requests: 0, errors: 0, errorSamples: [], latenciesMs: [] };
  let latest: PluginRow[] | null = null;
  let running = true;
  let wake: () => void = () => {};
  const waiters = new Set<(rows: PluginRow[]) => void>();

  const pause = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });

  const loop = async (): Promise<void> => {
    while (running) {
      const started = Date.now();
      const read = await readStatus(baseUrl, options.timeoutMs);
      stats.requests += 1;
      stats.latenciesMs.push(read.latencyMs);
      if (read.ok) {
        latest = read.plugins;
        for (const row of read.plugins) if (row.pid !== null) options.onPid(row.pid);
        for (const waiter of [...waiters]) waiter(read.plugins);
      } else {
        stats.errors += 1;
        if (stats.errorSamples.length < maxErrorSamples) stats.errorSamples.push(read.message);
      }
      if (running) await pause(Math.max(0, options.intervalMs - (Date.now() - started)));
    }
  };
  const done = loop();

  return {
    latest: () => latest,
    next: (timeoutMs) =>
      new Promise((resolve) => {
        const timer = setTimeout(() => {
          waiters.delete(take);
          resolve(null);
        }, timeoutMs);
        const take = (rows: PluginRow[]): void => {
          clearTimeout(timer);
          waiters.delete(take);
          resolve(rows);
        };
        waiters.add(take);
      }),
    stats: () => stats,
    stop: async () => {
      running = false;
      wake();
      await done;
    },
  };
};

/**
 * Waits, one answer at a time, until `done` holds for the rows; at most
 * `timeoutMs`. Resolves with the rows that satisfied it, or null.
 *
 * @example
 * const rows = await waitForRows(poller, (rows) => rows.every((r) => r.state === 'healthy'), 30_000);
 */
export const waitForRows = async (
  poller: StatusPoller,
  done: (rows: PluginRow[]) => boolean,
  timeoutMs: number,
): Promise<PluginRow[] | null> => {
  const deadline = Date.now() + timeoutMs;
  for (let left = timeoutMs; left > 0; left = deadline - Date.now()) {
    const rows = await poller.next(left);
    if (rows !== null && done(rows)) return rows;
  }
  return null;
};
