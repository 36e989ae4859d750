import { Hono, type Context } from 'hono';
import type { ControlAction } from '../../model/operation.js';
import type { ApiBackend } from '../backend.js';
import type { SignalBody } from '../bodies.js';
import type { DrillSignal } from '../../model/control.js';
import { answerControl, answerRefusal } from '../control-answer.js';
import { answerError, quoteName, rejectMethod } from '../errors.js';
import type { ManagementGuard } from '../management/guard.js';
import { pluginNamePattern } from '../restart-target.js';

const drillSignals: readonly DrillSignal[] = ['SIGSTOP', 'SIGCONT', 'SIGKILL', 'SIGTERM', 'SIGHUP', 'SIGUSR1', 'SIGUSR2'];

/** "kill", "KILL" and "SIGKILL" all name SIGKILL, as kill(1) and supervisorctl take them. */
const readSignal = (text: string | undefined): DrillSignal | null => {
  if (text === undefined) return null;
  const upper = text.trim().toUpperCase();
  const name = upper.startsWith('SIG') ? upper : `SIG${upper}`;
  return drillSignals.find((signal) => signal === name) ?? null;
};

const badName = (c: Context, name: string): Response | null =>
  pluginNamePattern.test(name)
    ? null
    : answerError(
        c,
        400,
        'invalid_plugin_name',
        `invalid plugin name ${quoteName(name)}: 1 to 63 characters of a-z, 0-9, ".", "_" and "-", starting with a letter or digit`,
      );

/**
 * POST /plugins/:name/restart, /stop and /start (202 with an operation to
 * follow; a request for what is under way joins it) and
 * POST /plugins/:name/signal?signal=SIG for fault drills. All need the bearer
 * token when one is set.
 *
 * @example
 * app.route('/plugins', createPluginControlRoutes({ backend: supervisor, management }));
 * // curl -X POST localhost:8080/plugins/greeter/stop
 */
export const createPluginControlRoutes = (options: { backend: ApiBackend; management: ManagementGuard }): Hono => {
  const { backend } = options;
  const routes = new Hono();
  const guard = options.management.guard((c) => c.req.param('name') ?? null);

  for (const action of ['restart', 'stop', 'start'] as const satisfies readonly ControlAction[]) {
    routes.post(`/:name/${action}`, guard, async (c) => {
      const name = c.req.param('name');
      const refused = badName(c, name);
      if (refused !== null) return refused;
      return answerControl(c, await backend.control(name, action, `${action} requested over the HTTP API`));
    });
    routes.all(`/:name/${action}`, rejectMethod('POST'));
  }

  routes.post('/:name/signal', guard, (c) => {
    const name = c.req.param('name');
    const refused = badName(c, name);
    if (refused !== null) return refused;
    const text = c.req.query('signal');
    const signal = readSignal(text);
    if (signal === null) {
      const given = text === undefined ? 'no signal given' : `${quoteName(text)} is not one of them`;
      return answerError(c, 400, 'invalid_signal', `signal=${drillSignals.join('|')}: ${given}`);
    }
    const result = backend.signal(name, signal);
    if (!result.ok) return answerRefusal(c, result);
    return c.json({ plugin: result.plugin, pid: result.pid, signal: result.signal } satisfies SignalBody);
  });
  routes.all('/:name/signal', rejectMethod('POST'));
  return routes;
};
