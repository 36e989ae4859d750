import { EventEmitter } from 'node:events';
import type { WebSocketServerLike } from '@hono/node-server';
import type { ServerOptions, WebSocket, WebSocketServer } from 'ws';

/** A WebSocket server whose `ws` module is loaded at the first upgrade, not at start-up. */
export interface LazyWsServer {
  /** What @hono/node-server's `websocket.server` takes. */
  server: WebSocketServerLike;
  /** Loads `ws` and makes the real server; awaited before an upgrade is handed on. */
  ready(): Promise<void>;
  /** The open sockets; none before the first upgrade. */
  clients(): Iterable<WebSocket>;
}

/**
 * A stand-in for a `ws` WebSocketServer (noServer) that loads `ws` only when
 * a client first asks for a WebSocket: an idle hale never pays the 3–6 MiB
 * of RSS it costs (README, Benchmarks).
 *
 * @example
 * const sockets = createLazyWsServer({ noServer: true, maxPayload: 4096 });
 * createAdaptorServer({ fetch, websocket: { server: sockets.server } });
 * // in the upgrade's fetch: await sockets.ready();
 */
export const createLazyWsServer = (options: ServerOptions): LazyWsServer => {
  // hono listens for 'connection' at set-up and emits it itself after each upgrade.
  const local = new EventEmitter();
  let real: WebSocketServer | null = null;
  let loading: Promise<void> | null = null;
  type Listener = (...args: unknown[]) => void;
  const server = {
    options: { noServer: true },
    on(event: string, listener: Listener) {
      // 'headers' is the real server's: hono adds it just before handleUpgrade, once ready() has settled.
      if (event === 'headers') real?.on('headers', listener);
      else local.on(event, listener);
      return server;
    },
    off(event: string, listener: Listener) {
      if (event === 'headers') real?.off('headers', listener);
      else local.off(event, listener);
      return server;
    },
    emit: (event: string, ...args: unknown[]): boolean => local.emit(event, ...args),
    handleUpgrade(...args: Parameters<WebSocketServer['handleUpgrade']>): void {
      // Only reachable without ready() if loading ws failed: the client is cut, never left hanging.
      if (real === null) args[1].destroy();
      else real.handleUpgrade(...args);
    },
    close: (): void => real?.close(),
  } as unknown as WebSocketServerLike;
  return {
    server,
    ready: () =>
      (loading ??= import('ws').then(({ WebSocketServer: Server }) => {
        real = new Server(options);
      })),
    clients: () => real?.clients ?? [],
  };
};
