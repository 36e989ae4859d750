import type { CheckOutcome, PluginState } from '../model/plugin-state.js';

/** Something that happened to a plugin, fed to the lifecycle. */
export type LifecycleEvent =
  /** The handshake is done and the gRPC client is connected. */
  | { type: 'started' }
  /**
   * One health check finished. `pushed`: the plugin pushed this verdict on its
   * health stream; it stands until the plugin pushes another, so it counts at
   * once, whatever the thresholds.
   */
  | { type: 'checked'; outcome: CheckOutcome; reason: string; pushed?: boolean }
  /** The process ended without being asked to; `code` is null when a signal ended it. */
  | { type: 'exited'; reason: string; code: number | null }
  /**
   * The process could not be brought up: spawn error, bad or late handshake,
   * early exit (then `code` is its exit code).
   */
  | { type: 'startFailed'; reason: string; code: number | null }
  /** The backoff delay of an automatic restart has passed. */
  | { type: 'restartDue' }
  /** A person or program asked for a restart. */
  | { type: 'restartRequested'; reason: string }
  | { type: 'stopRequested'; reason: string }
  | { type: 'startRequested'; reason: string };

export type LifecycleEventType = LifecycleEvent['type'];

/** The thresholds and delays that drive the lifecycle, in milliseconds. */
export interface LifecyclePolicy {
  failureThreshold: number;
  successThreshold: number;
  maxRestarts: number;
  restartBackoff: number;
  maxRestartBackoff: number;
  resetAfter: number;
  /** Exit codes after which the plugin goes to failed at once, never restarted. */
  noRestartExitCodes: readonly number[];
  /** Which ends are followed by an automatic restart (README, Restart policies). */
  restart: 'always' | 'on-failure' | 'never';
  backoff: 'linear' | 'exponential';
  /**
   * A number in [0, 1) drawn by the caller for this one event: the jitter of
   * an exponential backoff. Randomness comes in as a value, so the lifecycle
   * stays pure; absent is 0 (no jitter).
   */
  jitter?: number;
}

/** The lifecycle's whole memory: a plain value, replaced on every event. */
export interface Lifecycle {
  state: PluginState;
  /** Why the current state was entered, in words. */
  reason: string;
  /** When the current state was entered (epoch ms). */
  since: number;
  /** Automatic restarts since the last reset; drives backoff and maxRestarts. */
  restarts: number;
  /** Every restart, automatic or manual, since the supervisor began. */
  restartCount: number;
  consecutiveFailures: number;
  consecutiveSuccesses: number;
  /** When the plugin last became healthy or degraded from another state. */
  stableSince: number | null;
  /** When the pending automatic restart is due. */
  restartAt: number | null;
}

/** What the runner must do after a transition, in order. */
export type Effect =
  /** Start a new process generation, once any stop in flight has finished. */
  | { type: 'spawn' }
  /** Stop the current process in stages (Shutdown RPC, SIGTERM, SIGKILL). */
  | { type: 'stop'; reason: string }
  /** Feed `restartDue` back after `delayMs`. */
  | { type: 'scheduleRestart'; delayMs: number }
  | { type: 'cancelRestart' };

export interface Transition {
  lifecycle: Lifecycle;
  effects: Effect[];
}
