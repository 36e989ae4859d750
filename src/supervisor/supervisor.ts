import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import type { ApiBackend, ControlResult, DrillSignal, PluginLogs, SignalResult } from '../api/backend.js';
import type { PluginConfig, SupervisorConfig } from '../config/types.js';
import { HaleError } from '../errors.js';
import { createLogger, droppedLogLines, type Logger } from '../log.js';
import { createDesiredStore, readDesiredState, type DesiredStore } from '../state/desired-state.js';
import { openJournal, readJournal, type Journal } from '../state/journal.js';
import { openProcessGuard, type GuardHealth, type ProcessGuard } from '../state/process-guard.js';
import { createSocketRoot } from '../state/socket-root.js';
import type { StateLock } from '../state/state-lock.js';
import { version } from '../version.js';
import { createDependencyChecks, type DependencyChecks } from '../checks/dependency-checks.js';
import type { PluginChannel } from '../grpc/host-channel.js';
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
import { createPluginChannels } from './plugin-channels.js';
import { PluginRunner } from './runner.js';
import { watchdogComponent } from './watchdog-component.js';
import type { LinkStatus, PluginStatus, StartupProgress, SupervisorPhase, SupervisorSnapshot } from './status.js';

export interface SupervisorOptions {
  /** pino JSON on stdout at the config's log level by default. */
  log?: Logger;
  /** Where the private socket directory is made; the system's temp dir by default. */
  runtimeDir?: string;
  /** The state dir's lock, taken already (claimStateDir), so no port opens before it; taken at start when absent. */
  stateLock?: StateLock;
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
  /**
   * Opens the state dir (ending what a killed run left behind) and starts
   * every plugin not stopped by hand; resolves once each start is begun.
   * A stop at any moment ends it: the step under way finishes, no later one
   * runs, and nothing is spawned. Calling it again returns the same start;
   * after a stop it starts nothing.
   */
  start(): Promise<void>;
  /**
   * Stops every plugin in stages, in parallel, and resolves once all are
   * gone (a start under way is waited for first, so what it made goes too).
   * Calling it again returns the same stop.
   */
  stop(reason: string): Promise<void>;
  /** Where the supervisor is in its own life. */
  readonly phase: SupervisorPhase;
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
  let phase: SupervisorPhase = 'idle';
  /** The start's own steps; `starting` is what start() returned (it also lets go after a failure). */
  let steps: Promise<void> | null = null;
  let starting: Promise<void> | null = null;
  let stopping: Promise<void> | null = null;
  // Latched once every plugin of the first config has had its first start tried; a reload does not unset it.
  let initialized = false;
  let reloads: Promise<unknown> = Promise.resolve();
  // First on the bus, so every event has its id before anything else hears of it.
  const eventLog = createEventLog(events);
  // Plugin output goes to readers that ask for it, never into the event log: it would push the transitions out.
  const output = createEventBus<OutputEntry>((error) => log.error({ err: error }, 'an output subscriber failed'));
  const history = createHistory(events);
  let journal: Journal | null = null;
  let dependencies: DependencyChecks | null = null;
  const channels = createPluginChannels((name) => runners.get(name)?.status());

  const isShuttingDown = (): boolean => phase === 'stopping' || phase === 'stopped';

  /** Null once start-up has tried every plugin; until then, how far it is. */
  const startup = (): StartupProgress | null => {
    if (initialized) return null;
    if (phase !== 'running') return { tried: 0, total: config.plugins.length };
    let tried = 0;
    for (const runner of runners.values()) if (runner.startTried) tried += 1;
    if (tried < runners.size) return { tried, total: runners.size };
    initialized = true;
    return null;
  };

  const links = new Map<string, LinkStatus>();
  let linkReports = 0;
  const reportLink = (status: LinkStatus): void => {
    links.set(status.name, status);
    linkReports += 1;
  };
  // The watchdog as a component of /health: degraded while none runs, never critical.
  const reportWatchdog = (health: GuardHealth): void => reportLink(watchdogComponent(health));

