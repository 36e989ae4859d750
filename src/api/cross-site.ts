import type { Context, MiddlewareHandler } from 'hono';
import { answerError } from './errors.js';
import type { AuditLogger } from './management/guard.js';
import { clientAddressOf } from './management/client-address.js';
import { tokenFingerprint } from './management/token-fingerprint.js';

export interface CrossSiteOptions {
  /** Origins trusted to call from another site (`api.corsOrigins`), exactly as written: scheme://host[:port]. */
  trustedOrigins?: readonly string[];
  /** Names that are hale's own (`api.allowedHosts`): a page served under one of them is hale's, on any port. */
  allowedHosts?: readonly string[];
  audit?: AuditLogger;
}

type CrossSiteRefusal = { reason: 'cross_site_request' | 'form_content_type'; message: string };

/** Methods that change nothing; every other one may. */
const safeMethods = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The content types a page may send anywhere without a preflight (a form, a no-cors fetch). */
const simpleTypes = new Set(['application/x-www-form-urlencoded', 'multipart/form-data', 'text/plain']);

const defaultPorts: Readonly<Record<string, string>> = { 'http:': '80', 'https:': '443' };

interface Authority {
  hostname: string;
  port: string;
}

/** The host and port of an origin, the port said even when it is the scheme's; null when it is none (`null`, garbage). */
const originAuthority = (origin: string): (Authority & { scheme: string }) | null => {
  try {
    const url = new URL(origin);
    const port = url.port === '' ? defaultPorts[url.protocol] : url.port;
    if (port === undefined) return null;
    return { hostname: url.hostname.replace(/^\[|\]$/g, ''), port, scheme: url.protocol };
  } catch {
    return null;
  }
};

/** The host and port a Host header names; without a port, the default of the scheme the page used. */
const hostAuthority = (host: string, scheme: string): Authority | null => {
  try {
    const hostname = new URL(`http://${host}`).hostname.replace(/^\[|\]$/g, '');
    const port = /:([0-9]{1,5})$/.exec(host)?.[1];
    return { hostname, port: port === undefined ? (defaultPorts[scheme] ?? '') : String(Number(port)) };
  } catch {
    return null;
  }
};

/**
 * True when a browser says the request comes from a page of another site:
 * `Sec-Fetch-Site` other than `same-origin` or `none`, or, from a browser
 * too old to send that, an `Origin` that is not the Host asked nor under one
 * of `ownNames`. An origin in `trusted` is never another site; a request
 * with neither header (curl, the CLI) is not.
 *
 * @example
 * if (isCrossSite(c, new Set(['https://ops.example']), new Set(['hale.internal']))) return refuse(c);
 */
export const isCrossSite = (c: Context, trusted: ReadonlySet<string>, ownNames: ReadonlySet<string>): boolean => {
  const origin = c.req.header('Origin');
  if (origin !== undefined && trusted.has(origin.trim().toLowerCase())) return false;
  const site = c.req.header('Sec-Fetch-Site')?.trim().toLowerCase();
  if (site !== undefined && site !== '') return site !== 'same-origin' && site !== 'none';
  if (origin === undefined) return false;
  // An older browser, which sends no Sec-Fetch-Site: the Origin must be the address it asked.
  const from = originAuthority(origin.trim());
  if (from === null) return true;
  const asked = hostAuthority(c.req.header('Host') ?? '', from.scheme);
  const same = asked !== null && asked.hostname === from.hostname && asked.port === from.port;
  return !same && !ownNames.has(from.hostname);
};

const judge = (c: Context, trusted: ReadonlySet<string>, ownNames: ReadonlySet<string>): CrossSiteRefusal | null => {
  const origin = c.req.header('Origin');
  if (isCrossSite(c, trusted, ownNames)) {
    return {
      reason: 'cross_site_request',
      message: `a request that changes state must come from hale's own origin, not from ${origin === undefined ? 'another site' : JSON.stringify(origin.slice(0, 100))}; curl and the CLI send no Origin and pass`,
    };
  }
  const type = (c.req.header('Content-Type') ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (simpleTypes.has(type)) {
    return {
      reason: 'form_content_type',
      message: `a request that changes state may not carry a ${type} body, which any web page can send; send JSON with Content-Type: application/json (curl: -H 'Content-Type: application/json'), or no body`,
    };
  }
  return null;
};

/**
 * Refuses, with 403 and an audit line, any request that may change state
 * (any method but GET, HEAD and OPTIONS) that a browser says comes from
 * another site, whatever the token: `Sec-Fetch-Site` other than
 * `same-origin` or `none`, or, from a browser too old to send that, an
 * `Origin` that is not the Host asked; and any such request with a body a
 * page can send without a preflight (a form, text/plain). A request with
 * neither header (curl, the CLI) passes; an origin in `trustedOrigins`
 * passes the site checks. The rule of Go's net/http CrossOriginProtection.
 *
 * @example
 * app.use('*', refuseCrossSite({ trustedOrigins: config.api.corsOrigins, allowedHosts: config.api.allowedHosts, audit: log }));
 */
export const refuseCrossSite = (options: CrossSiteOptions = {}): MiddlewareHandler => {
  const trusted = new Set((options.trustedOrigins ?? []).map((origin) => origin.toLowerCase()));
  const ownNames = new Set((options.allowedHosts ?? []).map((host) => host.toLowerCase().replace(/^\[|\]$/g, '')));
  const { audit } = options;
  return async (c, next) => {
    if (safeMethods.has(c.req.method)) return next();
    const refusal = judge(c, trusted, ownNames);
    if (refusal === null) return next();
    const client = clientAddressOf(c);
    const path = c.req.path.slice(0, 200);
    audit?.info(
      {
        audit: true,
        method: c.req.method,
        path,
        client,
        outcome: 'refused',
        status: 403,
        reason: refusal.reason,
        origin: c.req.header('Origin')?.slice(0, 200) ?? null,
        secFetchSite: c.req.header('Sec-Fetch-Site')?.slice(0, 40) ?? null,
        tokenFingerprint: tokenFingerprint(c.req.header('Authorization')),
      },
      `audit: ${c.req.method} ${path} from ${client}: refused, 403 (${refusal.reason})`,
    );
    return answerError(c, 403, refusal.reason, refusal.message);
  };
};
