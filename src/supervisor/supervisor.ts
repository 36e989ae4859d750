import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import type { PluginLogs } from '../model/output-line.js';
import type { ControlResult, DrillSignal, SignalResult } from '../model/control.js';
import type { PluginConfig, SupervisorConfig } from '../config/types.js';
import { createLogger, droppedLogLines, type Logger } from '../log.js';
import { createDesiredStore, readDesiredState } from '../state/desired-state.js';
import { openProcessGuard, type GuardHealth } from '../containment/process-guard.js';
import { createSocketRoot } from '../state/socket-root.js';
import type { StateLock } from '../state/state-lock.js';
import { version } from '../version.js';
import { createDependencyChecks } from '../checks/dependency-checks.js';
import type { PluginChannel } from '../grpc/host-channel.js';
import { createEventBus, type EventBus } from '../util/event-bus.js';
import { createEventLog, type EventLog } from './event-log.js';
import { createHistory, type PluginHistory } from './history.js';
import type { OutputEntry, SupervisorEvent } from '../model/events.js';
import { startLoopLagMonitor } from './loop-lag.js';
import type { ControlAction, Operation } from '../model/operation.js';
import { createOperationLog } from './operation-log.js';
import { applyReload, type ReloadTarget } from './apply-reload.js';
import type { ReloadResult } from './reload-result.js';
import { createPluginChannels } from './plugin-channels.js';
import { logKeptStopped, stoppedByHandReason } from './kept-stopped.js';
import { createPluginRequests, refuseWhileStopping } from './plugin-requests.js';
import { restoreHistory } from './restore-history.js';
import { PluginRunner } from './runner.js';
import { openedOf, type Opened, type SupervisorState } from './supervisor-state.js';
import { watchdogComponent } from './watchdog-component.js';
import type { LinkStatus, PluginStatus, SnapshotVersion, StartupProgress, SupervisorPhase, SupervisorSnapshot } from '../model/status.js';

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
export interface Supervisor {
  readonly events: EventBus<SupervisorEvent>;
  /** Every event, numbered, with a window of the recent ones for readers that catch up. */
  readonly eventLog: EventLog;
  /** Plugins' output lines as they are logged, live. */
  readonly output: EventBus<OutputEntry>;
  /** The current state of everything, taken without running any check. */
  snapshot(): SupervisorSnapshot;
  /** The counts that move whenever the snapshot would, but for its clock-derived fields; cheap to call. */
  snapshotVersion(): SnapshotVersion;
  /** Begins a restart, stop or start; resolves once the wish is recorded, not when it is done. */
  control(name: string, action: ControlAction, reason: string): Promise<ControlResult>;
  /** Sends a signal to the plugin's process group at once. */
  signal(name: string, signal: DrillSignal): SignalResult;
  /** A recent operation by id. */
  operation(id: string): Operation | undefined;
  /** The last `count` lines of a plugin's output; undefined for an unknown name. */
  logs(name: string, count: number): PluginLogs | undefined;
  /** A plugin's recent checks and transitions, the last `limit` of each; undefined for an unknown name. */
  history(name: string, limit: number): (PluginHistory & { plugin: string }) | undefined;
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

export const createSupervisor = (initialConfig: SupervisorConfig, options: SupervisorOptions = {}): Supervisor => {
  const log = options.log ?? createLogger({ level: initialConfig.log.level });
  const events = createEventBus<SupervisorEvent>((error) => log.error({ err: error }, 'an event subscriber failed'));
  const startedAt = Date.now();
  const runners = new Map<string, PluginRunner>();
  const operations = createOperationLog(events);
  let config = initialConfig;
  let state: SupervisorState = { phase: 'idle' };
  // Latched once every plugin of the first config has had its first start tried; a reload does not unset it.
  let initialized = false;
  let reloads: Promise<unknown> = Promise.resolve();
  // First on the bus, so every event has its id before anything else hears of it.
  const eventLog = createEventLog(events);
  // Plugin output goes to readers that ask for it, never into the event log: it would push the transitions out.
  const output = createEventBus<OutputEntry>((error) => log.error({ err: error }, 'an output subscriber failed'));
  const history = createHistory(events);
  const channels = createPluginChannels((name) => runners.get(name)?.status());

  const isShuttingDown = (): boolean => state.phase === 'stopping' || state.phase === 'stopped';

  /** Null once start-up has tried every plugin; until then, how far it is. */
  const startup = (): StartupProgress | null => {
    if (initialized) return null;
    if (state.phase !== 'running') return { tried: 0, total: config.plugins.length };
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

  const snapshot = (): SupervisorSnapshot => {
    const { lag, dependencies, guard } = openedOf(state);
    return {
      version,
      pid: process.pid,
      startedAt,
      now: Date.now(),
      shuttingDown: isShuttingDown(),
      phase: state.phase,
      startup: startup(),
      eventLoopLag: lag?.sample() ?? { meanMs: 0, p99Ms: 0, maxMs: 0 },
      droppedLogLines: droppedLogLines(),
      plugins: [...runners.values()].map((runner) => runner.status()),
      dependencies: dependencies?.statuses() ?? [],
      ...(links.size === 0 ? {} : { links: [...links.values()] }),
      ...(guard === undefined ? {} : { containment: guard.health().containment }),
    };
  };

  /**
   * A runner for `plugin`, started unless someone stopped it by hand or the
   * supervisor is stopping (its stop then finds it, never started).
   */
  const createRunner = ({ socketRoot, guard, desired }: Opened, plugin: PluginConfig, replaces?: PluginRunner): PluginRunner => {
    const held = desired.stoppedByHand(plugin.name);
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
    if (held === undefined && state.phase === 'running') runner.start(replaces === undefined ? 'supervisor started' : 'its config changed');
    return runner;
  };

  const requests = createPluginRequests({ runners, state: () => state, reloads: () => reloads, stateDir: () => config.stateDir, log });

  // What a reload works on: the running supervisor's, kept by a reload that a stop overtakes, as the stop waits for it.
  const reloadTarget = (opened: Opened): ReloadTarget => ({
    current: () => config,
    runners,
    createRunner: (plugin, replaces) => createRunner(opened, plugin, replaces),
    forget: (names) => opened.desired.forget(...names),
    applied: (next) => {
      config = next;
      opened.dependencies.replace(next.checks);
    },
    events,
  });

  const reload = (reason: string, next?: SupervisorConfig): Promise<ReloadResult> => {
    const run = reloads.then(async (): Promise<ReloadResult> => {
      // A reload during start-up applies once the start has made every runner.
      const before = state;
      if (before.phase === 'starting') await before.steps.catch(() => undefined);
      if (isShuttingDown()) return { ...refuseWhileStopping, issues: [] };
      const now = state;
      if (now.phase !== 'running')
        return { ok: false, code: 'reload_unavailable', message: 'the supervisor has not started yet', issues: [] };
      return applyReload(reloadTarget(now.opened), { reason, config: next, log });
    });
    reloads = run.catch(() => undefined);
    return run;
  };

  /** The start's steps, filling `opened`; after each, a stop that began meanwhile ends it (its stop lets go of what was made). */
  const openAndStart = async (opened: Partial<Opened>): Promise<void> => {
    const stopped = (): boolean => state.phase !== 'starting';
    const guard = await openProcessGuard({
      stateDir: config.stateDir,
      log,
      ...(options.stateLock === undefined ? {} : { lock: options.stateLock }),
    });
    opened.guard = guard;
    reportWatchdog(guard.health());
    guard.onHealth(reportWatchdog);
    if (stopped()) return;
    const read = await readDesiredState(config.stateDir);
    if (!read.ok) log.error({ keptAs: read.keptAs }, `${read.message}; every plugin starts`);
    const desired = createDesiredStore(config.stateDir, read.state);
    opened.desired = desired;
    if (stopped()) return;
    const journal = await restoreHistory({ stateDir: config.stateDir, history, events, log });
    opened.journal = journal;
    const lag = startLoopLagMonitor();
    opened.lag = lag;
    if (stopped()) return;
    // A private (0700) directory: other local users cannot reach the plugins' sockets. Those of killed hales go first.
    const socketRoot = await createSocketRoot(options.runtimeDir ?? tmpdir(), log);
    opened.socketRoot = socketRoot;
    const starting = state;
    if (starting.phase !== 'starting') return;
    // From here to the end nothing waits: every runner exists, and is started, before a stop can look.
    const dependencies = createDependencyChecks(config.checks, {
      bus: events,
      ...(options.random === undefined ? {} : { random: options.random }),
    });
    const running: Opened = { guard, desired, journal, lag, socketRoot, dependencies };
    opened.dependencies = dependencies;
    state = { phase: 'running', steps: starting.steps, started: starting.started, opened: running };
    for (const plugin of config.plugins) runners.set(plugin.name, createRunner(running, plugin));
    logKeptStopped(config.plugins, desired, log);
    events.publish({ type: 'supervisor', phase: 'started', reason: 'supervisor started', at: Date.now() });
  };

  const start = (): Promise<void> => {
    const before = state;
    if (before.phase !== 'idle') return before.started ?? Promise.resolve();
    const opened: Partial<Opened> = {};
    // The steps' first await comes before they look at the state, which is 'starting' by then.
    const steps = openAndStart(opened);
    const started = steps.catch(async (error: unknown) => {
      // What the failed start made is let go here: nobody need call stop after a start that threw.
      await stop('start failed');
      throw error;
    });
    state = { phase: 'starting', steps, started, opened };
    return started;
  };

  const stop = (reason: string): Promise<void> => {
    const before = state;
    if (before.phase === 'stopping' || before.phase === 'stopped') return before.done;
    events.publish({ type: 'supervisor', phase: 'stopping', reason, at: Date.now() });
    const stopping: Extract<SupervisorState, { phase: 'stopping' }> = {
      phase: 'stopping',
      steps: before.phase === 'idle' ? null : before.steps,
      started: before.phase === 'idle' ? null : before.started,
      opened: openedOf(before),
      done: Promise.resolve(),
    };
    state = stopping;
    stopping.done = stopEverything(reason, stopping);
    return stopping.done;
  };

  const stopEverything = async (reason: string, stopping: Extract<SupervisorState, { phase: 'stopping' }>): Promise<void> => {
    // The start step under way finishes and the start ends there; what it made is stopped below.
    await stopping.steps?.catch(() => undefined);
    await reloads;
    await Promise.all([...runners.values()].map((runner) => runner.retire(reason)));
    const { dependencies, lag, journal, guard, socketRoot } = stopping.opened;
    dependencies?.stop();
    channels.closeAll();
    lag?.stop();
    // The stop's own transitions are in the journal before the state dir is let go.
    await journal?.flush();
    // Only now, with every process of every plugin gone: the watchdog guards until the last one is.
    await guard?.close();
    if (socketRoot !== undefined) await rm(socketRoot, { recursive: true, force: true });
    state = { phase: 'stopped', started: stopping.started, opened: stopping.opened, done: stopping.done };
  };

  return {
    events,
    snapshot,
    eventLog,
    output,
    snapshotVersion: () => ({
      lastEventId: eventLog.lastId,
      phase: state.phase,
      initialized,
      lagEpoch: openedOf(state).lag?.epoch ?? 0,
      droppedLogLines: droppedLogLines(),
      linkReports,
    }),
    reportLink,
    ...requests,
    reload,
    operation: (id): Operation | undefined => operations.find(id),
    plugin: (name) => runners.get(name)?.status(),
    channel: channels.channel,
    history: (name, limit) => (runners.has(name) ? { plugin: name, ...history.of(name, limit) } : undefined),
    get phase() {
      return state.phase;
    },
    start,
    stop,
  };
};
