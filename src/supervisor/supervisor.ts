import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ApiBackend, RestartResult } from '../api/backend.js';
import type { SupervisorConfig } from '../config/types.js';
import type { Logger } from '../log.js';
import { version } from '../version.js';
import { createEventBus, type EventBus } from './event-bus.js';
import type { SupervisorEvent } from './events.js';
import { startLoopLagMonitor, type LoopLagMonitor } from './loop-lag.js';
import { PluginRunner } from './runner.js';
import type { PluginStatus, SupervisorSnapshot } from './status.js';

export interface SupervisorOptions {
  log: Logger;
  /** Where the private socket directory is made; the system's temp dir by default. */
  runtimeDir?: string;
}

/**
 * All plugins of one config under supervision, and the one place that knows
 * them all: it starts and stops them together, answers for each, and
 * publishes everything that happens on `events`.
 *
 * @example
 * const supervisor = createSupervisor(config, { log });
 * supervisor.events.subscribe((event) => console.log(event.type));
 * await supervisor.start();
 * supervisor.restart('greeter', 'deploy');
 * await supervisor.stop('SIGTERM');
 */
export interface Supervisor extends ApiBackend {
  readonly events: EventBus<SupervisorEvent>;
  start(): Promise<void>;
  /** Stops every plugin in stages, in parallel, and resolves once all are gone. */
  stop(reason: string): Promise<void>;
  plugin(name: string): PluginStatus | undefined;
}

export const createSupervisor = (config: SupervisorConfig, options: SupervisorOptions): Supervisor => {
  const { log } = options;
  const events = createEventBus<SupervisorEvent>((error) => log.error({ err: error }, 'an event subscriber failed'));
  const startedAt = Date.now();
  const runners = new Map<string, PluginRunner>();
  let socketRoot: string | null = null;
  let lag: LoopLagMonitor | null = null;
  let shuttingDown = false;

  const snapshot = (): SupervisorSnapshot => ({
    version,
    pid: process.pid,
    startedAt,
    now: Date.now(),
    shuttingDown,
    eventLoopLag: lag?.sample() ?? { meanMs: 0, p99Ms: 0, maxMs: 0 },
    plugins: [...runners.values()].map((runner) => runner.status()),
  });

  const restart = (name: string, reason: string): RestartResult => {
    const runner = runners.get(name);
    if (runner === undefined) return { ok: false, code: 'plugin_not_found', message: `no plugin named "${name}"` };
    // A restart now would start a process that the stop in progress has already passed by.
    if (shuttingDown) return { ok: false, code: 'shutting_down', message: 'the supervisor is shutting down' };
    runner.restart(reason);
    return { ok: true, plugin: name, state: runner.state };
  };

  return {
    events,
    snapshot,
    restart,
    plugin: (name) => runners.get(name)?.status(),
    start: async () => {
      lag = startLoopLagMonitor();
      // A private (0700) directory: other local users cannot reach the plugins' sockets.
      socketRoot = await mkdtemp(join(options.runtimeDir ?? tmpdir(), 'hale-'));
      for (const plugin of config.plugins) {
        runners.set(plugin.name, new PluginRunner(plugin, { bus: events, log, socketRoot }));
      }
      for (const runner of runners.values()) runner.start('supervisor started');
    },
    stop: async (reason) => {
      shuttingDown = true;
      await Promise.all([...runners.values()].map((runner) => runner.stop(reason)));
      lag?.stop();
      if (socketRoot !== null) await rm(socketRoot, { recursive: true, force: true });
    },
  };
};
