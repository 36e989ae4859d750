import type { PluginState } from '../lifecycle/state.js';
import type { SupervisorSnapshot } from '../supervisor/status.js';

export type RestartResult =
  | { ok: true; plugin: string; state: PluginState }
  | { ok: false; code: 'plugin_not_found' | 'shutting_down'; message: string };

/** What the HTTP API reads and asks of the supervisor; the API changes nothing else. */
export interface ApiBackend {
  /** The current state of everything, taken without running any check. */
  snapshot(): SupervisorSnapshot;
  /** Begins a manual restart and answers at once. */
  restart(name: string, reason: string): RestartResult;
}
