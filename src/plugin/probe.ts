import { performance } from 'node:perf_hooks';
import type { PluginClient } from '../grpc/plugin-client.js';
import type { CheckOutcome } from '../lifecycle/state.js';
import type { CheckFailure, CheckRecord } from '../supervisor/status.js';
import type { HealthReport } from './health-report.js';

export interface ProbeOptions {
  checkTimeout: number;
  /** A passing answer slower than this is degraded; null turns it off. */
  degradedLatency: number | null;
}

export interface ProbeResult {
  check: CheckRecord;
  /** What the plugin answered, when it did. */
  report: HealthReport | null;
}

/**
 * Runs one HealthCheck under a deadline and judges the answer, not only the
 * RPC: UNHEALTHY, UNKNOWN or a critical component down fail the check; a
 * DEGRADED answer, a non-critical component down or a slow answer pass as
 * degraded.
 *
 * @example
 * const { check } = await probeHealth(client, { checkTimeout: 1_000, degradedLatency: null });
 * check.outcome; // 'pass' | 'degraded' | 'fail'
 */
export const probeHealth = async (client: PluginClient, options: ProbeOptions): Promise<ProbeResult> => {
  const at = Date.now();
  const started = performance.now();
  const answer = await client.healthCheck(options.checkTimeout);
  const latencyMs = Math.round((performance.now() - started) * 100) / 100;
  if (!answer.ok) {
    const message = answer.kind === 'deadline' ? `no answer within checkTimeout (${options.checkTimeout} ms)` : answer.message;
    const failure: CheckFailure = answer.kind === 'error' ? 'rpc_error' : answer.kind;
    return { check: { at, outcome: 'fail', failure, status: 'unknown', latencyMs, message }, report: null };
  }
  const report = answer.value;
  const { outcome, message, failure } = judgeReport(report, latencyMs, options.degradedLatency);
  const check: CheckRecord = { at, outcome, status: report.status, latencyMs, message };
  if (failure !== undefined) check.failure = failure;
  return { check, report };
};

/** The verdict on an answered health check, with the words that explain it. */
export const judgeReport = (
  report: HealthReport,
  latencyMs: number,
  degradedLatency: number | null,
): { outcome: CheckOutcome; message: string; failure?: CheckFailure } => {
  const said = report.message;
  const down = report.components.filter((c) => c.status === 'unhealthy' || c.status === 'unknown');
  const criticalDown = down.filter((c) => c.critical);
  if (report.status === 'unhealthy' || report.status === 'unknown') {
    return { outcome: 'fail', failure: 'unhealthy', message: said || `the plugin reported ${report.status.toUpperCase()}` };
  }
  if (criticalDown.length > 0) {
    return { outcome: 'fail', failure: 'critical_component', message: `critical component down: ${names(criticalDown)}${said ? ` (${said})` : ''}` };
  }
  if (report.status === 'degraded') return { outcome: 'degraded', message: said || 'the plugin reported DEGRADED' };
  if (down.length > 0 || report.components.some((c) => c.status === 'degraded')) {
    const impaired = report.components.filter((c) => c.status !== 'healthy');
    return { outcome: 'degraded', message: `component impaired: ${names(impaired)}${said ? ` (${said})` : ''}` };
  }
  if (degradedLatency !== null && latencyMs > degradedLatency) {
    return { outcome: 'degraded', message: `answered in ${latencyMs} ms, slower than degradedLatency (${degradedLatency} ms)` };
  }
  return { outcome: 'pass', message: said };
};

const names = (components: HealthReport['components']): string => components.map((c) => c.name).join(', ');
