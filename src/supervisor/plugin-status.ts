import type { CheckHistory } from '../checks/check-history.js';
import type { PluginConfig } from '../config/types.js';
import type { Lifecycle } from '../lifecycle/state.js';
import type { PluginInfo } from '../model/health-report.js';
import type { ExitRecord, PluginStatus, ReadinessProbeStatus, StoppingProcess } from '../model/status.js';
import { isPluginReady } from './plugin-ready.js';
import type { PluginInstance } from './plugin-instance.js';

/** What a runner holds that its status shows. */
export interface RunnerView {
  config: PluginConfig;
  lifecycle: Lifecycle;
  current: PluginInstance | null;
  history: CheckHistory;
  generation: number;
  /** Generations whose stop is under way. */
  stopping: ReadonlySet<PluginInstance>;
}

/** What the runner learnt of its current process and its last exit or error. */
export interface RunnerFacts {
  info: PluginInfo | null;
  readyAt: number | null;
  lastExit: ExitRecord | null;
  lastError: string | null;
  /** Its `readiness:` probe, null when it has none. */
  readiness: ReadinessProbeStatus | null;
}

/**
 * One plugin's status as the API, the CLI and the events show it: a copy, so
 * that what a caller keeps does not change under it.
 *
 * @example
 * toPluginStatus({ config, lifecycle, current, history, generation: 2, stopping }, facts).state; // 'healthy'
 */
export const toPluginStatus = (view: RunnerView, facts: RunnerFacts): PluginStatus => {
  const { config, lifecycle, current, history } = view;
  return {
    name: config.name,
    state: lifecycle.state,
    reason: lifecycle.reason,
    since: lifecycle.since,
    critical: config.critical,
    command: config.command,
    args: config.args,
    envKeys: Object.keys(config.env),
    pid: current?.pid ?? null,
    generation: view.generation,
    stopping: [...view.stopping].flatMap((instance): StoppingProcess[] =>
      instance.groupId === null ? [] : [{ generation: instance.generation, pid: instance.groupId }],
    ),
    address: current?.target ?? null,
    connected: current?.connected ?? false,
    info: facts.info,
    startedAt: current?.connected === true ? facts.readyAt : null,
    lastCheck: history.lastCheck,
    lastHealthyAt: history.lastHealthyAt,
    recentChecks: history.recentChecks(),
    message: history.message,
    components: history.components,
    failureCount: lifecycle.consecutiveFailures,
    restartCount: lifecycle.restartCount,
    restarts: lifecycle.restarts,
    nextRestartAt: lifecycle.restartAt,
    lastExit: facts.lastExit,
    lastError: facts.lastError,
    ready: isPluginReady({ state: lifecycle.state, readiness: facts.readiness }),
    readiness: facts.readiness,
  };
};
