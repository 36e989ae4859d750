import type { HealthCheckConfig, PluginConfig } from '../config/types.js';
import type { PluginClient } from '../grpc/plugin-client.js';
import type { ProbeSpec } from './probe-spec.js';
import type { ProbeResult } from './probe-verdict.js';
import { runProbeWithReport } from './run-probe.js';
import { toProbeSpec } from './to-probe-spec.js';

/** What a check can reach: a plugin's gRPC client, and the address its handshake named (neither, for a dependency). */
export interface ProbeTarget {
  client: PluginClient | null;
  /** A grpc-js target (`unix:/…` or `host:port`), or null for an ordinary server. */
  address: string | null;
}

/** A dependency under `checks:` asks only at the addresses its own config names. */
export const noTarget: ProbeTarget = { client: null, address: null };

const unreachable = (why: string): ProbeResult => ({
  check: { at: Date.now(), outcome: 'fail', failure: 'unavailable', status: 'unknown', latencyMs: 0, message: why },
  report: null,
});

/**
 * One configured check, ready to run again and again: hale's own HealthCheck
 * over a plugin's client, or grpc.health.v1, HTTP, TCP or a command. Every
 * protocol runs through runProbe, so `retries`, the deadline and
 * `degradedLatency` mean the same for each, for plugins and dependencies. The
 * answer is always a value; `signal` cancels a check in flight.
 *
 * @example
 * const probe = createProbe({ protocol: 'tcp', host: '127.0.0.1', port: 5432, retries: 0, retryDelayMs: 100 }, noTarget, { timeoutMs: 500, degradedLatency: null }, signal);
 * const { check } = await probe();
 */
export const createProbe = (
  check: HealthCheckConfig,
  target: ProbeTarget,
  timing: { timeoutMs: number; degradedLatency: number | null },
  signal: AbortSignal,
): (() => Promise<ProbeResult>) => {
  const spec = toSpec(check, target);
  if (typeof spec === 'string') return () => Promise.resolve(unreachable(spec));
  const options = { ...timing, retries: check.retries, retryDelayMs: check.retryDelayMs, signal };
  return () => runProbeWithReport(spec, options);
};

/**
 * A plugin's health check, as its config says (`health`, `checkTimeout`,
 * `degradedLatency`). A protocol other than hale's own has no report of its
 * own: what the check found is the report's message, with no components.
 *
 * @example
 * const probe = createPluginProbe(config, { client, address: 'unix:/tmp/hale-x/p.sock' }, abort.signal);
 * const { check, report } = await probe();
 */
export const createPluginProbe = (config: PluginConfig, target: ProbeTarget, signal: AbortSignal): (() => Promise<ProbeResult>) => {
  const probe = createProbe(config.health, target, { timeoutMs: config.checkTimeout, degradedLatency: config.degradedLatency }, signal);
  // Nothing to ask: no answer, so no report either.
  if (config.health.protocol === 'plugin' || typeof toSpec(config.health, target) === 'string') return probe;
  return async () => {
    const { check } = await probe();
    return { check, report: { status: check.status, message: check.message, components: [] } };
  };
};

/** What to ask, or why there is nothing to ask. */
const toSpec = (check: HealthCheckConfig, target: ProbeTarget): ProbeSpec | string => {
  if (check.protocol === 'plugin') {
    return target.client === null ? 'no gRPC client to ask the HealthCheck of' : { protocol: 'plugin', client: target.client };
  }
  return toProbeSpec(check, target.address) ?? 'no address to ask grpc.health.v1 at';
};
