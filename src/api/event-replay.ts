// What GET /events and GET /ws/health share about catching a reader up: its last id, and whether it missed any.
import type { EventLog, Replay } from '../supervisor/event-log.js';
import { journaledTypes, partlyJournaledTypes } from '../supervisor/journal-events.js';
import type { EventFilter } from './event-filter.js';

const wholeKept: ReadonlySet<string> = new Set(journaledTypes.filter((type) => !partlyJournaledTypes.includes(type)));

/**
 * The id a reader last saw: null when it gave none, NaN when what it gave
 * is not an event id (a 400).
 *
 * @example
 * readLastEventIdText('1764590000123005'); // 1764590000123005
 * readLastEventIdText('12abc');            // NaN
 */
export const readLastEventIdText = (raw: string | undefined): number | null => {
  if (raw === undefined || raw.trim() === '') return null;
  return /^[0-9]{1,16}$/.test(raw.trim()) ? Number(raw.trim()) : Number.NaN;
};

/** Why a reader gets a `gap` before its replay, or null when it missed nothing it asked for. */
export const describeGap = (replay: Replay, filter: EventFilter): string | null => {
  if (replay.missed) {
    return 'some events after Last-Event-ID are no longer held; GET /plugins/status for where things stand now';
  }
  if (replay.fromJournal !== true) return null;
  const { types } = filter.describe();
  const wantsUnkept = types === null || types.some((type) => type !== 'output' && !wholeKept.has(type));
  if (!wantsUnkept) return null;
  return `hale restarted since Last-Event-ID: of the earlier run only ${[...wholeKept].join(', ')} events (and unexpected exits and finished operations) are kept, and replayed; GET /plugins/status for where things stand now`;
};

/**
 * Resolves once `log` can resume `lastEventId`: at once for none or an id
 * of this run; for an id of an earlier run once the journal is read (hale
 * reads it as it starts), or after `maxWaitMs`, whichever comes first.
 *
 * @example
 * await awaitResumable(backend.eventLog, lastEventId, 2_000);
 * const replay = backend.eventLog.after(lastEventId);
 */
export const awaitResumable = (
  log: Pick<EventLog, 'firstId' | 'restored'>,
  lastEventId: number | null,
  maxWaitMs: number,
): Promise<void> => {
  if (lastEventId === null || lastEventId >= log.firstId - 1) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, maxWaitMs);
    timer.unref();
    void log.restored.then(() => {
      clearTimeout(timer);
      resolve();
    });
  });
};
