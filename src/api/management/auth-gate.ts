import type { Context } from 'hono';
import { createBearerCheck } from '../auth.js';
import { answerError } from '../errors.js';
import { readProtocolBearer } from '../ws-protocol.js';
import { clientAddressOf, clientKeyOf } from './client-address.js';
import { createRateLimiter, type RateDecision } from './rate-limiter.js';

/** Why a request did not get past the token. */
export type AuthRefusal = 'unauthorized' | 'rate_limited_failures';

export type AuthOutcome = { ok: true } | { ok: false; reason: AuthRefusal; response: Response };

export interface AuthGateOptions {
  /** Null (or "") lets every request through. */
  token: string | null;
  /** Failed attempts one client (IPv4 address, IPv6 /64) may make within `windowMs`; four times as many from everyone together. */
  perClient: number;
  windowMs: number;
  now?: () => number;
}

export interface AuthGate {
  /** Checks `Authorization: Bearer <token>`; a refusal is answered 401, or 429 past the limits of failures. */
  check(c: Context): AuthOutcome;
}

/** Clients remembered as having shown the right token, at most. */
const maxKnownClients = 1_000;
/** The global budget of failures, in per-client budgets: a few clients failing at once are not locked out by each other. */
const globalShare = 4;

/**
 * The bearer token check with bounded failures, shared by the management
 * routes and (with protectReads) the reads. Two kinds of failure are
 * counted apart, each per client and over all clients together:
 * - a request with no token is refused, 429 past the limits; it guesses
 *   nothing, and never makes a request with a token wait;
 * - a wrong token is a guess: past the client's limit, or past the global
 *   one, a token is not even compared (429), so guesses are bounded
 *   however many addresses they come from. A client that showed the right
 *   token within the window still has its token compared while others
 *   use up the global budget.
 *
 * @example
 * const gate = createAuthGate({ token: 's3cret', perClient: 60, windowMs: 60_000 });
 * const outcome = gate.check(c);
 * if (!outcome.ok) return outcome.response;
 */
export const createAuthGate = (options: AuthGateOptions): AuthGate => {
  const { token, perClient, windowMs, now = Date.now } = options;
  const check = createBearerCheck(token);
  const open = token === null || token === '';
  const limiter = (limit: number) => createRateLimiter({ limit, windowMs, now });
  const guesses = { client: limiter(perClient), all: limiter(perClient * globalShare) };
  const missing = { client: limiter(perClient), all: limiter(perClient * globalShare) };
  const known = new Map<string, number>();

  const isKnown = (key: string): boolean => {
    const at = known.get(key);
    return at !== undefined && now() - at < windowMs;
  };
  const remember = (key: string): void => {
    known.delete(key);
    known.set(key, now());
    if (known.size > maxKnownClients) known.delete(known.keys().next().value as string);
  };
  const tooMany = (c: Context, address: string, decision: Extract<RateDecision, { ok: false }>): AuthOutcome => ({
    ok: false,
    reason: 'rate_limited_failures',
    response: answerError(
      c,
      429,
      'rate_limited',
      `too many refused requests from ${address} or from everyone; try again in ${decision.retryAfterSeconds} s`,
      {
        'Retry-After': String(decision.retryAfterSeconds),
      },
    ),
  });
  const refuse = (c: Context, message: string, mismatch: boolean): AuthOutcome => ({
    ok: false,
    reason: 'unauthorized',
    response: answerError(c, 401, 'unauthorized', message, {
      'WWW-Authenticate': mismatch ? 'Bearer realm="hale", error="invalid_token"' : 'Bearer realm="hale"',
    }),
  });
  /** The first of the two decisions that says no, having taken from both only when both say yes. */
  const takeBoth = (pair: typeof guesses, key: string): RateDecision => {
    const client = pair.client.peek(key);
    if (!client.ok) return client;
    const all = pair.all.peek('all');
    if (!all.ok) return all;
    pair.client.take(key);
    pair.all.take('all');
    return { ok: true };
  };

  return {
    check: (c) => {
      if (open) return { ok: true };
      const address = clientAddressOf(c);
      const key = clientKeyOf(address);
      // A browser's WebSocket cannot set Authorization: its handshake may carry the token as a subprotocol instead.
      const header =
        c.req.header('Authorization') ??
        (c.req.header('Upgrade')?.toLowerCase() === 'websocket' ? readProtocolBearer(c.req.header('Sec-WebSocket-Protocol')) : undefined);
      if (header === undefined || header.trim() === '') {
        const decision = takeBoth(missing, key);
        if (!decision.ok) return tooMany(c, address, decision);
        return refuse(c, 'this route needs an Authorization: Bearer <token> header', false);
      }
      // A guess past the limits is not compared at all: its answer would tell whether it was right.
      const client = guesses.client.peek(key);
      if (!client.ok) return tooMany(c, address, client);
      const all = guesses.all.peek('all');
      if (!all.ok && !isKnown(key)) return tooMany(c, address, all);
      const result = check(header);
      if (result.ok) {
        remember(key);
        return { ok: true };
      }
      guesses.client.take(key);
      guesses.all.take('all');
      return refuse(c, result.message, result.reason === 'mismatch');
    },
  };
};
