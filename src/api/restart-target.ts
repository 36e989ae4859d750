import type { ApiErrorCode } from './bodies.js';

/** What a plugin name must look like; anything else is refused before lookup. */
export const pluginNamePattern = /^[a-z0-9][a-z0-9._-]{0,62}$/;

export type RestartTarget =
  | { ok: true; name: string }
  | { ok: false; code: Extract<ApiErrorCode, 'missing_plugin' | 'invalid_plugin_name' | 'invalid_json' | 'invalid_body'>; message: string };

const missing: RestartTarget = {
  ok: false,
  code: 'missing_plugin',
  message: 'name the plugin: POST /plugins/restart?plugin=NAME, or a JSON body {"plugin": "NAME"}',
};

const checkName = (name: string): RestartTarget => {
  if (name === '') return missing;
  if (!pluginNamePattern.test(name)) {
    return {
      ok: false,
      code: 'invalid_plugin_name',
      message: 'a plugin name is 1 to 63 characters of a-z, 0-9, ".", "_" and "-", starting with a letter or digit',
    };
  }
  return { ok: true, name };
};

const readBody = (body: string, contentType: string): RestartTarget => {
  if (/^application\/x-www-form-urlencoded\b/i.test(contentType)) {
    return checkName(new URLSearchParams(body).get('plugin') ?? '');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch (error) {
    const why = error instanceof SyntaxError ? `: ${error.message}` : '';
    return { ok: false, code: 'invalid_json', message: `the request body is not valid JSON${why}` };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return { ok: false, code: 'invalid_body', message: 'the JSON body must be an object such as {"plugin": "NAME"}' };
  }
  const name: unknown = (parsed as Record<string, unknown>)['plugin'];
  if (name === undefined) return missing;
  if (typeof name !== 'string') return { ok: false, code: 'invalid_body', message: '"plugin" must be a string' };
  return checkName(name);
};

/**
 * The plugin a restart request names: the `plugin` query parameter, else a
 * JSON (or form) body's `plugin`. Bad input is a value, never a throw.
 *
 * @example
 * readRestartTarget({ query: 'greeter', body: '', contentType: '' }); // { ok: true, name: 'greeter' }
 * readRestartTarget({ query: undefined, body: '{"plugin":', contentType: 'application/json' }).ok; // false
 */
export const readRestartTarget = (request: { query: string | undefined; body: string; contentType: string }): RestartTarget => {
  if (request.query !== undefined) return checkName(request.query);
  if (request.body.trim() === '') return missing;
  return readBody(request.body, request.contentType);
};
