import { Hono } from 'hono';
import { tailLineCapacity } from '../../plugin/output.js';
import type { ApiBackend } from '../backend.js';
import type { LogsBody } from '../bodies.js';
import { answerError, quoteName, rejectMethod } from '../errors.js';
import { pluginNamePattern } from '../restart-target.js';

const defaultTail = 100;

type TailCount = { ok: true; count: number } | { ok: false; message: string };

/**
 * The N of `?tail=N`: an integer from 1 to the tail's capacity; 100 when absent.
 *
 * @example
 * readTailCount(undefined); // { ok: true, count: 100 }
 * readTailCount('0').ok; // false
 */
export const readTailCount = (raw: string | undefined): TailCount => {
  if (raw === undefined) return { ok: true, count: defaultTail };
  const count = /^[0-9]{1,7}$/.test(raw) ? Number(raw) : Number.NaN;
  if (count >= 1 && count <= tailLineCapacity) return { ok: true, count };
  return { ok: false, message: `tail must be an integer from 1 to ${tailLineCapacity}, not ${quoteName(raw)}` };
};

/**
 * GET /:name/logs?tail=N — the last N lines a plugin printed (stdout and
 * stderr, oldest first) and its output counts. Mounted under /plugins.
 *
 * @example
 * app.route('/plugins', createPluginLogRoutes({ backend: supervisor }));
 * // GET /plugins/greeter/logs?tail=5 → { plugin, lines: [{ at, stream, line, truncated }], stats }
 */
export const createPluginLogRoutes = (options: { backend: ApiBackend }): Hono => {
  const { backend } = options;
  const routes = new Hono();

  routes.get('/:name/logs', (c) => {
    const name = c.req.param('name');
    if (!pluginNamePattern.test(name)) {
      return answerError(
        c,
        400,
        'invalid_plugin_name',
        'a plugin name is 1 to 63 characters of a-z, 0-9, ".", "_" and "-", starting with a letter or digit',
      );
    }
    const tail = readTailCount(c.req.query('tail'));
    if (!tail.ok) return answerError(c, 400, 'invalid_tail', tail.message);
    const logs = backend.logs(name, tail.count);
    if (logs === undefined) return answerError(c, 404, 'plugin_not_found', `no plugin named ${quoteName(name)}`);
    return c.json({
      plugin: logs.plugin,
      lines: logs.lines.map((l) => ({ at: new Date(l.at).toISOString(), stream: l.stream, line: l.line, truncated: l.truncated })),
      stats: { lines: logs.stats.lines, dropped: logs.stats.dropped, truncated: logs.stats.truncated },
    } satisfies LogsBody);
  });

  routes.all('/:name/logs', rejectMethod('GET, HEAD'));
  return routes;
};
