import type * as grpc from '@grpc/grpc-js';

/**
 * Stops a server gracefully within `graceMs`: no new calls, calls in flight
 * may finish; whatever is still open then (a Watch stream, a stuck handler)
 * is cut. Resolves once the server is down, never later than about `graceMs`.
 *
 * @example
 * await shutdownServer(server, 2_000);
 */
export const shutdownServer = (server: grpc.Server, graceMs: number): Promise<void> =>
  new Promise((resolve) => {
    const timer = setTimeout(() => {
      server.forceShutdown();
      resolve();
    }, graceMs);
    server.tryShutdown(() => {
      clearTimeout(timer);
      resolve();
    });
  });
