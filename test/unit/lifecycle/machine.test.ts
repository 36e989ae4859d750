import { describe, expect, test } from 'vitest';
import { restartDelay } from '../../../src/lifecycle/backoff.js';
import { initialLifecycle, next } from '../../../src/lifecycle/machine.js';
import type { Lifecycle, LifecycleEvent, LifecyclePolicy } from '../../../src/lifecycle/state.js';
import type { PluginState } from '../../../src/model/plugin-state.js';

const policy: LifecyclePolicy = {
  failureThreshold: 3,
  successThreshold: 2,
  maxRestarts: 5,
  restartBackoff: 5_000,
  maxRestartBackoff: 300_000,
  resetAfter: 600_000,
  noRestartExitCodes: [78],
  restart: 'always',
  backoff: 'linear',
};

const at = (state: PluginState, changes: Partial<Lifecycle> = {}): Lifecycle => ({
  ...initialLifecycle(0),
  state,
  reason: 'test',
  ...changes,
});

const pass: LifecycleEvent = { type: 'checked', outcome: 'pass', reason: 'ok' };
const degraded: LifecycleEvent = { type: 'checked', outcome: 'degraded', reason: 'slow disk' };
const fail: LifecycleEvent = { type: 'checked', outcome: 'fail', reason: 'deadline exceeded' };

/** Feeds events in order, one second apart, and returns every transition. */
const run = (start: Lifecycle, events: LifecycleEvent[], p = policy) => {
  let lifecycle = start;
  return events.map((event, i) => {
    const transition = next(lifecycle, event, p, 1_000 * (i + 1));
    lifecycle = transition.lifecycle;
    return transition;
  });
};

describe('restartDelay: linear, capped, the first immediate', () => {
  test('0, 5, 10, 15 … seconds, capped at maxRestartBackoff', () => {
    const delays = Array.from({ length: 64 }, (_, n) => restartDelay(n, policy));
    expect(delays.slice(0, 5)).toEqual([0, 5_000, 10_000, 15_000, 20_000]);
    expect(delays[60]).toBe(300_000);
    expect(delays[63]).toBe(300_000);
    expect(Math.max(...delays)).toBe(300_000);
  });

  test('a cap below the step caps the second restart already', () => {
    expect(restartDelay(1, { restartBackoff: 5_000, maxRestartBackoff: 2_000 })).toBe(2_000);
  });
});

