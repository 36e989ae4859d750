import type { Journal } from '../state/journal.js';
import type { SupervisorEvent, SupervisorEventType } from '../model/events.js';

/**
 * The event types the journal keeps, some only in part: exits that were not
 * asked for, and operations once finished. An earlier run's events of other
 * types are gone when hale restarts.
 */
export const journaledTypes: readonly SupervisorEventType[] = [
  'transition',
  'restartScheduled',
  'startFailed',
  'reloaded',
  'dependencyTransition',
  'readiness',
  'supervisor',
  'exited',
  'operation',
];

/** Of journaledTypes, those kept only in part: exits hale asked for and operations under way are not kept. */
export const partlyJournaledTypes: readonly SupervisorEventType[] = ['exited', 'operation'];

/** One event with its id in the stream, as the event log hands them out. */
interface NumberedEvent {
  id: number;
  event: SupervisorEvent;
}

/**
 * Appends the events worth keeping across restarts of hale to the journal,
 * each with its event id (so a reader of an earlier run can resume from it):
 * transitions, scheduled restarts, crashes, failed starts, finished
 * operations, reloads, readiness verdicts and the supervisor's own start and stop. Checks are
 * left out: one a second per plugin would turn the journal over in minutes.
 *
 * @example
 * const off = journalEvents(supervisor.eventLog, openJournal({ dir: config.stateDir }));
 */
export const journalEvents = (
  numbered: { subscribe(listener: (entry: NumberedEvent) => void): () => void },
  journal: Journal,
): (() => void) =>
  numbered.subscribe(({ id, event }) => {
    switch (event.type) {
      case 'transition':
      case 'restartScheduled':
      case 'startFailed':
      case 'reloaded':
      case 'dependencyTransition':
      case 'readiness':
      case 'supervisor':
        journal.append({ ...event, id });
        return;
      case 'exited':
        if (!event.expected) journal.append({ ...event, id });
        return;
      case 'operation':
        if (event.operation.status !== 'pending') journal.append({ ...event, id });
        return;
      case 'check':
      case 'dependencyCheck':
      case 'spawned':
      case 'ready':
      case 'stopped':
      case 'waiting':
        return;
    }
  });
