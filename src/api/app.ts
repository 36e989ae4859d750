import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { cors } from 'hono/cors';
import { defaultApiConfig } from '../config/api-defaults.js';
import { isHaleError } from '../errors.js';
import type { HaleMetrics } from '../metrics/create-metrics.js';
import type { ApiBackend } from './backend.js';
import { refuseCrossSite } from './cross-site.js';
import { loadDashboardAssets, type DashboardAssets } from './dashboard-assets.js';
import { answerError, quoteName } from './errors.js';
import { createAuthGate } from './management/auth-gate.js';
import { createManagementGuard, type ManagementOptions } from './management/guard.js';
import { protectReads } from './read-guard.js';
import { limitTime } from './request-timeout.js';
import { createDashboardRoutes } from './routes/dashboard.js';
import { createConfigRoutes } from './routes/config.js';
import { createEventRoutes, createEventStreams, type EventRouteOptions } from './routes/events.js';
import { createFederationRoutes } from './routes/federation.js';
import { createCheckRoutes } from './routes/checks.js';
import { createHealthRoutes } from './routes/health.js';
import { createMetricsRoutes } from './routes/metrics.js';
import { createOperationRoutes } from './routes/operations.js';
import { createPluginControlRoutes } from './routes/plugin-control.js';
import { createPluginHistoryRoutes } from './routes/plugin-history.js';
import { createPluginLogRoutes } from './routes/plugin-logs.js';
import { createPluginRoutes } from './routes/plugins.js';
import { createWsHealthRoutes } from './routes/ws-health.js';
import { securityHeaders } from './security-headers.js';

/** The little of a logger the API needs; a pino Logger fits. */
export interface ApiLogger {
  error(obj: object, msg: string): void;
  /** Audit lines, one per management request. */
  info?(obj: object, msg: string): void;
}

/** How the API guards itself; every field has a safe default. */
export interface ApiSecurity {
  /** Read routes need the token too, but liveness and readiness. */
  protectReads?: boolean;
  /** Origins a browser may call from, from another site too; none by default. */
  corsOrigins?: readonly string[];
  /** Names hale is reached by (`api.allowedHosts`); a page under one of them may change state. The server checks Host against them. */
  allowedHosts?: readonly string[];
  rateLimit?: ManagementOptions['rateLimit'];
  /** A handler that has not answered by then gets a 503; 10 s by default. */
  requestTimeoutMs?: number;
}

export interface AppOptions {
  backend: ApiBackend;
  /** Management routes (and reads, with protectReads) need `Authorization: Bearer <token>` when set. */
  token: string | null;
  logger?: ApiLogger;
  security?: ApiSecurity;
  /** Served at GET /metrics when given. */
  metrics?: HaleMetrics;
  /** Heartbeat, queue and client limits of GET /events and GET /ws/health. */
  events?: Omit<EventRouteOptions, 'backend'>;
  /** The dashboard's files; read from the build when not given. */
  dashboard?: DashboardAssets;
  /** Called with every error no route answered, after it is logged. */
  onError?: (error: unknown) => void;
}

/** The largest body any request may carry; management routes take far less. */
const maxAnyBodyBytes = 64 * 1024;

/**
 * The HTTP API as a Hono app: health, readiness, liveness, plugin status,
 * events, metrics, and the routes that change state (restart, stop, start,
 * signal, reload) behind the management guard. Errors are JSON; an internal
 * error answers 500 with a generic message, and its details go to the log only.
 *
 * @example
 * const app = createApp({ backend: supervisor, token: config.api.token, logger: log, security: config.api });
 * const server = await startApiServer({ app, host: '127.0.0.1', port: 8080 });
 */
export const createApp = (options: AppOptions): Hono => {
  const { backend, logger, onError, security = {} } = options;
  const app = new Hono();
  const audit = logger?.info === undefined ? undefined : { info: logger.info.bind(logger) };
  const rateLimit = security.rateLimit ?? defaultApiConfig.rateLimit;
  // One gate for the management routes and the reads: a wrong token is a guess wherever it is sent.
  const gate = createAuthGate({ token: options.token, perClient: rateLimit.perClient, windowMs: rateLimit.windowMs });
  const management = createManagementGuard({ token: options.token, rateLimit, gate, ...(audit === undefined ? {} : { audit }) });

  app.use('*', securityHeaders());
  if (security.corsOrigins !== undefined && security.corsOrigins.length > 0) {
    app.use(
      '*',
      cors({
        origin: [...security.corsOrigins],
        allowMethods: ['GET', 'HEAD', 'POST'],
        allowHeaders: ['Authorization', 'Content-Type', 'Last-Event-ID'],
        exposeHeaders: ['Retry-After'],
        maxAge: 600,
      }),
    );
  }
  app.use(
    '*',
    refuseCrossSite({
      trustedOrigins: security.corsOrigins ?? [],
      allowedHosts: security.allowedHosts ?? [],
      ...(audit === undefined ? {} : { audit }),
    }),
  );
  app.use('*', limitTime(security.requestTimeoutMs ?? defaultApiConfig.requestTimeoutMs));
  app.use(
    '*',
    bodyLimit({
      maxSize: maxAnyBodyBytes,
      onError: (c) => answerError(c, 413, 'payload_too_large', `the request body is larger than ${maxAnyBodyBytes} bytes`),
    }),
  );
  app.use('*', protectReads({ gate, enabled: security.protectReads === true }));

  app.route('/', createHealthRoutes(backend));
  app.route('/checks', createCheckRoutes(backend));
  app.route('/plugins', createPluginRoutes({ backend, management }));
  app.route('/plugins', createPluginControlRoutes({ backend, management }));
  app.route('/plugins', createPluginLogRoutes({ backend }));
  app.route('/plugins', createPluginHistoryRoutes({ backend }));
  app.route('/operations', createOperationRoutes(backend));
  app.route('/config', createConfigRoutes({ backend, management }));
  // One cap on streams, SSE and WebSocket together.
  const streams = options.events?.streams ?? createEventStreams(options.events);
  app.route('/events', createEventRoutes({ backend, ...options.events, streams }));
  app.route(
    '/ws',
    createWsHealthRoutes({
      backend,
      streams,
      trustedOrigins: security.corsOrigins ?? [],
      allowedHosts: security.allowedHosts ?? [],
      ...(audit === undefined ? {} : { audit }),
      ...(options.events?.heartbeatMs === undefined ? {} : { heartbeatMs: options.events.heartbeatMs }),
      ...(options.events?.maxBufferedBytes === undefined ? {} : { maxBufferedBytes: options.events.maxBufferedBytes }),
      ...(options.events?.overflowGraceMs === undefined ? {} : { overflowGraceMs: options.events.overflowGraceMs }),
      onError: (error) => logger?.error({ err: error, path: '/ws/health' }, 'a WebSocket handler failed'),
    }),
  );
  app.route('/federation', createFederationRoutes(backend));
  app.route('/', createDashboardRoutes(options.dashboard ?? loadDashboardAssets()));
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
