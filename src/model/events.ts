import type { DependencyState, DependencyWait } from './status.js';
import type { PluginState } from './plugin-state.js';
import type { OutputLine } from './output-line.js';
import type { Operation } from './operation.js';
import type { CheckRecord } from './check-record.js';

/** How a stop ended: answered the Shutdown RPC, gave in to the stop signal, killed, or already gone. */
export type StopStage = 'graceful' | 'terminated' | 'killed' | 'exited';

/** Everything the supervisor reports, one typed event per fact. Times are epoch ms. */
export type SupervisorEvent =
  | {
      type: 'transition';
      plugin: string;
      from: PluginState;
      to: PluginState;
      reason: string;
      at: number;
      restarts: number;
      restartCount: number;
    }
  /** `pushed`: the plugin pushed it on its health stream (no call was timed); absent for a poll. */
  | { type: 'check'; plugin: string; generation: number; check: CheckRecord; pushed?: true }
  | { type: 'spawned'; plugin: string; generation: number; pid: number; at: number }
  /** The process is up: connected, or (an ordinary server, `handshake: none`) its health check passed once; `address` null then. */
  | { type: 'ready'; plugin: string; generation: number; pid: number; address: string | null; at: number; startMs: number }
  | { type: 'startFailed'; plugin: string; generation: number; reason: string; at: number }
  | {
      type: 'exited';
      plugin: string;
      generation: number;
      pid: number;
      code: number | null;
      signal: string | null;
      /** False when the supervisor did not ask for it: a crash. */
      expected: boolean;
      /** The last lines of the plugin's stderr when it crashed; empty for an expected exit. */
      stderr: string;
      at: number;
      /** Set when it was ended for passing memoryMax: restarted with reason `memory`, counted as a crash. */
      memory?: MemoryExcess;
    }
  | { type: 'stopped'; plugin: string; generation: number; pid: number; stage: StopStage; durationMs: number; at: number }
  | { type: 'restartScheduled'; plugin: string; delayMs: number; at: number }
  /** A start is held until the plugins it depends on are healthy or degraded; published again when what it waits for changes. */
  | { type: 'waiting'; plugin: string; waitingFor: DependencyWait[]; reason: string; at: number }
  /** A restart, stop or start asked for by hand began or finished (a copy, taken then). */
  | { type: 'operation'; plugin: string; operation: Operation; at: number }
  /**
   * The verdict of a plugin's `readiness:` probe changed (README, Readiness):
   * `unknown` when a new process came up is not news; passing ↔ failing is.
   */
  | {
      type: 'readiness';
      plugin: string;
      generation: number;
      from: 'unknown' | 'passing' | 'failing';
      to: 'unknown' | 'passing' | 'failing';
      reason: string;
      at: number;
    }
  /** One check of a dependency under `checks:`. */
  | { type: 'dependencyCheck'; plugin?: undefined; dependency: string; check: CheckRecord }
  /** A dependency's verdict changed. */
  | {
      type: 'dependencyTransition';
      plugin?: undefined;
      dependency: string;
      from: DependencyState;
      to: DependencyState;
      reason: string;
      critical: boolean;
      at: number;
    }
  /** The supervisor itself began supervising, or began to stop everything. */
  | { type: 'supervisor'; plugin?: undefined; phase: 'started' | 'stopping'; reason: string; at: number }
  /** The config file was read again and applied. */
  | {
      type: 'reloaded';
      plugin?: undefined;
      added: string[];
      removed: string[];
      changed: string[];
      unchanged: string[];
      ignored: string[];
      at: number;
    };

export type SupervisorEventType = SupervisorEvent['type'];

/** One line of a plugin's output as it reached the log; live only, never stored with the events. */
export interface OutputEntry {
  plugin: string;
  line: OutputLine;
}

/** A plugin past its memoryMax: `sampled` when hale saw it and ended it, `cgroup` when the kernel did at memory.max. */
export interface MemoryExcess {
  bytes: number;
  limit: number;
  by: 'sampled' | 'cgroup';
}
