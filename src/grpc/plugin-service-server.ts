import type * as grpc from '@grpc/grpc-js';
import type { ComponentHealth, HealthReport, HealthStatus, PluginInfo } from '../model/health-report.js';
import { toUnaryCall } from './unary-call.js';

/** What a plugin process does for each RPC of hale.plugin.v1.Plugin. */
export interface PluginHandlers {
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

/** A HealthReport as the HealthCheckResponse message (proto-loader's camelCase, enums by name). */
export const toHealthCheckResponse = (report: HealthReport): object => ({
  status: wireStatus[report.status],
  message: report.message,
  components: report.components.map(toWireComponent),
});

/**
 * The grpc-js implementation of hale.plugin.v1.Plugin over our own handlers.
 *
 * @example
 * server.addService(pluginService().service, pluginServiceImplementation(handlers));
 */
export const pluginServiceImplementation = (handlers: PluginHandlers): grpc.UntypedServiceImplementation => ({
  HealthCheck: toUnaryCall(async () => toHealthCheckResponse(await handlers.healthCheck())),
  GetInfo: toUnaryCall(() => ({ ...handlers.getInfo() })),
  Shutdown: toUnaryCall((request) => {
    const reason = typeof request.reason === 'string' ? request.reason : '';
    // The answer is sent first; the stop begins on the next turn of the loop.
    setImmediate(() => handlers.shutdown(reason));
    return {};
  }),
});
