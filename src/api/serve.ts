import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getRequestListener } from '@hono/node-server';
import { HaleError } from '../errors.js';
import type { RequestLane } from './probe-lane.js';

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
  /** Answers what it can before the app sees the request (the probe routes). */
  lane?: RequestLane;
  host: string;
  port: number;
  /** A client must have sent its whole request by then (headers by half of it, at most 5 s); 10 s by default. */
  requestTimeoutMs?: number;
  /** How long requests in flight may finish once close begins; 1 s by default. */
  closeGraceMs?: number;
}

const hostPortOf = (host: string, port: number): string => (host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`);

/**
 * Serves `app` on host:port over HTTP/1.1. A port that cannot be bound
 * (EADDRINUSE, EACCES) rejects with HaleError('listen_failed').
 *
 * @example
 * const server = await startApiServer({ app, host: '127.0.0.1', port: 0 });
 * await fetch(`${server.url}/health`);
 * await server.close();
 */
export const startApiServer = async (options: ApiServerOptions): Promise<ApiServer> => {
  const { host } = options;
  const toApp = getRequestListener((request, env) => options.app.fetch(request, env));
  const { lane } = options;
  const server = createServer(
    lane === undefined
      ? toApp
      : (request, response) => {
          if (!lane(request, response)) void toApp(request, response);
        },
  );

  // A client trickling its request in (slowloris) holds a socket for this long at most.
  server.requestTimeout = options.requestTimeoutMs ?? 10_000;
  server.headersTimeout = Math.min(server.requestTimeout, 5_000);

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
  let closing: Promise<void> | null = null;
  // A keep-alive connection whose answer ends after close began would stay open
  // for keepAliveTimeout (5 s); end it as soon as it goes idle instead.
  server.on('request', (_request, response) => {
    response.once('finish', () => {
      if (closing !== null) setImmediate(() => server.closeIdleConnections());
    });
  });
  const close = (): Promise<void> => {
    closing ??= new Promise<void>((resolve) => {
      // A request that never finishes must not hold shutdown up.
      const timer = setTimeout(() => server.closeAllConnections(), options.closeGraceMs ?? 1_000);
      timer.unref();
      server.close(() => {
        clearTimeout(timer);
        resolve();
      });
      server.closeIdleConnections();
    });
    return closing;
  };

  return { url: `http://${hostPortOf(host, port)}`, port, close };
};
