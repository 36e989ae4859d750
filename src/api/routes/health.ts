import { Hono, type Context } from 'hono';
import { createAnswerCache, type EncodedAnswer } from '../answer-cache.js';
import type { ApiBackend } from '../backend.js';
import { answerError, quoteName, rejectMethod } from '../errors.js';
import { healthPaths } from '../health-routes-table.js';
import { toPluginBody } from '../plugin-body.js';
import { isServing } from '../../supervisor/overall.js';

const readMethods = 'GET, HEAD';

const send = (c: Context, { status, json }: EncodedAnswer): Response => c.body(json, status, { 'Content-Type': 'application/json' });

/**
 * GET of every path of the health routes table (/health, /health/liveness,
 * /health/readiness, /health/ready, /liveness) and /health/:plugin, at their
 * full paths. Every answer comes from one snapshot; no check is run to make it.
 *
 * @example
 * app.route('/', createHealthRoutes(supervisor));
 */
export const createHealthRoutes = (backend: ApiBackend): Hono => {
  const routes = new Hono();
  const answer = createAnswerCache(backend);

  // Before /health/:plugin, so a path of the table is never taken for a plugin's name.
  for (const { path, answer: route } of healthPaths) routes.get(path, (c) => send(c, answer(route)));

  routes.get('/health/:plugin', (c) => {
    const name = c.req.param('plugin');
    const snapshot = backend.snapshot();
    const plugin = snapshot.plugins.find((p) => p.name === name);
    if (plugin === undefined) return answerError(c, 404, 'plugin_not_found', `no plugin named ${quoteName(name)}`);
    return c.json({ name: plugin.name, ...toPluginBody(plugin, snapshot.now) }, isServing(plugin.state) ? 200 : 503);
  });

  for (const { path } of healthPaths) routes.all(path, rejectMethod(readMethods));
  routes.all('/health/:plugin', rejectMethod(readMethods));
  return routes;
};
