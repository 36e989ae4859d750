import { defaultApiConfig } from './api-defaults.js';
import { readFileSync, statSync } from 'node:fs';
import { isIP } from 'node:net';
import { resolve } from 'node:path';
import { z } from 'zod';
import { closedObject } from './closed-object.js';
import { countField, durationField } from './fields.js';
import { isLoopbackHost } from './loopback.js';
import type { ApiConfig } from './types.js';

/** The environment variable that gives the API token when the config names none. */
export const tokenEnv = 'HALE_API_TOKEN';

const origin = z.string().refine((text) => /^https?:\/\/[^/\s]+$/.test(text), {
  error: 'an origin is scheme://host[:port], e.g. https://dashboard.example.com, with no path',
});

// A DNS name or an IP address, without scheme or port: what a Host header names.
const allowedHost = z
  .string()
  .refine(
    (text) =>
      isIP(text.replace(/^\[(.*)\]$/, '$1')) !== 0 ||
      /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*\.?$/i.test(text),
    { error: 'an allowed host is a DNS name or an IP address, e.g. hale.internal or 10.0.0.5, with no scheme, port or wildcard' },
  );

const defaults = defaultApiConfig;

/** The api: section as written, before the token is resolved. */
export const apiShape = closedObject({
  host: z.string().min(1).default(defaults.host),
  port: countField({ min: 0, max: 65_535 }).default(defaults.port),
  // `token: ${HALE_API_TOKEN:-}` with the variable unset means no token.
  token: z.string().nullable().default(null),
  tokenFile: z.string().min(1).optional(),
  allowUnauthenticated: z.boolean().default(defaults.allowUnauthenticated),
  protectReads: z.boolean().default(defaults.protectReads),
  corsOrigins: z.array(origin).default(() => []),
  allowedHosts: z.array(allowedHost).default(() => []),
  rateLimit: closedObject({
    perClient: countField({ min: 1 }).default(defaults.rateLimit.perClient),
    perPlugin: countField({ min: 1 }).default(defaults.rateLimit.perPlugin),
    window: durationField({ min: 1_000 }).default(defaults.rateLimit.windowMs),
  }).prefault(() => ({})),
  requestTimeout: durationField({ min: 100 }).default(defaults.requestTimeoutMs),
});

type RawApi = z.output<typeof apiShape>;

/** Where a resolved setting went wrong: the key under `api` and what to say. */
export interface ApiIssue {
  key: 'token' | 'tokenFile' | 'host';
  message: string;
}

type TokenResult = { ok: true; token: string | null; from: ApiConfig['tokenSource'] } | { ok: false; issue: ApiIssue };

const readTokenFile = (file: string): TokenResult => {
  let text: string;
  try {
    const stats = statSync(file);
    // A FIFO or device would block the read for ever; a link (a Kubernetes secret is one) is followed.
    if (!stats.isFile() && !stats.isDirectory())
      return {
        ok: false,
        issue: { key: 'tokenFile', message: `the token file ${file} is not a regular file (a FIFO, a socket or a device)` },
      };
    // A token anyone on the machine can read is no secret.
    if ((stats.mode & 0o004) !== 0) {
      return { ok: false, issue: { key: 'tokenFile', message: `${file} is readable by every user; chmod o-r it (0600 or 0640)` } };
    }
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'it is a directory' : String(code);
    return { ok: false, issue: { key: 'tokenFile', message: `cannot read the token file ${file}: ${why}` } };
  }
  const token = text.trim();
  if (token === '') return { ok: false, issue: { key: 'tokenFile', message: `the token file ${file} is empty` } };
  if (/\s/.test(token))
    return { ok: false, issue: { key: 'tokenFile', message: `the token in ${file} holds whitespace; a bearer token is one word` } };
  return { ok: true, token, from: 'tokenFile' };
};

const resolveToken = (raw: RawApi, env: Readonly<Record<string, string | undefined>>, baseDir: string): TokenResult => {
  const inline = raw.token === null || raw.token === '' ? null : raw.token;
  if (inline !== null && raw.tokenFile !== undefined) {
    return { ok: false, issue: { key: 'tokenFile', message: 'set api.token or api.tokenFile, not both' } };
  }
  if (inline !== null) {
    if (/\s/.test(inline)) return { ok: false, issue: { key: 'token', message: 'a bearer token is one word, with no whitespace' } };
    return { ok: true, token: inline, from: 'token' };
  }
  if (raw.tokenFile !== undefined) return readTokenFile(resolve(baseDir, raw.tokenFile));
  const fromEnv = env[tokenEnv]?.trim() ?? '';
  return fromEnv === '' ? { ok: true, token: null, from: null } : { ok: true, token: fromEnv, from: 'env' };
};

/**
 * The api: section resolved: the token from api.token, api.tokenFile or
 * HALE_API_TOKEN (in that order), and the refusal to open the management
 * routes to the network with no token at all.
 *
 * @example
 * resolveApi(raw, process.env, '/etc/hale'); // { ok: true, api: { host: '127.0.0.1', token: 's3cret', … } }
 */
export const resolveApi = (
  raw: RawApi,
  env: Readonly<Record<string, string | undefined>>,
  baseDir: string,
): { ok: true; api: ApiConfig } | { ok: false; issue: ApiIssue } => {
  const token = resolveToken(raw, env, baseDir);
  if (!token.ok) return token;
  if (token.token === null && !isLoopbackHost(raw.host) && !raw.allowUnauthenticated) {
    return {
      ok: false,
      issue: {
        key: 'host',
        message: `"${raw.host}" can be reached from other machines and no token is set, so anyone there could stop your plugins: set api.token, api.tokenFile or ${tokenEnv}, or listen on 127.0.0.1, or (on a network you trust) say api.allowUnauthenticated: true`,
      },
    };
  }
  return {
    ok: true,
    api: {
      host: raw.host,
      port: raw.port,
      token: token.token,
      tokenSource: token.from,
      allowUnauthenticated: raw.allowUnauthenticated,
      protectReads: raw.protectReads,
      corsOrigins: raw.corsOrigins,
      allowedHosts: raw.allowedHosts,
      rateLimit: { perClient: raw.rateLimit.perClient, perPlugin: raw.rateLimit.perPlugin, windowMs: raw.rateLimit.window },
      requestTimeoutMs: raw.requestTimeout,
    },
  };
};
