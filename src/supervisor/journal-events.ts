import type { Journal } from '../state/journal.js';
import type { EventBus } from '../util/event-bus.js';
import type { SupervisorEvent } from '../model/events.js';

/**
 * Appends the events worth keeping across restarts of hale to the journal:
 * transitions, scheduled restarts, crashes, failed starts, finished
 * operations, reloads and the supervisor's own start and stop. Checks are
 * left out: one a second per plugin would turn the journal over in minutes.
 *
 * @example
 * const off = journalEvents(supervisor.events, openJournal({ dir: config.stateDir }));
 */
export const journalEvents = (bus: EventBus<SupervisorEvent>, journal: Journal): (() => void) =>
  bus.subscribe((event) => {
    switch (event.type) {
      case 'transition':
      case 'restartScheduled':
      case 'startFailed':
      case 'reloaded':
      case 'dependencyTransition':
      case 'readiness':
      case 'supervisor':
        journal.append(event);
        return;
      case 'exited':
        if (!event.expected) journal.append(event);
        return;
      case 'operation':
        if (event.operation.status !== 'pending') journal.append(event);
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
