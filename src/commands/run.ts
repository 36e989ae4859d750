import { createApp } from '../api/app.js';
import { createProbeLane } from '../api/probe-lane.js';
import { startApiServer, type ApiServer } from '../api/serve.js';
import { formatConfigIssue, loadConfig } from '../config/load.js';
import { createLogger, type Logger } from '../log.js';
import { logEvents } from '../supervisor/log-events.js';
import { createSupervisor } from '../supervisor/supervisor.js';
import { version } from '../version.js';

const flush = (log: Logger) => new Promise<void>((resolve) => log.flush(() => resolve()));

/**
 * `hale run -c FILE`: loads the config (nothing starts when it is invalid),
 * opens the API, starts every plugin, reloads the config on SIGHUP, and on
 * SIGTERM or SIGINT stops them all in stages and exits 0.
 */
export const runCommand = async ({ configFile }: { configFile: string }): Promise<number> => {
  const loaded = await loadConfig(configFile);
  if (!loaded.ok) {
    for (const issue of loaded.issues) process.stderr.write(`${formatConfigIssue(issue)}\n`);
    process.stderr.write(`hale: ${configFile} is not valid; nothing was started\n`);
    return 2;
  }
  const { config } = loaded;
  const log = createLogger({ level: config.log.level });
  const supervisor = createSupervisor(config, { log });
  logEvents(supervisor.events, log);

  let server: ApiServer;
  try {
    server = await startApiServer({
      app: createApp({ backend: supervisor, token: config.api.token, logger: log }),
      lane: createProbeLane(supervisor),
      host: config.api.host,
      port: config.api.port,
    });
  } catch (error) {
    log.fatal({ err: error }, `cannot open the API: ${error instanceof Error ? error.message : String(error)}`);
    await flush(log);
    return 1;
  }

  let stopping: Promise<number> | null = null;
  const shutdown = (why: string, code: number): Promise<number> => {
    stopping ??= (async () => {
      log.info({ reason: why }, `stopping every plugin (${why})`);
      await supervisor.stop(why);
      await server.close();
      log.info('stopped');
      await flush(log);
      return code;
    })();
    return stopping;
  };

  const exited = new Promise<number>((resolve) => {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      process.on(signal, () => {
        if (stopping !== null) log.warn(`${signal} again: already stopping`);
        void shutdown(signal, 0).then(resolve);
      });
    }
    process.on('SIGHUP', () => {
      log.info(`SIGHUP: reading ${config.source} again`);
      // The outcome (what changed, or why nothing did) is logged by the reload itself.
      void supervisor.reload('SIGHUP');
    });
    process.on('uncaughtException', (error) => {
      log.fatal({ err: error }, 'internal error; stopping every plugin');
      void shutdown('internal error', 1).then(resolve);
    });
  });

  log.info({ version, config: config.source, api: server.url, plugins: config.plugins.length }, `hale ${version} listening on ${server.url}`);
  try {
    await supervisor.start();
  } catch (error) {
    log.fatal({ err: error }, `cannot start: ${error instanceof Error ? error.message : String(error)}`);
    await supervisor.stop('start failed');
    await server.close();
    await flush(log);
    return 1;
  }
  return exited;
};
