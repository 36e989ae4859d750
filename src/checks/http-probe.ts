import { STATUS_CODES } from 'node:http';
import type { HttpProbeSpec } from './probe-spec.js';
import {
  cutText,
  degradedVerdict,
  describeError,
  failVerdict,
  formatHostPort,
  passVerdict,
  readErrorCode,
  type AttemptOptions,
  type ProbeVerdict,
} from './probe-verdict.js';

/** What of a body is read; the rest is never fetched. */
export const maxBodyBytes = 64 * 1024;

// How much of a failing answer's body goes into the message.
const maxBodyInMessage = 200;

const healthyWords = new Set(['healthy', 'up', 'ok', 'pass', 'passing', 'serving', 'true']);
const degradedWords = new Set(['degraded', 'warn', 'warning']);
const unhealthyWords = new Set(['unhealthy', 'down', 'fail', 'failing', 'error', 'false', 'not_serving']);

/** An HTTP answer as far as it was read. */
export interface HttpAnswer {
  status: number;
  statusText: string;
  /** At most `maxBodyBytes` of it, as UTF-8. */
  body: string;
  /** True when the body went on past `maxBodyBytes`. */
  truncated: boolean;
}

/**
 * GETs the URL (redirects are not followed: a 3xx fails) and judges the
 * answer: a 2xx passes, anything else fails with `http_status`; with a
 * `field`, the JSON body's value at that dot path decides instead.
 *
 * @example
 * const verdict = await runHttpProbe(
 *   { protocol: 'http', url: 'http://127.0.0.1:8080/health', field: 'status', headers: {} },
 *   { timeoutMs: 500 },
 * );
 * verdict.outcome; // 'pass' when the body says {"status": "UP"}
 */
export const runHttpProbe = async (spec: HttpProbeSpec, options: AttemptOptions): Promise<ProbeVerdict> => {
  const url = URL.canParse(spec.url) ? new URL(spec.url) : null;
  if (url === null || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    return failVerdict('unavailable', `not an http:// or https:// URL: ${cutText(spec.url, maxBodyInMessage)}`);
  }
  const deadline = AbortSignal.timeout(options.timeoutMs);
  const signal = options.signal === undefined ? deadline : AbortSignal.any([deadline, options.signal]);
  try {
    const response = await fetch(url, { method: 'GET', headers: spec.headers, redirect: 'manual', signal });
    const ok = response.status >= 200 && response.status <= 299;
    // Only a failing answer's text or a field needs the body.
    const { body, truncated } = ok && spec.field === null ? await skipBody(response) : await readBody(response, maxBodyBytes);
    return judgeHttpAnswer({ status: response.status, statusText: response.statusText, body, truncated }, spec.field);
  } catch (error) {
    if (options.signal?.aborted === true) return failVerdict('unavailable', 'check cancelled');
    if (deadline.aborted) return failVerdict('deadline', `no answer within ${options.timeoutMs} ms`);
    return failVerdict('unavailable', describeFetchError(url, error));
  }
};

/** The verdict on an answer: its status code, or with `field`, the value found there in the JSON body. */
export const judgeHttpAnswer = (answer: HttpAnswer, field: string | null): ProbeVerdict => {
  const said = `HTTP ${answer.status}${describeStatusText(answer)}`;
  if (answer.status < 200 || answer.status > 299) {
    const text = cutText(answer.body.replace(/\s+/g, ' ').trim(), maxBodyInMessage);
    return failVerdict('http_status', text === '' ? said : `${said}: ${text}`, 'unhealthy');
  }
  if (field === null) return passVerdict(said);
  if (answer.truncated) {
    return failVerdict('bad_answer', `${said}, but the body is longer than ${maxBodyBytes / 1024} KiB: field ${field} not read`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(answer.body);
  } catch {
    const text = cutText(answer.body.replace(/\s+/g, ' ').trim(), 60);
    return failVerdict(
      'bad_answer',
      `${said}, but the body is not JSON (${text === '' ? 'empty' : JSON.stringify(text)}): field ${field} not read`,
    );
  }
  const found = readField(parsed, field);
  return found.ok ? judgeFieldValue(field, found.value) : failVerdict('bad_answer', found.message);
};

/** The value at a dot path (`checks.db.state`; a number indexes an array), or what was there instead. */
export const readField = (root: unknown, path: string): { ok: true; value: unknown } | { ok: false; message: string } => {
  let node = root;
  const walked: string[] = [];
  for (const key of path === '' ? [] : path.split('.')) {
    const where = walked.length === 0 ? 'the body' : walked.join('.');
    if (typeof node !== 'object' || node === null) {
      return { ok: false, message: `no field ${path} in the JSON body: ${where} is ${describeJson(node)}, not an object` };
    }
    if (!Object.hasOwn(node, key)) {
      return { ok: false, message: `no field ${path} in the JSON body: ${where} has no ${JSON.stringify(key)}` };
    }
    node = (node as Record<string, unknown>)[key];
    walked.push(key);
  }
  return { ok: true, value: node };
};

/** A health word (any case), or true/false, decides; anything else is not an answer. */
export const judgeFieldValue = (field: string, value: unknown): ProbeVerdict => {
  const word = typeof value === 'string' ? value.trim().toLowerCase() : typeof value === 'boolean' ? String(value) : null;
  const said = `${field} is ${describeJson(value)}`;
  if (word !== null && healthyWords.has(word)) return passVerdict(said);
  if (word !== null && degradedWords.has(word)) return degradedVerdict(said);
  if (word !== null && unhealthyWords.has(word)) return failVerdict('unhealthy', said, 'unhealthy');
  return failVerdict('bad_answer', `${said}, not a health word (healthy, degraded or unhealthy)`);
};

const describeStatusText = ({ status, statusText }: HttpAnswer): string => {
  const text = statusText || STATUS_CODES[status] || '';
  return text === '' ? '' : ` ${cutText(text, 60)}`;
};

const describeJson = (value: unknown): string => cutText(JSON.stringify(value) ?? String(value), 80);

const skipBody = async (response: Response): Promise<{ body: string; truncated: boolean }> => {
  await response.body?.cancel().catch(() => undefined);
  return { body: '', truncated: false };
};

/** Reads up to `max` bytes of the body, then stops (the rest is never read). */
const readBody = async (response: Response, max: number): Promise<{ body: string; truncated: boolean }> => {
  if (response.body === null) return { body: '', truncated: false };
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  // Bounded by `max` bytes and by the deadline, which errors the stream.
  while (size <= max) {
    const { done, value } = await reader.read();
    if (done) return { body: decode(chunks, max), truncated: false };
    chunks.push(value);
    size += value.byteLength;
  }
  await reader.cancel().catch(() => undefined);
  return { body: decode(chunks, max), truncated: true };
};

const decode = (chunks: Uint8Array[], max: number): string => Buffer.concat(chunks).subarray(0, max).toString('utf8');

const describeFetchError = (url: URL, error: unknown): string => {
  const where = formatHostPort(url.hostname, url.port || (url.protocol === 'https:' ? 443 : 80));
  const code = readErrorCode(error);
  if (code === 'ECONNREFUSED') return `connection refused by ${where} (ECONNREFUSED)`;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return `cannot resolve ${url.hostname} (${code})`;
  // fetch says only "fetch failed"; the reason is its cause.
  const cause = error instanceof Error && error.cause !== undefined ? error.cause : error;
  return `cannot get an answer from ${where}${code === null ? '' : ` (${code})`}: ${cutText(describeError(cause), maxBodyInMessage)}`;
};
