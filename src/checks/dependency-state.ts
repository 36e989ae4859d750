import { countOutcome } from '../lifecycle/count-outcome.js';
import type { CheckOutcome } from '../model/plugin-state.js';
import type { DependencyState } from '../model/status.js';

export interface DependencyMemory {
  state: DependencyState;
  reason: string;
  since: number;
  consecutiveFailures: number;
  consecutiveSuccesses: number;
}

export const initialDependency = (now: number): DependencyMemory => ({
  state: 'unknown',
  reason: 'not checked yet',
  since: now,
  consecutiveFailures: 0,
  consecutiveSuccesses: 0,
});

/**
 * A dependency's verdict after one more check, as a pure function: unhealthy
 * after `failureThreshold` failures in a row, healthy (or degraded) after
 * `successThreshold` passes in a row; nothing restarts, it only reports.
 *
 * @example
 * judgeDependency(initialDependency(0), 'fail', 'refused', { failureThreshold: 1, successThreshold: 1 }, 5).state; // 'unhealthy'
 */
export const judgeDependency = (
  memory: DependencyMemory,
  outcome: CheckOutcome,
  message: string,
  thresholds: { failureThreshold: number; successThreshold: number },
  now: number,
): DependencyMemory => {
  const failed = outcome === 'fail';
  const counted = { ...memory, ...countOutcome(memory, outcome) };
  const { consecutiveFailures, consecutiveSuccesses } = counted;
  let next: DependencyState = memory.state;
  if (failed && consecutiveFailures >= thresholds.failureThreshold) next = 'unhealthy';
  if (!failed && (memory.state === 'healthy' || memory.state === 'degraded' || consecutiveSuccesses >= thresholds.successThreshold)) {
    next = outcome === 'degraded' ? 'degraded' : 'healthy';
  }
  if (next === memory.state) return counted;
  const reason = message || (next === 'healthy' ? 'checks pass' : next === 'degraded' ? 'degraded' : 'checks fail');
  return { ...counted, state: next, reason, since: now };
};
