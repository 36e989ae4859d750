import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

/** Every error code the HTTP API answers with; clients may switch on it. */
export type ApiErrorCode =
  | 'not_found'
  | 'method_not_allowed'
  | 'plugin_not_found'
  | 'check_not_found'
  | 'missing_plugin'
  | 'invalid_plugin_name'
  | 'invalid_json'
  | 'invalid_body'
  | 'payload_too_large'
  | 'rate_limited'
  | 'request_timeout'
  | 'unauthorized'
  | 'cross_site_request'
  | 'form_content_type'
  | 'misdirected_host'
  | 'shutting_down'
  | 'invalid_signal'
  | 'not_running'
  | 'invalid_tail'
  | 'invalid_limit'
  | 'operation_not_found'
  | 'invalid_config'
  | 'reload_unavailable'
  | 'reloading'
  | 'invalid_event_filter'
  | 'invalid_event_id'
  | 'too_many_streams'
  | 'dashboard_unavailable'
  | 'federation_disabled'
  | 'internal_error';

export interface ApiErrorBody {
  error: { code: ApiErrorCode; message: string };
}

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
export const quoteName = (name: string): string =>
  JSON.stringify(name.length > 64 ? `${name.slice(0, 64)}…` : name);

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
