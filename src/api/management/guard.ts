import type { Context, MiddlewareHandler } from 'hono';
import { answerError } from '../errors.js';
import { limitBody } from '../guards.js';
import { createAuthGate, type AuthGate } from './auth-gate.js';
import { clientAddressOf, clientKeyOf } from './client-address.js';
import { createRateLimiter } from './rate-limiter.js';
import { tokenFingerprint } from './token-fingerprint.js';

/** The little of a logger the audit needs; a pino Logger fits. */
export interface AuditLogger {
  info(obj: object, msg: string): void;
}

export interface ManagementOptions {
  /** Every management request needs `Authorization: Bearer <token>` when set. */
  token: string | null;
  rateLimit: { perClient: number; perPlugin: number; windowMs: number };
  /** Gets one line for every management request, allowed or refused. */
  audit?: AuditLogger;
  /** The token check, shared with the reads so that failures count once; made from `token` when not given. */
  gate?: AuthGate;
  now?: () => number;
}

/** Finds the plugin a request is about (null when it is about none), once the body is known to be small. */
export type PluginTarget = (c: Context) => string | null | Promise<string | null>;

export interface ManagementGuard {
  /** The middleware of one route that changes something: audit, rate limits, token, body size. */
  guard(target: PluginTarget): MiddlewareHandler;
}

const why = new WeakMap<Request, string>();
const plugins = new WeakMap<Request, string>();

const refuse = (c: Context, reason: string, response: Response): Response => {
  why.set(c.req.raw, reason);
  return response;
};

/**
 * Everything a route that changes state goes through, in order: the audit
 * line (written once the answer is known), the bearer token (its failures
 * bounded per client and in all, see createAuthGate), a rate limit per
 * client (IPv4 address, IPv6 /64) that only requests past the token count
 * in, so nobody without the token can make the operator wait, the
 * body-size limit, and a rate limit per plugin.
 *
 * @example
 * const management = createManagementGuard({ token, rateLimit: config.api.rateLimit, audit: log });
 * routes.post('/:name/stop', management.guard((c) => c.req.param('name') ?? null), handler);
 */
export const createManagementGuard = (options: ManagementOptions): ManagementGuard => {
  const { rateLimit, audit } = options;
  const limiterOptions = { windowMs: rateLimit.windowMs, ...(options.now === undefined ? {} : { now: options.now }) };
  const perClient = createRateLimiter({ ...limiterOptions, limit: rateLimit.perClient });
  const perPlugin = createRateLimiter({ ...limiterOptions, limit: rateLimit.perPlugin });
  const gate =
    options.gate ??
    createAuthGate({
      token: options.token,
      perClient: rateLimit.perClient,
      windowMs: rateLimit.windowMs,
      ...(options.now === undefined ? {} : { now: options.now }),
    });
  const body = limitBody();

  const audited: MiddlewareHandler = async (c, next) => {
    await next();
    if (audit === undefined) return;
    const status = c.res.status;
    // A body without a Content-Length is found too large only as it is read, past the guard.
    const refusal = why.get(c.req.raw) ?? (status === 413 ? 'payload_too_large' : null);
    // A refused request is logged with the plugin its path or query names, as a client wrote it (cut short).
    const plugin = plugins.get(c.req.raw) ?? (c.req.param('name') ?? c.req.query('plugin'))?.slice(0, 64) ?? null;
    const client = clientAddressOf(c);
    const outcome = refusal === null ? 'allowed' : 'refused';
    audit.info(
      {
        audit: true,
        method: c.req.method,
        route: c.req.routePath,
        path: c.req.path.slice(0, 200),
        plugin,
        client,
        outcome,
        status,
        ...(refusal === null ? {} : { reason: refusal }),
        tokenFingerprint: tokenFingerprint(c.req.header('Authorization')),
      },
      `audit: ${c.req.method} ${c.req.routePath}${plugin === null ? '' : ` (${plugin})`} from ${client}: ${outcome}, ${status}`,
    );
  };

  const checkToken: MiddlewareHandler = async (c, next) => {
    const outcome = gate.check(c);
    if (outcome.ok) return next();
    return refuse(c, outcome.reason, outcome.response);
  };

  const limitClient: MiddlewareHandler = async (c, next) => {
    const client = clientAddressOf(c);
    const decision = perClient.take(clientKeyOf(client));
    if (decision.ok) return next();
    return refuse(
      c,
      'rate_limited_client',
      answerError(c, 429, 'rate_limited', `too many management requests from ${client}; try again in ${decision.retryAfterSeconds} s`, {
        'Retry-After': String(decision.retryAfterSeconds),
      }),
    );
  };

  /** A guard that answers itself instead of passing the request on has refused it, for `reason`. */
  const noting =
    (reason: string, guard: MiddlewareHandler): MiddlewareHandler =>
    async (c, next) => {
      let passed = false;
      const answer = await guard(c, async () => {
        passed = true;
        await next();
      });
      if (!passed && answer instanceof Response) return refuse(c, reason, answer);
      return answer;
    };
  const checkBody = noting('payload_too_large', body);

  const limitPlugin =
    (target: PluginTarget): MiddlewareHandler =>
    async (c, next) => {
      const plugin = await target(c);
      if (plugin === null) return next();
      plugins.set(c.req.raw, plugin);
      const decision = perPlugin.take(plugin);
      if (decision.ok) return next();
      return refuse(
        c,
        'rate_limited_plugin',
        answerError(c, 429, 'rate_limited', `too many management requests for "${plugin}"; try again in ${decision.retryAfterSeconds} s`, {
          'Retry-After': String(decision.retryAfterSeconds),
        }),
      );
    };

  return { guard: (target) => chain([audited, checkToken, limitClient, checkBody, limitPlugin(target)]) };
};

/** Middlewares run as one, each answer kept on the context so an outer one sees the status. */
const chain =
  (steps: readonly MiddlewareHandler[]): MiddlewareHandler =>
  (c, next) => {
    const run = async (index: number): Promise<void> => {
      const step = steps[index];
      if (step === undefined) return next();
      const answer = await step(c, () => run(index + 1));
      if (answer instanceof Response) c.res = answer;
    };
    return run(0);
  };
