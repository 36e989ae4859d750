import { join } from 'node:path';
import type { PluginConfig } from '../config/types.js';
import { toTarget, type PluginClient } from '../grpc/plugin-client.js';
import type { Logger } from '../log.js';
import type { Launched } from '../plugin/launch.js';
import type { PluginProcess } from '../plugin/spawn-plugin.js';
import type { ExitInfo } from '../process/run-process.js';
import type { ProbeResult } from '../checks/probe-verdict.js';
import { createHealthFeed, type HealthFeed, type HeardBy } from '../checks/health-feed.js';
import { startReadinessChecks } from '../checks/readiness-checks.js';
import type { CheckSchedule } from '../checks/schedule-checks.js';
import type { CheckRecord } from '../model/check-record.js';
import { guardIntervalOf } from '../config/guard-interval.js';
import type { PluginOutput } from '../plugin/output.js';
import type { ProcessGuard } from '../containment/process-guard.js';
import type { StopStage } from '../model/events.js';
import { processLauncher, type InstanceLauncher } from './instance-launcher.js';
import { limitCgroupMemory } from '../containment/cgroup-usage.js';
import type { SpawnContainment } from '../containment/contain-plugin.js';

export interface InstanceDeps {
  socketRoot: string;
  log: Logger;
  output: PluginOutput;
  guard: ProcessGuard;
  /** A number in [0, 1) that places the first check of the steady cadence within its interval; Math.random by default. */
  random?: () => number;
  /** What spawns, checks and stops the process; real processes by default. */
  launcher?: InstanceLauncher;
}

/** What one process generation reports to its runner. */
export interface InstanceHooks {
  spawned(pid: number): void;
  ready(launched: Launched): void;
  /** `code` is the exit code when the process exited before it was up. */
  startFailed(reason: string, code: number | null): void;
  /**
   * The process ended. `expected` when a stop asked for it; `ready` when it had
   * finished its start (an exit before that also fails the start).
   */
  exited(exit: ExitInfo, details: { pid: number; stderrTail: string; expected: boolean; ready: boolean }): void;
  /** A verdict on its health: `pushed` by the plugin on its stream, or `polled`. */
  checked(result: ProbeResult, by: HeardBy): void;
  /** One run of its `readiness:` probe (only a plugin with one, only while up). */
  readinessChecked?(check: CheckRecord): void;
  stopped(pid: number, stage: StopStage, durationMs: number): void;
}

/** Where one process generation is; each variant holds exactly what is true in it. */
export type InstanceState =
  /** Made; waiting for the previous generation's stop, making its socket folder, or spawning. */
  | { phase: 'pending' }
  /** Spawned; the handshake, connection or first passing check is under way. */
  | { phase: 'starting'; process: PluginProcess }
  /** Started: connected, or (an ordinary server) its check has passed once. */
  | {
      phase: 'up';
      process: PluginProcess;
      client: PluginClient | null;
      address: string | null;
      stderrTail: () => string;
      /** Its health, pushed or polled, at the cadence the runner sets. */
      checks: HealthFeed;
      /** Its `readiness:` probe on its own cadence; null when it has none. */
      readiness: CheckSchedule | null;
    }
  /** A stop was asked for; `process` is null while nothing was spawned (a spawn under way still lands here). */
  | {
      phase: 'stopping';
      process: PluginProcess | null;
      client: PluginClient | null;
      wasUp: boolean;
      stderrTail: () => string;
      done: Promise<void>;
    };

const noTail = (): string => '';

const processOf = (state: InstanceState): PluginProcess | null => (state.phase === 'pending' ? null : state.process);

/**
 * One process generation of a plugin, from spawn to stop: it launches the
 * process, runs its health checks at the cadence the runner sets, and stops
 * it. A generation never restarts; the runner makes a new one.
 *
 * @example
 * const instance = new PluginInstance(config, 1, { socketRoot, log, output, guard }, hooks);
 * instance.launch(Promise.resolve());
 * instance.checkEvery(1_000);
 * await instance.stop('restart');
 */
export class PluginInstance {
  private state: InstanceState = { phase: 'pending' };
  private readonly abort = new AbortController();
  private launching: Promise<void> = Promise.resolve();
  private readonly launcher: InstanceLauncher;
  /** True once its cgroup's memory.max holds memoryMax: the kernel enforces it. */
  memoryEnforced = false;

  constructor(
    private readonly config: PluginConfig,
    readonly generation: number,
    private readonly deps: InstanceDeps,
    private readonly hooks: InstanceHooks,
  ) {
    this.launcher = deps.launcher ?? processLauncher;
  }

  /** Where this generation is: pending, starting, up or stopping. */
  get phase(): InstanceState['phase'] {
    return this.state.phase;
  }

  /** The pid while the process runs. */
  get pid(): number | null {
    const process = processOf(this.state);
    return process !== null && process.exitInfo() === null ? process.pid : null;
  }

  /** The leader's pid from spawn until the stop is over: what is left of its group still runs under that id. */
  get groupId(): number | null {
    return processOf(this.state)?.pid ?? null;
  }

  /** The mark and cgroup its processes run in, from spawn on; null before, or without containment. */
  get containment(): SpawnContainment | null {
    return processOf(this.state)?.containment ?? null;
  }

  get target(): string | null {
    return this.state.phase === 'up' ? this.state.address : null;
  }

  get connected(): boolean {
    return this.state.phase === 'up';
  }

  /** Starts the process once `after` (the previous generation's stop) has settled. */
  launch(after: Promise<void>): Promise<void> {
    this.launching = after
      .then(() => this.bringUp())
      .catch((error: unknown) => {
        if (this.abort.signal.aborted) return;
        this.hooks.startFailed(`could not start: ${error instanceof Error ? error.message : String(error)}`, null);
      });
    return this.launching;
  }

