import type { ControlResult, DrillSignal, SignalResult } from '../model/control.js';
import type { ControlAction } from '../model/operation.js';
import type { PluginLogs } from '../model/output-line.js';
import type { Logger } from '../log.js';
import type { DesiredStore } from '../state/desired-state.js';
import type { PluginRunner } from './runner.js';
import type { SupervisorState } from './supervisor-state.js';

/** What the requests read of their supervisor, as it is at the moment they ask. */
export interface RequestContext {
  runners: ReadonlyMap<string, PluginRunner>;
  state(): SupervisorState;
  /** The reloads under way; a request that met a runner being replaced waits for them. */
  reloads(): Promise<unknown>;
  stateDir(): string;
  /** Whether the config names this plugin: before its runner exists, it is known but has nothing to show. */
  isConfigured(name: string): boolean;
  log: Logger;
}

export interface PluginRequests {
  control(name: string, action: ControlAction, reason: string): Promise<ControlResult>;
  signal(name: string, sent: DrillSignal): SignalResult;
  logs(name: string, count: number): PluginLogs | undefined;
}

// A restart now would start a process that the stop in progress has already passed by.
export const refuseWhileStopping = { ok: false, code: 'shutting_down', message: 'the supervisor is shutting down' } as const;

// A request may meet a runner a reload is replacing: it waits for the reload and goes to the new one.
const maxReloadWaits = 10;

/** Before the running phase no runner exists yet, though the config names every plugin. */
export const isBeforeRunners = (state: SupervisorState): boolean => state.phase === 'idle' || state.phase === 'starting';

const noOutput = () => ({ lines: [], stats: { lines: 0, dropped: 0, truncated: 0 } });

const isShuttingDown = (state: SupervisorState): boolean => state.phase === 'stopping' || state.phase === 'stopped';

/**
 * The requests a person makes of one plugin: restart, stop or start it (the
 * wish kept in the state dir), send it a signal, read its output.
 *
 * @example
 * const requests = createPluginRequests({ runners, state: () => state, reloads: () => reloads, stateDir: () => config.stateDir, log });
 * await requests.control('greeter', 'restart', 'deploy');
 */
export const createPluginRequests = (context: RequestContext): PluginRequests => {
  const { runners, log } = context;

  const recordWish = async (desired: DesiredStore, name: string, action: ControlAction, reason: string): Promise<void> => {
    try {
      await (action === 'stop' ? desired.markStopped(name, reason) : desired.forget(name));
    } catch (error) {
      // The request itself is carried out; only its memory across a restart of hale is lost, and said so.
      log.error(
        { err: error, plugin: name, stateDir: context.stateDir() },
        `${name}: could not record the ${action} in the state dir; it will not outlive a restart of hale`,
      );
    }
  };

  const control = async (name: string, action: ControlAction, reason: string): Promise<ControlResult> => {
    // Before the plugins exist the request waits for them (the start's steps are short).
    const before = context.state();
    if (before.phase === 'starting') await before.steps.catch(() => undefined);
    for (let round = 0; round < maxReloadWaits; round += 1) {
      const now = context.state();
      if (isShuttingDown(now)) return refuseWhileStopping;
      const runner = runners.get(name);
      // Runners exist from the running phase on; before it, no plugin has a name yet.
      if (runner === undefined || now.phase !== 'running')
        return { ok: false, code: 'plugin_not_found', message: `no plugin named "${name}"` };
      const outcome = runner.control(action, reason);
      if (outcome === null) {
        await context.reloads();
        continue;
      }
      const { operation, coalesced, accepted } = outcome;
      // The wish is on disk before the answer, so a stop outlives a supervisor killed right after it.
      if (!coalesced) await recordWish(now.opened.desired, name, action, reason);
      return { ok: true, operation: { ...operation }, coalesced, accepted, state: runner.state };
    }
    return {
      ok: false,
      code: 'reloading',
      message: `"${name}" is being replaced by config reloads one after another; try again once they are done`,
    };
  };

  const signal = (name: string, sent: DrillSignal): SignalResult => {
    const runner = runners.get(name);
    if (runner === undefined) return { ok: false, code: 'plugin_not_found', message: `no plugin named "${name}"` };
    if (isShuttingDown(context.state())) return refuseWhileStopping;
    const pid = runner.signal(sent);
    if (pid === null) return { ok: false, code: 'not_running', message: `"${name}" has no running process (state ${runner.state})` };
    log.warn(
      { plugin: name, signal: sent, pluginPid: pid },
      `${name}: sent ${sent} by hand to its processes (group ${pid}, with its cgroup and marked forks)`,
    );
    return { ok: true, plugin: name, pid, signal: sent };
  };

  const logs = (name: string, count: number): PluginLogs | undefined => {
    const runner = runners.get(name);
    if (runner !== undefined) return { plugin: name, ...runner.logs(count) };
    // While hale starts, a follower that came back after a restart of hale is not told its plugin is gone.
    return isBeforeRunners(context.state()) && context.isConfigured(name) ? { plugin: name, ...noOutput() } : undefined;
  };

  return { control, signal, logs };
};
