import { describe, expect, it } from 'vitest';
import { createEventBus } from '../../../src/util/event-bus.js';
import { createEventLog } from '../../../src/supervisor/event-log.js';
import type { SupervisorEvent } from '../../../src/model/events.js';

const transition = (reason: string): SupervisorEvent => ({
  type: 'transition',
  plugin: 'greeter',
  from: 'healthy',
  to: 'degraded',
  reason,
  at: 0,
  restarts: 0,
  restartCount: 0,
});

const setUp = (capacity = 10) => {
  const bus = createEventBus<SupervisorEvent>();
  return { bus, log: createEventLog(bus, { firstId: 1_000, capacity }) };
};

const reasonsOf = (entries: ReadonlyArray<{ event: SupervisorEvent }>) =>
  entries.map(({ event }) => (event.type === 'transition' ? event.reason : ''));

describe('createEventLog', () => {
  it('replays what came after an id of this run, with nothing missed', () => {
    const { bus, log } = setUp();
    for (const reason of ['a', 'b', 'c']) bus.publish(transition(reason));
    expect(log.after(1_000)).toEqual({
      entries: [expect.objectContaining({ id: 1_001 }), expect.objectContaining({ id: 1_002 })],
      missed: false,
    });
    expect(log.after(log.firstId - 1).missed).toBe(false);
    expect(reasonsOf(log.after(log.firstId - 1).entries)).toEqual(['a', 'b', 'c']);
  });

  it('gives an id of an earlier run everything this run holds, and says some may be missed', () => {
    const { bus, log } = setUp();
    for (const reason of ['a', 'b']) bus.publish(transition(reason));
    const replay = log.after(0);
    expect(replay.missed).toBe(true);
    expect(reasonsOf(replay.entries)).toEqual(['a', 'b']);
  });

  it('gives an id newer than any of this run nothing, as missed', () => {
    const { bus, log } = setUp();
    bus.publish(transition('a'));
    expect(log.after(5_000)).toEqual({ entries: [], missed: true });
  });

  it('holds only the last `capacity` events and says when the window moved past an id', () => {
    const { bus, log } = setUp(3);
    for (const reason of ['a', 'b', 'c', 'd', 'e']) bus.publish(transition(reason));
    const replay = log.after(1_000);
    expect(replay.missed).toBe(true);
    expect(reasonsOf(replay.entries)).toEqual(['c', 'd', 'e']);
  });
});
