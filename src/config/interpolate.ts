/** The outcome of interpolating a string: the text, or why it could not be built. */
export type InterpolateResult = { ok: true; value: string } | { ok: false; message: string };

/** The environment interpolation reads; unset and undefined are the same. */
export type Env = Readonly<Record<string, string | undefined>>;

const reference = /^([A-Za-z_][A-Za-z0-9_]*)(?::-([\s\S]*))?$/;
const syntaxHint = 'write ${NAME} or ${NAME:-default}, and $$ for a literal $';

/** Index of the `}` that closes the `${` opening at `start`, or -1. */
const findClose = (text: string, start: number): number => {
  let depth = 0;
  for (let i = start; i < text.length; i += 1) {
    if (text.startsWith('$$', i)) i += 1;
    else if (text.startsWith('${', i)) {
      depth += 1;
      i += 1;
    } else if (text[i] === '}') {
      depth -= 1;
      if (depth === 0) return i;
    }
  }
  return -1;
};

const resolveReference = (inner: string, env: Env): InterpolateResult => {
  const match = reference.exec(inner);
  if (match === null) return { ok: false, message: `invalid reference "\${${inner}}": ${syntaxHint}` };
  const [, name = '', fallback] = match;
  const value = env[name];
  if (fallback === undefined) {
    if (value !== undefined) return { ok: true, value };
    return { ok: false, message: `environment variable ${name} is not set (set it, or give a default: \${${name}:-value})` };
  }
  // Like the shell's `:-`, an empty value takes the default too.
  if (value !== undefined && value !== '') return { ok: true, value };
  return interpolate(fallback, env);
};

/**
 * Replaces `${NAME}` and `${NAME:-default}` with values from `env`, and `$$`
 * with `$`. A `$` followed by anything else is kept as it is. A default may
 * itself hold references; it is read only when it is used.
 *
 * @example
 * interpolate('Bearer ${TOKEN}', { TOKEN: 'abc' });  // { ok: true, value: 'Bearer abc' }
 * interpolate('${PORT:-8080}', {});                   // { ok: true, value: '8080' }
 * interpolate('price: $$5', {});                      // { ok: true, value: 'price: $5' }
 * interpolate('${TOKEN}', {});                        // { ok: false, message: 'environment variable TOKEN is not set ...' }
 */
export const interpolate = (text: string, env: Env): InterpolateResult => {
  let value = '';
  let i = 0;
  while (i < text.length) {
    const dollar = text.indexOf('$', i);
    if (dollar === -1) break;
    value += text.slice(i, dollar);
    if (text.startsWith('$$', dollar)) {
      value += '$';
      i = dollar + 2;
    } else if (text.startsWith('${', dollar)) {
      const close = findClose(text, dollar);
      if (close === -1) return { ok: false, message: `unterminated "\${" in "${text}": ${syntaxHint}` };
      const resolved = resolveReference(text.slice(dollar + 2, close), env);
      if (!resolved.ok) return resolved;
      value += resolved.value;
      i = close + 1;
    } else {
      value += '$';
      i = dollar + 1;
    }
  }
  return { ok: true, value: value + text.slice(i) };
};

