import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ApiBackend, ControlResult, DrillSignal, PluginLogs, SignalResult } from '../api/backend.js';
import type { PluginConfig, SupervisorConfig } from '../config/types.js';
import { createLogger, droppedLogLines, type Logger } from '../log.js';
import { createDesiredStore, readDesiredState, type DesiredStore } from '../state/desired-state.js';
import { openJournal, readJournal, type Journal } from '../state/journal.js';
import { openProcessGuard, type ProcessGuard } from '../state/process-guard.js';
import { version } from '../version.js';
import { createDependencyChecks, type DependencyChecks } from '../checks/dependency-checks.js';
import { closePluginChannel, openPluginChannel, type PluginChannel } from '../grpc/host-channel.js';
import { createEventBus, type EventBus } from './event-bus.js';
import { createEventLog } from './event-log.js';
import { createHistory } from './history.js';
import { journalEvents } from './journal-events.js';
import type { OutputEntry, SupervisorEvent } from './events.js';
import { startLoopLagMonitor, type LoopLagMonitor } from './loop-lag.js';
import type { ControlAction, Operation } from './operation.js';
import { createOperationLog } from './operation-log.js';
import { applyReload, type ReloadTarget } from './apply-reload.js';
import type { ReloadResult } from './reload-result.js';
import { PluginRunner } from './runner.js';
import type { LinkStatus, PluginStatus, SupervisorSnapshot } from './status.js';

