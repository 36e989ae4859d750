import { describe, expect, test } from 'vitest';
import type { PluginState } from '../../../src/model/plugin-state.js';
import type { Operation } from '../../../src/model/operation.js';
import { OperationTracker, admit, settleOn } from '../../../src/supervisor/operation-tracker.js';

const pending = (action: Operation['action']): Operation => ({
  id: 'op',
  action,
  plugin: 'p',
  reason: 'r',
  status: 'pending',
  requestedAt: 0,
  finishedAt: null,
  outcome: null,
  requests: 1,
});

describe('admit', () => {
  test.each([
    ['restart', 'restart'],
    ['restart', 'start'],
    ['start', 'restart'],
    ['start', 'start'],
    ['stop', 'stop'],
  ] as const)('a %s joins a pending %s', (action, under) => {
    const operation = pending(under);
    expect(admit({ action, pending: operation, state: 'restarting' })).toEqual({ type: 'join', operation });
  });

  test.each([
    ['stop', 'restart'],
    ['restart', 'stop'],
    ['start', 'stop'],
  ] as const)('a %s does not join a pending %s', (action, under) => {
    expect(admit({ action, pending: pending(under), state: 'restarting' }).type).toBe('begin');
  });

  test.each<[Operation['action'], PluginState, ReturnType<typeof admit>]>([
    ['stop', 'stopped', { type: 'done', outcome: 'already stopped' }],
    ['start', 'healthy', { type: 'done', outcome: 'already running (healthy)' }],
    ['start', 'degraded', { type: 'done', outcome: 'already running (degraded)' }],
    ['start', 'stopped', { type: 'begin', dispatch: true }],
    ['start', 'failed', { type: 'begin', dispatch: true }],
    ['start', 'unhealthy', { type: 'begin', dispatch: false }],
    ['restart', 'healthy', { type: 'begin', dispatch: true }],
    ['stop', 'healthy', { type: 'begin', dispatch: true }],
  ])('with nothing pending, %s in %s → %o', (action, state, expected) => {
    expect(admit({ action, pending: null, state })).toEqual(expected);
  });
});

describe('settleOn', () => {
  test('serving succeeds; unhealthy, failed and stopped fail with the reason; unknown and restarting wait', () => {
    expect(settleOn('healthy', 'x')).toEqual({ status: 'succeeded', outcome: 'serving (healthy)' });
    expect(settleOn('failed', 'exit code 78')).toEqual({ status: 'failed', outcome: 'failed: exit code 78' });
    expect(settleOn('stopped', 'by hand')).toEqual({ status: 'failed', outcome: 'stopped before it came up: by hand' });
    expect(settleOn('unknown', 'x')).toBeNull();
    expect(settleOn('restarting', 'x')).toBeNull();
  });
});

describe('OperationTracker', () => {
  test('reports each change, supersedes a pending restart with a stop, and finishes only once', () => {
    const seen: Array<Pick<Operation, 'action' | 'status' | 'outcome'>> = [];
    let now = 10;
    const tracker = new OperationTracker(
      'p',
      () => now,
      ({ action, status, outcome }) => seen.push({ action, status, outcome }),
    );
    const restart = tracker.begin('restart', 'deploy');
    now = 20;
    const stop = tracker.begin('stop', 'maintenance');
    tracker.observe('healthy', 'ignored: a stop is pending');
    tracker.finish(restart, 'succeeded', 'too late');
    expect(restart).toMatchObject({ status: 'failed', outcome: 'superseded by a stop request', finishedAt: 20 });
    expect(stop.status).toBe('pending');
    expect(seen).toEqual([
      { action: 'restart', status: 'pending', outcome: null },
      { action: 'restart', status: 'failed', outcome: 'superseded by a stop request' },
      { action: 'stop', status: 'pending', outcome: null },
    ]);
  });

  test('a joined operation counts its requests; done operations never become pending', () => {
    const tracker = new OperationTracker(
      'p',
      () => 0,
      () => undefined,
    );
    const restart = tracker.begin('restart', 'a');
    tracker.join(restart);
    expect(restart.requests).toBe(2);
    const done = tracker.done('start', 'b', 'already running (healthy)');
    expect(done).toMatchObject({ status: 'succeeded', outcome: 'already running (healthy)' });
    expect(tracker.admit('restart', 'restarting')).toEqual({ type: 'join', operation: restart });
  });
});
