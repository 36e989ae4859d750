import { Hono } from 'hono';
import type { ApiBackend } from '../backend.js';
import { operationBody } from '../control-answer.js';
import { answerError, quoteName, rejectMethod } from '../errors.js';

/**
 * GET /operations/:id: how a restart, stop or start that was asked for is
 * going (pending, succeeded or failed, and why).
 *
 * @example
 * app.route('/operations', createOperationRoutes(supervisor));
 */
export const createOperationRoutes = (backend: ApiBackend): Hono => {
  const routes = new Hono();
  routes.get('/:id', (c) => {
    const id = c.req.param('id');
    const operation = backend.operation(id);
    if (operation === undefined) return answerError(c, 404, 'operation_not_found', `no recent operation with id ${quoteName(id)}`);
    return c.json(operationBody(operation));
  });
  routes.all('/:id', rejectMethod('GET, HEAD'));
  return routes;
};
