import { Hono, type Context } from 'hono';
import type { ApiBackend } from '../backend.js';
import type { PluginGraphBody, PluginProcessBody, PluginsHealthBody, PluginsStatusBody } from '../bodies.js';
import { readyByName, toGraphBody } from '../graph-body.js';
import { answerControl } from '../control-answer.js';
import { answerError, rejectMethod } from '../errors.js';
import type { ManagementGuard } from '../management/guard.js';
import { toPluginDetailBody, toReadinessBody } from '../plugin-body.js';
import { uptimeSecondsOf } from '../../model/uptime.js';
import { readRestartTarget } from '../restart-target.js';
import { snapshotStatus, summarize } from '../../supervisor/overall.js';
import type { ResourceUsage } from '../../model/resources.js';
import { toResourceBody } from '../resource-body.js';

const readMethods = 'GET, HEAD';

/**
 * GET /plugins/status, GET /plugins/health, GET /plugins/graph and POST /plugins/restart; the
 * restart needs `Authorization: Bearer <token>` when a token is set.
 *
 * @example
 * app.route('/plugins', createPluginRoutes({ backend: supervisor, management }));
 */
export const createPluginRoutes = (options: { backend: ApiBackend; management: ManagementGuard }): Hono => {
  const { backend } = options;
  const routes = new Hono();

  routes.get('/status', (c) => {
    const snapshot = backend.snapshot();
    const ready = readyByName(snapshot.plugins);
    const resources = backend.resources?.() ?? new Map<string, ResourceUsage | null>();
    const plugins = snapshot.plugins.map((p): PluginProcessBody => ({
      name: p.name,
      version: p.info?.version ?? '',
      description: p.info?.description ?? '',
      connected: p.connected,
      executable: p.command,
      args: p.args,
      // Values may be secrets (tokens, passwords): the names show what is set, the values never leave.
      env: Object.fromEntries(p.envKeys.map((key) => [key, '[redacted]'])),
      pid: p.pid,
      // With `stopping`, every process of the plugin: the current generation's, and earlier ones still being stopped.
      generation: p.generation,
      stopping: p.stopping ?? [],
      state: p.state,
      critical: p.critical,
      address: p.address,
      uptimeSeconds: uptimeSecondsOf(p, snapshot.now),
      restartCount: p.restartCount,
      ready: ready.get(p.name) ?? false,
      readiness: toReadinessBody(p.readiness),
      ...(p.dependsOn === undefined ? {} : { dependsOn: p.dependsOn }),
      ...(p.restartWith === undefined ? {} : { restartWith: p.restartWith }),
      ...(p.waitingFor === undefined ? {} : { waitingFor: p.waitingFor }),
      resources: toResourceBody(resources.get(p.name) ?? null),
    }));
    return c.json({
      enabled: true,
      // Start-up has tried every plugin's first start (absent in a snapshot built by hand: judged by the plugins).
      initialized: snapshot.startup === undefined ? snapshot.plugins.every((p) => p.generation > 0) : snapshot.startup === null,
      ...(snapshot.startup === undefined || snapshot.startup === null ? {} : { startup: snapshot.startup }),
      total: plugins.length,
      connected: plugins.filter((p) => p.connected).length,
      plugins,
    } satisfies PluginsStatusBody);
  });

  routes.get('/health', (c) => {
    const snapshot = backend.snapshot();
    return c.json({
      status: snapshotStatus(snapshot),
      timestamp: new Date(snapshot.now).toISOString(),
      plugins: Object.fromEntries(snapshot.plugins.map((p) => [p.name, toPluginDetailBody(p, snapshot.now)])),
      summary: summarize(snapshot.plugins),
    } satisfies PluginsHealthBody);
  });

  routes.get('/graph', (c) => c.json(toGraphBody(backend.snapshot().plugins) satisfies PluginGraphBody));

  const readTarget = async (c: Context) => {
    const query = c.req.query('plugin');
    // Hono keeps the text it read, so the guard and the handler read the body once between them.
    const body = query === undefined ? await c.req.text() : '';
    return readRestartTarget({ query, body, contentType: c.req.header('Content-Type') ?? '' });
  };

  routes.post(
    '/restart',
    options.management.guard(async (c) => {
      const target = await readTarget(c);
      return target.ok ? target.name : null;
    }),
    async (c) => {
      const target = await readTarget(c);
      if (!target.ok) return answerError(c, 400, target.code, target.message);
      return answerControl(c, await backend.control(target.name, 'restart', 'restart requested over the HTTP API'));
    },
  );

  routes.all('/status', rejectMethod(readMethods));
  routes.all('/health', rejectMethod(readMethods));
  routes.all('/graph', rejectMethod(readMethods));
  routes.all('/restart', rejectMethod('POST'));
  return routes;
};
