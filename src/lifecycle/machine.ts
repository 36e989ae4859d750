import { restartDelay } from './backoff.js';
import { countOutcome } from './count-outcome.js';
import { afterEnd, type UnaskedEnd } from './restart-policy.js';
import type { Effect, Lifecycle, LifecycleEvent, LifecyclePolicy, Transition } from './state.js';
import type { CheckOutcome, PluginState } from '../model/plugin-state.js';

/** Every plugin begins stopped; the supervisor's start request brings it up. */
export const initialLifecycle = (now: number, reason = 'not started yet'): Lifecycle => ({
  state: 'stopped',
  reason,
  since: now,
  restarts: 0,
  restartCount: 0,
  consecutiveFailures: 0,
  consecutiveSuccesses: 0,
  stableSince: null,
  restartAt: null,
});

/** States in which a process is up and its health checks count. */
export const checkedStates: ReadonlySet<PluginState> = new Set(['unknown', 'healthy', 'degraded']);

/**
 * The lifecycle of one plugin (docs/architecture.md, The lifecycle) as a pure function: no timers, no
 * I/O, no clock. An event that does not apply in the current state leaves it
 * unchanged with no effects.
 *
 * @example
 * const { lifecycle, effects } = next(current, { type: 'exited', reason: 'killed by SIGKILL' }, policy, Date.now());
 * // lifecycle.state === 'unhealthy', effects: stop, then scheduleRestart after restartDelay(restarts)
 */
export const next = (lifecycle: Lifecycle, event: LifecycleEvent, policy: LifecyclePolicy, now: number): Transition => {
  const { state } = lifecycle;
  switch (event.type) {
    case 'started':
      return state === 'unknown' || state === 'restarting'
        ? move(lifecycle, 'unknown', 'started, waiting for the first health verdict', now, [], {
            consecutiveFailures: 0,
            consecutiveSuccesses: 0,
          })
        : unchanged(lifecycle);
    case 'checked':
      if (!checkedStates.has(state)) return unchanged(lifecycle);
      return event.pushed === true
        ? judgePushed(lifecycle, event.outcome, event.reason, policy, now)
        : judgeCheck(lifecycle, event.outcome, event.reason, policy, now);
    case 'exited':
      return checkedStates.has(state) || state === 'restarting'
        ? enterDown(lifecycle, event.reason, event.code, { type: 'exited', code: event.code }, policy, now)
        : unchanged(lifecycle);
    case 'startFailed':
      return state === 'unknown' || state === 'restarting'
        ? enterDown(lifecycle, event.reason, event.code, { type: 'startFailed' }, policy, now)
        : unchanged(lifecycle);
    case 'restartDue':
      return state === 'unhealthy' ? restartAutomatically(lifecycle, policy, now) : unchanged(lifecycle);
    case 'restartRequested':
      return restartManually(lifecycle, event.reason, now);
    case 'stopRequested':
      return state === 'stopped'
        ? unchanged(lifecycle)
        : move(lifecycle, 'stopped', event.reason, now, [{ type: 'cancelRestart' }, { type: 'stop', reason: event.reason }]);
    case 'startRequested':
      if (state === 'failed') return restartManually(lifecycle, event.reason, now);
      return state === 'stopped'
        ? move(lifecycle, 'unknown', event.reason, now, [{ type: 'spawn' }], {
            consecutiveFailures: 0,
            consecutiveSuccesses: 0,
          })
        : unchanged(lifecycle);
  }
};

const unchanged = (lifecycle: Lifecycle): Transition => ({ lifecycle, effects: [] });

const move = (
  lifecycle: Lifecycle,
  state: PluginState,
  reason: string,
  now: number,
  effects: Effect[],
  changes: Partial<Lifecycle> = {},
): Transition => {
  const stable = state === 'healthy' || state === 'degraded';
  const wasStable = lifecycle.state === 'healthy' || lifecycle.state === 'degraded';
  return {
    lifecycle: {
      ...lifecycle,
      ...changes,
      state,
      reason,
      since: state === lifecycle.state ? lifecycle.since : now,
      // healthy ↔ degraded keeps the plugin stable; any other state ends it.
      stableSince: stable ? (wasStable ? lifecycle.stableSince : now) : null,
      restartAt: state === 'unhealthy' ? (changes.restartAt ?? lifecycle.restartAt) : null,
    },
    effects,
  };
};

