import type { MiddlewareHandler } from 'hono';
import { settleWithin } from '../util/settle.js';
import { answerError } from './errors.js';

/**
 * Answers 503 `request_timeout` when a handler has not answered within `ms`;
 * the work it started goes on, only the client stops waiting. Streams (GET
 * /events) are left out: they are meant to last.
 *
 * @example
 * app.use('*', limitTime(10_000));
 */
export const limitTime =
  (ms: number): MiddlewareHandler =>
  async (c, next) => {
    if (c.req.path === '/events') return next();
    const first = await settleWithin(
      next().then(() => 'done' as const),
      ms,
      'late' as const,
    );
    if (first === 'late') {
      c.res = answerError(c, 503, 'request_timeout', `no answer within ${ms} ms; what was asked may still be under way`, {
        'Retry-After': '1',
      });
    }
  };