  const snapshot = (): SupervisorSnapshot => ({
    version,
    pid: process.pid,
    startedAt,
    now: Date.now(),
    shuttingDown: isShuttingDown(),
    phase,
    startup: startup(),
    eventLoopLag: lag?.sample() ?? { meanMs: 0, p99Ms: 0, maxMs: 0 },
    droppedLogLines: droppedLogLines(),
    plugins: [...runners.values()].map((runner) => runner.status()),
    dependencies: dependencies?.statuses() ?? [],
    ...(links.size === 0 ? {} : { links: [...links.values()] }),
    ...(guard === null ? {} : { containment: guard.health().containment }),
  });

  /**
   * A runner for `plugin`, started unless someone stopped it by hand or the
   * supervisor is stopping (its stop then finds it, never started).
   */
  const createRunner = (plugin: PluginConfig, replaces?: PluginRunner): PluginRunner => {
    if (socketRoot === null || guard === null) throw new Error('a plugin runner was made before the supervisor had started');
    const held = desired?.stoppedByHand(plugin.name);
    const runner = new PluginRunner(
      plugin,
      {
        bus: events,
        log,
        socketRoot,
        guard,
        output,
        ...(options.random === undefined ? {} : { random: options.random }),
        ...(replaces === undefined ? {} : { replaces }),
      },
      held === undefined ? undefined : stoppedByHandReason(held.at, held.reason),
    );
    if (held === undefined && phase === 'running') runner.start(replaces === undefined ? 'supervisor started' : 'its config changed');
    return runner;
  };

  // A restart now would start a process that the stop in progress has already passed by.
  const refuseWhileStopping = { ok: false, code: 'shutting_down', message: 'the supervisor is shutting down' } as const;

  // A request may meet a runner a reload is replacing: it waits for the reload and goes to the new one.
  const maxReloadWaits = 10;

