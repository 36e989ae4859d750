import type { IncomingMessage, ServerResponse } from 'node:http';
import { errorBody } from './errors.js';
import { createHostCheck } from './host-check.js';
import type { AuditLogger } from './management/guard.js';
import { securityHeaderValues } from './security-headers.js';

/** Audit lines of Host refusals a second, at most; the rest are counted into the next line. */
const hostAuditPerSecond = 20;

const misdirectedBody = (host: string): string =>
  JSON.stringify(
    errorBody(
      'misdirected_host',
      `this hale does not answer for the host ${JSON.stringify(host.slice(0, 64))}; call it by a loopback name, an address it listens on, or a name in api.allowedHosts`,
    ),
  );

const clientOf = (request: IncomingMessage): string => request.socket.remoteAddress ?? 'unknown';

export interface HostGateOptions {
  /** The address the server is bound to. */
  host: string;
  allowedHosts?: readonly string[];
  audit?: AuditLogger;
}

/** Admits or refuses requests by their Host: a plain request is answered 421 here, an Upgrade is told what to answer. */
export interface HostGate {
  /** True for a request whose Host names this hale; any other is answered 421 here, and audited. */
  admit(request: IncomingMessage, response: ServerResponse): boolean;
  /** For an Upgrade, which has no response object: null to go on, or the 421 body to refuse with (audited). */
  refuseUpgrade(request: IncomingMessage): string | null;
}

/**
 * Says true for a request whose Host names this hale (see createHostCheck);
 * answers any other 421 itself, from node:http, before the fast lane or the
 * app sees it, and writes its audit line (past 20 a second, the rest are
 * counted into the next one). A WebSocket Upgrade is judged the same way.
 *
 * @example
 * const gate = createHostGate({ host: '0.0.0.0', allowedHosts: ['hale.internal'], audit: log });
 * if (!gate.admit(request, response)) return;
 */
export const createHostGate = (options: HostGateOptions): HostGate => {
  const check = createHostCheck({
    bindHost: options.host,
    ...(options.allowedHosts === undefined ? {} : { allowedHosts: options.allowedHosts }),
  });
  const fixedHeaders = [...Object.entries(securityHeaderValues).flat(), 'content-type', 'application/json', 'connection', 'close'];
  let second = 0;
  let lines = 0;
  let suppressed = 0;
  const auditRefusal = (request: IncomingMessage, host: string): void => {
    const { audit } = options;
    if (audit === undefined) return;
    const now = Math.floor(Date.now() / 1_000);
    if (now !== second) [second, lines] = [now, 0];
    if (++lines > hostAuditPerSecond) {
      suppressed += 1;
      return;
    }
    const client = clientOf(request);
    const path = (request.url ?? '').slice(0, 200);
    audit.info(
      {
        audit: true,
        method: request.method,
        path,
        client,
        host,
        outcome: 'refused',
        status: 421,
        reason: 'misdirected_host',
        ...(suppressed === 0 ? {} : { suppressed }),
      },
      `audit: ${request.method} ${path} for host ${JSON.stringify(host.slice(0, 64))} from ${client}: refused, 421${suppressed === 0 ? '' : ` (and ${suppressed} more not logged)`}`,
    );
    suppressed = 0;
  };
  const refuseUpgrade = (request: IncomingMessage): string | null => {
    const verdict = check(request.headers.host);
    if (verdict.ok) return null;
    auditRefusal(request, verdict.host);
    return misdirectedBody(verdict.host);
  };
  return {
    refuseUpgrade,
    admit: (request, response) => {
      const verdict = check(request.headers.host);
      if (verdict.ok) return true;
      const body = misdirectedBody(verdict.host);
      response.writeHead(421, [...fixedHeaders, 'content-length', String(Buffer.byteLength(body))]);
      response.end(request.method === 'HEAD' ? undefined : body);
      auditRefusal(request, verdict.host);
      return false;
    },
  };
};
