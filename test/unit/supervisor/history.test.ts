import { describe, expect, it } from 'vitest';
import { createEventBus } from '../../../src/util/event-bus.js';
import type { SupervisorEvent } from '../../../src/model/events.js';
import { createHistory } from '../../../src/supervisor/history.js';

const transition = (plugin: string, n: number): SupervisorEvent => ({
  type: 'transition',
  plugin,
  from: 'healthy',
  to: 'degraded',
  reason: `r${n}`,
  at: n,
  restarts: 0,
  restartCount: n,
});
const check = (plugin: string, n: number): SupervisorEvent => ({
  type: 'check',
  plugin,
  generation: 1,
  check: { at: n, outcome: 'pass', status: 'healthy', latencyMs: n, message: '' },
});

describe('createHistory', () => {
  it('keeps the last checks and transitions of each plugin, bounded, oldest first', () => {
    const bus = createEventBus<SupervisorEvent>();
    const history = createHistory(bus, { checks: 3, transitions: 2 });
    for (let n = 1; n <= 5; n++) {
      bus.publish(check('a', n));
      bus.publish(transition('a', n));
    }
    bus.publish(transition('b', 9));
    expect(history.of('a', 10).checks.map((c) => c.at)).toEqual([3, 4, 5]);
    expect(history.of('a', 10).transitions.map((t) => t.reason)).toEqual(['r4', 'r5']);
    expect(history.of('a', 1).checks.map((c) => c.at)).toEqual([5]);
    expect(history.of('b', 10).transitions).toEqual([
      { at: 9, from: 'healthy', to: 'degraded', reason: 'r9', restarts: 0, restartCount: 9 },
    ]);
    expect(history.of('never', 10)).toEqual({ checks: [], transitions: [] });
  });

  it('forgets a plugin a reload removed', () => {
    const bus = createEventBus<SupervisorEvent>();
    const history = createHistory(bus);
    bus.publish(transition('a', 1));
    bus.publish({ type: 'reloaded', added: [], removed: ['a'], changed: [], unchanged: [], ignored: [], at: 2 });
    expect(history.of('a', 10).transitions).toEqual([]);
  });

  it('restores transitions from journal records, skipping what is not one', () => {
    const bus = createEventBus<SupervisorEvent>();
    const history = createHistory(bus);
    const taken = history.restore([
      { at: 1, type: 'transition', plugin: 'a', from: 'healthy', to: 'unhealthy', reason: 'old', restarts: 1, restartCount: 1 },
      { at: 2, type: 'transition', plugin: 'a', from: 'sideways', to: 'unhealthy' },
      { at: 3, type: 'restartScheduled', plugin: 'a', delayMs: 0 },
      { at: 4, type: 'transition', from: 'healthy', to: 'unhealthy' },
    ]);
    expect(taken).toBe(1);
    bus.publish(transition('a', 5));
    expect(history.of('a', 10).transitions.map((t) => t.reason)).toEqual(['old', 'r5']);
  });
});
