import type { PluginServer } from '../grpc/plugin-server.js';
import { settleWithin } from '../util/settle.js';
import { removeSocketFile } from './listen-address.js';
import type { PluginLogger } from './plugin-logger.js';

// Together well inside the supervisor's default stopTimeout (10 s), after which it sends SIGKILL.
export const onShutdownBudgetMs = 3_000;
export const serverGraceMs = 2_000;

export interface GracefulStopOptions {
  server: PluginServer;
  socketPath: string | null;
  onShutdown: ((reason: string) => void | Promise<void>) | undefined;
  log: PluginLogger;
  /** What happens once everything is down; the SDK exits the process with code 0. */
  onStopped: () => void;
}

// The author's hook gets a bounded time; a hook that hangs or throws does not hold the stop.
const runHook = async (options: GracefulStopOptions, reason: string): Promise<void> => {
  if (options.onShutdown === undefined) return;
  const hook = options.onShutdown;
  try {
    const outcome = await settleWithin(
      Promise.resolve().then(() => hook(reason)),
      onShutdownBudgetMs,
      'late' as const,
    );
    if (outcome === 'late') options.log.warn(`onShutdown did not finish within ${onShutdownBudgetMs} ms; stopping anyway`);
  } catch (error) {
    options.log.error(`onShutdown failed: ${error instanceof Error ? error.message : String(error)}`);
  }
};

/**
 * The one way a plugin stops, whatever asked (Shutdown RPC, signal, stdin
 * closed, the author): NOT_SERVING, the author's onShutdown, the server
 * drained within a bounded wait, the socket file removed, then `onStopped`.
 * Calling the returned function again returns the same stop.
 *
 * @example
 * const stop = createGracefulStop({ server, socketPath, onShutdown, log, onStopped: () => process.exit(0) });
 * await stop('received SIGTERM');
 */
export const createGracefulStop = (options: GracefulStopOptions): ((reason: string) => Promise<void>) => {
  let stopping: Promise<void> | null = null;
  const stop = async (reason: string): Promise<void> => {
    options.log.info(`stopping: ${reason}`);
    options.server.setServing(false);
    await runHook(options, reason);
    await options.server.shutdown(serverGraceMs);
    if (options.socketPath !== null && !removeSocketFile(options.socketPath)) {
      options.log.warn(`could not remove the socket file ${options.socketPath}`);
    }
    options.log.info('stopped');
    options.onStopped();
  };
  return (reason) => (stopping ??= stop(reason));
};
