import type { PluginConfig } from '../config/types.js';
import { createHealthClient, type HealthClient } from '../grpc/health-client.js';
import type { ProbeTarget } from './create-probe.js';
import { judgeServingStatus } from './grpc-probe.js';
import type { HealthWatch } from './health-feed.js';
import { judgeLatency } from './judge-latency.js';
import { judgeHealthReport } from './plugin-probe.js';
import { cutText, describeError } from './probe-verdict.js';

/**
 * What a plugin's health stream is, as its config says: hale's WatchHealth
 * over the plugin's own client (`health.watch`, on by default; the plugin
 * times its own runs, and degradedLatency judges them as it judges a poll), or
 * grpc.health.v1 Watch on a channel of its own with keepalive PINGs every
 * checkInterval (`protocol: grpc` with `watch: true`). Null when there is
 * nothing to watch: the plugin's checks are polled.
 *
 * @example
 * const watch = createPluginWatch(config, { client, address: null });
 * const cancel = watch?.({ heard: (verdict) => console.log(verdict.outcome), ended: (failure) => console.log(failure.message) });
 */
export const createPluginWatch = (config: PluginConfig, target: ProbeTarget): HealthWatch | null => {
  const { health } = config;
  if (health.protocol === 'plugin') {
    const { client } = target;
    if (!health.watch || client === null) return null;
    const { degradedLatency } = config;
    return (listener) =>
      client.watchHealth(
        config.checkInterval,
        {
          report: (report, latencyMs) =>
            listener.heard(
              judgeLatency({ ...judgeHealthReport(report), status: report.status, report }, latencyMs, degradedLatency),
              latencyMs,
            ),
          end: (failure) => listener.ended(failure),
        },
        { slowAfterMs: degradedLatency },
      );
  }
  if (health.protocol !== 'grpc' || !health.watch) return null;
  const address = health.address ?? target.address;
  if (address === null) return null;
  const { service } = health;
  return (listener) => {
    let client: HealthClient;
    try {
      client = createHealthClient(address, { keepalive: { timeMs: config.checkInterval, timeoutMs: config.checkTimeout } });
    } catch (error) {
      // Never synchronously: the feed holds the cancel function only once this returns.
      const message = `not a gRPC address: ${JSON.stringify(cutText(address, 200))} (${describeError(error)})`;
      queueMicrotask(() => listener.ended({ ok: false, kind: 'unavailable', message }));
      return () => undefined;
    }
    const cancel = client.watch(service, {
      status: (status) => listener.heard(judgeServingStatus(service, status)),
      end: (failure) => {
        client.close();
        listener.ended(failure);
      },
    });
    return () => {
      cancel();
      client.close();
    };
  };
};
