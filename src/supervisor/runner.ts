import type { PluginConfig } from '../config/types.js';
import { checkedStates, initialLifecycle, next } from '../lifecycle/machine.js';
import type { Effect, Lifecycle, LifecycleEvent, LifecyclePolicy } from '../lifecycle/state.js';
import type { PluginState } from '../model/plugin-state.js';
import type { Logger } from '../log.js';
import type { PluginInfo } from '../model/health-report.js';
import { toTarget } from '../grpc/plugin-client.js';
import { createPluginOutput, type PluginOutput } from '../plugin/output.js';
import type { OutputLine, OutputStats } from '../model/output-line.js';
import { describeExit } from '../process/run-process.js';
import { CheckHistory } from '../checks/check-history.js';
import type { SupervisorEvent } from '../model/events.js';
import type { ControlAction } from '../model/operation.js';
import { OperationTracker } from './operation-tracker.js';
import { toLifecyclePolicy, toRequestEvent } from './lifecycle-inputs.js';
import { toPluginStatus } from './plugin-status.js';
import type { ControlOutcome, RunnerDeps } from './runner-deps.js';
import { PluginInstance, type InstanceHooks } from './plugin-instance.js';
import type { ExitRecord, PluginStatus } from '../model/status.js';
import { hearReadiness, initialReadiness, toReadinessStatus, type ReadinessMemory } from './readiness-memory.js';
import { PluginResources } from './plugin-resources.js';
import { describeMemoryExit } from './memory-limit.js';

/**
 * Supervises one plugin: feeds what happens to it into the pure lifecycle and
 * performs the effects that come back — a new process generation, a staged
 * stop, a restart timer. Reports from a generation that is no longer current
 * are published but change nothing.
 *
 * @example
 * const runner = new PluginRunner(config, { bus, log, socketRoot, guard });
 * runner.start('supervisor started');
 * await runner.retire('supervisor stopping');
 */
export class PluginRunner {
  readonly name: string;
  private readonly deps: Omit<RunnerDeps, 'replaces'>;
  private lifecycle: Lifecycle;
  private readonly policy: LifecyclePolicy;
  private readonly log: Logger;
  private readonly now: () => number;
  private generation = 0;
  /** The newest generation whose process was spawned. */
  private lastSpawned = 0;
  private current: PluginInstance | null = null;
  /** Stops in flight; a new generation starts only once the old one is gone. */
  private stops: Promise<void> = Promise.resolve();
  private readonly work = new Set<Promise<void>>();
  private restartTimer: NodeJS.Timeout | undefined;
  private readonly history = new CheckHistory();
  private info: PluginInfo | null = null;
  private readyAt: number | null = null;
  private lastExit: ExitRecord | null = null;
  private lastError: string | null = null;
  private readonly output: PluginOutput;
  private readonly operations: OperationTracker;
  /** Generations whose stop is under way: their processes still run, and the API shows them. */
  private readonly stopping = new Set<PluginInstance>();
  /** Set by retire: this runner spawns nothing more and takes no requests. */
  private retiredBy: string | null = null;
  private retiring: Promise<void> | null = null;
  /** The first start has come to something: up, failed, or never wanted (stopped by hand, retired). */
  private firstStartTried: boolean;
  /** The current process's `readiness:` probe, afresh with each process; unused without one. */
  private readiness: ReadinessMemory;
  /** What to sample of it, and its memoryMax (README, Resources). */
  readonly resources: PluginResources;

  /** `stoppedReason` says why a plugin that is not started yet stays stopped. */
  constructor(
    readonly config: PluginConfig,
    deps: RunnerDeps,
    stoppedReason?: string,
  ) {
    // The runner replaced is not kept: each would hold the one before it, and reloads would pile them all up.
    const { replaces, ...kept } = deps;
    this.deps = kept;
    this.name = config.name;
    this.now = deps.now ?? Date.now;
    this.lifecycle = initialLifecycle(this.now(), stoppedReason);
    this.firstStartTried = stoppedReason !== undefined;
    this.readiness = initialReadiness(this.now());
    const replaced = replaces;
    if (replaced !== undefined) {
      this.generation = replaced.lastGeneration;
      this.lastSpawned = replaced.lastGeneration;
      // The new config's first process starts once the old config's are gone: never two at once.
      this.stops = replaced.retire('its config changed');
    }
    this.policy = toLifecyclePolicy(config);
    this.log = deps.log.child({ plugin: config.name });
    this.resources = new PluginResources(config, () => this.current, this.log);
    const feed = deps.output;
    this.output = createPluginOutput({
      log: this.log,
      ...(feed === undefined ? {} : { onLogged: (line: OutputLine) => feed.publish({ plugin: config.name, line }) }),
    });
    this.operations = new OperationTracker(config.name, this.now, (operation) =>
      this.publish({ type: 'operation', plugin: this.name, operation: { ...operation }, at: this.now() }),
    );
  }

  get state(): PluginState {
    return this.lifecycle.state;
  }

