import { summarize } from '../stats.js';

/** One round of sequential GET /health requests. */
export interface HealthRound {
  /** Median latency of the round, ms (request sent → body read). */
  medianMs: number;
  /** Every latency of the round, ms. */
  samples: number[];
  /** Answers other than 200 (a 503 would say hale thinks itself unhealthy). */
  non200: number;
}

/**
 * Sends `count` GET /health requests one after the other (fetch, keep-alive)
 * and times each to its last body byte; a request that takes over
 * `timeoutMs` fails the round.
 *
 * @example
 * const round = await measureHealthRound(bench.url, 200); // { medianMs: 0.61, samples: [...], non200: 0 }
 */
export const measureHealthRound = async (url: string, count: number, timeoutMs = 5_000): Promise<HealthRound> => {
  const samples: number[] = [];
  let non200 = 0;
  for (let i = 0; i < count; i++) {
    const started = performance.now();
    const response = await fetch(`${url}/health`, { signal: AbortSignal.timeout(timeoutMs) });
    await response.text();
    samples.push(performance.now() - started);
    if (response.status !== 200) non200 += 1;
  }
  return { medianMs: summarize(samples).median, samples, non200 };
};

/**
 * The value of each unlabelled sample in a Prometheus text exposition whose
 * name starts with `prefix`.
 *
 * @example
 * await readMetrics(bench.url, 'hale_nats_'); // { hale_nats_connected: 0, hale_nats_pending_messages: 42, … }
 */
export const readMetrics = async (url: string, prefix: string): Promise<Record<string, number>> => {
  const response = await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(5_000) });
  const text = await response.text();
  if (!response.ok) throw new Error(`GET ${url}/metrics answered ${response.status}: ${text}`);
  const found: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const match = /^([A-Za-z_:][A-Za-z0-9_:]*) (\S+)$/.exec(line);
    if (match?.[1]?.startsWith(prefix) === true) found[match[1]] = Number(match[2]);
  }
  return found;
};
