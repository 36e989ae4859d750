import { showNotice } from './notice.js';
import type { OperationBody } from './types.js';

// Finished operations not yet matched to an answer: the event can come before the 202 that named it.
const finished = new Map<string, OperationBody>();
const keptFinished = 50;
let awaited: string | null = null;

const describeEnd = (operation: OperationBody): string =>
  `${operation.action} of "${operation.plugin}": ${operation.outcome ?? operation.status}`;

const showEnd = (operation: OperationBody): void => {
  awaited = null;
  showNotice(operation.status === 'failed' ? 'error' : 'ok', describeEnd(operation));
};

/**
 * The banner said an operation began: it is said again when the event
 * stream reports the operation finished (or was, before the answer came).
 *
 * @example
 * if (answer.status === 202) awaitOperation(answer.body.operation);
 */
export const awaitOperation = (operation: OperationBody): void => {
  if (operation.status !== 'pending') return;
  const done = finished.get(operation.id);
  if (done !== undefined) return showEnd(done);
  awaited = operation.id;
};

/**
 * One `operation` event from the stream: ends the banner of the operation
 * it awaits, if this is that one, finished.
 *
 * @example
 * noteOperation({ id: 'op-3', action: 'stop', plugin: 'greeter', status: 'succeeded', outcome: 'stopped' });
 */
export const noteOperation = (operation: OperationBody): void => {
  if (operation.status === 'pending') return;
  if (operation.id === awaited) return showEnd(operation);
  finished.set(operation.id, operation);
  if (finished.size > keptFinished) finished.delete(finished.keys().next().value ?? '');
};
