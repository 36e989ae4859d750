import type { PluginState } from '../lifecycle/state.js';
import type { FederationView } from '../nats/federation.js';
import type { OutputLine, OutputStats } from '../plugin/output.js';
import type { ControlAction, Operation } from '../supervisor/operation.js';
import type { EventLog } from '../supervisor/event-log.js';
import type { OutputEntry } from '../supervisor/events.js';
import type { PluginHistory } from '../supervisor/history.js';
import type { ReloadResult } from '../supervisor/reload-result.js';
import type { SupervisorSnapshot } from '../supervisor/status.js';

export type ControlResult =
  | {
      ok: true;
      operation: Operation;
      /** True when the request joined an operation already under way. */
      coalesced: boolean;
      /** False when there was nothing to do: the plugin was already stopped, or already running. */
      accepted: boolean;
      state: PluginState;
    }
  | { ok: false; code: 'plugin_not_found' | 'shutting_down' | 'reloading'; message: string };

/** The signals a person may send a plugin by hand, for fault drills. */
export type DrillSignal = 'SIGSTOP' | 'SIGCONT' | 'SIGKILL' | 'SIGTERM' | 'SIGHUP' | 'SIGUSR1' | 'SIGUSR2';

export type SignalResult =
  | { ok: true; plugin: string; pid: number; signal: DrillSignal }
  | { ok: false; code: 'plugin_not_found' | 'not_running' | 'shutting_down'; message: string };

export interface PluginLogs {
  plugin: string;
  lines: OutputLine[];
  stats: OutputStats;
}

/** What the HTTP API reads and asks of the supervisor; the API changes nothing else. */
export interface ApiBackend {
  /** Every event, numbered, with a window of the recent ones for readers that catch up. */
  readonly eventLog: EventLog;
  /** Plugins' output lines as they are logged, live (GET /events?types=output). */
  readonly output?: { subscribe(listener: (entry: OutputEntry) => void): () => void };
  /** The current state of everything, taken without running any check. */
  snapshot(): SupervisorSnapshot;
  /**
   * Changes whenever the snapshot would, but for its clock-derived fields
   * (timestamps, uptimes); cheap to call. Lets answers be cached.
   */
  revision?(): string;
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
  /** Re-reads the config file and applies what changed. */
  reload(reason: string): Promise<ReloadResult>;
  /** Every hub heard over NATS; absent when federation is not enabled (GET /federation/* answer 404). */
  readonly federation?: FederationView;
}
