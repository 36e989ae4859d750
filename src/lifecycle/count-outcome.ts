import type { CheckOutcome } from '../model/plugin-state.js';

/** The run of checks in a row that a threshold is measured against. */
export interface OutcomeCounts {
  consecutiveFailures: number;
  consecutiveSuccesses: number;
}

/**
 * The counts after one more check: a failure extends the failures and ends
 * the successes, a pass or degraded extends the successes and ends the
 * failures. Plugins (the lifecycle) and dependencies (`checks:`) both count so;
 * what each does at its thresholds differs (docs/architecture.md).
 *
 * @example
 * countOutcome({ consecutiveFailures: 2, consecutiveSuccesses: 0 }, 'pass'); // { consecutiveFailures: 0, consecutiveSuccesses: 1 }
 */
export const countOutcome = (counts: OutcomeCounts, outcome: CheckOutcome): OutcomeCounts =>
  outcome === 'fail'
    ? { consecutiveFailures: counts.consecutiveFailures + 1, consecutiveSuccesses: 0 }
    : { consecutiveFailures: 0, consecutiveSuccesses: counts.consecutiveSuccesses + 1 };
