import type { PluginLogs } from '../model/output-line.js';
import type { ControlResult, DrillSignal, SignalResult } from '../model/control.js';
import type { SupervisorConfig } from '../config/types.js';
import type { Logger } from '../log.js';
import type { StateLock } from '../state/state-lock.js';
import type { PluginChannel } from '../grpc/host-channel.js';
import type { EventBus } from '../util/event-bus.js';
import type { EventLog } from './event-log.js';
import type { PluginHistory } from './history.js';
import type { OutputEntry, SupervisorEvent } from '../model/events.js';
import type { ControlAction, Operation } from '../model/operation.js';
import type { ReloadResult } from './reload-result.js';
import type { ResourceUsage } from '../model/resources.js';
import type { LinkStatus, PluginStatus, SnapshotVersion, SupervisorPhase, SupervisorSnapshot } from '../model/status.js';

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
  /** Each plugin's CPU and memory now (a sample at most 250 ms old); null for one with no process running. */
  resources(): ReadonlyMap<string, ResourceUsage | null>;
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