  /** The newest generation this runner numbered (0 before its first process). */
  get lastGeneration(): number {
    return this.generation;
  }

  /** True once retired: it spawns nothing and refuses requests (a reload or the supervisor's stop ended it). */
  get retired(): boolean {
    return this.retiredBy !== null;
  }

  /** True once its first start has come to something (up or failed), or none was ever wanted. */
  get startTried(): boolean {
    return this.firstStartTried;
  }

  start(reason: string): void {
    this.dispatch({ type: 'startRequested', reason });
  }

  restart(reason: string): void {
    this.dispatch({ type: 'restartRequested', reason });
  }

  /** Stops its process but keeps the runner (a restart along with a dependency); start brings it back. */
  stop(reason: string): void {
    this.dispatch({ type: 'stopRequested', reason });
  }

  /**
   * A restart, stop or start asked for by hand. One that asks for what is
   * already under way joins it: two restarts at once are one restart. Null
   * once retired: the request belongs to whatever replaced this runner.
   */
  control(action: ControlAction, reason: string): ControlOutcome | null {
    if (this.retiredBy !== null) return null;
    const admission = this.operations.admit(action, this.lifecycle.state);
    if (admission.type === 'join') return { operation: this.operations.join(admission.operation), coalesced: true, accepted: true };
    if (admission.type === 'done') {
      return { operation: this.operations.done(action, reason, admission.outcome), coalesced: false, accepted: false };
    }
    const operation = this.operations.begin(action, reason);
    if (admission.dispatch) this.dispatch(toRequestEvent(action, reason));
    if (action === 'stop') {
      void this.stops.then(() => this.operations.finish(operation, 'succeeded', 'stopped; no process of it is left'));
    } else {
      // A start that found the plugin coming up may already be settled by the state it is in.
      this.operations.observe(this.lifecycle.state, this.lifecycle.reason);
    }
    return { operation, coalesced: false, accepted: true };
  }

  /** Sends `signal` to the current process group; the pid it went to, or null when none runs. */
  signal(signal: NodeJS.Signals): number | null {
    return this.current?.signal(signal) ?? null;
  }

  /** The last `count` lines the plugin printed, across its generations. */
  logs(count: number): { lines: OutputLine[]; stats: OutputStats } {
    return { lines: this.output.tail(count), stats: this.output.stats() };
  }

  /**
   * Stops the plugin for good, in stages, and resolves once every process of
   * every generation is gone. From the call on, nothing is spawned and
   * requests are refused; calling it again returns the same stop.
   */
  retire(reason: string): Promise<void> {
    this.retiring ??= this.drain(reason);
    return this.retiring;
  }

  private async drain(reason: string): Promise<void> {
    this.retiredBy = reason;
    this.dispatch({ type: 'stopRequested', reason });
    this.firstStartTried = true;
    clearTimeout(this.restartTimer);
    // Launches aborted by the stop settle at once; whatever they spawned meanwhile is in a stop by then.
    for (let round = 0; round < 10 && this.work.size > 0; round++) {
      await Promise.allSettled([...this.work]);
    }
    await this.stops;
  }

  status(): PluginStatus {
    const { lifecycle, current, history, config } = this;
    return toPluginStatus(
      { config, lifecycle, current, history, generation: this.generation, stopping: this.stopping },
      {
        info: this.info,
        readyAt: this.readyAt,
        lastExit: this.lastExit,
        lastError: this.lastError,
        readiness: config.readiness === null ? null : toReadinessStatus(this.readiness, config.readiness),
      },
    );
  }

  private dispatch(event: LifecycleEvent): void {
    const before = this.lifecycle;
    const at = this.now();
    // The jitter of an exponential backoff is drawn here, so the lifecycle stays a pure function.
    const policy = this.policy.backoff === 'exponential' ? { ...this.policy, jitter: (this.deps.random ?? Math.random)() } : this.policy;
    const { lifecycle, effects } = next(before, event, policy, at);
    this.lifecycle = lifecycle;
    // A restart asked for while restarting stays in that state, but is news all the same.
    if (lifecycle.state !== before.state || (event.type === 'restartRequested' && lifecycle !== before)) {
      this.publish({
        type: 'transition',
        plugin: this.name,
        from: before.state,
        to: lifecycle.state,
        reason: lifecycle.reason,
        at,
        restarts: lifecycle.restarts,
        restartCount: lifecycle.restartCount,
      });
    }
    if (lifecycle.state !== before.state) this.operations.observe(lifecycle.state, lifecycle.reason);
    for (const effect of effects) this.perform(effect);
    const { state } = this.lifecycle;
    this.current?.checkEvery(
      checkedStates.has(state) ? (state === 'unknown' ? this.config.startInterval : this.config.checkInterval) : null,
    );
  }

