import { Hono } from 'hono';
import { isHaleError } from '../errors.js';
import type { HaleMetrics } from '../metrics/create-metrics.js';
import type { ApiBackend } from './backend.js';
import { answerError, quoteName } from './errors.js';
import { createConfigRoutes } from './routes/config.js';
import { createEventRoutes, type EventRouteOptions } from './routes/events.js';
import { createMetricsRoutes } from './routes/metrics.js';
import { createHealthRoutes } from './routes/health.js';
import { createOperationRoutes } from './routes/operations.js';
import { createPluginControlRoutes } from './routes/plugin-control.js';
import { createPluginHistoryRoutes } from './routes/plugin-history.js';
import { createPluginLogRoutes } from './routes/plugin-logs.js';
import { createPluginRoutes } from './routes/plugins.js';

/** The little of a logger the API needs; a pino Logger fits. */
export interface ApiLogger {
  error(obj: object, msg: string): void;
}

export interface AppOptions {
  backend: ApiBackend;
  /** Management routes need `Authorization: Bearer <token>` when set. */
  token: string | null;
  logger?: ApiLogger;
  /** Served at GET /metrics when given. */
  metrics?: HaleMetrics;
  /** Heartbeat, queue and client limits of GET /events. */
  events?: Omit<EventRouteOptions, 'backend'>;
  /** Called with every error no route answered, after it is logged. */
  onError?: (error: unknown) => void;
}

/**
 * The HTTP API as a Hono app: health, readiness, liveness, plugin status and
 * restarts. Errors are JSON; an internal error answers 500 with a generic
 * message, and its details go to the log only.
 *
 * @example
 * const app = createApp({ backend: supervisor, token: config.api.token, logger: log });
 * const server = await startApiServer({ app, host: '127.0.0.1', port: 8080 });
 */
export const createApp = (options: AppOptions): Hono => {
  const { backend, logger, onError } = options;
  const app = new Hono();

  app.use('*', async (c, next) => {
    // A health answer is true for one instant; no cache may keep it.
    c.header('Cache-Control', 'no-store');
    c.header('X-Content-Type-Options', 'nosniff');
    await next();
  });

  app.route('/health', createHealthRoutes(backend));
  app.route('/plugins', createPluginRoutes({ backend, token: options.token }));
  app.route('/plugins', createPluginControlRoutes({ backend, token: options.token }));
  app.route('/plugins', createPluginLogRoutes({ backend }));
  app.route('/plugins', createPluginHistoryRoutes({ backend }));
  app.route('/operations', createOperationRoutes(backend));
  app.route('/config', createConfigRoutes({ backend, token: options.token }));
  app.route('/events', createEventRoutes({ backend, ...options.events }));
  if (options.metrics !== undefined) app.route('/metrics', createMetricsRoutes({ metrics: options.metrics }));

  app.notFound((c) => answerError(c, 404, 'not_found', `no route for ${c.req.method} ${quoteName(c.req.path)}`));

  app.onError((error, c) => {
    if (isHaleError(error, 'shutting_down')) {
      return answerError(c, 503, 'shutting_down', 'the supervisor is shutting down');
    }
    logger?.error({ err: error, method: c.req.method, path: c.req.path }, 'the HTTP API could not answer a request');
    onError?.(error);
    return answerError(c, 500, 'internal_error', "internal error; the supervisor's log has the details");
  });

  return app;
};