describe('the lifecycle table of docs/architecture.md, row by row', () => {
  test('a new plugin is stopped; start spawns it and it is unknown', () => {
    const { lifecycle, effects } = next(initialLifecycle(0), { type: 'startRequested', reason: 'boot' }, policy, 5);
    expect(lifecycle.state).toBe('unknown');
    expect(lifecycle.since).toBe(5);
    expect(effects).toEqual([{ type: 'spawn' }]);
  });

  test('(spawned) started → unknown, counters reset, no effects', () => {
    const { lifecycle, effects } = next(at('unknown', { consecutiveFailures: 2 }), { type: 'started' }, policy, 1);
    expect(lifecycle.state).toBe('unknown');
    expect(lifecycle.consecutiveFailures).toBe(0);
    expect(effects).toEqual([]);
  });

  test('unknown → healthy after successThreshold passing checks, not before', () => {
    const [first, second] = run(at('unknown'), [pass, pass]);
    expect(first?.lifecycle.state).toBe('unknown');
    expect(second?.lifecycle.state).toBe('healthy');
    expect(second?.lifecycle.stableSince).toBe(2_000);
  });

  test('unknown → degraded when the check that completes the threshold says DEGRADED', () => {
    const [, second] = run(at('unknown'), [pass, degraded]);
    expect(second?.lifecycle.state).toBe('degraded');
  });

  test('a failure in between starts the success count again', () => {
    const states = run(at('unknown'), [pass, fail, pass, pass]).map((t) => t.lifecycle.state);
    expect(states).toEqual(['unknown', 'unknown', 'unknown', 'healthy']);
  });

  test('healthy → degraded on a DEGRADED check, degraded → healthy on a HEALTHY one, stableSince kept', () => {
    const [toDegraded, toHealthy] = run(at('healthy', { stableSince: 0 }), [degraded, pass]);
    expect(toDegraded?.lifecycle.state).toBe('degraded');
    expect(toHealthy?.lifecycle.state).toBe('healthy');
    expect(toHealthy?.lifecycle.stableSince).toBe(0);
  });

  test.each(['unknown', 'healthy', 'degraded'] as const)('%s → unhealthy after failureThreshold consecutive failed checks', (state) => {
    const transitions = run(at(state), [fail, fail, fail]);
    expect(transitions.map((t) => t.lifecycle.state)).toEqual([state, state, 'unhealthy']);
    const last = transitions[2];
    expect(last?.lifecycle.reason).toContain('3 consecutive failed health checks');
    expect(last?.lifecycle.reason).toContain('deadline exceeded');
    expect(last?.effects).toEqual([
      { type: 'stop', reason: last?.lifecycle.reason },
      { type: 'scheduleRestart', delayMs: 0 },
    ]);
  });

  test('a passing check in between resets the failure count', () => {
    const states = run(at('healthy'), [fail, fail, pass, fail, fail]).map((t) => t.lifecycle.state);
    expect(states.every((s) => s === 'healthy')).toBe(true);
  });

  test.each(['unknown', 'healthy', 'degraded'] as const)('%s → unhealthy at once when the process exits', (state) => {
    const { lifecycle, effects } = next(at(state), { type: 'exited', reason: 'killed by SIGKILL', code: null }, policy, 7);
    expect(lifecycle.state).toBe('unhealthy');
    expect(lifecycle.reason).toBe('killed by SIGKILL');
    expect(lifecycle.restartAt).toBe(7);
    expect(effects.map((e) => e.type)).toEqual(['stop', 'scheduleRestart']);
  });

  test.each([
    ['healthy', 'exited'],
    ['restarting', 'startFailed'],
  ] as const)('%s → failed at once on %s with an exit code in noRestartExitCodes', (state, type) => {
    const { lifecycle, effects } = next(at(state, { restarts: 1 }), { type, reason: 'exit code 78', code: 78 }, policy, 5);
    expect(lifecycle.state).toBe('failed');
    expect(lifecycle.reason).toBe('exit code 78; exit code 78 is in noRestartExitCodes, so it is not restarted');
    expect(lifecycle.restartAt).toBeNull();
    expect(effects.map((e) => e.type)).toEqual(['cancelRestart', 'stop']);
  });

  test('an exit code not in noRestartExitCodes restarts as usual', () => {
    const { lifecycle } = next(
      at('healthy'),
      { type: 'exited', reason: 'exit code 77', code: 77 },
      { ...policy, noRestartExitCodes: [78] },
      5,
    );
    expect(lifecycle.state).toBe('unhealthy');
  });

  test('unhealthy waits restartDelay(restarts) before the restart', () => {
    const { lifecycle, effects } = next(at('healthy', { restarts: 3 }), { type: 'exited', reason: 'x', code: null }, policy, 100);
    expect(effects).toContainEqual({ type: 'scheduleRestart', delayMs: 15_000 });
    expect(lifecycle.restartAt).toBe(15_100);
  });

  test('unhealthy → restarting when the delay is due: restarts += 1, spawn', () => {
    const { lifecycle, effects } = next(at('unhealthy', { restarts: 1, restartCount: 4 }), { type: 'restartDue' }, policy, 9);
    expect(lifecycle.state).toBe('restarting');
    expect(lifecycle.restarts).toBe(2);
    expect(lifecycle.restartCount).toBe(5);
    expect(lifecycle.restartAt).toBeNull();
    expect(effects).toEqual([{ type: 'spawn' }]);
  });

  test('unhealthy → failed when the due restart would pass maxRestarts', () => {
    const { lifecycle, effects } = next(at('unhealthy', { restarts: 5, reason: 'exit code 1' }), { type: 'restartDue' }, policy, 9);
    expect(lifecycle.state).toBe('failed');
    expect(lifecycle.reason).toBe('gave up after 5 restarts; the last failure: exit code 1');
    expect(effects).toEqual([]);
  });

  test('with no restart left, unhealthy schedules the due event at once', () => {
    const { effects } = next(at('healthy', { restarts: 5 }), { type: 'exited', reason: 'x', code: null }, policy, 0);
    expect(effects).toContainEqual({ type: 'scheduleRestart', delayMs: 0 });
  });

  test('restarting → unknown once started; consecutive counts reset, restarts kept', () => {
    const { lifecycle } = next(at('restarting', { restarts: 2, consecutiveFailures: 3 }), { type: 'started' }, policy, 1);
    expect(lifecycle.state).toBe('unknown');
    expect(lifecycle.restarts).toBe(2);
    expect(lifecycle.consecutiveFailures).toBe(0);
  });

  test.each(['restarting', 'unknown'] as const)('%s → unhealthy on startFailed, with the reason', (state) => {
    const reason = 'bad handshake line "1|1|carrier-pigeon|nowhere|grpc"';
    const { lifecycle, effects } = next(at(state, { restarts: 1 }), { type: 'startFailed', reason, code: null }, policy, 3);
    expect(lifecycle.state).toBe('unhealthy');
    expect(lifecycle.reason).toBe(reason);
    expect(effects).toContainEqual({ type: 'scheduleRestart', delayMs: 5_000 });
  });

  test('failed → restarting on a manual restart, restarts reset to 0', () => {
    const { lifecycle, effects } = next(
      at('failed', { restarts: 5, restartCount: 5 }),
      { type: 'restartRequested', reason: 'POST /plugins/restart' },
      policy,
      1,
    );
    expect(lifecycle.state).toBe('restarting');
    expect(lifecycle.restarts).toBe(0);
    expect(lifecycle.restartCount).toBe(6);
    expect(effects.map((e) => e.type)).toEqual(['cancelRestart', 'stop', 'spawn']);
  });

  test.each(['unknown', 'healthy', 'degraded', 'unhealthy', 'restarting', 'stopped'] as const)(
    '%s → restarting on a manual restart, which never counts toward maxRestarts',
    (state) => {
      const { lifecycle } = next(at(state, { restarts: 2 }), { type: 'restartRequested', reason: 'manual' }, policy, 1);
      expect(lifecycle.state).toBe('restarting');
      expect(lifecycle.restarts).toBe(2);
    },
  );

  test.each(['unknown', 'healthy', 'degraded', 'unhealthy', 'restarting', 'failed'] as const)(
    '%s → stopped on stop: the pending restart is cancelled and the process stopped',
    (state) => {
      const { lifecycle, effects } = next(at(state), { type: 'stopRequested', reason: 'shutdown' }, policy, 1);
      expect(lifecycle.state).toBe('stopped');
      expect(effects).toEqual([{ type: 'cancelRestart' }, { type: 'stop', reason: 'shutdown' }]);
    },
  );

  test('stopped → unknown on start (spawned afresh); failed → restarting on start', () => {
    expect(next(at('stopped'), { type: 'startRequested', reason: 's' }, policy, 1).lifecycle.state).toBe('unknown');
    expect(next(at('failed', { restarts: 5 }), { type: 'startRequested', reason: 's' }, policy, 1).lifecycle).toMatchObject({
      state: 'restarting',
      restarts: 0,
    });
  });

  test('healthy for resetAfter: restarts reset to 0, state unchanged', () => {
    const stable = at('healthy', { restarts: 4, stableSince: 0 });
    expect(next(stable, pass, policy, 599_999).lifecycle.restarts).toBe(4);
    const { lifecycle } = next(stable, pass, policy, 600_000);
    expect(lifecycle).toMatchObject({ state: 'healthy', restarts: 0 });
  });

  test('a plugin that crashes once every resetAfter never reaches failed', () => {
    let lifecycle = at('healthy', { stableSince: 0 });
    let now = 0;
    const feed = (event: LifecycleEvent) => {
      lifecycle = next(lifecycle, event, policy, now).lifecycle;
    };
    for (let day = 0; day < 20; day++) {
      now += policy.resetAfter;
      feed(pass);
      feed({ type: 'exited', reason: 'daily crash', code: null });
      now += restartDelay(lifecycle.restarts, policy);
      feed({ type: 'restartDue' });
      feed({ type: 'started' });
      feed(pass);
      feed(pass);
      expect(lifecycle.state).toBe('healthy');
    }
    expect(lifecycle.restartCount).toBe(20);
  });

  test('events that do not apply change nothing', () => {
    const cases: Array<[PluginState, LifecycleEvent]> = [
      ['stopped', pass],
      ['failed', fail],
      ['restarting', pass],
      ['unhealthy', { type: 'exited', reason: 'again', code: null }],
      ['failed', { type: 'exited', reason: 'x', code: null }],
      ['healthy', { type: 'started' }],
      ['healthy', { type: 'restartDue' }],
      ['healthy', { type: 'startFailed', reason: 'x', code: 1 }],
      ['healthy', { type: 'startRequested', reason: 'x' }],
      ['stopped', { type: 'stopRequested', reason: 'x' }],
    ];
    for (const [state, event] of cases) {
      const before = at(state);
      expect(next(before, event, policy, 50), `${state} + ${event.type}`).toEqual({ lifecycle: before, effects: [] });
    }
  });
});

