import { HaleError } from '../errors.js';
import type { Logger } from '../log.js';
import { openJournal, readJournal, type Journal } from '../state/journal.js';
import type { EventLog } from './event-log.js';
import type { History } from './history.js';
import { journalEvents } from './journal-events.js';

/**
 * History from the journal of earlier runs, then this run's appended to it:
 * the journal opened for this run, every event it keeps written to it with
 * its id. The event log takes the earlier runs' events too, so a reader of
 * an earlier run resumes from them.
 *
 * @example
 * const journal = await restoreHistory({ stateDir, history, eventLog, log });
 * await journal.flush();
 */
export const restoreHistory = async (options: {
  stateDir: string;
  history: History;
  eventLog: EventLog;
  log: Logger;
}): Promise<Journal> => {
  const { stateDir, history, eventLog, log } = options;
  try {
    const { records, unreadable } = await readJournal(stateDir);
    const restored = history.restore(records);
    eventLog.restore(records);
    if (unreadable > 0) log.warn({ stateDir, unreadable }, `${unreadable} lines of the journal could not be read; they are skipped`);
    log.debug({ restored }, `restored ${restored} transitions from the journal`);
  } catch (error) {
    log.error({ err: error, stateDir }, 'could not read the journal; history starts empty');
    // Readers of an earlier run's id wait no longer: there is nothing to resume from.
    eventLog.restore([]);
  }
  const journal = openJournal({
    dir: stateDir,
    onError: (error) =>
      // A file moved aside is said as it is: nothing of the journal was lost by it.
      error instanceof HaleError && error.code === 'state_unavailable'
        ? log.warn({ stateDir }, error.message)
        : log.error({ err: error, stateDir }, 'could not write the journal; those records are lost'),
  });
  journalEvents(eventLog, journal);
  return journal;
};
