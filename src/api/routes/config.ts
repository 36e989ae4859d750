import { Hono } from 'hono';
import type { ApiBackend } from '../backend.js';
import type { ApiErrorBody } from '../bodies.js';
import { answerRefusal } from '../control-answer.js';
import { rejectMethod } from '../errors.js';
import type { ManagementGuard } from '../management/guard.js';

/**
 * POST /config/reload: reads the config file again and applies it, as SIGHUP
 * does. 200 with what was added, removed, changed and left alone; 422 with
 * every problem of an invalid file, which changes nothing.
 *
 * @example
 * app.route('/config', createConfigRoutes({ backend: supervisor, management }));
 * // curl -X POST localhost:8080/config/reload
 */
export const createConfigRoutes = (options: { backend: ApiBackend; management: ManagementGuard }): Hono => {
  const routes = new Hono();
  routes.post(
    '/reload',
    options.management.guard(() => null),
    async (c) => {
      const result = await options.backend.reload('POST /config/reload');
      if (result.ok) return c.json(result);
      if (result.code === 'invalid_config') {
        return c.json({ error: { code: result.code, message: result.message, issues: result.issues } } satisfies ApiErrorBody, 422);
      }
      return answerRefusal(c, { code: result.code, message: result.message });
    },
  );
  routes.all('/reload', rejectMethod('POST'));
  return routes;
};
