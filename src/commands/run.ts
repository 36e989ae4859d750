import { rmdir } from 'node:fs/promises';
import { createApp } from '../api/app.js';
import { createFastLane } from '../api/fast-lane.js';
import { startApiServer, type ApiServer } from '../api/serve.js';
import { formatConfigIssue } from '../config/issues.js';
import { loadConfigOffThread } from '../config/load-off-thread.js';
import { isLoopbackHost } from '../config/loopback.js';
import type { SupervisorConfig } from '../config/types.js';
import { routeGrpcLogs } from '../grpc/grpc-logs.js';
import { startHealthServer, type HealthServer } from '../grpc/health-server.js';
import { isHaleError } from '../errors.js';
import { createLogger, type Logger } from '../log.js';
import { createMetrics } from '../metrics/create-metrics.js';
import { registerNatsMetrics } from '../metrics/nats-metrics.js';
import { logEvents } from '../supervisor/log-events.js';
import { createServingSource } from '../supervisor/serving-status.js';
import { removeApiAddress, writeApiAddress } from '../state/api-address.js';
import { claimStateDir } from '../state/claim-state-dir.js';
import type { StateLock } from '../state/state-lock.js';
import { createSupervisor } from '../supervisor/supervisor.js';
import { notifySystemd } from '../supervisor/systemd-notify.js';
import { version } from '../version.js';
import { resolveListenAddresses } from './listen-addresses.js';
import { describeApiListenFailure, describeGrpcListenFailure } from './listen-failure.js';

/** Says how the management plane is guarded, naming where the token came from (never the token). */
const logExposure = (api: SupervisorConfig['api'], log: Logger): void => {
  if (api.token !== null) {
    log.info(
      { tokenSource: api.tokenSource, protectReads: api.protectReads },
      `routes that change state need the bearer token (from ${api.tokenSource})`,
    );
  } else if (api.allowUnauthenticated && !isLoopbackHost(api.host)) {
    log.warn(
      { host: api.host },
      `the API listens on ${api.host} with no token (api.allowUnauthenticated): anyone who reaches it can stop your plugins`,
    );
  }
};

const flush = (log: Logger) => new Promise<void>((resolve) => log.flush(() => resolve()));
// Only a failed listen reads the file for the key's line: the YAML parser is not loaded otherwise.
const locateKey = async (file: string, path: readonly string[]): Promise<number | null> =>
  (await import('./locate-config-key.js')).locateConfigKey(file, path);
const describe = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** A start refused before anything ran: one line on stderr, no stack (exit 1; 2 is for bad input). */
const refuseStart = (message: string, code: 1 | 2 = 1): number => {
  process.stderr.write(`hale: ${message}\n`);
  return code;
};

export interface RunOptions {
  configFile: string;
  /** The API's port (`hale run --port N`); over HALE_API_PORT, which is over api.port. */
  apiPort?: number | undefined;
}

/**
 * `hale run -c FILE`: loads the config (nothing starts when it is invalid),
 * takes the state dir's lock, opens the API and gRPC health, starts every
 * plugin, reloads the config on SIGHUP, and on SIGTERM or SIGINT stops them
 * all in stages and exits 0. A start refused (the state dir held by another
 * hale, a port taken) is one line on stderr and exit 1, with nothing
 * started; a bad HALE_API_PORT or HALE_GRPC_ADDRESS exits 2.
 *
 * @example
 * process.exitCode = await runCommand({ configFile: 'supervisor.yaml', apiPort: 8081 });
 */
