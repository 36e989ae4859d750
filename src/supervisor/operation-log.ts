import type { EventBus } from '../util/event-bus.js';
import type { SupervisorEvent } from '../model/events.js';
import type { Operation } from '../model/operation.js';

/** How many operations GET /operations/:id can still find; older ones are forgotten. */
export const keptOperations = 500;

/**
 * The latest state of recent operations, by id, read from the event stream
 * and bounded, so a client can follow one it started.
 *
 * @example
 * const operations = createOperationLog(supervisor.events);
 * operations.find(id)?.status; // 'pending' | 'succeeded' | 'failed'
 */
export const createOperationLog = (events: EventBus<SupervisorEvent>) => {
  const byId = new Map<string, Operation>();
  events.subscribe((event) => {
    if (event.type !== 'operation') return;
    // Re-inserting keeps the map in order of the last news, so the oldest news goes first.
    byId.delete(event.operation.id);
    byId.set(event.operation.id, event.operation);
    for (const id of byId.keys()) {
      if (byId.size <= keptOperations) break;
      byId.delete(id);
    }
  });
  return {
    find: (id: string): Operation | undefined => {
      const operation = byId.get(id);
      return operation === undefined ? undefined : { ...operation };
    },
  };
};
