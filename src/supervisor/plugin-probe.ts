import pRetry from 'p-retry';
import { runProbe, withAttemptCount } from '../checks/run-probe.js';
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

/** A failed answer, thrown so that p-retry asks again; the last one is the check's answer. */
class FailedAnswer extends Error {
  constructor(readonly result: ProbeResult) {
    super(result.check.message);
  }
}

/**
 * The plugin's HealthCheck with the same retries as every other protocol: a
 * failed answer is asked again up to `retries` times, `retryDelayMs` apart,
 * before it counts. The answer is the last attempt's (its message counts the
 * attempts when there were several). Never rejects.
 *
 * @example
 * const { check } = await retryHealthCheck(() => probeHealth(client, options), { retries: 1, retryDelayMs: 100, signal });
 * check.message; // 'ok (2 attempts)'
 */
export const retryHealthCheck = async (
  ask: () => Promise<ProbeResult>,
  options: { retries: number; retryDelayMs: number; signal: AbortSignal },
): Promise<ProbeResult> => {
  const { retries, retryDelayMs, signal } = options;
  if (retries === 0) return ask();
  let attempts = 0;
  let last: ProbeResult | null = null;
  const counted = (result: ProbeResult): ProbeResult => ({ ...result, check: withAttemptCount(result.check, attempts) });
  try {
    const result = await pRetry(
      async () => {
        attempts += 1;
        last = await ask();
        if (last.check.outcome === 'fail' && !signal.aborted) throw new FailedAnswer(last);
        return last;
      },
      { retries, factor: 1, minTimeout: retryDelayMs, maxTimeout: retryDelayMs, signal },
    );
    return counted(result);
  } catch (error) {
    if (error instanceof FailedAnswer) return counted(error.result);
    // Cancelled between attempts: the last answer stands (the runner no longer reads it).
    return last === null ? unreachable('check cancelled') : counted(last);
  }
};

/**
 * One health check of a plugin, as its config says to ask: hale's own
 * HealthCheck over the plugin's client, or grpc.health.v1, HTTP, TCP or a
 * command; `health.retries` applies to every one of them. The answer is
 * always a value; `signal` cancels a check in flight.
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
    const ask = () => probeHealth(client, { checkTimeout: config.checkTimeout, degradedLatency: config.degradedLatency });
    return () => retryHealthCheck(ask, { retries: health.retries, retryDelayMs: health.retryDelayMs, signal });
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