export const runCommand = async ({ configFile, apiPort }: RunOptions): Promise<number> => {
  // Heard from the first moment: a stop asked for while hale is still starting ends all that started, and exits 0.
  let signalled: NodeJS.Signals | null = null;
  let onStopSignal: (signal: NodeJS.Signals) => void = () => {};
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      signalled ??= signal;
      onStopSignal(signal);
    });
  }
  // SIGHUP would end node by default; one before the supervisor can reload is noted, and acted on once it can.
  let hangupPending = false;
  const noteHangup = (): void => {
    hangupPending = true;
  };
  process.on('SIGHUP', noteHangup);
  // On the reader thread, as a reload reads it: zod and the YAML parser never load into the supervisor's own heap.
  const loaded = await loadConfigOffThread(configFile);
  // What it asked for is what was just read.
  hangupPending = false;
  if (!loaded.ok) {
    for (const issue of loaded.issues) process.stderr.write(`${formatConfigIssue(issue)}\n`);
    process.stderr.write(`hale: ${configFile} is not valid; nothing was started\n`);
    return 2;
  }
  const { config } = loaded;
  const resolved = resolveListenAddresses(config, { apiPort, env: process.env });
  if (!resolved.ok) return refuseStart(`${resolved.message}; nothing was started`, 2);
  const listen = resolved.addresses;
  // Nothing has started yet: there is nothing to stop.
  if (signalled !== null) return 0;
  const log = createLogger({ level: config.log.level });
  routeGrpcLogs(log);
  // Before any port: a second hale on this state dir hears of the first, not of a port the first holds.
  let lock: StateLock;
  try {
    lock = await claimStateDir(config.stateDir);
  } catch (error) {
    return refuseStart(describe(error));
  }
  // What a refused start made is let go; the dir only when empty (it may hold what others keep there).
  const letGoOfState = async (): Promise<void> => {
    await lock.release();
    await rmdir(config.stateDir).catch(() => undefined);
  };
  if (signalled !== null) {
    await letGoOfState();
    return 0;
  }
  const supervisor = createSupervisor(config, { log, stateLock: lock });
  logEvents(supervisor.events, log);
  notifySystemd(supervisor, log);
  const metrics = createMetrics(supervisor);
  // Loaded only when used: a hale without nats: carries none of it (test/integration/flood.test.ts's memory bound is tight).
  const nats = config.nats === null ? null : (await import('../nats/start-nats.js')).startNats(config, supervisor, log);
  if (nats !== null) {
    const { link, federation } = nats;
    registerNatsMetrics(metrics.registry, {
      connected: () => link.state().state === 'connected',
      stats: link.stats,
      ...(federation === null ? {} : { federation: federation.stats }),
    });
  }
  const backend = nats === null || nats.federation === null ? supervisor : { ...supervisor, federation: nats.federation };

  // Nothing but the lock and the NATS link is held yet; a port that cannot be had ends it here.
  const refuseOpened = async (message: string): Promise<number> => {
    await nats?.stop();
    metrics.stop();
    await letGoOfState();
    await flush(log);
    return refuseStart(message);
  };
  let server: ApiServer;
  try {
    server = await startApiServer({
      app: createApp({ backend, token: config.api.token, logger: log, metrics, security: config.api }),
      lane: createFastLane(supervisor, { protectReads: config.api.protectReads }),
      host: listen.api.host,
      port: listen.api.port,
      requestTimeoutMs: config.api.requestTimeoutMs,
      allowedHosts: config.api.allowedHosts,
      audit: log,
    });
  } catch (error) {
    if (!isHaleError(error, 'listen_failed')) return refuseOpened(`cannot open the API: ${describe(error)}`);
    const line = listen.api.source === 'config' ? await locateKey(configFile, ['api', 'port']) : null;
    return refuseOpened(describeApiListenFailure(error, listen.api, { file: configFile, line }));
  }

  // Before the plugins start, so a taken port starts none; "" answers NOT_SERVING until start-up is done.
  let health: HealthServer | null = null;
  if (config.grpc.enabled) {
    try {
      health = await startHealthServer({ address: listen.grpc.address, source: createServingSource(supervisor), log });
    } catch (error) {
      await server.close();
      if (!isHaleError(error, 'listen_failed')) return refuseOpened(`cannot serve gRPC health: ${describe(error)}`);
      const line = listen.grpc.source === 'config' ? await locateKey(configFile, ['grpc', 'address']) : null;
      return refuseOpened(describeGrpcListenFailure(error, listen.grpc, { file: configFile, line }));
    }
  }

  let stopping: Promise<number> | null = null;
  let addressWritten: Promise<void> = Promise.resolve();
  const shutdown = (why: string, code: number): Promise<number> => {
    stopping ??= (async () => {
      log.info({ reason: why }, `stopping every plugin (${why})`);
      // The probes stay up while the plugins stop, answering not ready, so load balancers drain first.
      // A start under way is part of this stop: whatever it started is stopped too.
      await supervisor.stop(why);
      // The guard lets the lock go; this is for a stop that came before the supervisor opened it.
      await lock.release();
      // After the plugins: their deregistrations and the last summary are sent first.
      await nats?.stop();
      await addressWritten;
      await removeApiAddress(config.stateDir).catch(() => undefined);
      await Promise.all([server.close(), health?.close()]);
      metrics.stop();
      log.info('stopped');
      await flush(log);
      return code;
    })();
    return stopping;
  };

  const exited = new Promise<number>((resolve) => {
    onStopSignal = (signal) => {
      if (stopping !== null) log.warn(`${signal} again: already stopping`);
      void shutdown(signal, 0).then(resolve);
    };
    // One that came while the config was read and the API opened.
    if (signalled !== null) onStopSignal(signalled);
    process.off('SIGHUP', noteHangup);
    if (hangupPending) queueMicrotask(() => process.emit('SIGHUP', 'SIGHUP'));
    process.on('SIGHUP', () => {
      log.info(`SIGHUP: reading ${config.source} again`);
      // The outcome (what changed, or why nothing did) is logged by the reload itself.
      // A reload answers its refusals as values; anything thrown is a bug, logged rather than an unhandled rejection.
      supervisor.reload('SIGHUP').catch((error: unknown) => log.error({ err: error }, 'SIGHUP: the reload failed'));
    });
    process.on('uncaughtException', (error) => {
      log.fatal({ err: error }, 'internal error; stopping every plugin');
      void shutdown('internal error', 1).then(resolve);
    });
  });

  log.info(
    { version, config: config.source, api: server.url, plugins: config.plugins.length },
    `hale ${version} listening on ${server.url}`,
  );
  if (health !== null) log.info({ grpc: health.address }, `gRPC health (grpc.health.v1) on ${health.address}`);
  logExposure(config.api, log);
  try {
    // A stop that comes meanwhile ends the start; then there is nothing more to open here.
    await supervisor.start();
    if (stopping !== null) return await exited;
    addressWritten = writeApiAddress(config.stateDir, { url: server.url, grpc: health?.address ?? null, pid: process.pid }).catch(
      (error: unknown) => log.warn({ err: error }, 'could not write api.json in the state dir; hale status -c will not find this hale'),
    );
    await addressWritten;
  } catch (error) {
    log.fatal({ err: error }, `cannot start: ${describe(error)}`);
    await shutdown('start failed', 1);
    return 1;
  }
  return exited;
};
