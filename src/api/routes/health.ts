import { Hono } from 'hono';
import type { ApiBackend } from '../backend.js';
import { answerError, quoteName, rejectMethod } from '../errors.js';
import { toPluginBody } from '../plugin-body.js';
import { isServing, liveness, overallStatus, readiness, summarize } from '../../supervisor/overall.js';

const readMethods = 'GET, HEAD';

/**
 * GET /health, /health/liveness, /health/readiness and /health/:plugin.
 * Every answer comes from one snapshot; no check is run to make it.
 *
 * @example
 * app.route('/health', createHealthRoutes(supervisor));
 */
export const createHealthRoutes = (backend: ApiBackend): Hono => {
  const routes = new Hono();

  routes.get('/', (c) => {
    const snapshot = backend.snapshot();
    const status = overallStatus(snapshot.plugins);
    return c.json(
      {
        status,
        timestamp: new Date(snapshot.now).toISOString(),
        version: snapshot.version,
        plugins: Object.fromEntries(snapshot.plugins.map((p) => [p.name, toPluginBody(p, snapshot.now)])),
        summary: summarize(snapshot.plugins),
        supervisor: {
          pid: snapshot.pid,
          uptimeSeconds: Math.max(0, snapshot.now - snapshot.startedAt) / 1_000,
          eventLoopLag: snapshot.eventLoopLag,
          droppedLogLines: snapshot.droppedLogLines,
        },
      },
      status === 'unhealthy' ? 503 : 200,
    );
  });

  routes.get('/liveness', (c) => {
    const snapshot = backend.snapshot();
    const { alive, reason } = liveness(snapshot);
    const timestamp = new Date(snapshot.now).toISOString();
    return c.json({ status: alive ? 'alive' : 'not_alive', alive, reason, timestamp }, alive ? 200 : 503);
  });

  routes.get('/readiness', (c) => {
    const snapshot = backend.snapshot();
    const { ready, reason, notReady } = readiness(snapshot);
    const timestamp = new Date(snapshot.now).toISOString();
    return c.json({ status: ready ? 'ready' : 'not_ready', ready, reason, notReady, timestamp }, ready ? 200 : 503);
  });

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
