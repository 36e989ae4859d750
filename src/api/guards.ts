import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { createBearerCheck } from './auth.js';
import { answerError } from './errors.js';

/** The largest request body a management route reads. */
export const maxBodyBytes = 16 * 1024;

/**
 * Lets a request through only with `Authorization: Bearer <token>` when a
 * token is set; 401 with a WWW-Authenticate challenge otherwise.
 *
 * @example
 * routes.post('/:name/stop', requireBearer(token), handler);
 */
export const requireBearer = (token: string | null): MiddlewareHandler => {
  const check = createBearerCheck(token);
  return async (c, next) => {
    const auth = check(c.req.header('Authorization'));
    if (auth.ok) return next();
    const challenge = auth.reason === 'mismatch' ? 'Bearer realm="hale", error="invalid_token"' : 'Bearer realm="hale"';
    return answerError(c, 401, 'unauthorized', auth.message, { 'WWW-Authenticate': challenge });
  };
};

/** 413 for a body over maxBodyBytes, before any of it is parsed. */
export const limitBody = (): MiddlewareHandler =>
  bodyLimit({
    maxSize: maxBodyBytes,
    onError: (c) => answerError(c, 413, 'payload_too_large', `the request body is larger than ${maxBodyBytes} bytes`),
  });