  const control = async (name: string, action: ControlAction, reason: string): Promise<ControlResult> => {
    // Before the plugins exist the request waits for them (the start's steps are short).
    if (phase === 'idle' || phase === 'starting') await steps?.catch(() => undefined);
    for (let round = 0; round < maxReloadWaits; round += 1) {
      if (isShuttingDown()) return refuseWhileStopping;
      const runner = runners.get(name);
      if (runner === undefined) return { ok: false, code: 'plugin_not_found', message: `no plugin named "${name}"` };
      const outcome = runner.control(action, reason);
      if (outcome === null) {
        await reloads;
        continue;
      }
      const { operation, coalesced, accepted } = outcome;
      // The wish is on disk before the answer, so a stop outlives a supervisor killed right after it.
      if (!coalesced) await recordWish(name, action, reason);
      return { ok: true, operation: { ...operation }, coalesced, accepted, state: runner.state };
    }
    return { ok: false, code: 'reloading', message: `"${name}" is being replaced by config reloads one after another; try again once they are done` };
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
    if (isShuttingDown()) return refuseWhileStopping;
    const pid = runner.signal(sent);
    if (pid === null) return { ok: false, code: 'not_running', message: `"${name}" has no running process (state ${runner.state})` };
    log.warn({ plugin: name, signal: sent, pluginPid: pid }, `${name}: sent ${sent} by hand to its processes (group ${pid}, with its cgroup and marked forks)`);
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
      onError: (error) =>
        // A file moved aside is said as it is: nothing of the journal was lost by it.
        error instanceof HaleError && error.code === 'state_unavailable'
          ? log.warn({ stateDir: config.stateDir }, error.message)
          : log.error({ err: error, stateDir: config.stateDir }, 'could not write the journal; those records are lost'),
    });
    journal = opened;
    journalEvents(events, opened);
  };

  const reload = (reason: string, next?: SupervisorConfig): Promise<ReloadResult> => {
    const run = reloads.then(async (): Promise<ReloadResult> => {
      // A reload during start-up applies once the start has made every runner.
      if (phase === 'starting') await steps?.catch(() => undefined);
      if (isShuttingDown()) return { ...refuseWhileStopping, issues: [] };
      if (phase !== 'running') return { ok: false, code: 'reload_unavailable', message: 'the supervisor has not started yet', issues: [] };
      return applyReload(reloadTarget, { reason, config: next, log });
    });
    reloads = run.catch(() => undefined);
    return run;
  };

  /** The start's steps; after each, a stop that began meanwhile ends it (its stop lets go of what was made). */
  const openAndStart = async (): Promise<void> => {
    const stopped = (): boolean => phase !== 'starting';
    const opened = await openProcessGuard({ stateDir: config.stateDir, log, ...(options.stateLock === undefined ? {} : { lock: options.stateLock }) });
    guard = opened;
    reportWatchdog(opened.health());
    opened.onHealth(reportWatchdog);
    if (stopped()) return;
    const read = await readDesiredState(config.stateDir);
    if (!read.ok) log.error({ keptAs: read.keptAs }, `${read.message}; every plugin starts`);
    desired = createDesiredStore(config.stateDir, read.state);
    if (stopped()) return;
    await restoreHistory();
    lag = startLoopLagMonitor();
    if (stopped()) return;
    // A private (0700) directory: other local users cannot reach the plugins' sockets. Those of killed hales go first.
    socketRoot = await createSocketRoot(options.runtimeDir ?? tmpdir(), log);
    if (stopped()) return;
    // From here to the end nothing waits: every runner exists, and is started, before a stop can look.
    phase = 'running';
    for (const plugin of config.plugins) runners.set(plugin.name, createRunner(plugin));
    logKeptStopped();
    dependencies = createDependencyChecks(config.checks, { bus: events, ...(options.random === undefined ? {} : { random: options.random }) });
    events.publish({ type: 'supervisor', phase: 'started', reason: 'supervisor started', at: Date.now() });
  };

  // Otherwise a plugin stopped by hand before a restart of hale is silently absent from the log.
  const logKeptStopped = (): void => {
    for (const plugin of config.plugins) {
      const held = desired?.stoppedByHand(plugin.name);
      if (held === undefined) continue;
      log.info(
        { plugin: plugin.name, event: 'keptStopped', stoppedAt: held.at, reason: held.reason },
        `${plugin.name}: kept stopped: it was stopped by hand at ${held.at} (${held.reason}); \`hale start ${plugin.name}\` starts it`,
      );
    }
  };

  const stop = (reason: string): Promise<void> => {
    stopping ??= stopEverything(reason);
    return stopping;
  };

  const stopEverything = async (reason: string): Promise<void> => {
    events.publish({ type: 'supervisor', phase: 'stopping', reason, at: Date.now() });
    phase = 'stopping';
    // The start step under way finishes and the start ends there; what it made is stopped below.
    await steps?.catch(() => undefined);
    await reloads;
    await Promise.all([...runners.values()].map((runner) => runner.retire(reason)));
    dependencies?.stop();
    channels.closeAll();
    lag?.stop();
    // The stop's own transitions are in the journal before the state dir is let go.
    await journal?.flush();
    // Only now, with every process of every plugin gone: the watchdog guards until the last one is.
    await guard?.close();
    if (socketRoot !== null) await rm(socketRoot, { recursive: true, force: true });
    phase = 'stopped';
  };

  return {
    events,
    snapshot,
    eventLog,
    output,
    // Every event changes what the snapshot says; the rest that can change without one is named here.
    revision: () => `${eventLog.lastId}.${phase}.${initialized ? 1 : 0}.${lag?.epoch ?? 0}.${droppedLogLines()}.${linkReports}`,
    reportLink,
    control,
    signal,
    logs,
    reload,
    operation: (id): Operation | undefined => operations.find(id),
    plugin: (name) => runners.get(name)?.status(),
    channel: channels.channel,
    history: (name, limit) => (runners.has(name) ? { plugin: name, ...history.of(name, limit) } : undefined),
    get phase() {
      return phase;
    },
    start: () => {
      if (phase !== 'idle') return starting ?? Promise.resolve();
      phase = 'starting';
      steps = openAndStart();
      starting = steps.catch(async (error: unknown) => {
        // What the failed start made is let go here: nobody need call stop after a start that threw.
        await stop('start failed');
        throw error;
      });
      return starting;
    },
    stop,
  };
};
