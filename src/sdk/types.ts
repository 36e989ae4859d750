import type { ExtraService } from '../grpc/extra-service-server.js';
import type { PluginAddress } from '../grpc/plugin-client.js';

/** What a plugin may say about itself (or one of its components). */
export type HealthStatusInput = 'healthy' | 'degraded' | 'unhealthy';

/** One dependency of the plugin: a database, a cache, an upstream API. */
export interface ComponentHealthInput {
  name: string;
  status: HealthStatusInput;
  /** A critical component that is down fails the plugin's check; default false. */
  critical?: boolean;
  latencyMs?: number;
  message?: string;
}

/** What the author's `health()` returns; the SDK fills in the rest. */
export interface HealthReportInput {
  status: HealthStatusInput;
  message?: string;
  components?: ComponentHealthInput[];
}

export interface ServePluginOptions {
  name: string;
  version: string;
  description?: string;
  /**
   * Asked on every HealthCheck, and at the supervisor's interval for each WatchHealth stream (which
   * sends only changes); a throw or a rejection is reported as UNHEALTHY with its message. Default: healthy.
   */
  health?: () => HealthReportInput | Promise<HealthReportInput>;
  /** gRPC services of the plugin's own, served on the same address. */
  services?: ExtraService[];
  /** Called once when the plugin stops (Shutdown RPC, SIGTERM/SIGINT, stdin closed, `stop()`). */
  onShutdown?: (reason: string) => void | Promise<void>;
  /** The magic cookie the supervisor sets; defaults to hale's. */
  cookie?: { key: string; value: string };
}

/** A plugin that is serving. */
export interface PluginHandle {
  /** Where it listens, as announced in the handshake line. */
  readonly address: PluginAddress;
  /** Stops gracefully (like a Shutdown RPC), then exits the process with code 0. */
  stop: (reason: string) => Promise<void>;
}
