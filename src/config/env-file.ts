import { readConfigFile } from './read-config-file.js';

/** The largest env file hale reads: a real one is a few KiB. */
export const maxEnvFileBytes = 256 * 1024;

/** An env file's variables, or what is wrong with it (a line number where one line is to blame). */
export type EnvFileRead = { ok: true; env: Record<string, string> } | { ok: false; line: number | null; message: string };

const keyPattern = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

/**
 * Reads the text of an env file: `KEY=VALUE` lines, blank lines and `#`
 * comments, an optional `export ` before a key, a value in single quotes
 * (taken as it is) or double quotes (`\n`, `\"` and `\\` read as escapes);
 * a later line wins over an earlier one. A bad line is an error with its
 * number; no message ever quotes a value, which may be a secret.
 *
 * @example
 * parseEnvText('# db\nDB_URL="postgres://db/app"\nexport MODE=fast\n');
 * // { ok: true, env: { DB_URL: 'postgres://db/app', MODE: 'fast' } }
 */
export const parseEnvText = (text: string): EnvFileRead => {
  const env: Record<string, string> = {};
  const lines = text.split(/\r?\n/);
  for (const [index, raw] of lines.entries()) {
    const line = index === 0 ? raw.replace(/^\uFEFF/, '') : raw;
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const number = index + 1;
    const body = trimmed.startsWith('export ') ? trimmed.slice('export '.length).trimStart() : trimmed;
    const equals = body.indexOf('=');
    if (equals < 0) return { ok: false, line: number, message: 'expected KEY=VALUE, found no "="' };
    const key = body.slice(0, equals).trim();
    if (!keyPattern.test(key) || key.length > 256)
      return { ok: false, line: number, message: 'the name before "=" must be letters, digits and "_" (not starting with a digit)' };
    const value = readValue(body.slice(equals + 1).trim());
    if (!value.ok) return { ok: false, line: number, message: `${key}: ${value.message}` };
    // An own data property even for names such as __proto__.
    Object.defineProperty(env, key, { value: value.value, enumerable: true, writable: true, configurable: true });
  }
  return { ok: true, env };
};

const readValue = (text: string): { ok: true; value: string } | { ok: false; message: string } => {
  if (text.includes('\0')) return { ok: false, message: 'the value holds a NUL byte' };
  const quote = text[0];
  if (quote !== '"' && quote !== "'") {
    // An unquoted value ends at " #", as in a shell.
    const comment = text.search(/\s#/);
    return { ok: true, value: (comment < 0 ? text : text.slice(0, comment)).trimEnd() };
  }
  const close = findClosingQuote(text, quote);
  if (close < 0) return { ok: false, message: `the value opens a ${quote === '"' ? 'double' : 'single'} quote it never closes` };
  const rest = text.slice(close + 1).trim();
  if (rest !== '' && !rest.startsWith('#')) return { ok: false, message: 'there is text after the closing quote' };
  const inner = text.slice(1, close);
  if (quote === "'") return { ok: true, value: inner };
  return { ok: true, value: inner.replace(/\\([\\"nrt$])/g, (_, c: string) => ({ n: '\n', r: '\r', t: '\t' })[c] ?? c) };
};

const findClosingQuote = (text: string, quote: string): number => {
  for (let at = 1; at < text.length; at += 1) {
    if (quote === '"' && text[at] === '\\') at += 1;
    else if (text[at] === quote) return at;
  }
  return -1;
};

/**
 * Reads an env file as the config is read: a regular file only (a FIFO or a
 * device is refused without waiting on it), at most 256 KiB, then parsed.
 *
 * @example
 * const read = await readEnvFile('/etc/hale/app.env');
 * if (read.ok) Object.assign(env, read.env);
 */
export const readEnvFile = async (file: string): Promise<EnvFileRead> => {
  const read = await readConfigFile(file, maxEnvFileBytes, 'the env file');
  if (read.ok) return parseEnvText(read.text);
  if (read.reason === 'too_large')
    return {
      ok: false,
      line: null,
      message: `the env file is ${read.bytes} bytes or more; hale reads at most ${maxEnvFileBytes / 1024} KiB`,
    };
  return { ok: false, line: null, message: read.message };
};
