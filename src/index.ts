/**
 * hale as a library: load a config, supervise its plugins, serve the API.
 *
 * @example
 * import { createApp, createLogger, createSupervisor, loadConfig, startApiServer } from 'hale';
 * const loaded = await loadConfig('supervisor.yaml');
 * if (!loaded.ok) throw new Error(loaded.issues.map(formatConfigIssue).join('\n'));
 * const log = createLogger({ level: 'info' });
 * const supervisor = createSupervisor(loaded.config, { log });
 * await supervisor.start();
 * const api = await startApiServer({ app: createApp({ backend: supervisor, token: null }), host: '127.0.0.1', port: 8080 });
 */
export { createSupervisor, type Supervisor, type SupervisorOptions } from './supervisor/supervisor.js';
export type { SupervisorEvent, SupervisorEventType, StopStage } from './model/events.js';
export type { EventBus } from './util/event-bus.js';
export type { PluginChannel } from './grpc/host-channel.js';
export { createFastLane } from './api/fast-lane.js';
export { createMetrics, type HaleMetrics } from './metrics/create-metrics.js';
export type { ExitRecord, PluginStatus, ReadinessProbeStatus, SupervisorSnapshot } from './model/status.js';
export type { CheckRecord } from './model/check-record.js';
export { overallStatus, summarize } from './supervisor/overall.js';
export { loadConfig, parseConfigText, formatConfigIssue, type ConfigIssue, type ConfigResult } from './config/load.js';
export type { BackoffKind, PluginConfig, PolicyConfig, ReadinessConfig, RestartPolicy, SupervisorConfig } from './config/types.js';
export { next, initialLifecycle } from './lifecycle/machine.js';
export { restartDelay } from './lifecycle/backoff.js';
export type { LifecycleEvent, Lifecycle, LifecyclePolicy, Effect } from './lifecycle/state.js';
export type { PluginState } from './model/plugin-state.js';
export { createApp } from './api/app.js';
export { startApiServer, type ApiServer } from './api/serve.js';
export { createLogger, type Logger } from './log.js';
export { HaleError, isHaleError, type HaleErrorCode } from './errors.js';
export type { ComponentHealth, HealthReport, HealthStatus, PluginInfo } from './model/health-report.js';
