import { HaleError } from '../errors.js';
import type { Logger } from '../log.js';
import type { SupervisorEvent } from '../model/events.js';
import { openJournal, readJournal, type Journal } from '../state/journal.js';
import type { EventBus } from '../util/event-bus.js';
import type { History } from './history.js';
import { journalEvents } from './journal-events.js';

/**
 * History from the journal of earlier runs, then this run's appended to it:
 * the journal opened for this run, every transition on `events` written to it.
 *
 * @example
 * const journal = await restoreHistory({ stateDir, history, events, log });
 * await journal.flush();
 */
export const restoreHistory = async (options: {
  stateDir: string;
  history: History;
  events: EventBus<SupervisorEvent>;
  log: Logger;
}): Promise<Journal> => {
  const { stateDir, history, events, log } = options;
  try {
    const { records, unreadable } = await readJournal(stateDir);
    const restored = history.restore(records);
    if (unreadable > 0) log.warn({ stateDir, unreadable }, `${unreadable} lines of the journal could not be read; they are skipped`);
    log.debug({ restored }, `restored ${restored} transitions from the journal`);
  } catch (error) {
    log.error({ err: error, stateDir }, 'could not read the journal; history starts empty');
  }
  const journal = openJournal({
    dir: stateDir,
    onError: (error) =>
      // A file moved aside is said as it is: nothing of the journal was lost by it.
      error instanceof HaleError && error.code === 'state_unavailable'
        ? log.warn({ stateDir }, error.message)
        : log.error({ err: error, stateDir }, 'could not write the journal; those records are lost'),
  });
  journalEvents(events, journal);
  return journal;
};
