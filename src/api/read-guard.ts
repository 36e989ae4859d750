import type { MiddlewareHandler } from 'hono';
import { openHealthPaths } from './health-routes-table.js';
import type { AuthGate } from './management/auth-gate.js';

/** The dashboard's page and code hold no data: the page asks for the token itself, for what it reads. */
const isDashboardCode = (path: string): boolean => path === '/' || path.startsWith('/dashboard/');

/**
 * With `protectReads`, every GET and HEAD needs the bearer token too, but the
 * liveness and readiness probes (a kubelet or a load balancer carries no
 * token). Routes that change state have their own, stricter guard. The
 * gate is the management routes' own: a wrong token here is a guess that
 * counts there too.
 *
 * @example
 * app.use('*', protectReads({ gate, enabled: config.api.protectReads }));
 */
export const protectReads = ({ gate, enabled }: { gate: AuthGate; enabled: boolean }): MiddlewareHandler => {
  return async (c, next) => {
    if (!enabled || (c.req.method !== 'GET' && c.req.method !== 'HEAD') || openHealthPaths.has(c.req.path) || isDashboardCode(c.req.path))
      return next();
    const outcome = gate.check(c);
    return outcome.ok ? next() : outcome.response;
  };
};
