import { startPluginServer } from '../grpc/plugin-server.js';
import { createGracefulStop } from './graceful-stop.js';
import { printHandshakeLine } from './handshake-line.js';
import { readHealth } from './health-input.js';
import { chooseListenAddress, removeStaleSocket } from './listen-address.js';
import { watchStdinClose } from './parent-watch.js';
import { createPluginLogger } from './plugin-logger.js';
import { onStopSignals } from './stop-signals.js';
import { exitUnlessSupervised } from './supervised-check.js';
import type { PluginHandle, ServePluginOptions } from './types.js';

/**
 * Makes this process a hale plugin: checks that a supervisor started it
 * (else exits 1 with a message saying how to run it), serves
 * hale.plugin.v1.Plugin, grpc.health.v1 and the author's services on a unix
 * socket (or 127.0.0.1 when there can be none), prints the handshake line, and
 * stops gracefully — then exits 0 — on the Shutdown RPC, SIGTERM/SIGINT, or
 * when stdin closes because the supervisor is gone.
 *
 * @example
 * import { servePlugin } from 'hale/sdk';
 *
 * await servePlugin({
 *   name: 'cache',
 *   version: '1.0.0',
 *   health: async () => ({ status: (await redis.ping()) ? 'healthy' : 'unhealthy' }),
 *   onShutdown: () => redis.quit(),
 * });
 */
export const servePlugin = async (options: ServePluginOptions): Promise<PluginHandle> => {
  exitUnlessSupervised({ name: options.name, cookie: options.cookie });
  const log = createPluginLogger();
  const plan = chooseListenAddress(process.env, options.name, process.pid);
  if (plan.socketPath !== null) removeStaleSocket(plan.socketPath);

  // The server's Shutdown handler needs the stop, and the stop needs the server.
  let stop: (reason: string) => Promise<void> = async () => {};
  const server = await startPluginServer({
    listen: plan.listen,
    services: options.services,
    handlers: {
      healthCheck: () => readHealth(options.health),
      getInfo: () => ({ name: options.name, version: options.version, description: options.description ?? '' }),
      shutdown: (reason) => void stop(reason ? `Shutdown RPC: ${reason}` : 'Shutdown RPC'),
    },
  });
  stop = createGracefulStop({
    server,
    socketPath: server.address.network === 'unix' ? plan.socketPath : null,
    onShutdown: options.onShutdown,
    log,
    onStopped: () => process.exit(0),
  });
  onStopSignals((signal) => void stop(`received ${signal}`));
  watchStdinClose(() => void stop('stdin closed: the supervisor is gone'));

  if (plan.fallbackReason !== null) log.info(`listening on loopback TCP: ${plan.fallbackReason}`);
  for (const failure of server.bindFailures) log.warn(`could not listen on ${failure}; using loopback TCP`);
  printHandshakeLine(server.address);
  log.info(`serving ${options.name} ${options.version}`, { network: server.address.network, address: server.address.address });
  return { address: server.address, stop: (reason) => stop(reason) };
};
