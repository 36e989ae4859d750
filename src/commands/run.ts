import { createApp } from '../api/app.js';
import { createProbeLane } from '../api/probe-lane.js';
import { startApiServer, type ApiServer } from '../api/serve.js';
import { formatConfigIssue, loadConfig } from '../config/load.js';
import { isLoopbackHost } from '../config/loopback.js';
import type { SupervisorConfig } from '../config/types.js';
import { startHealthServer, type HealthServer } from '../grpc/health-server.js';
import { createLogger, type Logger } from '../log.js';
import { createMetrics } from '../metrics/create-metrics.js';
import { registerNatsMetrics } from '../metrics/nats-metrics.js';
import { logEvents } from '../supervisor/log-events.js';
import { createServingSource } from '../supervisor/serving-status.js';
import { removeApiAddress, writeApiAddress } from '../state/api-address.js';
import { createSupervisor } from '../supervisor/supervisor.js';
import { version } from '../version.js';

/** Says how the management plane is guarded, naming where the token came from (never the token). */
const logExposure = (api: SupervisorConfig['api'], log: Logger): void => {
  if (api.token !== null) {
    log.info({ tokenSource: api.tokenSource, protectReads: api.protectReads }, `routes that change state need the bearer token (from ${api.tokenSource})`);
  } else if (api.allowUnauthenticated && !isLoopbackHost(api.host)) {
    log.warn({ host: api.host }, `the API listens on ${api.host} with no token (api.allowUnauthenticated): anyone who reaches it can stop your plugins`);
  }
};

const flush = (log: Logger) => new Promise<void>((resolve) => log.flush(() => resolve()));
const describe = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * `hale run -c FILE`: loads the config (nothing starts when it is invalid),
 * opens the API, starts every plugin, serves gRPC health, reloads the config
 * on SIGHUP, and on SIGTERM or SIGINT stops them all in stages and exits 0.
 */
export const runCommand = async ({ configFile }: { configFile: string }): Promise<number> => {
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
  const loaded = await loadConfig(configFile);
  // What it asked for is what was just read.
  hangupPending = false;
  if (!loaded.ok) {
    for (const issue of loaded.issues) process.stderr.write(`${formatConfigIssue(issue)}\n`);
    process.stderr.write(`hale: ${configFile} is not valid; nothing was started\n`);
    return 2;
  }
  const { config } = loaded;
  // Nothing has started yet: there is nothing to stop.
  if (signalled !== null) return 0;
  const log = createLogger({ level: config.log.level });
  const supervisor = createSupervisor(config, { log });
  logEvents(supervisor.events, log);
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

  let server: ApiServer;
  try {
    server = await startApiServer({
      app: createApp({ backend, token: config.api.token, logger: log, metrics, security: config.api }),
      lane: createProbeLane(supervisor, { protectReads: config.api.protectReads }),
      host: config.api.host,
      port: config.api.port,
      requestTimeoutMs: config.api.requestTimeoutMs,
      allowedHosts: config.api.allowedHosts,
      audit: log,
    });
  } catch (error) {
    log.fatal({ err: error }, `cannot open the API: ${describe(error)}`);
    await flush(log);
    return 1;
  }

  let health: HealthServer | null = null;
  let stopping: Promise<number> | null = null;
  let addressWritten: Promise<void> = Promise.resolve();
  const shutdown = (why: string, code: number): Promise<number> => {
    stopping ??= (async () => {
      log.info({ reason: why }, `stopping every plugin (${why})`);
      // The probes stay up while the plugins stop, answering not ready, so load balancers drain first.
      // A start under way is part of this stop: whatever it started is stopped too.
      await supervisor.stop(why);
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

  log.info({ version, config: config.source, api: server.url, plugins: config.plugins.length }, `hale ${version} listening on ${server.url}`);
  logExposure(config.api, log);
  try {
    // A stop that comes meanwhile ends the start; then there is nothing more to open here.
    await supervisor.start();
    if (stopping !== null) return await exited;
    // After the start, so "" never answers SERVING for a supervisor with no plugins yet.
    if (config.grpc.enabled) {
      const opened = await startHealthServer({ address: config.grpc.address, source: createServingSource(supervisor), log });
      if (stopping !== null) {
        await opened.close();
        return await exited;
      }
      health = opened;
      log.info({ grpc: health.address }, `gRPC health (grpc.health.v1) on ${health.address}`);
    }
    addressWritten = writeApiAddress(config.stateDir, { url: server.url, grpc: health?.address ?? null, pid: process.pid }).catch((error: unknown) =>
      log.warn({ err: error }, 'could not write api.json in the state dir; hale status -c will not find this hale'),
    );
    await addressWritten;
  } catch (error) {
    log.fatal({ err: error }, `cannot start: ${describe(error)}`);
    await shutdown('start failed', 1);
    return 1;
  }
  return exited;
};
