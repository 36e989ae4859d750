import { request } from 'node:http';
import { createApp, type ApiSecurity } from '../../src/api/app.js';
import { createFastLane } from '../../src/api/fast-lane.js';
import type { EventRouteOptions } from '../../src/api/routes/events.js';
import { startApiServer, type ApiServer, type ApiServerOptions } from '../../src/api/serve.js';
import { buildPluginStatus, buildSnapshot, createRecordingBackend, type RecordingBackend } from './status-builder.js';

export interface ServedApi {
  server: ApiServer;
  /** Records every restart, stop, start, signal and (here) reload asked of it. */
  backend: RecordingBackend;
  /** Every audit line, from the app and from the server. */
  audit: Array<Record<string, unknown>>;
}

export interface ServeApiOptions {
  token?: string | null;
  security?: ApiSecurity;
  events?: Omit<EventRouteOptions, 'backend'>;
  /** Where the server binds; 127.0.0.1 by default. Tests send traffic to 127.0.0.1 only. */
  host?: string;
  server?: Partial<Pick<ApiServerOptions, 'allowedHosts' | 'requestTimeoutMs'>>;
}

/**
 * A real API server (app, fast lane and node:http) over a recording
 * backend, with its audit lines kept; close it with `server.close()`.
 *
 * @example
 * const { server, backend, audit } = await serveApi({ token: null });
 */
export const serveApi = async (options: ServeApiOptions = {}): Promise<ServedApi> => {
  const backend = createRecordingBackend(buildSnapshot([buildPluginStatus('greeter'), buildPluginStatus('flaky', { critical: false })]));
  // A reload is a state change too: record it with the others.
  backend.reload = async (reason) => {
    backend.requests.push({ name: '', action: 'restart', reason });
    return { ok: false, code: 'reload_unavailable', message: 'a test backend has no config file', issues: [] };
  };
  const audit: Array<Record<string, unknown>> = [];
  const logger = { error: () => {}, info: (obj: object) => audit.push(obj as Record<string, unknown>) };
  const app = createApp({
    backend,
    token: options.token === undefined ? null : options.token,
    logger,
    ...(options.security === undefined ? {} : { security: options.security }),
    ...(options.events === undefined ? {} : { events: options.events }),
  });
  const server = await startApiServer({
    app,
    lane: createFastLane(backend, { protectReads: options.security?.protectReads === true }),
    host: options.host ?? '127.0.0.1',
    port: 0,
    audit: logger,
    ...options.server,
  });
  return { server, backend, audit };
};

export interface RawAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export interface RawRequest {
  method?: string;
  path: string;
  headers?: Record<string, string>;
  body?: string;
  /** The client's own address, e.g. 127.0.0.2 (any of 127.0.0.0/8 works on Linux). */
  localAddress?: string;
}

/**
 * One request over node:http to 127.0.0.1:port, with any Host header the
 * test chooses (fetch forbids setting it) and any source address.
 *
 * @example
 * const answer = await sendRaw(server.port, { path: '/health', headers: { Host: 'attacker.example:8080' } });
 */
export const sendRaw = (port: number, options: RawRequest): Promise<RawAnswer> =>
  new Promise((resolve, reject) => {
    const outgoing = request(
      {
        host: '127.0.0.1',
        port,
        method: options.method ?? 'GET',
        path: options.path,
        headers: {
          Host: `127.0.0.1:${port}`,
          ...options.headers,
          ...(options.body === undefined ? {} : { 'Content-Length': String(Buffer.byteLength(options.body)) }),
        },
        agent: false,
        ...(options.localAddress === undefined ? {} : { localAddress: options.localAddress }),
      },
      (incoming) => {
        let body = '';
        incoming.setEncoding('utf8');
        incoming.on('data', (chunk: string) => (body += chunk));
        incoming.on('end', () => resolve({ status: incoming.statusCode ?? 0, headers: incoming.headers, body }));
        incoming.on('error', reject);
      },
    );
    outgoing.setTimeout(10_000, () => outgoing.destroy(new Error(`no answer to ${options.path} within 10 s`)));
    outgoing.on('error', reject);
    outgoing.end(options.body);
  });

/** The error code of a JSON error answer, or null. */
export const errorCodeOf = (answer: RawAnswer): string | null => {
  try {
    return (JSON.parse(answer.body) as { error?: { code?: string } }).error?.code ?? null;
  } catch {
    return null;
  }
};
