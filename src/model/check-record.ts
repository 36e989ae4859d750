import type { HealthStatus } from './health-report.js';
import type { CheckOutcome } from './plugin-state.js';

/** How a check asks: the hale plugin protocol, or another protocol against any program. */
export type CheckProtocol = 'plugin' | 'grpc' | 'http' | 'tcp' | 'exec';

/**
 * Why a check failed: no answer in time, nobody listening (or a refused
 * connection), another RPC error, an answer of UNHEALTHY or UNKNOWN, a
 * critical component reported down, a gRPC health status other than SERVING,
 * an HTTP status outside 2xx, a command's non-zero exit, or an answer that
 * could not be read (a body field missing or not understood).
 */
export type CheckFailure =
  | 'deadline'
  | 'unavailable'
  | 'rpc_error'
  | 'unhealthy'
  | 'critical_component'
  | 'not_serving'
  | 'http_status'
  | 'exit_code'
  | 'bad_answer';

/** One health check as it happened. Times are epoch ms. */
export interface CheckRecord {
  at: number;
  outcome: CheckOutcome;
  /** Set when the outcome is `fail`. */
  failure?: CheckFailure;
  /** What the plugin said, or `unknown` when it did not answer. */
  status: HealthStatus;
  latencyMs: number;
  /** The plugin's message, or why the check failed (deadline, RPC error). */
  message: string;
}
