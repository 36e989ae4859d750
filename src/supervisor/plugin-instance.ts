import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { PluginConfig } from '../config/types.js';
import { toTarget, type PluginClient } from '../grpc/plugin-client.js';
import type { Logger } from '../log.js';
import { launchPlugin, type Launched } from '../plugin/launch.js';
import type { ExitInfo, PluginProcess } from '../plugin/process.js';
import type { ProbeResult } from '../plugin/probe.js';
import type { PluginOutput } from '../plugin/output.js';
import { stopPlugin } from '../plugin/stop.js';
import type { ProcessGuard } from '../state/process-guard.js';
import type { StopStage } from './events.js';
import { createPluginProbe } from './plugin-probe.js';

export interface InstanceDeps {
  socketRoot: string;
  log: Logger;
  output: PluginOutput;
  guard: ProcessGuard;
  /** A number in [0, 1) that places the first check of the steady cadence within its interval; Math.random by default. */
  random?: () => number;
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
  checked(result: ProbeResult): void;
  stopped(pid: number, stage: StopStage, durationMs: number): void;
}

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
  private process: PluginProcess | null = null;
  private client: PluginClient | null = null;
  private address: string | null = null;
  private stderrTail: () => string = () => '';
  private readonly abort = new AbortController();
  private launching: Promise<void> = Promise.resolve();
  private stopping: Promise<void> | null = null;
  private interval: number | null = null;
  private checkTimer: NodeJS.Timeout | undefined;
  private checking = false;
  /** Up: spawned, and connected or (an ordinary server) its check has passed once. */
  private ready = false;
  private probe: (() => Promise<ProbeResult>) | null = null;
  /** The steady cadence has had its place in the interval chosen. */
  private phased = false;

  constructor(
    private readonly config: PluginConfig,
    readonly generation: number,
    private readonly deps: InstanceDeps,
    private readonly hooks: InstanceHooks,
  ) {}

  /** The pid while the process runs. */
  get pid(): number | null {
    return this.process !== null && this.process.exitInfo() === null ? this.process.pid : null;
  }

  /** The leader's pid from spawn until the stop is over: what is left of its group still runs under that id. */
  get groupId(): number | null {
    return this.process?.pid ?? null;
  }

  get target(): string | null {
    return this.address;
  }

  get connected(): boolean {
    return this.ready && this.stopping === null;
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

  /** Checks every `ms` from now on (the first at once); null stops checking. */
  checkEvery(ms: number | null): void {
    const starting = this.interval === null && ms !== null;
    this.interval = this.connected ? ms : null;
    if (this.interval === null) {
      clearTimeout(this.checkTimer);
      this.checkTimer = undefined;
    } else if (starting && !this.checking && this.checkTimer === undefined) {
      this.scheduleCheck(0);
    }
  }

  /** Sends a signal to the running process group; the leader's pid, or null when nothing ran to get it. */
  signal(signal: NodeJS.Signals): number | null {
    const process = this.process;
    if (process === null || process.exitInfo() !== null) return null;
    return process.signalGroup(signal) ? process.pid : null;
  }

  /** Stops in stages; calling it again returns the same stop. */
  stop(reason: string): Promise<void> {
    this.stopping ??= this.halt(reason);
    return this.stopping;
  }

  private async halt(reason: string): Promise<void> {
    this.abort.abort();
    this.checkEvery(null);
    // An aborted launch returns at once; waiting for it means a process spawned meanwhile is stopped too.
    await this.launching;
    const process = this.process;
    if (process === null) return;
    const started = Date.now();
    const stage = await stopPlugin(process, this.client, {
      reason,
      stopTimeout: this.config.stopTimeout,
      stopSignal: this.config.stopSignal,
    });
    // stopPlugin returns once the whole group is gone, leftovers included.
    this.deps.guard.release(process.pid);
    this.hooks.stopped(process.pid, stage, Date.now() - started);
  }

  private async bringUp(): Promise<void> {
    const signal = this.abort.signal;
    if (signal.aborted) return;
    const socketDir = join(this.deps.socketRoot, this.config.name);
    await mkdir(socketDir, { recursive: true, mode: 0o700 });
    // A stop that came while the folder was made: nothing is spawned after it.
    if (signal.aborted) return;
    const result = await launchPlugin({
      config: this.config,
      socketDir,
      signal,
      log: this.deps.log,
      output: this.deps.output,
      containment: this.deps.guard.contain(this.config.name, this.generation),
      onSpawned: (process) => this.adopt(process),
      probe: async () => (await createPluginProbe(this.config, { client: null, address: null }, signal)()).check,
    });
    if (signal.aborted) {
      // The stop that called this start off has the process; only the client is left to close.
      if (result.ok) result.launched.client?.close();
      return;
    }
    if (!result.ok) {
      this.hooks.startFailed(result.reason, result.process?.exitInfo()?.code ?? null);
      return;
    }
    const { client, address } = result.launched;
    this.client = client;
    this.address = address === null ? null : toTarget(address);
    this.probe = createPluginProbe(this.config, { client, address: this.address }, signal);
    this.stderrTail = result.launched.stderrTail;
    this.ready = true;
    this.hooks.ready(result.launched);
  }

  private adopt(process: PluginProcess): void {
    this.process = process;
    this.deps.guard.track(process.pid, process.containment);
    this.hooks.spawned(process.pid);
    void process.exited.then((exit) => {
      this.checkEvery(null);
      this.hooks.exited(exit, {
        pid: process.pid,
        stderrTail: this.stderrTail(),
        expected: this.stopping !== null,
        ready: this.ready,
      });
    });
  }

  /**
   * The first wait of the steady cadence is a random part of it, never longer:
   * plugins started together (500 at boot) then check at spread-out moments,
   * not in one burst a second, and none waits longer than its interval.
   */
  private phase(interval: number, wait: number): number {
    if (this.phased || interval !== this.config.checkInterval) return wait;
    this.phased = true;
    return Math.floor((this.deps.random ?? Math.random)() * wait);
  }

  private scheduleCheck(delayMs: number): void {
    this.checkTimer = setTimeout(() => {
      this.checkTimer = undefined;
      void this.runCheck();
    }, delayMs);
  }

  private async runCheck(): Promise<void> {
    const probe = this.probe;
    if (probe === null || this.interval === null) return;
    this.checking = true;
    const result = await probe();
    this.checking = false;
    if (this.interval === null) return;
    this.hooks.checked(result);
    // The runner may have changed the cadence, or stopped checks, while judging this one.
    const interval = this.interval as number | null;
    if (interval !== null && this.checkTimer === undefined) {
      // Checks keep their cadence: a slow answer eats into the wait, never adds to it.
      const wait = Math.max(0, interval - (Date.now() - result.check.at));
      this.scheduleCheck(this.phase(interval, wait));
    }
  }
}
