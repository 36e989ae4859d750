import { createServer, type IncomingMessage, type RequestListener, type Server } from 'node:http';
import { createLazyWsServer } from './lazy-ws-server.js';
import type { AddressInfo, Socket } from 'node:net';
import { createAdaptorServer } from '@hono/node-server';
import { HaleError } from '../errors.js';
import { createHostGate } from './host-gate.js';
import { chooseWsProtocol, wsHealthPath, wsMaxClientMessageBytes } from './ws-protocol.js';
import type { AuditLogger } from './management/guard.js';
import type { RequestLane } from './fast-lane.js';

export interface ApiServer {
  /** Where the API answers, e.g. `http://127.0.0.1:8080`. */
  url: string;
  /** The bound port; the one the OS chose when 0 was asked. */
  port: number;
  /** Stops listening and ends every connection; resolves once the server is closed. */
  close(): Promise<void>;
}

export interface ApiServerOptions {
  /** `env` carries node's request and response (`incoming`, `outgoing`), as Hono's node adapter gives them. */
  app: { fetch: (request: Request, env?: object) => Response | Promise<Response> };
  /** Answers what it can before the app sees the request (the health routes). */
  lane?: RequestLane;
  host: string;
  port: number;
  /** A client must have sent its whole request by then (headers by half of it, at most 5 s); 10 s by default. */
  requestTimeoutMs?: number;
  /** How long requests in flight may finish once close begins; 1 s by default. */
  closeGraceMs?: number;
  /** Names hale is reached by besides loopback and its own addresses (`api.allowedHosts`); any other Host gets 421. */
  allowedHosts?: readonly string[];
  /** Gets an audit line for each request refused for its Host. */
  audit?: AuditLogger;
  /** The paths a WebSocket Upgrade is taken for (the app answers them with upgradeWebSocket); any other is refused 404. */
  upgradePaths?: readonly string[];
}

/** How often node looks for requests past their headers or request timeout; its default, 30 s, let a trickle last ~28 s. */
const timeoutCheckMs = 250;
/** A socket with nothing read or written for this long is ended (an answer nobody reads, an idle stream). */
const idleSocketMs = 60_000;
/** While closing, how often connections that went idle since are ended. */
const idleSweepMs = 20;

