import { createEventBus, type EventBus } from '../util/event-bus.js';
import type { SupervisorEvent } from '../model/events.js';
import type { JournalRecord } from '../state/journal.js';
import { journaledTypes } from './journal-events.js';

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
  /**
   * The id is of an earlier run, and that run's events after it came from
   * the journal, which keeps only some types (journaledTypes): the others
   * of that run are not among the entries.
   */
  fromJournal?: true;
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
  /**
   * Takes the events of earlier runs that the journal kept with their ids
   * (the newest `capacity`), so an id of an earlier run resumes from them;
   * returns how many it took. Called once, at start, [] when there is no journal.
   */
  restore(records: readonly JournalRecord[]): number;
  /** Resolves once restore has been called: until then an id of an earlier run cannot be resumed from. */
  readonly restored: Promise<void>;
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

const journaled: ReadonlySet<string> = new Set(journaledTypes);

/** The journal's record as a logged event of an earlier run, or null when it has no id of one or is not a kept type. */
const toEarlierEntry = (record: JournalRecord, firstId: number): LoggedEvent | null => {
  const { id, ...event } = record;
  if (typeof id !== 'number' || !Number.isSafeInteger(id) || id < 0 || id >= firstId || !journaled.has(record.type)) return null;
  return { id, event: event as unknown as SupervisorEvent };
};

export const createEventLog = (bus: EventBus<SupervisorEvent>, options: EventLogOptions = {}): EventLog => {
  const capacity = Math.max(1, options.capacity ?? 1_000);
  const firstId = options.firstId ?? Date.now() * 1_000;
  // Earlier runs' events from the journal, oldest first, ids growing: what an id of an earlier run resumes from.
  let earlier: LoggedEvent[] = [];
  let markRestored: () => void = () => {};
  const restored = new Promise<void>((resolve) => {
    markRestored = resolve;
  });
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
      if (id >= firstId - 1) return { entries, missed: from > id + 1 };
      // An earlier run's id: nothing is missed of the kept types when the journal reaches back to it and this run is all held.
      const reaches = earlier[0] !== undefined && earlier[0].id <= id;
      const sinceThen = earlier.filter((entry) => entry.id > id);
      return { entries: [...sinceThen, ...entries], missed: !reaches || from > firstId, fromJournal: true };
    },
    subscribe: readers.subscribe,
    restored,
    restore: (records) => {
      const taken: LoggedEvent[] = [];
      for (const record of records) {
        const entry = toEarlierEntry(record, firstId);
        // Ids only grow: one that does not is from a damaged or hand-edited journal, and left out.
        if (entry !== null && entry.id > (taken.at(-1)?.id ?? -1)) taken.push(entry);
      }
      earlier = taken.slice(-capacity);
      markRestored();
      return earlier.length;
    },
  };
};