  private perform(effect: Effect): void {
    switch (effect.type) {
      case 'spawn':
        this.spawn();
        return;
      case 'stop': {
        const instance = this.current;
        this.current = null;
        if (instance === null) return;
        this.stopping.add(instance);
        const stopped = this.track(instance.stop(effect.reason)).then(() => void this.stopping.delete(instance));
        this.stops = Promise.all([this.stops, stopped]).then(() => undefined);
        return;
      }
      case 'scheduleRestart':
        clearTimeout(this.restartTimer);
        if (this.retiredBy !== null) return;
        this.restartTimer = setTimeout(() => this.dispatch({ type: 'restartDue' }), effect.delayMs);
        this.publish({ type: 'restartScheduled', plugin: this.name, delayMs: effect.delayMs, at: this.now() });
        return;
      case 'cancelRestart':
        clearTimeout(this.restartTimer);
        this.restartTimer = undefined;
        return;
    }
  }

  private publish(event: SupervisorEvent): void {
    this.deps.bus.publish(event);
  }

  /** Remembers work in flight until it settles; the work itself never rejects. */
  private track(promise: Promise<void>): Promise<void> {
    const settled = promise.catch((error: unknown) => this.log.error({ err: error }, 'internal error in the plugin runner'));
    this.work.add(settled);
    void settled.then(() => this.work.delete(settled));
    return settled;
  }

  private spawn(): void {
    // A retired runner's lifecycle is stopped; only a request could ask for a spawn, and none is taken.
    if (this.retiredBy !== null) {
      this.log.warn({ retiredBy: this.retiredBy }, `${this.name}: no new process: this runner was stopped for good (${this.retiredBy})`);
      return;
    }
    const generation = ++this.generation;
    const instance: PluginInstance = new PluginInstance(
      this.config,
      generation,
      {
        socketRoot: this.deps.socketRoot,
        log: this.log,
        output: this.output,
        guard: this.deps.guard,
        ...(this.deps.random === undefined ? {} : { random: this.deps.random }),
        ...(this.deps.launcher === undefined ? {} : { launcher: this.deps.launcher }),
      },
      this.hooksFor(generation, () => this.current === instance),
    );
    this.current = instance;
    void this.track(instance.launch(this.stops));
  }

  private hooksFor(generation: number, isCurrent: () => boolean): InstanceHooks {
    const plugin = this.name;
    let spawnedAt = this.now();
    return {
      spawned: (pid) => {
        spawnedAt = this.now();
        this.lastSpawned = generation;
        this.publish({ type: 'spawned', plugin, generation, pid, at: spawnedAt });
        if (isCurrent() && this.current !== null && this.resources.spawned(this.current)) this.deps.watchMemory?.();
      },
      ready: (launched) => {
        const at = this.now();
        const { pid } = launched.process;
        const address = launched.address === null ? null : toTarget(launched.address);
        this.publish({ type: 'ready', plugin, generation, pid, address, at, startMs: at - spawnedAt });
        this.firstStartTried = true;
        if (!isCurrent()) return;
        this.info = launched.info;
        this.readyAt = at;
        this.history.forgetReport();
        this.readiness = initialReadiness(at);
        this.dispatch({ type: 'started' });
      },
      startFailed: (reason, code) => {
        this.publish({ type: 'startFailed', plugin, generation, reason, at: this.now() });
        this.firstStartTried = true;
        if (!isCurrent()) return;
        this.lastError = reason;
        this.dispatch({ type: 'startFailed', reason, code });
      },
      exited: (exit, { pid, stderrTail, expected, ready }) => {
        const at = this.now();
        const stderr = expected ? '' : stderrTail;
        const memory = this.resources.exitCause(generation);
        this.publish({
          type: 'exited',
          plugin,
          generation,
          pid,
          code: exit.code,
          signal: exit.signal,
          expected,
          stderr,
          at,
          ...(memory === null ? {} : { memory }),
        });
        // A stopped generation's exit is still the last one, until a newer generation has a process.
        if (generation >= this.lastSpawned) this.lastExit = { at, code: exit.code, signal: exit.signal, stderr };
        // Before the handshake, the launch reports the exit as a failed start.
        if (!isCurrent() || expected || !ready) return;
        this.dispatch({ type: 'exited', reason: memory === null ? describeExit(exit) : describeMemoryExit(memory), code: exit.code });
      },
      checked: (result, by) => {
        this.publish({ type: 'check', plugin, generation, check: result.check, ...(by === 'pushed' ? { pushed: true as const } : {}) });
        if (!isCurrent()) return;
        this.history.record(result);
        this.dispatch({ type: 'checked', outcome: result.check.outcome, reason: result.check.message, pushed: by === 'pushed' });
      },
      readinessChecked: (check) => {
        const config = this.config.readiness;
        if (!isCurrent() || config === null) return;
        const before = toReadinessStatus(this.readiness, config).verdict;
        this.readiness = hearReadiness(this.readiness, check, config, this.now());
        const after = toReadinessStatus(this.readiness, config);
        if (after.verdict !== before) {
          this.publish({ type: 'readiness', plugin, generation, from: before, to: after.verdict, reason: after.reason, at: after.since });
        }
      },
      stopped: (pid, stage, durationMs) => this.publish({ type: 'stopped', plugin, generation, pid, stage, durationMs, at: this.now() }),
    };
  }
}
