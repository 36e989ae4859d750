import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { initialLifecycle, next } from '../../../src/lifecycle/machine.js';
import { pluginStates } from '../../../src/model/plugin-state.js';
import type { Lifecycle, LifecycleEvent, LifecyclePolicy, Transition } from '../../../src/lifecycle/state.js';

const reason = fc.constantFrom('deadline exceeded', 'exit code 1', 'SIGKILL', 'bad handshake');
const code = fc.constantFrom(null, 0, 1, 78);

const eventArb: fc.Arbitrary<LifecycleEvent> = fc.oneof(
  { weight: 3, arbitrary: fc.constant({ type: 'started' } as const) },
  {
    weight: 8,
    arbitrary: fc.record({
      type: fc.constant('checked' as const),
      outcome: fc.constantFrom('pass', 'degraded', 'fail' as const),
      reason,
    }),
  },
  { weight: 3, arbitrary: fc.record({ type: fc.constant('exited' as const), reason, code }) },
  { weight: 2, arbitrary: fc.record({ type: fc.constant('startFailed' as const), reason, code }) },
  { weight: 4, arbitrary: fc.constant({ type: 'restartDue' } as const) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('restartRequested' as const), reason }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('stopRequested' as const), reason }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('startRequested' as const), reason }) },
);

const policyArb: fc.Arbitrary<LifecyclePolicy> = fc.record({
  failureThreshold: fc.integer({ min: 1, max: 4 }),
  successThreshold: fc.integer({ min: 1, max: 4 }),
  maxRestarts: fc.integer({ min: 0, max: 6 }),
  restartBackoff: fc.integer({ min: 0, max: 10_000 }),
  maxRestartBackoff: fc.integer({ min: 0, max: 60_000 }),
  resetAfter: fc.integer({ min: 0, max: 100_000 }),
  noRestartExitCodes: fc.constantFrom([], [78], [0, 78]),
  restart: fc.constantFrom('always', 'on-failure', 'never' as const),
  backoff: fc.constantFrom('linear', 'exponential' as const),
  // One draw for the whole run: with a jitter that stays put, the delays must not shrink below the cap.
  jitter: fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
});

/** A run: events with the time that passed before each. */
const runArb = fc.record({
  policy: policyArb,
  steps: fc.array(fc.tuple(eventArb, fc.integer({ min: 0, max: 20_000 })), { minLength: 1, maxLength: 150 }),
});

interface Step {
  event: LifecycleEvent;
  before: Lifecycle;
  after: Transition;
  now: number;
}

const replay = (policy: LifecyclePolicy, steps: Array<[LifecycleEvent, number]>): Step[] => {
  let lifecycle = next(initialLifecycle(0), { type: 'startRequested', reason: 'boot' }, policy, 0).lifecycle;
  let now = 0;
  return steps.map(([event, elapsed]) => {
    now += elapsed;
    const before = lifecycle;
    const after = next(before, event, policy, now);
    lifecycle = after.lifecycle;
    return { event, before, after, now };
  });
};

const isManual = (step: Step) => step.event.type === 'restartRequested' || step.event.type === 'startRequested';
const runs = { numRuns: 500 };

describe('lifecycle properties over random event sequences', () => {
  test('automatic restarts never exceed maxRestarts between manual restarts or resets', () => {
    fc.assert(
      fc.property(runArb, ({ policy, steps }) => {
        let automatic = 0;
        for (const step of replay(policy, steps)) {
          const { lifecycle } = step.after;
          if (isManual(step) && step.before.state === 'failed') automatic = 0;
          if (lifecycle.restarts < step.before.restarts) automatic = 0;
          if (step.before.state === 'unhealthy' && lifecycle.state === 'restarting' && !isManual(step)) automatic += 1;
          expect(automatic).toBeLessThanOrEqual(policy.maxRestarts);
          expect(lifecycle.restarts).toBeLessThanOrEqual(policy.maxRestarts);
        }
      }),
      runs,
    );
  });

  test('failed is reached only from unhealthy once maxRestarts restarts are used, or on a no-restart exit code', () => {
    fc.assert(
      fc.property(runArb, ({ policy, steps }) => {
        for (const step of replay(policy, steps)) {
          if (step.after.lifecycle.state !== 'failed' || step.before.state === 'failed') continue;
          const { event } = step;
          if (
            (event.type === 'exited' || event.type === 'startFailed') &&
            event.code !== null &&
            policy.noRestartExitCodes.includes(event.code)
          ) {
            expect(step.after.effects).toContainEqual({ type: 'cancelRestart' });
            continue;
          }
          // restart: never fails an end that is not a clean exit at once (README, Restart policies).
          if (policy.restart === 'never' && step.event.type !== 'restartDue') {
            expect(['exited', 'startFailed', 'checked']).toContain(event.type);
            expect(step.after.effects).toContainEqual({ type: 'cancelRestart' });
            continue;
          }
          expect(step.before.state).toBe('unhealthy');
          expect(step.event.type).toBe('restartDue');
          expect(step.before.restarts).toBe(policy.maxRestarts);
        }
      }),
      runs,
    );
  });

  test('restart delays are non-decreasing and capped until the count is reset', () => {
    fc.assert(
      fc.property(runArb, ({ policy, steps }) => {
        let last = -1;
        for (const step of replay(policy, steps)) {
          if (step.after.lifecycle.restarts < step.before.restarts) last = -1;
          for (const effect of step.after.effects) {
            if (effect.type !== 'scheduleRestart') continue;
            expect(effect.delayMs).toBeLessThanOrEqual(policy.maxRestartBackoff);
            // The give-up tick (no restart left) is immediate by design and ends the sequence.
            if (step.after.lifecycle.restarts >= policy.maxRestarts) continue;
            expect(effect.delayMs).toBeGreaterThanOrEqual(last);
            last = effect.delayMs;
          }
        }
      }),
      runs,
    );
  });

  test('only stop, or a clean exit under on-failure or never, leads to stopped', () => {
    fc.assert(
      fc.property(runArb, ({ policy, steps }) => {
        for (const step of replay(policy, steps)) {
          if (step.after.lifecycle.state === 'stopped' && step.before.state !== 'stopped') {
            const { event } = step;
            // …or a clean exit under on-failure or never, which rests in stopped (README, Restart policies).
            if (event.type === 'exited' && event.code === 0 && policy.restart !== 'always') continue;
            expect(event.type).toBe('stopRequested');
          }
        }
      }),
      runs,
    );
  });

  test('every result is a known state entered no later than now, and spawn only starts a process', () => {
    fc.assert(
      fc.property(runArb, ({ policy, steps }) => {
        for (const step of replay(policy, steps)) {
          const { lifecycle, effects } = step.after;
          expect(pluginStates).toContain(lifecycle.state);
          expect(lifecycle.since).toBeLessThanOrEqual(step.now);
          expect(lifecycle.restartAt !== null).toBe(lifecycle.state === 'unhealthy');
          if (effects.some((e) => e.type === 'spawn')) {
            expect(['unknown', 'restarting']).toContain(lifecycle.state);
          }
        }
      }),
      runs,
    );
  });
});
