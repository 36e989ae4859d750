import type { Operation } from './operation.js';
import type { PluginState } from './plugin-state.js';

/** How a restart, stop or start asked for by hand was taken. */
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
