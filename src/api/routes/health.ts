import { Hono, type Context } from 'hono';
import { createAnswerCache, type EncodedAnswer } from '../answer-cache.js';
import type { ApiBackend } from '../backend.js';
import { answerError, quoteName, rejectMethod } from '../errors.js';
import { toPluginBody } from '../plugin-body.js';
import { isServing } from '../../supervisor/overall.js';

const readMethods = 'GET, HEAD';

const send = (c: Context, { status, json }: EncodedAnswer): Response =>
  c.body(json, status, { 'Content-Type': 'application/json' });

/**
 * GET /health, /health/liveness, /health/readiness and /health/:plugin.
 * Every answer comes from one snapshot; no check is run to make it.
 *
 * @example
 * app.route('/health', createHealthRoutes(supervisor));
 */
export const createHealthRoutes = (backend: ApiBackend): Hono => {
  const routes = new Hono();
  const answer = createAnswerCache(backend);

  routes.get('/', (c) => send(c, answer('health')));
  routes.get('/liveness', (c) => send(c, answer('liveness')));
  routes.get('/readiness', (c) => send(c, answer('readiness')));
  // The short name some probes are configured with.
  routes.get('/ready', (c) => send(c, answer('readiness')));

  routes.get('/:plugin', (c) => {
    const name = c.req.param('plugin');
    const snapshot = backend.snapshot();
    const plugin = snapshot.plugins.find((p) => p.name === name);
    if (plugin === undefined) return answerError(c, 404, 'plugin_not_found', `no plugin named ${quoteName(name)}`);
    return c.json({ name: plugin.name, ...toPluginBody(plugin, snapshot.now) }, isServing(plugin.state) ? 200 : 503);
  });

  routes.all('/', rejectMethod(readMethods));
  routes.all('/:plugin', rejectMethod(readMethods));
  return routes;
};

/**
 * GET /liveness, the short path for /health/liveness.
 *
 * @example
 * app.route('/liveness', createLivenessRoute(supervisor));
 */
export const createLivenessRoute = (backend: ApiBackend): Hono => {
  const routes = new Hono();
  const answer = createAnswerCache(backend);
  routes.get('/', (c) => send(c, answer('liveness')));
  routes.all('/', rejectMethod(readMethods));
  return routes;
};
