import type { IncomingMessage } from 'node:http';
import { Hono } from 'hono';
import { upgradeWebSocket } from '@hono/node-server';
import type { WebSocket } from 'ws';
import type { ApiBackend } from '../backend.js';
import { isCrossSite } from '../cross-site.js';
import { answerError, rejectMethod } from '../errors.js';
import { readEventFilter } from '../event-filter.js';
import { readLastEventIdText } from '../event-replay.js';
import type { AuditLogger } from '../management/guard.js';
import { clientAddressOf, clientKeyOf } from '../management/client-address.js';
import type { StreamRegistry } from '../stream-registry.js';
import { startWsSession } from '../ws-session.js';

export interface WsHealthRouteOptions {
  backend: ApiBackend;
  /** The places of open streams, shared with GET /events: one cap for both. */
  streams: StreamRegistry;
  /** Origins a page may open the socket from besides hale's own (`api.corsOrigins`). */
  trustedOrigins?: readonly string[];
  /** Names that are hale's own (`api.allowedHosts`): a page served under one of them is hale's. */
  allowedHosts?: readonly string[];
  audit?: AuditLogger;
  /** A ping this often; 15 s by default. */
  heartbeatMs?: number;
  /** Unread bytes past which a client is closed (1013); 1 MiB by default. */
  maxBufferedBytes?: number;
  /** How long a client closed for being slow has to take the close; 5 s by default. */
  overflowGraceMs?: number;
  /** What a handler of an open socket threw; it is dropped, and the socket goes on. */
  onError?: (error: unknown) => void;
}

/**
 * GET /ws/health: the events of GET /events over a WebSocket, one JSON
 * message each (`{id, type, …}`), with the same query (`plugin`, `types`,
 * `checks`), resume by `?lastEventId=` (a browser's WebSocket sets no
 * header), and the same places as the SSE streams. A page of another
 * origin than hale's own or one of `trustedOrigins` is refused 403 (a
 * WebSocket is not bound by CORS); the token, when reads need it, comes as
 * `Authorization` or, from a browser, as the subprotocol
 * `hale.token.<base64url>` beside `hale.events`.
 *
 * @example
 * app.route('/ws', createWsHealthRoutes({ backend: supervisor, streams }));
 * // new WebSocket('ws://127.0.0.1:8080/ws/health?types=transition', ['hale.events'])
 */
export const createWsHealthRoutes = (options: WsHealthRouteOptions): Hono => {
  const { backend, streams, audit } = options;
  const trusted = new Set((options.trustedOrigins ?? []).map((origin) => origin.toLowerCase()));
  const ownNames = new Set((options.allowedHosts ?? []).map((host) => host.toLowerCase().replace(/^\[|\]$/g, '')));
  const routes = new Hono();

  routes.get('/health', async (c) => {
    if (c.req.header('Upgrade')?.toLowerCase() !== 'websocket') {
      return answerError(
        c,
        426,
        'upgrade_required',
        'GET /ws/health is a WebSocket (Upgrade: websocket); GET /events serves the same events as Server-Sent Events',
        { Upgrade: 'websocket' },
      );
    }
    const client = clientAddressOf(c);
    if (isCrossSite(c, trusted, ownNames)) {
      const origin = c.req.header('Origin')?.slice(0, 200) ?? null;
      audit?.info(
        { audit: true, method: 'GET', path: c.req.path, client, outcome: 'refused', status: 403, reason: 'cross_site_request', origin },
        `audit: GET ${c.req.path} (WebSocket) from ${client}: refused, 403 (cross_site_request)`,
      );
      return answerError(
        c,
        403,
        'cross_site_request',
        `a page of ${origin === null ? 'another site' : JSON.stringify(origin)} may not open this WebSocket; only hale's own origin or one in api.corsOrigins may`,
      );
    }
    const filter = readEventFilter({ plugin: c.req.query('plugin'), types: c.req.query('types'), checks: c.req.query('checks') });
    if (!filter.ok) return answerError(c, 400, 'invalid_event_filter', filter.message);
    const lastEventId = readLastEventIdText(c.req.query('lastEventId') ?? c.req.header('Last-Event-ID'));
    if (Number.isNaN(lastEventId)) return answerError(c, 400, 'invalid_event_id', 'lastEventId must be the decimal id of an event');

    const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
    let peer: WebSocket | null = null;
    // Before the socket opens there is only the connection to cut.
    const cut = (): void => (peer === null ? void incoming?.socket.destroy() : peer.terminate());
    const place = streams.admit(clientKeyOf(client), incoming?.socket, cut);
    if (!place.ok)
      return answerError(c, place.status, 'too_many_streams', place.message, { 'Retry-After': String(place.retryAfterSeconds) });
    // However the connection ends (a handshake ws refuses, a client gone mid-way), its place is given back.
    incoming?.socket.once('close', place.release);
    let stop: () => void = () => {};
    return upgradeWebSocket(
      c,
      {
        onOpen: (_event, ws) => {
          peer = ws.raw as WebSocket;
          stop = startWsSession(peer, {
            backend,
            filter: filter.filter,
            lastEventId,
            maxBufferedBytes: options.maxBufferedBytes ?? 1024 * 1024,
            heartbeatMs: options.heartbeatMs ?? 15_000,
            graceMs: options.overflowGraceMs ?? 5_000,
            restoreWaitMs: 2_000,
            onEnding: place.markEnding,
          });
        },
        // A client has nothing to say: a message is ignored (past 4 KiB, ws closes the connection with 1009).
        onMessage: () => {},
        onClose: () => {
          stop();
          place.release();
        },
      },
      { onError: options.onError ?? (() => {}) },
    );
  });

  routes.all('/health', rejectMethod('GET'));
  return routes;
};