const hostPortOf = (host: string, port: number): string => (host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`);

/** A WebSocket still open this long after close began is cut; it was told 1001 at once. */
const wsCloseGraceMs = 1_000;

/** True for the node-server adapter's call of the app for an Upgrade: it has a request and no response. */
const isUpgradeCall = (env: object): env is { incoming: IncomingMessage; outgoing: undefined } =>
  'incoming' in env && (env as { outgoing?: unknown }).outgoing === undefined;

/**
 * Serves `app` on host:port over HTTP/1.1. Every request whose Host names
 * neither loopback, nor an address the server listens on, nor one of
 * `allowedHosts` is answered 421 before the lane or the app sees it (DNS
 * rebinding); a WebSocket Upgrade too, and one for a path not in
 * `upgradePaths` is refused 404 before the app sees it. A connection that
 * has not sent its headers within 5 s, or its whole request within
 * `requestTimeoutMs`, is cut within a quarter second of it. On close,
 * WebSockets are told 1001 at once and cut a second later. A port that
 * cannot be bound (EADDRINUSE, EACCES) rejects with
 * HaleError('listen_failed').
 *
 * @example
 * const server = await startApiServer({ app, host: '127.0.0.1', port: 0 });
 * await fetch(`${server.url}/health`);
 * await server.close();
 */
export const startApiServer = async (options: ApiServerOptions): Promise<ApiServer> => {
  const { host } = options;
  const { lane } = options;
  const gate = createHostGate(options);
  const upgradePaths = new Set(options.upgradePaths ?? [wsHealthPath]);
  let selfHost = host;
  // A client trickling its request in (slowloris) holds a socket for this long at most.
  const requestTimeout = options.requestTimeoutMs ?? 10_000;
  const headersTimeout = Math.min(requestTimeout, 5_000);
  const asked = new WeakSet<object>();
  // A client's message is never needed: one past a few KiB ends its connection (1009).
  const sockets = createLazyWsServer({
    noServer: true,
    maxPayload: wsMaxClientMessageBytes,
    handleProtocols: (offered) => chooseWsProtocol(offered),
  });
  // The env is the adapter's own: upgradeWebSocket finds the socket by the symbols it holds, and marks it.
  const upgrade = (request: Request, env: { incoming: IncomingMessage; outgoing: undefined }): Response | Promise<Response> => {
    asked.add(env.incoming.socket);
    const refusal = gate.refuseUpgrade(env.incoming);
    if (refusal !== null) return new Response(refusal, { status: 421 });
    if (!upgradePaths.has(new URL(request.url).pathname)) return new Response(null, { status: 404 });
    // ws not loadable (a broken install) is a 503 that says so, never the adapter's 500.
    return sockets.ready().then(
      () => options.app.fetch(request, env),
      () => new Response('the WebSocket library could not be loaded', { status: 503 }),
    );
  };
  const withGates =
    (toApp: RequestListener): RequestListener =>
    (request, response) => {
      asked.add(request.socket);
      if (!gate.admit(request, response)) return;
      // HTTP/1.0 may leave Host out; the app needs one to make a URL of the request.
      if (request.headers.host === undefined || request.headers.host === '') request.headers.host = selfHost;
      if (lane === undefined || !lane(request, response)) void toApp(request, response);
    };
  const server = createAdaptorServer({
    fetch: (request, env) => {
      if (!isUpgradeCall(env)) return options.app.fetch(request, env);
      return upgrade(request, env);
    },
    websocket: { server: sockets.server },
    serverOptions: { requestTimeout, headersTimeout, connectionsCheckingInterval: timeoutCheckMs },
    createServer: ((serverOptions: object, toApp: RequestListener) => createServer(serverOptions, withGates(toApp))) as typeof createServer,
  }) as Server;
  server.setTimeout(idleSocketMs);
  // node's headers timeout starts at the first byte: a connection that sends none would stay until idleSocketMs.
  server.on('connection', (socket: Socket) => {
    const timer = setTimeout(() => {
      if (!asked.has(socket)) socket.destroy();
    }, headersTimeout);
    timer.unref();
    socket.once('close', () => clearTimeout(timer));
  });

  await new Promise<void>((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      const why = error.code ?? error.message;
      reject(new HaleError('listen_failed', `cannot listen on ${hostPortOf(host, options.port)}: ${why}`, { cause: error }));
    };
    const onListening = () => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(options.port, host);
  });

  const port = (server.address() as AddressInfo).port;
  selfHost = hostPortOf(host, port);
  let closing: Promise<void> | null = null;
  const close = (): Promise<void> => {
    closing ??= new Promise<void>((resolve) => {
      // A request that never finishes must not hold shutdown up.
      const timer = setTimeout(() => server.closeAllConnections(), options.closeGraceMs ?? 1_000);
      timer.unref();
      // An open WebSocket holds the server open: each is told hale is going away, and cut if it does not answer.
      for (const socket of sockets.clients()) socket.close(1001, 'hale is stopping');
      const cut = setTimeout(() => {
        for (const socket of sockets.clients()) socket.terminate();
      }, wsCloseGraceMs);
      cut.unref();
      // A keep-alive connection whose answer ends after close began would stay open for keepAliveTimeout (5 s):
      // it is ended as soon as it goes idle. Looked for while closing only; a listener on every answer cost /health ~4 %.
      const idleSweep = setInterval(() => server.closeIdleConnections(), idleSweepMs);
      idleSweep.unref();
      server.close(() => {
        clearTimeout(timer);
        clearTimeout(cut);
        clearInterval(idleSweep);
        resolve();
      });
      server.closeIdleConnections();
    });
    return closing;
  };

  return { url: `http://${hostPortOf(host, port)}`, port, close };
};
