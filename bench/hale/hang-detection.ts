import type { PolicyValues } from './bench-config.js';
import type { HaleBench } from './hale-bench.js';
import { isTransition, logTimeMs, nextLine } from './log-lines.js';
import { readPluginPid } from './plugin-api.js';

/** The checks that decide how soon a hang is seen. */
export interface HangPolicy {
  checkIntervalMs: number;
  checkTimeoutMs: number;
  failureThreshold: number;
}

/** Short enough that a trial takes well under a second. */
export const defaultHangPolicy: Readonly<HangPolicy> = { checkIntervalMs: 200, checkTimeoutMs: 200, failureThreshold: 2 };

/**
 * The policy as supervisor.yaml keys for the plugin under test.
 *
 * @example
 * greeterPlugin('greeter-hang', toHangPolicyValues(defaultHangPolicy));
 */
export const toHangPolicyValues = (policy: HangPolicy): PolicyValues => ({
  checkInterval: `${policy.checkIntervalMs}ms`,
  checkTimeout: `${policy.checkTimeoutMs}ms`,
  failureThreshold: policy.failureThreshold,
  // The hung process gets SIGCONT once declared unhealthy; this only bounds a stop if it did not.
  stopTimeout: '2s',
});

/**
 * The longest a hang can go unseen: failureThreshold × checkInterval + checkTimeout.
 *
 * @example
 * detectionBoundMs(defaultHangPolicy); // 600
 */
export const detectionBoundMs = ({ checkIntervalMs, checkTimeoutMs, failureThreshold }: HangPolicy): number =>
  failureThreshold * checkIntervalMs + checkTimeoutMs;

/**
 * SIGSTOPs the running plugin `name` and times (ms) until hale declares it
 * unhealthy (its log line's `time`); then SIGCONTs it and resolves once the
 * plugin is healthy again, ready for the next trial.
 *
 * @example
 * const bench = await startHaleBench({ plugins: [greeterPlugin('greeter-hang', toHangPolicyValues(defaultHangPolicy))] });
 * await measureHangDetection(bench, 'greeter-hang'); // 512
 */
export const measureHangDetection = async (bench: HaleBench, name: string, timeoutMs = 15_000): Promise<number> => {
  const { hale } = bench;
  const pid = await readPluginPid(bench.url, name);
  const unhealthy = nextLine(hale, isTransition(name, 'unhealthy'), timeoutMs);
  const healthy = nextLine(hale, isTransition(name, 'healthy'), timeoutMs);
  const stoppedAt = Date.now();
  process.kill(pid, 'SIGSTOP');
  try {
    const line = await unhealthy;
    return logTimeMs(line) - stoppedAt;
  } finally {
    // Resumed, it gets the stop hale has begun (Shutdown, then SIGTERM) and a new process comes up.
    try {
      process.kill(pid, 'SIGCONT');
    } catch {
      // Already ended by hale's stop.
    }
    await healthy;
  }
};
