import { pollCount, pushCount, pushFailureThreshold, pushTrials, say, warmup } from './bench-options.js';
import { measurePushLatency } from './hale/push-latency.js';
import { percentile } from './stats.js';
import { row, type Row, type Section, type Target } from './report.js';

/** Section 7: a plugin's pushed UNHEALTHY → hale's transition, at scale; beside it the same change found by polling. */
export const measurePush = async (): Promise<{ section: Section; target: Target }> => {
  say(`push: ${pushCount} plugins, ${pushTrials} trials`);
  const pushed = await measurePushLatency({ count: pushCount, trials: pushTrials, warmup, failureThreshold: pushFailureThreshold });
  const floor = row('bare http2 client: SIGUSR2 → the pushed message (the floor)', 'ms', pushed.floor);
  const rows: Row[] = [
    row(`hale, ${pushCount} plugins: pushed UNHEALTHY → unhealthy transition`, 'ms', pushed.samples, { to: 'the floor', base: floor }),
    row(`hale, ${pushCount} plugins: the same, p99`, 'ms', [pushed.p99Ms]),
    floor,
    row('bare http2 client: the same, p99', 'ms', [percentile(pushed.floor, 99)]),
  ];
  const notes = [
    `hale's Supervisor (the library) in the bench process with ${pushCount} light plugins checked every second, failureThreshold ${pushFailureThreshold}; each trial sends SIGUSR2 to another plugin, which turns UNHEALTHY (with a message) and pushes it on its WatchHealth stream; timed with performance.now() from the kill to the supervisor's unhealthy transition event; hale then restarts it. Interleaved with each trial, the floor: one more light plugin, its WatchHealth stream held by a bare node:http2 client in the bench process, timed from SIGUSR2 to the message's arrival (the signal, the plugin's write, the socket, the bench's event loop). ${pushed.withMessage} of ${pushed.samples.length} transitions carried the plugin's message. Start-up of the ${pushCount}: ${(pushed.startupMs / 1000).toFixed(1)} s.`,
  ];
  if (process.env.BENCH_PUSH_POLL_COUNT !== '0') {
    const pollTrials = Math.min(10, pushTrials);
    say(`push: the polling baseline, ${pollCount} plugins, ${pollTrials} trials`);
    const polled = await measurePushLatency({
      count: pollCount,
      trials: pollTrials,
      warmup: 1,
      push: false,
      failureThreshold: pushFailureThreshold,
    });
    rows.push(row(`hale polling, ${pollCount} plugins: UNHEALTHY → unhealthy transition`, 'ms', polled.samples));
    notes.push(
      `Polling: the same light plugin answering WatchHealth UNIMPLEMENTED, so hale finds the change by HealthCheck every second and needs failureThreshold (${pushFailureThreshold}) failures in a row; ${pollCount} plugins, since polling's wait does not depend on the scale.`,
    );
  }
  return {
    section: { title: '7. Pushed health', rows, notes },
    target: {
      goal: `pushed status change → transition p99 < 5 ms at ${pushCount} plugins`,
      measured: `p99 ${pushed.p99Ms.toFixed(2)} ms, p50 ${pushed.p50Ms.toFixed(2)} ms`,
      met: pushed.samples.length > 0 && pushed.p99Ms < 5,
    },
  };
};
