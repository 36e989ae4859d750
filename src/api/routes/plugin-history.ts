import { Hono } from 'hono';
import type { ApiBackend } from '../backend.js';
import type { HistoryBody } from '../bodies.js';
import { answerError, quoteName, rejectMethod } from '../errors.js';
import { toCheckBody } from '../plugin-body.js';
import { pluginNamePattern } from '../restart-target.js';

const maxLimit = 100;

/** The N of `?limit=N`: an integer from 1 to 100; 100 when absent. */
const readLimit = (raw: string | undefined): number | null => {
  if (raw === undefined) return maxLimit;
  const limit = /^[0-9]{1,4}$/.test(raw) ? Number(raw) : Number.NaN;
  return limit >= 1 && limit <= maxLimit ? limit : null;
};

/**
 * GET /:name/history?limit=N — a plugin's recent checks and its transitions
 * (oldest first), the older ones restored from the journal of earlier runs.
 * Mounted under /plugins.
 *
 * @example
 * app.route('/plugins', createPluginHistoryRoutes({ backend: supervisor }));
 * // GET /plugins/greeter/history?limit=20 → { plugin, checks: [...], transitions: [...] }
 */
export const createPluginHistoryRoutes = (options: { backend: ApiBackend }): Hono => {
  const routes = new Hono();
  routes.get('/:name/history', (c) => {
    const name = c.req.param('name');
    if (!pluginNamePattern.test(name)) return answerError(c, 400, 'invalid_plugin_name', `${quoteName(name)} is not a plugin name`);
    const limit = readLimit(c.req.query('limit'));
    if (limit === null) return answerError(c, 400, 'invalid_limit', `limit must be an integer from 1 to ${maxLimit}`);
    const history = options.backend.history(name, limit);
    if (history === undefined) return answerError(c, 404, 'plugin_not_found', `no plugin named ${quoteName(name)}`);
    return c.json({
      plugin: history.plugin,
      checks: history.checks.map(toCheckBody),
      transitions: history.transitions.map((t) => ({
        time: new Date(t.at).toISOString(),
        from: t.from,
        to: t.to,
        reason: t.reason,
        restarts: t.restarts,
        restartCount: t.restartCount,
      })),
    } satisfies HistoryBody);
  });
  routes.all('/:name/history', rejectMethod('GET, HEAD'));
  return routes;
};
