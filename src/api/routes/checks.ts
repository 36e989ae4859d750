import { Hono } from 'hono';
import type { ApiBackend } from '../backend.js';
import { toDependencyBody } from '../dependency-body.js';
import { answerError, quoteName, rejectMethod } from '../errors.js';

/**
 * GET /checks — every dependency under `checks:` with its recent checks —
 * and GET /checks/:name for one (200 when it serves, 503 when not, 404 unknown).
 *
 * @example
 * app.route('/checks', createCheckRoutes(supervisor));
 */
export const createCheckRoutes = (backend: ApiBackend): Hono => {
  const routes = new Hono();
  routes.get('/', (c) => {
    const { dependencies, now } = backend.snapshot();
    return c.json({
      timestamp: new Date(now).toISOString(),
      checks: Object.fromEntries(dependencies.map((d) => [d.name, toDependencyBody(d, true)])),
    });
  });
  routes.get('/:name', (c) => {
    const name = c.req.param('name');
    const found = backend.snapshot().dependencies.find((d) => d.name === name);
    if (found === undefined) return answerError(c, 404, 'check_not_found', `no check named ${quoteName(name)}`);
    const body = toDependencyBody(found, true);
    return c.json({ name, ...body }, body.healthy ? 200 : 503);
  });
  routes.all('/', rejectMethod('GET, HEAD'));
  routes.all('/:name', rejectMethod('GET, HEAD'));
  return routes;
};
