import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { ApiErrorBody, ApiErrorCode } from './bodies.js';

/**
 * The one shape of every error the API answers.
 *
 * @example
 * errorBody('plugin_not_found', 'no plugin named "x"'); // { error: { code: 'plugin_not_found', message: '…' } }
 */
export const errorBody = (code: ApiErrorCode, message: string): ApiErrorBody => ({ error: { code, message } });

/**
 * Answers a JSON error; `headers` are added (Allow, WWW-Authenticate).
 *
 * @example
 * return answerError(c, 404, 'plugin_not_found', `no plugin named "${name}"`);
 */
export const answerError = (
  c: Context,
  status: ContentfulStatusCode,
  code: ApiErrorCode,
  message: string,
  headers: Record<string, string> = {},
): Response => c.json(errorBody(code, message), status, headers);

/**
 * A name from a request, quoted and cut short, fit to repeat in a message.
 *
 * @example
 * quoteName('greeter'); // '"greeter"'
 */
export const quoteName = (name: string): string => JSON.stringify(name.length > 64 ? `${name.slice(0, 64)}…` : name);

/**
 * A handler for the methods a route does not take: 405 with `Allow`.
 *
 * @example
 * app.all('/plugins/restart', rejectMethod('POST'));
 */
export const rejectMethod =
  (allow: string) =>
  (c: Context): Response =>
    answerError(c, 405, 'method_not_allowed', `${c.req.method} is not allowed here; use ${allow}`, { Allow: allow });