describe('a crash loop', () => {
  test('restarts with delays 0, 5, 10, 15, 20 s, then fails', () => {
    let lifecycle = next(initialLifecycle(0), { type: 'startRequested', reason: 'boot' }, policy, 0).lifecycle;
    const delays: number[] = [];
    const states: PluginState[] = [];
    for (let i = 0; i < 10 && lifecycle.state !== 'failed'; i++) {
      const crashed = next(lifecycle, { type: 'startFailed', reason: 'exit code 1 before the handshake', code: 1 }, policy, i);
      const schedule = crashed.effects.find((e) => e.type === 'scheduleRestart');
      if (schedule?.type === 'scheduleRestart') delays.push(schedule.delayMs);
      lifecycle = next(crashed.lifecycle, { type: 'restartDue' }, policy, i).lifecycle;
      states.push(lifecycle.state);
    }
    expect(delays).toEqual([0, 5_000, 10_000, 15_000, 20_000, 0]);
    expect(states).toEqual(['restarting', 'restarting', 'restarting', 'restarting', 'restarting', 'failed']);
    expect(lifecycle.restartCount).toBe(5);
  });
});

describe('a pushed verdict: the plugin said it on its health stream, and it stands until the next push', () => {
  const pushed = (outcome: 'pass' | 'degraded' | 'fail', reason: string): LifecycleEvent => ({
    type: 'checked',
    outcome,
    reason,
    pushed: true,
  });

  test('a pushed failure is unhealthy at once, with the plugin words, whatever failureThreshold says', () => {
    const [transition] = run(at('healthy'), [pushed('fail', 'the database is gone')]);
    expect(transition?.lifecycle).toMatchObject({
      state: 'unhealthy',
      reason: 'the plugin pushed: the database is gone',
      consecutiveFailures: 1,
    });
    expect(transition?.effects).toEqual([
      { type: 'stop', reason: 'the plugin pushed: the database is gone' },
      { type: 'scheduleRestart', delayMs: 0 },
    ]);
  });

  test('a pushed pass after a start is healthy at once, without successThreshold passes in a row', () => {
    const [transition] = run(at('unknown'), [pushed('pass', 'ready')]);
    expect(transition?.lifecycle.state).toBe('healthy');
    const [polled] = run(at('unknown'), [pass]);
    expect(polled?.lifecycle.state).toBe('unknown');
  });

  test('a pushed DEGRADED is degraded at once; a pushed verdict in a state that is not checked changes nothing', () => {
    expect(run(at('unknown'), [pushed('degraded', 'slow')])[0]?.lifecycle.state).toBe('degraded');
    for (const state of ['stopped', 'failed', 'unhealthy', 'restarting'] as const) {
      const [transition] = run(at(state), [pushed('fail', 'x')]);
      expect(transition?.lifecycle.state).toBe(state);
      expect(transition?.effects).toEqual([]);
    }
  });
});
