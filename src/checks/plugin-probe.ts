import type { CheckOutcome } from '../model/plugin-state.js';
import type { HealthReport } from '../model/health-report.js';
import type { CheckFailure } from '../model/check-record.js';
import { judgeLatency } from './judge-latency.js';
import type { PluginProbeSpec } from './probe-spec.js';
import { failVerdict, type AttemptOptions, type ProbeVerdict } from './probe-verdict.js';

/**
 * Asks hale's own HealthCheck of a plugin over its client, once, and judges
 * the answer, not only the RPC: UNHEALTHY, UNKNOWN or a critical component
 * down fail; a DEGRADED answer or a non-critical component down is degraded.
 * The verdict carries the plugin's report. Retries, the latency rule and the
 * record are runProbe's, as for every protocol.
 *
 * @example
 * const verdict = await runPluginProbe({ protocol: 'plugin', client }, { timeoutMs: 1_000 });
 * verdict.report?.components; // what the plugin said of its parts
 */
export const runPluginProbe = async (spec: PluginProbeSpec, options: AttemptOptions): Promise<ProbeVerdict> => {
  const answer = await spec.client.healthCheck(options.timeoutMs);
  if (!answer.ok) {
    const message = answer.kind === 'deadline' ? `no answer within checkTimeout (${options.timeoutMs} ms)` : answer.message;
    return failVerdict(answer.kind === 'error' ? 'rpc_error' : answer.kind, message);
  }
  const report = answer.value;
  return { ...judgeHealthReport(report), status: report.status, report };
};

/** The verdict on an answered health check, with the words that explain it (the latency rule left out). */
export const judgeHealthReport = (report: HealthReport): { outcome: CheckOutcome; message: string; failure?: CheckFailure } => {
  const said = report.message;
  const down = report.components.filter((c) => c.status === 'unhealthy' || c.status === 'unknown');
  const criticalDown = down.filter((c) => c.critical);
  if (report.status === 'unhealthy' || report.status === 'unknown') {
    return { outcome: 'fail', failure: 'unhealthy', message: said || `the plugin reported ${report.status.toUpperCase()}` };
  }
  if (criticalDown.length > 0) {
    return {
      outcome: 'fail',
      failure: 'critical_component',
      message: `critical component down: ${names(criticalDown)}${said ? ` (${said})` : ''}`,
    };
  }
  if (report.status === 'degraded') return { outcome: 'degraded', message: said || 'the plugin reported DEGRADED' };
  if (down.length > 0 || report.components.some((c) => c.status === 'degraded')) {
    const impaired = report.components.filter((c) => c.status !== 'healthy');
    return { outcome: 'degraded', message: `component impaired: ${names(impaired)}${said ? ` (${said})` : ''}` };
  }
  return { outcome: 'pass', message: said };
};

/**
 * The whole verdict on an answer that took `latencyMs`: the report's, then the degradedLatency rule.
 *
 * @example
 * judgeReport({ status: 'healthy', message: 'fine', components: [] }, 250, 100).outcome; // 'degraded'
 */
export const judgeReport = (
  report: HealthReport,
  latencyMs: number,
  degradedLatency: number | null,
): { outcome: CheckOutcome; message: string; failure?: CheckFailure } =>
  judgeLatency(judgeHealthReport(report), latencyMs, degradedLatency);

const names = (components: HealthReport['components']): string => components.map((c) => c.name).join(', ');
