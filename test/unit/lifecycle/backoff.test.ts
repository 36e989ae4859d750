import { describe, expect, test } from 'vitest';
import { jitterShare, restartDelay } from '../../../src/lifecycle/backoff.js';
import { initialLifecycle, next } from '../../../src/lifecycle/machine.js';
import type { Lifecycle, LifecyclePolicy } from '../../../src/lifecycle/state.js';

const exponential = { restartBackoff: 1_000, maxRestartBackoff: 60_000, backoff: 'exponential' as const };

describe('restartDelay: exponential with jitter, capped', () => {
  test('without jitter: 0, then restartBackoff × 2^(n−1), capped at maxRestartBackoff', () => {
    const delays = Array.from({ length: 10 }, (_, n) => restartDelay(n, exponential, 0));
    expect(delays).toEqual([0, 1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000, 60_000]);
  });

  test('the jitter only shortens a wait, by at most a fifth, and the same draw gives the same wait', () => {
    for (const jitter of [0, 0.25, 0.5, 0.999]) {
      const delay = restartDelay(3, exponential, jitter);
      expect(delay).toBe(Math.round(4_000 * (1 - jitterShare * jitter)));
      expect(delay).toBeLessThanOrEqual(4_000);
      expect(delay).toBeGreaterThan(4_000 * (1 - jitterShare));
      expect(restartDelay(3, exponential, jitter)).toBe(delay);
    }
    // At the cap too: it spreads plugins that crashed together, and never passes the cap.
    expect(restartDelay(9, exponential, 0.5)).toBe(54_000);
  });

  test('below the cap each wait is longer than the one before, whatever the draws', () => {
    const draws = [0.99, 0, 0.99, 0.5, 0.99, 0.1, 0.7];
    const delays = draws.map((jitter, i) => restartDelay(i + 1, exponential, jitter));
    for (let i = 1; i < delays.length; i++) expect(delays[i]).toBeGreaterThan(delays[i - 1] ?? Infinity);
    for (const delay of delays) expect(delay).toBeLessThanOrEqual(exponential.maxRestartBackoff);
  });

  test('huge counts and odd inputs stay finite and capped: no Infinity, no NaN', () => {
    expect(restartDelay(5_000, exponential, 0)).toBe(60_000);
    expect(restartDelay(5_000, { ...exponential, restartBackoff: 0 }, 0.5)).toBe(0);
    expect(restartDelay(3, exponential, Number.NaN)).toBe(4_000);
    expect(restartDelay(3, exponential, 7)).toBe(3_200);
    expect(restartDelay(-1, exponential, 0)).toBe(0);
  });

  test('linear is as before: restartBackoff × n, capped, and takes no jitter', () => {
    expect([0, 1, 2, 3].map((n) => restartDelay(n, { ...exponential, backoff: 'linear' }, 0.9))).toEqual([0, 1_000, 2_000, 3_000]);
    expect(restartDelay(3, { restartBackoff: 1_000, maxRestartBackoff: 60_000 })).toBe(3_000);
  });
});

describe('the lifecycle with an exponential backoff', () => {
  const policy: LifecyclePolicy = {
    failureThreshold: 1,
    successThreshold: 1,
    maxRestarts: 8,
    restartBackoff: 1_000,
    maxRestartBackoff: 20_000,
    resetAfter: 600_000,
    noRestartExitCodes: [],
    restart: 'always',
    backoff: 'exponential',
  };

  test('schedules growing, capped restarts with the jitter it is given, and shows when the next is due', () => {
    let lifecycle: Lifecycle = { ...initialLifecycle(0), state: 'healthy' };
    const delays: number[] = [];
    let now = 0;
    for (let crash = 0; crash < 7; crash++) {
      now += 100;
      const down = next(lifecycle, { type: 'exited', reason: 'exit code 1', code: 1 }, { ...policy, jitter: 0.5 }, now);
      const scheduled = down.effects.find((effect) => effect.type === 'scheduleRestart');
      if (scheduled?.type !== 'scheduleRestart') throw new Error('no restart scheduled');
      delays.push(scheduled.delayMs);
      expect(down.lifecycle.restartAt).toBe(now + scheduled.delayMs);
      now += scheduled.delayMs;
      const restarted = next(down.lifecycle, { type: 'restartDue' }, policy, now);
      lifecycle = next(restarted.lifecycle, { type: 'started' }, policy, now).lifecycle;
    }
    expect(delays).toEqual([0, 900, 1_800, 3_600, 7_200, 14_400, 18_000]);
  });
});
