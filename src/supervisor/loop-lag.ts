import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { EventLoopLag } from './status.js';

export interface LoopLagMonitor {
  /** Lag over the current window, or the last full one when the current is too young. */
  sample(): EventLoopLag;
  stop(): void;
}

const windowMs = 10_000;
const cacheMs = 1_000;
const nsToMs = (ns: number) => Math.round(ns / 10_000) / 100;

/**
 * Watches the supervisor's own event loop: a loop that lags delays every
 * health check and every answer, so it is reported beside them.
 *
 * @example
 * const lag = startLoopLagMonitor();
 * lag.sample().p99Ms;
 */
export const startLoopLagMonitor = (): LoopLagMonitor => {
  const histogram = monitorEventLoopDelay({ resolution: 50 });
  histogram.enable();
  const read = (): EventLoopLag => ({
    meanMs: nsToMs(histogram.mean),
    p99Ms: nsToMs(histogram.percentile(99)),
    maxMs: nsToMs(histogram.max),
  });
  let last: EventLoopLag = { meanMs: 0, p99Ms: 0, maxMs: 0 };
  const rotate = setInterval(() => {
    if (histogram.count > 0) last = read();
    histogram.reset();
  }, windowMs);
  rotate.unref();
  // Reading the histogram's mean walks it: an answer under load reuses a reading up to a second old.
  let cached: { at: number; lag: EventLoopLag } | null = null;
  return {
    sample: () => {
      const now = Date.now();
      if (cached === null || now - cached.at >= cacheMs) cached = { at: now, lag: histogram.count > 10 ? read() : last };
      return cached.lag;
    },
    stop: () => {
      clearInterval(rotate);
      histogram.disable();
    },
  };
};
