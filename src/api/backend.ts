import type { FederationView } from '../nats/federation.js';
import type { ControlResult, DrillSignal, SignalResult } from '../model/control.js';
import type { PluginLogs } from '../model/output-line.js';
import type { ControlAction, Operation } from '../model/operation.js';
import type { EventLog } from '../supervisor/event-log.js';
import type { OutputEntry } from '../model/events.js';
import type { PluginHistory } from '../supervisor/history.js';
import type { ReloadResult } from '../supervisor/reload-result.js';
import type { SnapshotVersion, SupervisorSnapshot } from '../model/status.js';
import type { ResourceUsage } from '../model/resources.js';

/** What the HTTP API reads and asks of the supervisor; the API changes nothing else. */
export interface ApiBackend {
  /** Every event, numbered, with a window of the recent ones for readers that catch up. */
  readonly eventLog: EventLog;
  /** Plugins' output lines as they are logged, live (GET /events?types=output). */
  readonly output?: { subscribe(listener: (entry: OutputEntry) => void): () => void };
  /** The current state of everything, taken without running any check. */
  snapshot(): SupervisorSnapshot;
  /** Each plugin's CPU and memory, sampled on demand (GET /plugins/status); absent, the API shows none. */
  resources?(): ReadonlyMap<string, ResourceUsage | null>;
  /**
   * The counts that move whenever the snapshot would, but for its
   * clock-derived fields (timestamps, uptimes); cheap to call. The API keys
   * its cached answers on them (answer-cache.ts).
   */
  snapshotVersion?(): SnapshotVersion;
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
