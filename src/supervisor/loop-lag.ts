import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { EventLoopLag } from '../model/status.js';

export interface LoopLagMonitor {
  /** Lag over the current window, or the last full one when the current is too young. */
  sample(): EventLoopLag;
  /** Changes whenever sample() would answer something new; a cache of answers built from it keys on this. */
  readonly epoch: number;
  stop(): void;
}

const resolutionMs = 50;
const windowMs = 10_000;
const readEveryMs = 1_000;
// The histogram records the time between its timer's wakeups, the resolution included; lag is what lies past it.
const lagMsOf = (ns: number) => Math.max(0, Math.round((ns / 1e6 - resolutionMs) * 100) / 100);

/**
 * Watches the supervisor's own event loop: a loop that lags delays every
 * health check and every answer, so it is reported beside them. Read once a
 * second (reading walks the histogram), over a window of 10 s.
 *
 * @example
 * const lag = startLoopLagMonitor();
 * lag.sample().p99Ms;
 */
export const startLoopLagMonitor = (): LoopLagMonitor => {
  const histogram = monitorEventLoopDelay({ resolution: resolutionMs });
  histogram.enable();
  const read = (): EventLoopLag => ({
    meanMs: lagMsOf(histogram.mean),
    p99Ms: lagMsOf(histogram.percentile(99)),
    maxMs: lagMsOf(histogram.max),
  });
  let windowStarted = Date.now();
  let last: EventLoopLag = { meanMs: 0, p99Ms: 0, maxMs: 0 };
  let current = last;
  let epoch = 0;
  const timer = setInterval(() => {
    if (histogram.count > 10) current = read();
    if (Date.now() - windowStarted >= windowMs) {
      last = current;
      histogram.reset();
      windowStarted = Date.now();
    }
    epoch += 1;
  }, readEveryMs);
  timer.unref();
  return {
    sample: () => (histogram.count > 10 ? current : last),
    get epoch() {
      return epoch;
    },
    stop: () => {
      clearInterval(timer);
      histogram.disable();
    },
  };
};
