import type { PluginClient } from '../grpc/plugin-client.js';

/**
 * What a check asks, one protocol each: hale's own HealthCheck of a plugin,
 * the standard grpc.health.v1 Check (only SERVING passes), an HTTP GET (2xx
 * passes; a JSON field of the body may say healthy, degraded or unhealthy), a
 * TCP connection that opens, or a command's exit code (0 passes).
 */
export type ProbeSpec = PluginProbeSpec | GrpcProbeSpec | HttpProbeSpec | TcpProbeSpec | ExecProbeSpec;

export interface PluginProbeSpec {
  protocol: 'plugin';
  /** hale's gRPC client of the plugin process. */
  client: PluginClient;
}

export interface GrpcProbeSpec {
  protocol: 'grpc';
  /** A grpc-js target: `unix:/abs/path` or `host:port`. */
  address: string;
  /** The service name asked for; "" is the server as a whole, go-plugin registers "plugin". */
  service: string;
}

export interface HttpProbeSpec {
  protocol: 'http';
  /** http:// or https:// URL. */
  url: string;
  /** A dot path into a JSON body (`status`, `checks.db.state`) whose value gives the verdict; null: the status code alone. */
  field: string | null;
  headers: Record<string, string>;
}

export interface TcpProbeSpec {
  protocol: 'tcp';
  host: string;
  port: number;
}

export interface ExecProbeSpec {
  protocol: 'exec';
  /** Never run through a shell: a program and its arguments. */
  command: string;
  args: string[];
  cwd: string;
  /** Added to hale's environment. */
  env: Record<string, string>;
}

export type ProbeProtocol = ProbeSpec['protocol'];

export interface ProbeOptions {
  /** Deadline of one attempt, ms. */
  timeoutMs: number;
  /** Attempts after a failed one before the check counts as failed; 0 by default. */
  retries?: number;
  /** Wait between attempts, ms; 100 by default. */
  retryDelayMs?: number;
  /** A passing answer slower than this is degraded; null turns it off. */
  degradedLatency?: number | null;
  /** Ends the check at once (the plugin is being stopped). */
  signal?: AbortSignal;
}