const judgeCheck = (lifecycle: Lifecycle, outcome: CheckOutcome, reason: string, policy: LifecyclePolicy, now: number): Transition => {
  const counted: Lifecycle = { ...lifecycle, ...countOutcome(lifecycle, outcome) };
  if (outcome === 'fail') {
    if (counted.consecutiveFailures >= policy.failureThreshold) {
      const why = `${counted.consecutiveFailures} consecutive failed health checks, the last: ${reason}`;
      return enterUnhealthy(counted, why, policy, now);
    }
    return { lifecycle: counted, effects: [] };
  }
  const verdict: PluginState = outcome === 'degraded' ? 'degraded' : 'healthy';
  if (lifecycle.state === 'unknown' && counted.consecutiveSuccesses < policy.successThreshold) {
    return { lifecycle: counted, effects: [] };
  }
  const why = reason || (verdict === 'healthy' ? 'health checks pass' : 'the plugin reported DEGRADED');
  const moved = verdict === lifecycle.state ? { lifecycle: counted, effects: [] } : move(counted, verdict, why, now, []);
  return resetWhenStable(moved, policy, now);
};

// The plugin's own verdict, pushed: it stands until the next push, so one is as good as a threshold's worth.
const judgePushed = (lifecycle: Lifecycle, outcome: CheckOutcome, reason: string, policy: LifecyclePolicy, now: number): Transition => {
  if (outcome === 'fail') {
    return enterUnhealthy({ ...lifecycle, ...countOutcome(lifecycle, outcome) }, `the plugin pushed: ${reason}`, policy, now);
  }
  return judgeCheck(lifecycle, outcome, reason, { ...policy, successThreshold: 1 }, now);
};

// A plugin that has stayed up for resetAfter earns a clean slate, so one crash a day never adds up to failed.
const resetWhenStable = (transition: Transition, policy: LifecyclePolicy, now: number): Transition => {
  const { lifecycle } = transition;
  if (lifecycle.restarts === 0 || lifecycle.stableSince === null) return transition;
  if (now - lifecycle.stableSince < policy.resetAfter) return transition;
  return { ...transition, lifecycle: { ...lifecycle, restarts: 0 } };
};

// An exit code the plugin uses to say "restarting me will not help" skips the backoff and goes to failed.
const enterDown = (
  lifecycle: Lifecycle,
  reason: string,
  code: number | null,
  end: UnaskedEnd,
  policy: LifecyclePolicy,
  now: number,
): Transition => {
  if (code !== null && policy.noRestartExitCodes.includes(code)) {
    return rest(lifecycle, 'failed', `${reason}; exit code ${code} is in noRestartExitCodes, so it is not restarted`, now);
  }
  if (afterEnd(policy.restart, end) === 'stop') {
    return rest(lifecycle, 'stopped', `${reason}; a clean exit, and restart: ${policy.restart} restarts only failures`, now);
  }
  return enterUnhealthy(lifecycle, reason, policy, now, end);
};

// Stopped or failed with no restart to come: what is left of the process group is stopped all the same.
const rest = (lifecycle: Lifecycle, state: 'stopped' | 'failed', why: string, now: number): Transition =>
  move(lifecycle, state, why, now, [{ type: 'cancelRestart' }, { type: 'stop', reason: why }], { consecutiveSuccesses: 0 });

const enterUnhealthy = (
  lifecycle: Lifecycle,
  reason: string,
  policy: LifecyclePolicy,
  now: number,
  end: UnaskedEnd = { type: 'unhealthy' },
): Transition => {
  if (afterEnd(policy.restart, end) === 'fail') return rest(lifecycle, 'failed', `${reason}; restart: never, so it is not restarted`, now);
  // When no restart is left, the due timer still fires (at once), so unhealthy → failed is seen as its own step.
  const delayMs = lifecycle.restarts >= policy.maxRestarts ? 0 : restartDelay(lifecycle.restarts, policy, policy.jitter);
  return move(
    lifecycle,
    'unhealthy',
    reason,
    now,
    [
      { type: 'stop', reason },
      { type: 'scheduleRestart', delayMs },
    ],
    { consecutiveSuccesses: 0, restartAt: now + delayMs },
  );
};

const restartAutomatically = (lifecycle: Lifecycle, policy: LifecyclePolicy, now: number): Transition => {
  if (lifecycle.restarts >= policy.maxRestarts) {
    const reason = `gave up after ${lifecycle.restarts} restarts; the last failure: ${lifecycle.reason}`;
    return move(lifecycle, 'failed', reason, now, []);
  }
  const attempt = lifecycle.restarts + 1;
  return move(lifecycle, 'restarting', `automatic restart ${attempt} of ${policy.maxRestarts}`, now, [{ type: 'spawn' }], {
    restarts: attempt,
    restartCount: lifecycle.restartCount + 1,
    consecutiveFailures: 0,
    consecutiveSuccesses: 0,
  });
};

// Manual restarts never count toward maxRestarts; from failed they also start the count afresh.
const restartManually = (lifecycle: Lifecycle, reason: string, now: number): Transition =>
  move(lifecycle, 'restarting', reason, now, [{ type: 'cancelRestart' }, { type: 'stop', reason }, { type: 'spawn' }], {
    restarts: lifecycle.state === 'failed' ? 0 : lifecycle.restarts,
    restartCount: lifecycle.restartCount + 1,
    consecutiveFailures: 0,
    consecutiveSuccesses: 0,
  });
