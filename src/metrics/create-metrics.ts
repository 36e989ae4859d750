import { Registry, collectDefaultMetrics } from 'prom-client';
import type { EventBus } from '../util/event-bus.js';
import type { SupervisorEvent } from '../model/events.js';
import type { SupervisorSnapshot } from '../model/status.js';
import { registerEventMetrics } from './event-metrics.js';
import { createSnapshotReader } from './snapshot-reader.js';
import { registerSnapshotGauges } from './snapshot-gauges.js';
import { registerResourceMetrics } from './resource-metrics.js';
import type { ResourceUsage } from '../model/resources.js';

/** What the metrics read: the supervisor's events and its snapshot. */
export interface MetricsSource {
  events: EventBus<SupervisorEvent>;
  snapshot(): SupervisorSnapshot;
  /** Each plugin's CPU and memory, sampled at scrape time; without it there are no resource metrics. */
  resources?(): ReadonlyMap<string, ResourceUsage | null>;
}

export interface HaleMetrics {
  /** hale's own registry, never prom-client's global one. */
  readonly registry: Registry;
  /** The registry in the Prometheus text format, with its content type. */
  render(): Promise<{ contentType: string; text: string }>;
  /** Stops counting events; the registry still renders what it has. */
  stop(): void;
}

// prom-client's default of 10 ms wakes the loop 100 times a second; hale idles at 1 %.
const eventLoopMonitoringPrecision = 50;

/**
 * hale's Prometheus metrics: plugin state, up, restarts by cause, health-check
 * durations and failures, backoff, last exit code and uptime, beside
 * prom-client's default process and Node.js metrics (hale's event-loop lag is
 * their nodejs_eventloop_lag_*).
 *
 * @example
 * const metrics = createMetrics(supervisor);
 * const { contentType, text } = await metrics.render();
 * metrics.stop();
 */
export const createMetrics = (source: MetricsSource): HaleMetrics => {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision });
  const reader = createSnapshotReader(() => source.snapshot());
  registerSnapshotGauges(registry, reader.read);
  const { resources } = source;
  if (resources !== undefined) registerResourceMetrics(registry, () => resources.call(source));
  const counted = registerEventMetrics(registry, reader.read);
  const unsubscribe = source.events.subscribe(counted.observe);
  return {
    registry,
    render: () => reader.during(async () => ({ contentType: registry.contentType, text: await registry.metrics() })),
    stop: unsubscribe,
  };
};
