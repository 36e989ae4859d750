// The JSON bodies hale publishes over NATS, as pure functions of what the supervisor knows.
import { uptimeSecondsOf } from '../model/uptime.js';
import type { DependencyState } from '../model/status.js';
import type { PluginState } from '../model/plugin-state.js';
import type { SupervisorEvent } from '../model/events.js';
import type { HealthSummary, ServiceStatus, ServiceType, SummaryService } from './summary-schema.js';
import { isServing, snapshotStatus } from '../supervisor/overall.js';
import type { DependencyStatus, PluginStatus, SupervisorSnapshot } from '../model/status.js';

/** One plugin's transition, on its own subject. */
export interface TransitionMessage {
  hub_id: string;
  timestamp: string;
  service: string;
  type: 'plugin';
  from: PluginState;
  to: PluginState;
  status: ServiceStatus;
  reason: string;
  restart_count: number;
  critical?: boolean;
}

/** One dependency's transition (a `checks:` entry), on its own subject; the shape of a plugin's, less what it has not. */
export interface DependencyTransitionMessage {
  hub_id: string;
  timestamp: string;
  service: string;
  type: 'check';
  from: DependencyState;
  to: DependencyState;
  status: ServiceStatus;
  reason: string;
  critical: boolean;
}

/** A service that came under supervision or left it. */
export interface RegistrationMessage {
  hub_id: string;
  timestamp: string;
  service: string;
  type: ServiceType;
  reason: string;
}

// Their one definition is the schema; here for the readers of the summary's builders.
export type { HealthSummary, ServiceStatus, ServiceType, SummaryService };

export type TransitionEvent = Extract<SupervisorEvent, { type: 'transition' }>;
export type DependencyTransitionEvent = Extract<SupervisorEvent, { type: 'dependencyTransition' }>;

/**
 * A plugin's or a dependency's state in the summary's three words (up, degraded, down).
 *
 * @example
 * toServiceStatus('restarting'); // 'down'
 */
export const toServiceStatus = (state: PluginState | DependencyState): ServiceStatus =>
  state === 'healthy' ? 'up' : state === 'degraded' ? 'degraded' : 'down';

const toPluginService = (status: PluginStatus, now: number): SummaryService => ({
  name: status.name,
  type: 'plugin',
  status: toServiceStatus(status.state),
  state: status.state,
  critical: status.critical,
  latency_ms: status.lastCheck?.latencyMs ?? null,
  version: status.info?.version ?? '',
  uptime_seconds: uptimeSecondsOf(status, now),
  restart_count: status.restartCount,
  ready: status.ready ?? isServing(status.state),
});

const toCheckService = (status: DependencyStatus): SummaryService => ({
  name: status.name,
  type: 'check',
  status: toServiceStatus(status.state),
  state: status.state,
  critical: status.critical,
  latency_ms: status.lastCheck?.latencyMs ?? null,
  version: '',
  uptime_seconds: null,
  restart_count: 0,
  ready: status.state === 'healthy' || status.state === 'degraded',
});

/**
 * The summary of one snapshot; overall_status is /health's verdict
 * (plugins, dependencies and hale's own links).
 *
 * @example
 * buildSummary(supervisor.snapshot(), 'web-1', 10_000).overall_status; // 'healthy'
 */
export const buildSummary = (snapshot: SupervisorSnapshot, hubId: string, intervalMs: number): HealthSummary => ({
  hub_id: hubId,
  timestamp: new Date(snapshot.now).toISOString(),
  overall_status: snapshotStatus(snapshot),
  services: snapshot.plugins.map((status) => toPluginService(status, snapshot.now)),
  checks: snapshot.dependencies.map(toCheckService),
  hale: {
    version: snapshot.version,
    pid: snapshot.pid,
    uptime_seconds: Math.max(0, snapshot.now - snapshot.startedAt) / 1_000,
    shutting_down: snapshot.shuttingDown,
  },
  interval_seconds: intervalMs / 1_000,
});

/**
 * The message for one transition; `critical` when the caller knows it.
 *
 * @example
 * buildTransitionMessage(event, 'web-1', true).status; // 'down' for a move to 'restarting'
 */
export const buildTransitionMessage = (event: TransitionEvent, hubId: string, critical?: boolean): TransitionMessage => ({
  hub_id: hubId,
  timestamp: new Date(event.at).toISOString(),
  service: event.plugin,
  type: 'plugin',
  from: event.from,
  to: event.to,
  status: toServiceStatus(event.to),
  reason: event.reason,
  restart_count: event.restartCount,
  ...(critical === undefined ? {} : { critical }),
});

/**
 * The message for one dependency's transition.
 *
 * @example
 * buildDependencyTransitionMessage(event, 'web-1').status; // 'down' for a move to 'unhealthy'
 */
export const buildDependencyTransitionMessage = (event: DependencyTransitionEvent, hubId: string): DependencyTransitionMessage => ({
  hub_id: hubId,
  timestamp: new Date(event.at).toISOString(),
  service: event.dependency,
  type: 'check',
  from: event.from,
  to: event.to,
  status: toServiceStatus(event.to),
  reason: event.reason,
  critical: event.critical,
});

/**
 * The body of a `service.registered` or `service.deregistered` message.
 *
 * @example
 * buildRegistrationMessage({ hubId: 'web-1', service: 'greeter', type: 'plugin', reason: 'supervisor started', at: Date.now() });
 */
export const buildRegistrationMessage = (fields: {
  hubId: string;
  service: string;
  type: ServiceType;
  reason: string;
  at: number;
}): RegistrationMessage => ({
  hub_id: fields.hubId,
  timestamp: new Date(fields.at).toISOString(),
  service: fields.service,
  type: fields.type,
  reason: fields.reason,
});
