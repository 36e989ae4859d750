import type { Context } from 'hono';
import type { Operation } from '../model/operation.js';
import type { ControlResult } from '../model/control.js';
import type { ControlBody, OperationBody } from './bodies.js';
import { answerError } from './errors.js';

const verbs = { restart: 'restart', stop: 'stop', start: 'start' } as const;

type Refusal = { code: 'plugin_not_found' | 'not_running' | 'shutting_down' | 'reload_unavailable' | 'reloading'; message: string };

const refusalStatus = { plugin_not_found: 404, not_running: 409, reload_unavailable: 409, reloading: 409, shutting_down: 503 } as const;

/**
 * The answer to a request the supervisor refused: 404 unknown plugin, 409
 * nothing running or nothing to reload, 503 shutting down.
 *
 * @example
 * if (!result.ok) return answerRefusal(c, result);
 */
export const answerRefusal = (c: Context, refusal: Refusal): Response =>
  answerError(c, refusalStatus[refusal.code], refusal.code, refusal.message);

/** An operation as the API shows it: times as ISO strings. */
export const operationBody = (operation: Operation): OperationBody => ({
  ...operation,
  requestedAt: new Date(operation.requestedAt).toISOString(),
  finishedAt: operation.finishedAt === null ? null : new Date(operation.finishedAt).toISOString(),
});

/**
 * The answer to a restart, stop or start: 202 with the operation while it
 * is under way (the same operation for a request that joined it), 200 when
 * there was nothing to do, 404 or 503 when it was refused.
 *
 * @example
 * return answerControl(c, await backend.control('greeter', 'stop', 'maintenance'));
 */
export const answerControl = (c: Context, result: ControlResult): Response => {
  if (!result.ok) return answerRefusal(c, result);
  const { operation, coalesced, accepted, state } = result;
  const verb = verbs[operation.action];
  const message =
    operation.status !== 'pending'
      ? `${verb} of "${operation.plugin}": ${operation.outcome ?? operation.status}`
      : coalesced
        ? `a ${verb} of "${operation.plugin}" is already under way; this request joined it`
        : `${verb} of "${operation.plugin}" begun`;
  const body: ControlBody = {
    plugin: operation.plugin,
    state,
    message,
    coalesced,
    operation: operationBody(operation),
  };
  // 202 for a request that began or joined an operation, even one that finished before this answer.
  return c.json(body, accepted ? 202 : 200);
};
