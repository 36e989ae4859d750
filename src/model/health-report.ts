/** A plugin's (or a component's) own verdict on its health. */
export type HealthStatus = 'healthy' | 'degraded' | 'unhealthy' | 'unknown';

/** One dependency of a plugin, as the plugin reports it. */
export interface ComponentHealth {
  name: string;
  status: HealthStatus;
  critical: boolean;
  latencyMs: number;
  message: string;
}

/** What a plugin's HealthCheck RPC answered. */
export interface HealthReport {
  status: HealthStatus;
  message: string;
  components: ComponentHealth[];
}

/** What a plugin's GetInfo RPC answered. */
export interface PluginInfo {
  name: string;
  version: string;
  description: string;
}
