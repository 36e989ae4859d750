import type { CheckOutcome, PluginState } from '../lifecycle/state.js';
import type { ComponentHealth, HealthStatus, PluginInfo } from '../plugin/health-report.js';

/**
 * Why a check failed: no answer in time, nobody listening, another RPC error,
 * an answer of UNHEALTHY or UNKNOWN, or a critical component reported down.
 */
export type CheckFailure = 'deadline' | 'unavailable' | 'rpc_error' | 'unhealthy' | 'critical_component';

/** One health check as it happened. Times are epoch ms. */
export interface CheckRecord {
  at: number;
  outcome: CheckOutcome;
  /** Set when the outcome is `fail`. */
  failure?: CheckFailure;
  /** What the plugin said, or `unknown` when it did not answer. */
  status: HealthStatus;
  latencyMs: number;
  /** The plugin's message, or why the check failed (deadline, RPC error). */
  message: string;
}

export interface ExitRecord {
  at: number;
  code: number | null;
  signal: string | null;
  /** The last lines of stderr (up to 4 KiB) when the exit was a crash. */
  stderr: string;
}

/** Everything known about one plugin at one moment; a plain value. Times are epoch ms. */
export interface PluginStatus {
  name: string;
  state: PluginState;
  /** Why the current state was entered. */
  reason: string;
  since: number;
  critical: boolean;
  command: string;
  args: string[];
  /** The names of the variables the config adds to its environment; their values are never reported. */
  envKeys: string[];
  pid: number | null;
  /** Counts process starts; a check of an older generation is ignored. */
  generation: number;
  address: string | null;
  connected: boolean;
  info: PluginInfo | null;
  startedAt: number | null;
  lastCheck: CheckRecord | null;
  lastHealthyAt: number | null;
  /** The most recent checks, oldest first, at most `recentCheckLimit`. */
  recentChecks: CheckRecord[];
  /** The plugin's own message from its last answered check. */
  message: string;
  components: ComponentHealth[];
  /** Consecutive failed checks. */
  failureCount: number;
  /** Every restart since the supervisor began. */
  restartCount: number;
  /** Automatic restarts since the last reset (what maxRestarts counts). */
  restarts: number;
  nextRestartAt: number | null;
  lastExit: ExitRecord | null;
  /** The last start failure, with the tail of the plugin's stderr. */
  lastError: string | null;
}

export const recentCheckLimit = 20;

export interface EventLoopLag {
  /** Milliseconds, over the last sampling window. */
  meanMs: number;
  p99Ms: number;
  maxMs: number;
}

export interface SupervisorSnapshot {
  version: string;
  pid: number;
  startedAt: number;
  now: number;
  shuttingDown: boolean;
  eventLoopLag: EventLoopLag;
  /** hale's own log lines dropped because stdout did not keep up. */
  droppedLogLines: number;
  plugins: PluginStatus[];
}
