import type { SupervisorEvent } from '../model/events.js';

/** Why a plugin was restarted, as `hale_plugin_restarts_total` labels it. */
export type RestartCause = 'crash' | 'unhealthy' | 'start_failed' | 'manual' | 'memory';

export const restartCauses: readonly RestartCause[] = ['crash', 'unhealthy', 'start_failed', 'manual', 'memory'];

/** What took a plugin down to unhealthy, which its automatic restart then repairs. */
export type DownCause = Exclude<RestartCause, 'manual'>;

/** What one plugin's past events say about its next restart; a plain value. */
export interface RestartMemory {
  /** Set by an unasked exit or a failed start, which the runner follows at once with its transition. */
  hint: 'crash' | 'start_failed' | 'memory' | null;
  /** Why the plugin last went unhealthy; null until it has. */
  downCause: DownCause | null;
  /** The `restarts` of its last transition: an automatic restart raises it, a manual one does not. */
  restarts: number | null;
}

export const initialRestartMemory: RestartMemory = { hint: null, downCause: null, restarts: null };

export interface RestartObservation {
  memory: RestartMemory;
  /** Set when the event is a restart (a transition to `restarting`). */
  restart: RestartCause | null;
}

/**
 * Folds one event of a plugin into its memory and says whether it was a
 * restart, and why. A transition to unhealthy takes its cause from the event
 * just before it: an unasked exit (crash), a failed start, or else failed
 * checks. A restart from unhealthy that raised the automatic count repairs
 * that cause; every other restart (from failed, from healthy, a hand restart
 * of an unhealthy plugin) was asked for by hand.
 *
 * @example
 * let memory = initialRestartMemory;
 * memory = observeRestartEvent(memory, exitedEvent).memory; // expected: false
 * memory = observeRestartEvent(memory, toUnhealthy).memory;
 * observeRestartEvent(memory, unhealthyToRestarting).restart; // 'crash'
 */
export const observeRestartEvent = (memory: RestartMemory, event: SupervisorEvent): RestartObservation => {
  switch (event.type) {
    case 'exited':
      // Past memoryMax is counted as a crash (backoff, maxRestarts), under a cause of its own.
      return { memory: event.expected ? memory : { ...memory, hint: event.memory === undefined ? 'crash' : 'memory' }, restart: null };
    case 'startFailed':
      return { memory: { ...memory, hint: 'start_failed' }, restart: null };
    case 'check':
      // A check between a hint and a transition means the hint was not what moved it.
      return { memory: memory.hint === null ? memory : { ...memory, hint: null }, restart: null };
    case 'transition':
      return observeTransition(memory, event);
    default:
      return { memory, restart: null };
  }
};

const observeTransition = (memory: RestartMemory, event: Extract<SupervisorEvent, { type: 'transition' }>): RestartObservation => {
  const settled: RestartMemory = { ...memory, hint: null, restarts: event.restarts };
  if (event.to === 'unhealthy') return { memory: { ...settled, downCause: memory.hint ?? 'unhealthy' }, restart: null };
  if (event.to !== 'restarting') return { memory: settled, restart: null };
  const automatic = event.from === 'unhealthy' && (memory.restarts === null || event.restarts > memory.restarts);
  return { memory: { ...settled, downCause: null }, restart: automatic ? (memory.downCause ?? 'unhealthy') : 'manual' };
};
