import { describe, expect, test } from 'vitest';
import { initialLifecycle, next } from '../../../src/lifecycle/machine.js';
import { afterEnd } from '../../../src/lifecycle/restart-policy.js';
import type { Lifecycle, LifecycleEvent, LifecyclePolicy } from '../../../src/lifecycle/state.js';
import type { PluginState } from '../../../src/model/plugin-state.js';

// The table of README, Restart policies, row by row, against the pure lifecycle.

const policyOf = (restart: LifecyclePolicy['restart']): LifecyclePolicy => ({
  failureThreshold: 2,
  successThreshold: 1,
  maxRestarts: 5,
  restartBackoff: 5_000,
  maxRestartBackoff: 300_000,
  resetAfter: 600_000,
  noRestartExitCodes: [78],
  restart,
  backoff: 'linear',
});

const at = (state: PluginState, changes: Partial<Lifecycle> = {}): Lifecycle => ({
  ...initialLifecycle(0),
  state,
  reason: 'test',
  ...changes,
});

const fail: LifecycleEvent = { type: 'checked', outcome: 'fail', reason: 'deadline exceeded' };

const ends: Array<[string, PluginState, LifecycleEvent[]]> = [
  ['an exit with code 0', 'healthy', [{ type: 'exited', reason: 'exit code 0', code: 0 }]],
  ['an exit with code 1', 'healthy', [{ type: 'exited', reason: 'exit code 1', code: 1 }]],
  ['death by SIGKILL', 'healthy', [{ type: 'exited', reason: 'killed by SIGKILL', code: null }]],
  ['death by SIGTERM from elsewhere', 'degraded', [{ type: 'exited', reason: 'killed by SIGTERM', code: null }]],
  ['failureThreshold failed health checks', 'healthy', [fail, fail]],
  ['a pushed UNHEALTHY', 'healthy', [{ ...fail, pushed: true }]],
  ['a failed start (bad handshake)', 'restarting', [{ type: 'startFailed', reason: 'bad handshake', code: null }]],
  ['an exit with code 0 before the handshake', 'unknown', [{ type: 'startFailed', reason: 'exit code 0 before the handshake', code: 0 }]],
  ['an exit with code 78 (noRestartExitCodes)', 'healthy', [{ type: 'exited', reason: 'exit code 78', code: 78 }]],
];

const expected: Record<string, Record<LifecyclePolicy['restart'], PluginState>> = {
  'an exit with code 0': { always: 'unhealthy', 'on-failure': 'stopped', never: 'stopped' },
  'an exit with code 1': { always: 'unhealthy', 'on-failure': 'unhealthy', never: 'failed' },
  'death by SIGKILL': { always: 'unhealthy', 'on-failure': 'unhealthy', never: 'failed' },
  'death by SIGTERM from elsewhere': { always: 'unhealthy', 'on-failure': 'unhealthy', never: 'failed' },
  'failureThreshold failed health checks': { always: 'unhealthy', 'on-failure': 'unhealthy', never: 'failed' },
  'a pushed UNHEALTHY': { always: 'unhealthy', 'on-failure': 'unhealthy', never: 'failed' },
  'a failed start (bad handshake)': { always: 'unhealthy', 'on-failure': 'unhealthy', never: 'failed' },
  'an exit with code 0 before the handshake': { always: 'unhealthy', 'on-failure': 'unhealthy', never: 'failed' },
  'an exit with code 78 (noRestartExitCodes)': { always: 'failed', 'on-failure': 'failed', never: 'failed' },
};

describe.each(['always', 'on-failure', 'never'] as const)('restart: %s', (restart) => {
  const policy = policyOf(restart);

  test.each(ends)('after %s', (what, from, events) => {
    let lifecycle = at(from);
    let effects: ReturnType<typeof next>['effects'] = [];
    for (const [i, event] of events.entries()) ({ lifecycle, effects } = next(lifecycle, event, policy, 1_000 * (i + 1)));
    const want = expected[what]?.[restart];
    expect(lifecycle.state).toBe(want);
    if (want === 'unhealthy') {
      // A restart is scheduled: the first one at once, the backoff after.
      expect(effects).toContainEqual({ type: 'scheduleRestart', delayMs: 0 });
      expect(lifecycle.restartAt).toBe(1_000 * events.length);
    } else {
      // No restart is to come, and what is left of the process group is stopped all the same.
      expect(effects.some((effect) => effect.type === 'scheduleRestart')).toBe(false);
      expect(effects).toContainEqual({ type: 'cancelRestart' });
      expect(effects.some((effect) => effect.type === 'stop')).toBe(true);
      expect(lifecycle.restartAt).toBeNull();
    }
  });

  test('a clean exit says why it was not restarted; a failure under never says so too', () => {
    const clean = next(at('healthy'), { type: 'exited', reason: 'exit code 0', code: 0 }, policy, 5).lifecycle;
    if (restart === 'always') expect(clean.reason).toBe('exit code 0');
    else expect(clean.reason).toBe(`exit code 0; a clean exit, and restart: ${restart} restarts only failures`);
    const crash = next(at('healthy'), { type: 'exited', reason: 'killed by SIGKILL', code: null }, policy, 5).lifecycle;
    expect(crash.reason).toBe(restart === 'never' ? 'killed by SIGKILL; restart: never, so it is not restarted' : 'killed by SIGKILL');
  });

  test.each(['stopped', 'failed'] as const)('a manual restart and a manual start from %s still work', (state) => {
    const restarted = next(at(state, { restarts: 2 }), { type: 'restartRequested', reason: 'by hand' }, policy, 5);
    expect(restarted.lifecycle.state).toBe('restarting');
    expect(restarted.effects).toContainEqual({ type: 'spawn' });
    const started = next(at(state), { type: 'startRequested', reason: 'by hand' }, policy, 5);
    expect(started.lifecycle.state).toBe(state === 'stopped' ? 'unknown' : 'restarting');
    expect(started.effects).toContainEqual({ type: 'spawn' });
  });
});

describe('afterEnd', () => {
  test('is the README table in one function', () => {
    expect(afterEnd('always', { type: 'exited', code: 0 })).toBe('restart');
    expect(afterEnd('on-failure', { type: 'exited', code: 0 })).toBe('stop');
    expect(afterEnd('on-failure', { type: 'exited', code: null })).toBe('restart');
    expect(afterEnd('on-failure', { type: 'startFailed' })).toBe('restart');
    expect(afterEnd('never', { type: 'exited', code: 0 })).toBe('stop');
    expect(afterEnd('never', { type: 'exited', code: 2 })).toBe('fail');
    expect(afterEnd('never', { type: 'unhealthy' })).toBe('fail');
    expect(afterEnd('never', { type: 'startFailed' })).toBe('fail');
  });
});
