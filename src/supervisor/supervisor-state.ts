import type { DependencyChecks } from '../checks/dependency-checks.js';
import type { ProcessGuard } from '../containment/process-guard.js';
import type { DesiredStore } from '../state/desired-state.js';
import type { Journal } from '../state/journal.js';
import type { LoopLagMonitor } from './loop-lag.js';

/** What the start opens, one step after another, and the stop lets go of. */
export interface Opened {
  guard: ProcessGuard;
  desired: DesiredStore;
  journal: Journal;
  lag: LoopLagMonitor;
  /** The private (0700) directory of the plugins' sockets. */
  socketRoot: string;
  dependencies: DependencyChecks;
}

/**
 * Where a supervisor is in its own life; each variant holds exactly what is
 * true in it. A start fills `opened` step by step; a stop that comes during
 * the start takes the same object, so it lets go of whatever was made.
 *
 * @example
 * if (state.phase === 'running') state.opened.guard.health();
 */
export type SupervisorState =
  | { phase: 'idle' }
  | {
      phase: 'starting';
      /** The start's own steps. */
      steps: Promise<void>;
      /** What start() returned: the steps, and the stop after a failed one. */
      started: Promise<void>;
      opened: Partial<Opened>;
    }
  | { phase: 'running'; steps: Promise<void>; started: Promise<void>; opened: Opened }
  | {
      phase: 'stopping';
      /** The start this stop ended, if there was one: its step under way finishes first. */
      steps: Promise<void> | null;
      started: Promise<void> | null;
      opened: Partial<Opened>;
      done: Promise<void>;
    }
  | { phase: 'stopped'; started: Promise<void> | null; opened: Partial<Opened>; done: Promise<void> };

/** What the start has opened so far; nothing before it began. */
export const openedOf = (state: SupervisorState): Partial<Opened> => (state.phase === 'idle' ? {} : state.opened);