export interface SupervisorOptions {
  /** pino JSON on stdout at the config's log level by default. */
  log?: Logger;
  /** Where the private socket directory is made; the system's temp dir by default. */
  runtimeDir?: string;
  /** Where in its interval each plugin's steady checks fall (staggering); Math.random by default. */
  random?: () => number;
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
 * await supervisor.control('greeter', 'restart', 'deploy');
 * await supervisor.stop('SIGTERM');
 */
export interface Supervisor extends ApiBackend {
  readonly events: EventBus<SupervisorEvent>;
  /** Opens the state dir (ending what a killed run left behind) and starts every plugin not stopped by hand. */
  start(): Promise<void>;
  /** Stops every plugin in stages, in parallel, and resolves once all are gone. */
  stop(reason: string): Promise<void>;
  plugin(name: string): PluginStatus | undefined;
  /**
   * A gRPC channel to the plugin's current process, for the host program's
   * own clients of its services; null while none serves. Calls on the channel
   * of a generation that was replaced fail with UNAVAILABLE (its process is
   * gone): ask again after a restart. Old channels are closed 30 s on.
   */
  channel(name: string): PluginChannel | null;
  /** Applies `config` (or the config file, read again) as a reload. */
  reload(reason: string, config?: SupervisorConfig): Promise<ReloadResult>;
  /** Reports one of hale's own connections (its NATS link), shown in snapshots and /health; the latest report wins. */
  reportLink(status: LinkStatus): void;
}

const staleChannelMs = 30_000;

const stoppedByHandReason = (at: string, reason: string): string =>
  `stopped by hand at ${at} (${reason}); kept stopped until started again`;

export const createSupervisor = (initialConfig: SupervisorConfig, options: SupervisorOptions = {}): Supervisor => {
  const log = options.log ?? createLogger({ level: initialConfig.log.level });
  const events = createEventBus<SupervisorEvent>((error) => log.error({ err: error }, 'an event subscriber failed'));
  const startedAt = Date.now();
  const runners = new Map<string, PluginRunner>();
  const operations = createOperationLog(events);
  let config = initialConfig;
  let socketRoot: string | null = null;
  let guard: ProcessGuard | null = null;
  let desired: DesiredStore | null = null;
  let lag: LoopLagMonitor | null = null;
  let shuttingDown = false;
  let reloads: Promise<unknown> = Promise.resolve();
  // First on the bus, so every event has its id before anything else hears of it.
  const eventLog = createEventLog(events);
  // Plugin output goes to readers that ask for it, never into the event log: it would push the transitions out.
  const output = createEventBus<OutputEntry>((error) => log.error({ err: error }, 'an output subscriber failed'));
  const history = createHistory(events);
  let journal: Journal | null = null;
  let dependencies: DependencyChecks | null = null;
  const channels = new Map<string, PluginChannel>();
  const retiring = new Map<NodeJS.Timeout, PluginChannel>();

  const channel = (name: string): PluginChannel | null => {
    const status = runners.get(name)?.status();
    if (status === undefined || !status.connected || status.address === null) return null;
    const held = channels.get(name);
    if (held?.generation === status.generation) return held;
    if (held !== undefined) {
      // Late calls on it reach a process that is gone, and fail with UNAVAILABLE; closed later, they would throw.
      const timer = setTimeout(() => {
        retiring.delete(timer);
        closePluginChannel(held);
      }, staleChannelMs);
      timer.unref();
      retiring.set(timer, held);
    }
    const opened = openPluginChannel(name, status.generation, status.address);
    channels.set(name, opened);
    return opened;
  };

  const links = new Map<string, LinkStatus>();
  let linkReports = 0;
  const snapshot = (): SupervisorSnapshot => ({
    version,
    pid: process.pid,
    startedAt,
    now: Date.now(),
    shuttingDown,
    eventLoopLag: lag?.sample() ?? { meanMs: 0, p99Ms: 0, maxMs: 0 },
    droppedLogLines: droppedLogLines(),
    plugins: [...runners.values()].map((runner) => runner.status()),
    dependencies: dependencies?.statuses() ?? [],
    ...(links.size === 0 ? {} : { links: [...links.values()] }),
  });

  /** A runner for `plugin`, started unless someone stopped it by hand. */
  const createRunner = (plugin: PluginConfig): PluginRunner => {
    if (socketRoot === null || guard === null) throw new Error('the supervisor has not started');
    const held = desired?.stoppedByHand(plugin.name);
    const runner = new PluginRunner(
      plugin,
      { bus: events, log, socketRoot, guard, output, ...(options.random === undefined ? {} : { random: options.random }) },
      held === undefined ? undefined : stoppedByHandReason(held.at, held.reason),
    );
    if (held === undefined) runner.start('supervisor started');
    return runner;
  };

  // A restart now would start a process that the stop in progress has already passed by.
  const refuseWhileStopping = { ok: false, code: 'shutting_down', message: 'the supervisor is shutting down' } as const;

  const control = async (name: string, action: ControlAction, reason: string): Promise<ControlResult> => {
    const runner = runners.get(name);
    if (runner === undefined) return { ok: false, code: 'plugin_not_found', message: `no plugin named "${name}"` };
    if (shuttingDown) return refuseWhileStopping;
    const { operation, coalesced, accepted } = runner.control(action, reason);
    // The wish is on disk before the answer, so a stop outlives a supervisor killed right after it.
    if (!coalesced) await recordWish(name, action, reason);
    return { ok: true, operation: { ...operation }, coalesced, accepted, state: runner.state };
  };

  const recordWish = async (name: string, action: ControlAction, reason: string): Promise<void> => {
    try {
      await (action === 'stop' ? desired?.markStopped(name, reason) : desired?.forget(name));
    } catch (error) {
      // The request itself is carried out; only its memory across a restart of hale is lost, and said so.
      log.error({ err: error, plugin: name, stateDir: config.stateDir }, `${name}: could not record the ${action} in the state dir; it will not outlive a restart of hale`);
    }
  };

  const signal = (name: string, sent: DrillSignal): SignalResult => {
    const runner = runners.get(name);
    if (runner === undefined) return { ok: false, code: 'plugin_not_found', message: `no plugin named "${name}"` };
    if (shuttingDown) return refuseWhileStopping;
    const pid = runner.signal(sent);
    if (pid === null) return { ok: false, code: 'not_running', message: `"${name}" has no running process (state ${runner.state})` };
    log.warn({ plugin: name, signal: sent, pid }, `${name}: sent ${sent} to process group ${pid} by hand`);
    return { ok: true, plugin: name, pid, signal: sent };
  };

  const logs = (name: string, count: number): PluginLogs | undefined => {
    const runner = runners.get(name);
    return runner === undefined ? undefined : { plugin: name, ...runner.logs(count) };
  };

  const reloadTarget: ReloadTarget = {
    current: () => config,
    runners,
    createRunner,
    forget: (names) => desired?.forget(...names) ?? Promise.resolve(),
    applied: (next) => {
      config = next;
      dependencies?.replace(next.checks);
    },
    events,
  };

  /** History from the journal of earlier runs, then this run's appended to it. */
  const restoreHistory = async (): Promise<void> => {
    try {
      const { records, unreadable } = await readJournal(config.stateDir);
      const restored = history.restore(records);
      if (unreadable > 0) log.warn({ stateDir: config.stateDir, unreadable }, `${unreadable} lines of the journal could not be read; they are skipped`);
      log.debug({ restored }, `restored ${restored} transitions from the journal`);
    } catch (error) {
      log.error({ err: error, stateDir: config.stateDir }, 'could not read the journal; history starts empty');
    }
    const opened = openJournal({
      dir: config.stateDir,
      onError: (error) => log.error({ err: error, stateDir: config.stateDir }, 'could not write the journal; those records are lost'),
    });
    journal = opened;
    journalEvents(events, opened);
  };

  const reload = (reason: string, next?: SupervisorConfig): Promise<ReloadResult> => {
    const run = reloads.then((): Promise<ReloadResult> | ReloadResult => {
      if (shuttingDown) return { ...refuseWhileStopping, issues: [] };
      if (guard === null) return { ok: false, code: 'reload_unavailable', message: 'the supervisor has not started yet', issues: [] };
      return applyReload(reloadTarget, { reason, config: next, log });
    });
    reloads = run.catch(() => undefined);
    return run;
  };

  return {
    events,
    snapshot,
    eventLog,
    output,
    // Every event changes what the snapshot says; the rest that can change without one is named here.
    revision: () => `${eventLog.lastId}.${shuttingDown ? 1 : 0}.${lag?.epoch ?? 0}.${droppedLogLines()}.${linkReports}`,
    reportLink: (status) => {
      links.set(status.name, status);
      linkReports += 1;
    },
    control,
    signal,
    logs,
    reload,
    operation: (id): Operation | undefined => operations.find(id),
    plugin: (name) => runners.get(name)?.status(),
    channel,
    history: (name, limit) => (runners.has(name) ? { plugin: name, ...history.of(name, limit) } : undefined),
    start: async () => {
      guard = await openProcessGuard({ stateDir: config.stateDir, log });
      const read = await readDesiredState(config.stateDir);
      if (!read.ok) log.error({ keptAs: read.keptAs }, `${read.message}; every plugin starts`);
      desired = createDesiredStore(config.stateDir, read.state);
      await restoreHistory();
      lag = startLoopLagMonitor();
      // A private (0700) directory: other local users cannot reach the plugins' sockets.
      socketRoot = await mkdtemp(join(options.runtimeDir ?? tmpdir(), 'hale-'));
      for (const plugin of config.plugins) runners.set(plugin.name, createRunner(plugin));
      dependencies = createDependencyChecks(config.checks, { bus: events, ...(options.random === undefined ? {} : { random: options.random }) });
      events.publish({ type: 'supervisor', phase: 'started', reason: 'supervisor started', at: Date.now() });
    },
    stop: async (reason) => {
      if (!shuttingDown) events.publish({ type: 'supervisor', phase: 'stopping', reason, at: Date.now() });
      shuttingDown = true;
      await reloads;
      await Promise.all([...runners.values()].map((runner) => runner.stop(reason)));
      dependencies?.stop();
      for (const [timer, old] of retiring) {
        clearTimeout(timer);
        closePluginChannel(old);
      }
      retiring.clear();
      for (const held of channels.values()) closePluginChannel(held);
      channels.clear();
      lag?.stop();
      // The stop's own transitions are in the journal before the state dir is let go.
      await journal?.flush();
      await guard?.close();
      if (socketRoot !== null) await rm(socketRoot, { recursive: true, force: true });
    },
  };
};
