import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { EventLoopLag } from './status.js';

export interface LoopLagMonitor {
  /** Lag over the current window, or the last full one when the current is too young. */
  sample(): EventLoopLag;
  stop(): void;
}

const windowMs = 10_000;
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
  const histogram = monitorEventLoopDelay({ resolution: 10 });
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
  return {
    sample: () => (histogram.count > 10 ? read() : last),
    stop: () => {
      clearInterval(rotate);
      histogram.disable();
    },
  };
};
