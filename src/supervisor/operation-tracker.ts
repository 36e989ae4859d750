import { randomUUID } from 'node:crypto';
import type { PluginState } from '../model/plugin-state.js';
import type { ControlAction, Operation } from '../model/operation.js';

/** What a new request does with the operation already under way. */
export type Admission =
  /** It asks for what is already happening: answer with that operation. */
  | { type: 'join'; operation: Operation }
  /** Nothing to do: the plugin is already where the request wants it. */
  | { type: 'done'; outcome: string }
  /** Begin a new operation and feed the request to the lifecycle. */
  | { type: 'begin'; dispatch: boolean };

/**
 * Who may join whom: restarts and starts both end with the plugin serving,
 * so either joins a pending restart or start; a stop joins a stop.
 *
 * @example
 * admit({ action: 'restart', pending: restartInFlight, state: 'restarting' }); // { type: 'join', operation: restartInFlight }
 */
export const admit = (request: { action: ControlAction; pending: Operation | null; state: PluginState }): Admission => {
  const { action, pending, state } = request;
  const bringsUp = (a: ControlAction) => a === 'restart' || a === 'start';
  if (pending !== null && (bringsUp(action) ? bringsUp(pending.action) : pending.action === action)) {
    return { type: 'join', operation: pending };
  }
  switch (action) {
    case 'restart':
      return { type: 'begin', dispatch: true };
    case 'stop':
      return state === 'stopped' && pending === null ? { type: 'done', outcome: 'already stopped' } : { type: 'begin', dispatch: true };
    case 'start':
      if (state === 'healthy' || state === 'degraded') return { type: 'done', outcome: `already running (${state})` };
      // Coming up on its own (a start, or an automatic restart): the operation follows it there.
      return { type: 'begin', dispatch: state === 'stopped' || state === 'failed' };
  }
};

/** How a pending restart or start ends when the plugin enters `state`; null while it goes on. */
export const settleOn = (state: PluginState, reason: string): { status: 'succeeded' | 'failed'; outcome: string } | null => {
  switch (state) {
    case 'healthy':
    case 'degraded':
      return { status: 'succeeded', outcome: `serving (${state})` };
    case 'unhealthy':
    case 'failed':
      return { status: 'failed', outcome: `${state}: ${reason}` };
    case 'stopped':
      return { status: 'failed', outcome: `stopped before it came up: ${reason}` };
    case 'unknown':
    case 'restarting':
      return null;
  }
};

/**
 * The operations of one plugin: at most one pending restart or start (settled
 * by the states the plugin passes through) and the stops, each settled when
 * its processes are gone.
 */
export class OperationTracker {
  private pending: Operation | null = null;

  constructor(
    private readonly plugin: string,
    private readonly now: () => number,
    private readonly onChange: (operation: Operation) => void,
  ) {}

  admit(action: ControlAction, state: PluginState): Admission {
    return admit({ action, pending: this.pending, state });
  }

  /** A new operation; the one it replaces (a stop replacing a start, say) is failed as superseded. */
  begin(action: ControlAction, reason: string): Operation {
    const operation = this.create(action, reason);
    const replaced = this.pending;
    this.pending = operation;
    if (replaced !== null && replaced.action !== 'stop') this.finish(replaced, 'failed', `superseded by a ${action} request`);
    this.onChange(operation);
    return operation;
  }

  /** An operation that had nothing to do, finished as soon as it began. */
  done(action: ControlAction, reason: string, outcome: string): Operation {
    const operation = this.create(action, reason);
    this.onChange(operation);
    this.finish(operation, 'succeeded', outcome);
    return operation;
  }

  private create(action: ControlAction, reason: string): Operation {
    return {
      id: randomUUID(),
      action,
      plugin: this.plugin,
      reason,
      status: 'pending',
      requestedAt: this.now(),
      finishedAt: null,
      outcome: null,
      requests: 1,
    };
  }

  join(operation: Operation): Operation {
    operation.requests += 1;
    return operation;
  }

  /** The plugin entered `state`: a pending restart or start may be over. */
  observe(state: PluginState, reason: string): void {
    const pending = this.pending;
    if (pending === null || pending.action === 'stop') return;
    const settled = settleOn(state, reason);
    if (settled !== null) this.finish(pending, settled.status, settled.outcome);
  }

  finish(operation: Operation, status: 'succeeded' | 'failed', outcome: string): void {
    if (operation.status !== 'pending') return;
    operation.status = status;
    operation.outcome = outcome;
    operation.finishedAt = this.now();
    if (this.pending === operation) this.pending = null;
    this.onChange(operation);
  }
}
