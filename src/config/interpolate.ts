import { formatMiB, maxExpandedBytes } from './limits.js';
import { quoteText } from './quote-text.js';

/** The outcome of interpolating a string: the text, or why it could not be built. */
export type InterpolateResult = { ok: true; value: string } | { ok: false; message: string };

/** The environment interpolation reads; unset and undefined are the same. */
export type Env = Readonly<Record<string, string | undefined>>;

const syntaxHint = 'write ${NAME} or ${NAME:-default}, and $$ for a literal $';

/**
 * Where the `}` closing each `${` is, found in one pass with a stack: `$$` is
 * one token, and a `}` outside any reference is plain text.
 */
const matchBraces = (text: string): Map<number, number> => {
  const closes = new Map<number, number>();
  const open: number[] = [];
  for (let i = 0; i < text.length; i += 1) {
    const char = text.charCodeAt(i);
    if (char === 0x24 /* $ */) {
      const next = text.charCodeAt(i + 1);
      if (next === 0x24) i += 1;
      else if (next === 0x7b /* { */) {
        open.push(i);
        i += 1;
      }
    } else if (char === 0x7d /* } */ && open.length > 0) {
      closes.set(open.pop() as number, i);
    }
  }
  return closes;
};

const isNameStart = (char: number): boolean => (char >= 0x41 && char <= 0x5a) || (char >= 0x61 && char <= 0x7a) || char === 0x5f;
const isNamePart = (char: number): boolean => isNameStart(char) || (char >= 0x30 && char <= 0x39);

/** The end of the name starting at `start` (start itself when there is none). */
const readName = (text: string, start: number, end: number): number => {
  if (start >= end || !isNameStart(text.charCodeAt(start))) return start;
  let i = start + 1;
  while (i < end && isNamePart(text.charCodeAt(i))) i += 1;
  return i;
};

/**
 * Replaces `${NAME}` and `${NAME:-default}` with values from `env`, and `$$`
 * with `$`. A `$` followed by anything else is kept as it is. A default may
 * itself hold references; it is read only when it is used. Linear in the
 * text, however deep the defaults nest; a result longer than the config's
 * expansion bound is refused rather than built.
 *
 * @example
 * interpolate('Bearer ${TOKEN}', { TOKEN: 'abc' });  // { ok: true, value: 'Bearer abc' }
 * interpolate('${PORT:-8080}', {});                   // { ok: true, value: '8080' }
 * interpolate('price: $$5', {});                      // { ok: true, value: 'price: $5' }
 * interpolate('${TOKEN}', {});                        // { ok: false, message: 'environment variable TOKEN is not set ...' }
 */
export const interpolate = (text: string, env: Env, maxLength: number = maxExpandedBytes): InterpolateResult => {
  if (!text.includes('$')) return { ok: true, value: text };
  const closes = matchBraces(text);
  let value = '';
  // The ends of the defaults being read, innermost last: reading one goes on after its `}`.
  const ends: number[] = [];
  let end = text.length;
  let i = 0;
  // The cursor only moves forward, so the next `$` is searched for once per `$`.
  let dollar = text.indexOf('$');
  const append = (piece: string): boolean => {
    value += piece;
    return value.length <= maxLength;
  };
  const tooLong = (): InterpolateResult => ({ ok: false, message: `the value expands to more than ${formatMiB(maxLength)}` });

  for (;;) {
    if (dollar !== -1 && dollar < i) dollar = text.indexOf('$', i);
    if (dollar === -1 || dollar >= end) {
      if (!append(text.slice(i, end))) return tooLong();
      if (ends.length === 0) return { ok: true, value };
      i = end + 1;
      ends.pop();
      end = ends.at(-1) ?? text.length;
      continue;
    }
    if (!append(text.slice(i, dollar))) return tooLong();
    const next = text.charCodeAt(dollar + 1);
    if (next === 0x24 /* $ */) {
      value += '$';
      i = dollar + 2;
      continue;
    }
    if (next !== 0x7b /* { */) {
      value += '$';
      i = dollar + 1;
      continue;
    }
    const close = closes.get(dollar);
    if (close === undefined) return { ok: false, message: `unterminated "\${" in ${quoteText(text)}: ${syntaxHint}` };
    const nameEnd = readName(text, dollar + 2, close);
    const hasDefault = nameEnd > dollar + 2 && text.startsWith(':-', nameEnd) && nameEnd + 2 <= close;
    if (nameEnd === dollar + 2 || (nameEnd !== close && !hasDefault)) {
      return { ok: false, message: `invalid reference ${quoteText(text.slice(dollar, close + 1))}: ${syntaxHint}` };
    }
    const name = text.slice(dollar + 2, nameEnd);
    const set = env[name];
    // Like the shell's `:-`, an empty value takes the default too.
    if (set !== undefined && (!hasDefault || set !== '')) {
      if (!append(set)) return tooLong();
      i = close + 1;
    } else if (!hasDefault) {
      return { ok: false, message: `environment variable ${name} is not set (set it, or give a default: \${${name}:-value})` };
    } else {
      ends.push(close);
      end = close;
      i = nameEnd + 2;
    }
  }
};
