import type * as grpc from '@grpc/grpc-js';
import type { ComponentHealth, HealthReport, HealthStatus, PluginInfo } from '../model/health-report.js';
import { createHealthWatches, type HealthWatches } from './health-watch-call.js';
import { toUnaryCall } from './unary-call.js';

/** What a plugin process does for each RPC of hale.plugin.v1.Plugin. */
export interface PluginHandlers {
  /** Asked by HealthCheck, and by every WatchHealth stream at its interval. */
  healthCheck: () => Promise<HealthReport>;
  getInfo: () => PluginInfo;
  /** Called once the answer to Shutdown is on its way: stop after answering. */
  shutdown: (reason: string) => void;
}

const wireStatus: Record<HealthStatus, string> = {
  healthy: 'HEALTHY',
  degraded: 'DEGRADED',
  unhealthy: 'UNHEALTHY',
  unknown: 'UNKNOWN',
};

const toWireComponent = (component: ComponentHealth): object => ({
  name: component.name,
  status: wireStatus[component.status],
  critical: component.critical,
  latencyMs: component.latencyMs,
  message: component.message,
});

/** A HealthReport as the HealthCheckResponse message (proto-loader's camelCase, enums by name); WatchHealth adds its run's latency. */
export const toHealthCheckResponse = (report: HealthReport, latencyMs?: number): object => ({
  status: wireStatus[report.status],
  message: report.message,
  components: report.components.map(toWireComponent),
  ...(latencyMs === undefined ? {} : { latencyMs }),
});

/** WatchHealth's open streams over `handlers.healthCheck`, for pluginServiceImplementation. */
export const createPluginHealthWatches = (handlers: PluginHandlers): HealthWatches =>
  createHealthWatches(handlers.healthCheck, toHealthCheckResponse);

/**
 * The grpc-js implementation of hale.plugin.v1.Plugin over our own handlers.
 * Pass `watches` to end its WatchHealth streams yourself (a graceful stop must).
 *
 * @example
 * const watches = createPluginHealthWatches(handlers);
 * server.addService(pluginService().service, pluginServiceImplementation(handlers, watches));
 */
export const pluginServiceImplementation = (
  handlers: PluginHandlers,
  watches: HealthWatches = createPluginHealthWatches(handlers),
): grpc.UntypedServiceImplementation => ({
  HealthCheck: toUnaryCall(async () => toHealthCheckResponse(await handlers.healthCheck())),
  WatchHealth: watches.handler,
  GetInfo: toUnaryCall(() => ({ ...handlers.getInfo() })),
  Shutdown: toUnaryCall((request) => {
    const reason = typeof request.reason === 'string' ? request.reason : '';
    // The answer is sent first; the stop begins on the next turn of the loop.
    setImmediate(() => handlers.shutdown(reason));
    return {};
  }),
});
