import type { CheckOutcome } from '../model/plugin-state.js';

/**
 * The degradedLatency rule, for every protocol: a passing answer slower than
 * `degradedLatency` ms is degraded, with the figures as its message; any
 * other verdict, or a null `degradedLatency`, is left as it is.
 *
 * @example
 * judgeLatency({ outcome: 'pass', message: 'ok' }, 250.5, 100).message;
 * // 'answered in 250.5 ms, slower than degradedLatency (100 ms)'
 */
export const judgeLatency = <T extends { outcome: CheckOutcome; message: string }>(
  verdict: T,
  latencyMs: number,
  degradedLatency: number | null,
): T => {
  if (verdict.outcome !== 'pass' || degradedLatency === null || latencyMs <= degradedLatency) return verdict;
  return { ...verdict, outcome: 'degraded', message: `answered in ${latencyMs} ms, slower than degradedLatency (${degradedLatency} ms)` };
};
