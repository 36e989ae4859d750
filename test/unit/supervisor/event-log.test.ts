import { describe, expect, it } from 'vitest';
import { createEventBus } from '../../../src/util/event-bus.js';
import { createEventLog } from '../../../src/supervisor/event-log.js';
import type { SupervisorEvent } from '../../../src/model/events.js';
import type { JournalRecord } from '../../../src/state/journal.js';

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

  describe('an earlier run, from the journal', () => {
    const record = (id: number, reason: string, extra: Record<string, unknown> = {}): JournalRecord =>
      ({ ...transition(reason), id, ...extra }) as JournalRecord;

    it("resumes an earlier run's id from the journal's kept events after it, then this run's, missing nothing", async () => {
      const { bus, log } = setUp();
      let restored = false;
      void log.restored.then(() => (restored = true));
      expect(log.restore([record(10, 'old-a'), record(11, 'old-b'), record(12, 'old-c')])).toBe(3);
      await Promise.resolve();
      expect(restored).toBe(true);
      bus.publish(transition('new-a'));
      const replay = log.after(11);
      expect(replay).toMatchObject({ missed: false, fromJournal: true });
      expect(reasonsOf(replay.entries)).toEqual(['old-c', 'new-a']);
      expect(replay.entries.map((entry) => entry.id)).toEqual([12, 1_000]);
      // The journal's id is not part of the event.
      expect(replay.entries[0]?.event).not.toHaveProperty('id');
    });

    it("says missed when the journal does not reach back to the id, or this run's window moved on", () => {
      const { bus, log } = setUp(2);
      log.restore([record(10, 'old-a'), record(11, 'old-b')]);
      expect(log.after(5)).toMatchObject({ missed: true, fromJournal: true });
      for (const reason of ['a', 'b', 'c']) bus.publish(transition(reason));
      const replay = log.after(10);
      expect(replay.missed).toBe(true);
      expect(reasonsOf(replay.entries)).toEqual(['old-b', 'b', 'c']);
    });

    it('leaves out records with no id, an id of this run, an id that does not grow, or a type the journal does not keep', () => {
      const { log } = setUp();
      const taken = log.restore([
        { ...transition('no-id') } as JournalRecord,
        record(5, 'kept'),
        record(4, 'backwards'),
        record(5, 'again'),
        { type: 'check', plugin: 'greeter', at: 0, id: 6, check: null },
        record(7, 'bad-id', { id: '7' }),
        record(1_000, 'this-run'),
        record(8, 'kept-too'),
      ]);
      expect(taken).toBe(2);
      expect(reasonsOf(log.after(0).entries)).toEqual(['kept', 'kept-too']);
    });

    it('keeps only the newest `capacity` of them', () => {
      const { log } = setUp(3);
      log.restore([1, 2, 3, 4, 5].map((id) => record(id, `r${id}`)));
      expect(reasonsOf(log.after(2).entries)).toEqual(['r3', 'r4', 'r5']);
      expect(log.after(1).missed).toBe(true);
    });
  });
});