  /** Checks every `ms` from now on (the first at once); null stops checking. Only an instance that is up checks. */
  checkEvery(ms: number | null): void {
    const state = this.state;
    if (state.phase !== 'up') return;
    state.checks.every(ms);
    // Readiness keeps its own cadence while the process is up; leaving up (stop, exit) ends it with the checks.
    if (ms === null) state.readiness?.every(null);
  }

  /** Sends a signal to the running process group; the leader's pid, or null when nothing ran to get it. */
  signal(signal: NodeJS.Signals): number | null {
    const process = processOf(this.state);
    if (process === null || process.exitInfo() !== null) return null;
    return process.signalGroup(signal) ? process.pid : null;
  }

  /** Stops in stages; calling it again returns the same stop. */
  stop(reason: string): Promise<void> {
    if (this.state.phase === 'stopping') return this.state.done;
    this.checkEvery(null);
    const left = this.state;
    const stopping: Extract<InstanceState, { phase: 'stopping' }> = {
      phase: 'stopping',
      process: processOf(left),
      client: left.phase === 'up' ? left.client : null,
      wasUp: left.phase === 'up',
      stderrTail: left.phase === 'up' ? left.stderrTail : noTail,
      done: Promise.resolve(),
    };
    this.state = stopping;
    this.abort.abort();
    stopping.done = this.halt(reason, stopping);
    return stopping.done;
  }

  private async halt(reason: string, stopping: Extract<InstanceState, { phase: 'stopping' }>): Promise<void> {
    // An aborted launch returns at once; waiting for it means a process spawned meanwhile is stopped too.
    await this.launching;
    const { process, client } = stopping;
    if (process === null) return;
    const started = Date.now();
    const stage = await this.launcher.stop(process, client, {
      reason,
      stopTimeout: this.config.stopTimeout,
      stopSignal: this.config.stopSignal,
    });
    // The stop returns once the whole group is gone, leftovers included.
    this.deps.guard.release(process.pid);
    this.hooks.stopped(process.pid, stage, Date.now() - started);
  }

  private async bringUp(): Promise<void> {
    const signal = this.abort.signal;
    if (signal.aborted) return;
    const socketDir = join(this.deps.socketRoot, this.config.name);
    await this.launcher.makeSocketDir(socketDir, this.config.runAs);
    // A stop that came while the folder was made: nothing is spawned after it.
    if (signal.aborted) return;
    const result = await this.launcher.launch({
      config: this.config,
      socketDir,
      signal,
      log: this.deps.log,
      output: this.deps.output,
      containment: this.containFor(),
      onSpawned: (process) => this.adopt(process),
      probe: async () => (await this.launcher.probe(this.config, { client: null, address: null }, signal)()).check,
    });
    if (this.state.phase === 'stopping') {
      // The stop that called this start off has the process; only the client is left to close.
      if (result.ok) result.launched.client?.close();
      return;
    }
    if (!result.ok) {
      this.hooks.startFailed(result.reason, result.process?.exitInfo()?.code ?? null);
      return;
    }
    const { client, address, process, stderrTail } = result.launched;
    const target = address === null ? null : toTarget(address);
    const probeTarget = { client, address: target };
    // Leaving 'up' turns checks off first (stop, exit): an answer still in flight is then dropped.
    const checks = createHealthFeed({
      watch: this.launcher.watch(this.config, probeTarget),
      probe: this.launcher.probe(this.config, probeTarget, signal),
      heard: (checked, by) => this.hooks.checked(checked, by),
      changed: (mode, why) => this.deps.log.debug({ plugin: this.config.name, generation: this.generation, healthFeed: mode }, why),
      checkInterval: this.config.checkInterval,
      checkTimeout: this.config.checkTimeout,
      guardInterval: guardIntervalOf(this.config),
      random: this.deps.random ?? Math.random,
    });
    const readinessConfig = this.config.readiness;
    const readiness =
      readinessConfig === null
        ? null
        : startReadinessChecks(readinessConfig, probeTarget, {
            signal,
            heard: (check) => this.hooks.readinessChecked?.(check),
            ...(this.deps.random === undefined ? {} : { random: this.deps.random }),
          });
    this.state = { phase: 'up', process, client, address: target, stderrTail, checks, readiness };
    this.hooks.ready(result.launched);
  }

  private containFor(): SpawnContainment {
    const containment = this.deps.guard.contain(this.config.name, this.generation);
    const { memoryMax } = this.config;
    // Written before the spawn, so the kernel holds the limit from the plugin's first instruction.
    if (containment.cgroup !== null && memoryMax !== null) this.memoryEnforced = limitCgroupMemory(containment.cgroup, memoryMax);
    return containment;
  }

  private adopt(process: PluginProcess): void {
    // A stop that came during the spawn takes the process with it.
    if (this.state.phase === 'stopping') this.state.process = process;
    else this.state = { phase: 'starting', process };
    this.deps.guard.track(process.pid, process.containment);
    this.hooks.spawned(process.pid);
    void process.exited.then((exit) => {
      const state = this.state;
      // The exit is told first, the checks turned off after: nothing runs in between (no await), and
      // cancelling the health stream is grpc-js work the unhealthy transition need not wait for.
      this.hooks.exited(exit, {
        pid: process.pid,
        stderrTail: state.phase === 'up' || state.phase === 'stopping' ? state.stderrTail() : '',
        expected: state.phase === 'stopping',
        ready: state.phase === 'up' || (state.phase === 'stopping' && state.wasUp),
      });
      this.checkEvery(null);
    });
  }
}
