import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import type { PluginConfig, SupervisorConfig } from '../config/types.js';
import { createLogger, droppedLogLines } from '../log.js';
import { createDesiredStore, readDesiredState } from '../state/desired-state.js';
import { openProcessGuard, type GuardHealth } from '../containment/process-guard.js';
import { createSocketRoot } from '../state/socket-root.js';
import { version } from '../version.js';
import { createDependencyChecks } from '../checks/dependency-checks.js';
import { createEventBus } from '../util/event-bus.js';
import { createEventLog } from './event-log.js';
import { createHistory } from './history.js';
import type { OutputEntry, SupervisorEvent } from '../model/events.js';
import { startLoopLagMonitor } from './loop-lag.js';
import type { Operation } from '../model/operation.js';
import { createOperationLog } from './operation-log.js';
import { applyReload, type ReloadTarget } from './apply-reload.js';
import type { ReloadResult } from './reload-result.js';
import { createPluginChannels } from './plugin-channels.js';
import { logKeptStopped, stoppedByHandReason } from './kept-stopped.js';
import { createPluginRequests, isBeforeRunners, refuseWhileStopping } from './plugin-requests.js';
import { restoreHistory } from './restore-history.js';
import { PluginRunner } from './runner.js';
import type { Supervisor, SupervisorOptions } from './supervisor-api.js';
import { openedOf, type Opened, type SupervisorState } from './supervisor-state.js';
import { watchdogComponent } from './watchdog-component.js';
import { wireDependencies } from './dependency-wiring.js';
import { retireInOrder } from './stop-order.js';
import type { LinkStatus, StartupProgress, SupervisorSnapshot } from '../model/status.js';
import { createResourceSampler } from './resource-sampler.js';
import { createMemoryWatch } from './memory-watch.js';

export type { Supervisor, SupervisorOptions } from './supervisor-api.js';

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
  // dependsOn: starts held until what a plugin depends on is up; restartWith: dependents cycled with a restart.
  const { gate, statusOf, setGraph } = wireDependencies({ runners, graph: () => config.plugins, events, log });
  const channels = createPluginChannels((name) => runners.get(name)?.status());
  // Sampled when asked (API, metrics, CLI); the watch samples only plugins whose memoryMax no cgroup enforces.
  const sampler = createResourceSampler();
  const memoryWatch = createMemoryWatch({ watched: () => [...runners.values()].map((runner) => runner.resources), sampler, log });

  const isShuttingDown = (): boolean => state.phase === 'stopping' || state.phase === 'stopped';

  /** Null once start-up has tried every plugin; until then, how far it is. */
  const startup = (): StartupProgress | null => {
    if (initialized) return null;
    if (state.phase !== 'running') return { tried: 0, total: config.plugins.length };
    let tried = 0;
    // A start held for its dependencies has been tried: it waits, and says for what.
    for (const runner of runners.values()) if (runner.startTried || gate.waitingFor(runner.name) !== undefined) tried += 1;
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
      plugins: [...runners.values()].map(statusOf),
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
        watchMemory: memoryWatch.arm,
      },
      held === undefined ? undefined : stoppedByHandReason(held.at, held.reason),
    );
    if (held === undefined && state.phase === 'running')
      gate.request(runner, replaces === undefined ? 'supervisor started' : 'its config changed');
    return runner;
  };

  const isConfigured = (name: string): boolean => config.plugins.some((plugin) => plugin.name === name);
  const requests = createPluginRequests({
    runners,
    state: () => state,
    reloads: () => reloads,
    stateDir: () => config.stateDir,
    isConfigured,
    log,
  });

  // What a reload works on: the running supervisor's, kept by a reload that a stop overtakes, as the stop waits for it.
  const reloadTarget = (opened: Opened): ReloadTarget => ({
    current: () => config,
    runners,
    createRunner: (plugin, replaces) => createRunner(opened, plugin, replaces),
    forget: (names) => opened.desired.forget(...names),
    applied: (next) => {
      config = next;
      setGraph(next.plugins);
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
      // Held while runners are replaced, so the gate judges a new graph with every new runner in place.
      gate.hold();
      try {
        return await applyReload(reloadTarget(now.opened), { reason, config: next, log });
      } finally {
        gate.release();
      }
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
    const journal = await restoreHistory({ stateDir: config.stateDir, history, eventLog, log });
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
    gate.hold();
    for (const plugin of config.plugins) runners.set(plugin.name, createRunner(running, plugin));
    gate.release();
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
    // From here no held start is let go: whatever it would start is about to be stopped.
    gate.close();
    stopping.done = stopEverything(reason, stopping);
    return stopping.done;
  };

  const stopEverything = async (reason: string, stopping: Extract<SupervisorState, { phase: 'stopping' }>): Promise<void> => {
    // The start step under way finishes and the start ends there; what it made is stopped below.
    await stopping.steps?.catch(() => undefined);
    await reloads;
    // Dependents first: each plugin is asked to stop once every plugin that depends on it is gone.
    await retireInOrder(runners, config.plugins, (runner) => runner.retire(reason));
    memoryWatch.stop();
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
    control: (name, action, reason) => {
      // A stop by hand ends a held start too: the plugin stays stopped.
      if (action === 'stop') gate.cancel(name);
      return requests.control(name, action, reason);
    },
    reload,
    operation: (id): Operation | undefined => operations.find(id),
    plugin: (name) => {
      const runner = runners.get(name);
      return runner === undefined ? undefined : statusOf(runner);
    },
    resources: () => {
      const targets = [...runners.values()].flatMap((runner) => runner.resources.target() ?? []);
      const sampled = sampler.sample(targets);
      return new Map([...runners.keys()].map((name) => [name, sampled.get(name) ?? null]));
    },
    channel: channels.channel,
    // Before the runners exist a configured plugin's history is what the journal restored: known, maybe empty.
    history: (name, limit) =>
      runners.has(name) || (isBeforeRunners(state) && isConfigured(name)) ? { plugin: name, ...history.of(name, limit) } : undefined,
    get phase() {
      return state.phase;
    },
    start,
    stop,
  };
};
