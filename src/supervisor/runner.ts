import type { PluginConfig } from '../config/types.js';
import { checkedStates, initialLifecycle, next } from '../lifecycle/machine.js';
import type { Effect, Lifecycle, LifecycleEvent, LifecyclePolicy, PluginState } from '../lifecycle/state.js';
import type { Logger } from '../log.js';
import type { PluginInfo } from '../plugin/health-report.js';
import { toTarget } from '../grpc/plugin-client.js';
import { describeExit } from '../plugin/process.js';
import { CheckHistory } from './check-history.js';
import type { EventBus } from './event-bus.js';
import type { SupervisorEvent } from './events.js';
import { PluginInstance, type InstanceHooks } from './plugin-instance.js';
import type { ExitRecord, PluginStatus } from './status.js';

export interface RunnerDeps {
  bus: EventBus<SupervisorEvent>;
  log: Logger;
  /** The supervisor's private directory; each plugin gets a folder in it. */
  socketRoot: string;
  now?: () => number;
}

const policyOf = (config: PluginConfig): LifecyclePolicy => ({
  failureThreshold: config.failureThreshold,
  successThreshold: config.successThreshold,
  maxRestarts: config.maxRestarts,
  restartBackoff: config.restartBackoff,
  maxRestartBackoff: config.maxRestartBackoff,
  resetAfter: config.resetAfter,
});

/**
 * Supervises one plugin: feeds what happens to it into the pure lifecycle and
 * performs the effects that come back — a new process generation, a staged
 * stop, a restart timer. Reports from a generation that is no longer current
 * are published but change nothing.
 *
 * @example
 * const runner = new PluginRunner(config, { bus, log, socketRoot });
 * runner.start('supervisor started');
 * await runner.stop('supervisor stopping');
 */
export class PluginRunner {
  readonly name: string;
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

  constructor(
    readonly config: PluginConfig,
    private readonly deps: RunnerDeps,
  ) {
    this.name = config.name;
    this.now = deps.now ?? Date.now;
    this.lifecycle = initialLifecycle(this.now());
    this.policy = policyOf(config);
    this.log = deps.log.child({ plugin: config.name });
  }

  get state(): PluginState {
    return this.lifecycle.state;
  }

  start(reason: string): void {
    this.dispatch({ type: 'startRequested', reason });
  }

  restart(reason: string): void {
    this.dispatch({ type: 'restartRequested', reason });
  }

  /** Stops the plugin in stages and resolves once its processes are gone. */
  async stop(reason: string): Promise<void> {
    this.dispatch({ type: 'stopRequested', reason });
    // Work started before the stop may still be settling; a few rounds drain it.
    for (let round = 0; round < 10 && this.work.size > 0; round++) {
      await Promise.allSettled([...this.work]);
    }
  }

  status(): PluginStatus {
    const { lifecycle, current, history } = this;
    return {
      name: this.name,
      state: lifecycle.state,
      reason: lifecycle.reason,
      since: lifecycle.since,
      critical: this.config.critical,
      command: this.config.command,
      args: this.config.args,
      pid: current?.pid ?? null,
      generation: this.generation,
      address: current?.target ?? null,
      connected: current?.connected ?? false,
      info: this.info,
      startedAt: current?.connected === true ? this.readyAt : null,
      lastCheck: history.lastCheck,
      lastHealthyAt: history.lastHealthyAt,
      recentChecks: history.recentChecks(),
      message: history.message,
      components: history.components,
      failureCount: lifecycle.consecutiveFailures,
      restartCount: lifecycle.restartCount,
      restarts: lifecycle.restarts,
      nextRestartAt: lifecycle.restartAt,
      lastExit: this.lastExit,
      lastError: this.lastError,
    };
  }

  private dispatch(event: LifecycleEvent): void {
    const before = this.lifecycle;
    const at = this.now();
    const { lifecycle, effects } = next(before, event, this.policy, at);
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
        if (instance !== null) this.stops = Promise.all([this.stops, this.track(instance.stop(effect.reason))]).then(() => undefined);
        return;
      }
      case 'scheduleRestart':
        clearTimeout(this.restartTimer);
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
    const generation = ++this.generation;
    const instance: PluginInstance = new PluginInstance(
      this.config,
      generation,
      { socketRoot: this.deps.socketRoot, log: this.log },
      this.hooksFor(generation, () => this.current === instance),
    );
    this.current = instance;
    this.track(instance.launch(this.stops));
  }

  private hooksFor(generation: number, isCurrent: () => boolean): InstanceHooks {
    const plugin = this.name;
    let spawnedAt = this.now();
    return {
      spawned: (pid) => {
        spawnedAt = this.now();
        this.lastSpawned = generation;
        this.publish({ type: 'spawned', plugin, generation, pid, at: spawnedAt });
      },
      ready: (launched) => {
        const at = this.now();
        const { pid } = launched.process;
        this.publish({ type: 'ready', plugin, generation, pid, address: toTarget(launched.address), at, startMs: at - spawnedAt });
        if (!isCurrent()) return;
        this.info = launched.info;
        this.readyAt = at;
        this.history.forgetReport();
        this.dispatch({ type: 'started' });
      },
      startFailed: (reason) => {
        this.publish({ type: 'startFailed', plugin, generation, reason, at: this.now() });
        if (!isCurrent()) return;
        this.lastError = reason;
        this.dispatch({ type: 'startFailed', reason });
      },
      exited: (exit, { pid, stderrTail, expected, ready }) => {
        const at = this.now();
        const stderr = expected ? '' : stderrTail;
        this.publish({ type: 'exited', plugin, generation, pid, code: exit.code, signal: exit.signal, expected, stderr, at });
        // A stopped generation's exit is still the last one, until a newer generation has a process.
        if (generation >= this.lastSpawned) this.lastExit = { at, code: exit.code, signal: exit.signal, stderr };
        // Before the handshake, the launch reports the exit as a failed start.
        if (!isCurrent() || expected || !ready) return;
        this.dispatch({ type: 'exited', reason: describeExit(exit) });
      },
      checked: (result) => {
        this.publish({ type: 'check', plugin, generation, check: result.check });
        if (!isCurrent()) return;
        this.history.record(result);
        this.dispatch({ type: 'checked', outcome: result.check.outcome, reason: result.check.message });
      },
      stopped: (pid, stage, durationMs) =>
        this.publish({ type: 'stopped', plugin, generation, pid, stage, durationMs, at: this.now() }),
    };
  }
}
