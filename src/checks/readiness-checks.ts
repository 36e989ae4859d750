import type { ReadinessConfig } from '../config/types.js';
import type { CheckRecord } from '../model/check-record.js';
import type { TimerWheel } from '../util/timer-wheel.js';
import { createProbe, type ProbeTarget } from './create-probe.js';
import { scheduleChecks, type CheckSchedule } from './schedule-checks.js';

/**
 * Runs a plugin's `readiness:` probe every `intervalMs` on the shared timer
 * wheel (the first at once), against the plugin's own address where the
 * probe names none, and hands each record to `heard`. Only a plugin with a
 * probe gets one, and only while its process is up: `every(null)` ends it.
 *
 * @example
 * const schedule = startReadinessChecks(config.readiness, { client, address }, { signal, heard: (check) => note(check) });
 * schedule.every(null); // no more
 */
export const startReadinessChecks = (
  config: ReadinessConfig,
  target: ProbeTarget,
  options: { signal: AbortSignal; heard: (check: CheckRecord) => void; random?: () => number; wheel?: TimerWheel },
): CheckSchedule => {
  const schedule = scheduleChecks({
    // Readiness asks "may it take work?", not "how fast": no degradedLatency.
    run: createProbe(config.check, target, { timeoutMs: config.timeoutMs, degradedLatency: null }, options.signal),
    heard: ({ check }) => options.heard(check),
    steadyInterval: config.intervalMs,
    ...(options.random === undefined ? {} : { random: options.random }),
    ...(options.wheel === undefined ? {} : { wheel: options.wheel }),
  });
  schedule.every(config.intervalMs);
  return schedule;
};
