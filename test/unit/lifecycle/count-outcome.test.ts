import { describe, expect, test } from 'vitest';
import { countOutcome } from '../../../src/lifecycle/count-outcome.js';
import { judgeDependency, initialDependency } from '../../../src/checks/dependency-state.js';

describe('countOutcome, the one counter of checks in a row', () => {
  test('a failure extends the failures and ends the successes; a pass or degraded does the opposite', () => {
    expect(countOutcome({ consecutiveFailures: 1, consecutiveSuccesses: 3 }, 'fail')).toEqual({
      consecutiveFailures: 2,
      consecutiveSuccesses: 0,
    });
    expect(countOutcome({ consecutiveFailures: 4, consecutiveSuccesses: 0 }, 'pass')).toEqual({
      consecutiveFailures: 0,
      consecutiveSuccesses: 1,
    });
    expect(countOutcome({ consecutiveFailures: 0, consecutiveSuccesses: 1 }, 'degraded')).toEqual({
      consecutiveFailures: 0,
      consecutiveSuccesses: 2,
    });
  });

  test('a dependency counts the same way', () => {
    const once = judgeDependency(initialDependency(0), 'fail', 'refused', { failureThreshold: 3, successThreshold: 1 }, 1);
    const twice = judgeDependency(once, 'fail', 'refused', { failureThreshold: 3, successThreshold: 1 }, 2);
    expect(twice).toMatchObject(countOutcome(countOutcome({ consecutiveFailures: 0, consecutiveSuccesses: 0 }, 'fail'), 'fail'));
    expect(twice.state).toBe('unknown');
  });
});
