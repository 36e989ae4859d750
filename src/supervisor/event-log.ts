import { createEventBus, type EventBus } from '../util/event-bus.js';
import type { SupervisorEvent } from '../model/events.js';

/** An event with its place in the stream: ids grow by one per event, and across runs of hale. */
export interface LoggedEvent {
  id: number;
  event: SupervisorEvent;
}

/** What a reader that last saw `id` has missed. */
export interface Replay {
  entries: LoggedEvent[];
  /** True when some events after `id` are no longer held (too old, or from an earlier run of hale). */
  missed: boolean;
}

/**
 * The supervisor's events, numbered, with a bounded window of the recent ones
 * so a reader that dropped off (an SSE client, a dashboard) can catch up.
 *
 * @example
 * const log = createEventLog(supervisor.events);
 * const { entries, missed } = log.after(lastSeenId);
 * const off = log.subscribe(({ id, event }) => send(id, event));
 */
export interface EventLog {
  /** The id of the newest event; firstId − 1 before any. */
  readonly lastId: number;
  /** The id the first event of this run got (or will get). */
  readonly firstId: number;
  after(id: number): Replay;
  /** Every event from now on, with its id; returns the function that unsubscribes. */
  subscribe(listener: (entry: LoggedEvent) => void): () => void;
}

export interface EventLogOptions {
  /** How many recent events are held for catching up; 1,000 by default. */
  capacity?: number;
  /**
   * The first id. By default the start time in µs since the epoch, so ids
   * keep growing across restarts of hale and an id from an earlier run is
   * known to be one.
   */
  firstId?: number;
}

export const createEventLog = (bus: EventBus<SupervisorEvent>, options: EventLogOptions = {}): EventLog => {
  const capacity = Math.max(1, options.capacity ?? 1_000);
  const firstId = options.firstId ?? Date.now() * 1_000;
  // A ring: `held` entries end at `newest`.
  const ring: Array<LoggedEvent | undefined> = new Array<LoggedEvent | undefined>(capacity);
  let lastId = firstId - 1;
  let held = 0;
  // One reader that throws must not keep the event from the others; the supervisor's bus reports the first.
  const failures: unknown[] = [];
  const readers = createEventBus<LoggedEvent>((error) => failures.push(error));

  bus.subscribe((event) => {
    lastId += 1;
    const entry = { id: lastId, event };
    ring[lastId % capacity] = entry;
    held = Math.min(held + 1, capacity);
    const before = failures.length;
    readers.publish(entry);
    if (failures.length > before) throw failures.splice(before)[0];
  });

  return {
    get lastId() {
      return lastId;
    },
    firstId,
    after: (id) => {
      // An id newer than any given is from another run, unrelated: nothing of this run is known to follow it.
      if (!Number.isSafeInteger(id) || id > lastId) return { entries: [], missed: true };
      const oldest = lastId - held + 1;
      // Ids grow across runs: everything held of this run came after an older run's id.
      const from = Math.max(id + 1, oldest, firstId);
      const entries: LoggedEvent[] = [];
      for (let next = from; next <= lastId; next++) {
        const entry = ring[next % capacity];
        if (entry !== undefined) entries.push(entry);
      }
      return { entries, missed: from > id + 1 };
    },
    subscribe: readers.subscribe,
  };
};
