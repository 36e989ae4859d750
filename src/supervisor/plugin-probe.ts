import { runProbe } from '../checks/run-probe.js';
import { toProbeSpec } from '../checks/to-probe-spec.js';
import type { PluginConfig } from '../config/types.js';
import type { PluginClient } from '../grpc/plugin-client.js';
import { probeHealth, type ProbeResult } from '../plugin/probe.js';

/** What a plugin's checks can reach once it is up: hale's gRPC client, and the address its handshake named. */
export interface ProbeTarget {
  client: PluginClient | null;
  /** A grpc-js target (`unix:/…` or `host:port`), or null for an ordinary server. */
  address: string | null;
}


const unreachable = (why: string): ProbeResult => ({
  check: { at: Date.now(), outcome: 'fail', failure: 'unavailable', status: 'unknown', latencyMs: 0, message: why },
  report: null,
});

/**
 * One health check of a plugin, as its config says to ask: hale's own
 * HealthCheck over the plugin's client, or grpc.health.v1, HTTP, TCP or a
 * command. The answer is always a value; `signal` cancels a check in flight.
 *
 * @example
 * const check = createPluginProbe(config, { client, address: 'unix:/tmp/hale-x/p.sock' }, abort.signal);
 * const { check: record } = await check();
 */
export const createPluginProbe = (config: PluginConfig, target: ProbeTarget, signal: AbortSignal): (() => Promise<ProbeResult>) => {
  const { health } = config;
  if (health.protocol === 'plugin') {
    const { client } = target;
    if (client === null) return () => Promise.resolve(unreachable('no gRPC client to ask the HealthCheck of'));
    return () => probeHealth(client, { checkTimeout: config.checkTimeout, degradedLatency: config.degradedLatency });
  }
  const spec = toProbeSpec(health, target.address);
  if (spec === null) return () => Promise.resolve(unreachable('no address to ask grpc.health.v1 at'));
  const options = {
    timeoutMs: config.checkTimeout,
    retries: health.retries,
    retryDelayMs: health.retryDelayMs,
    degradedLatency: config.degradedLatency,
    signal,
  };
  // Other protocols have no report of their own: what the check found is its message, and it has no components.
  return async () => {
    const check = await runProbe(spec, options);
    return { check, report: { status: check.status, message: check.message, components: [] } };
  };
};
