import { Counter, Histogram, type Registry } from 'prom-client';
import type { SupervisorEvent } from '../model/events.js';
import type { SupervisorSnapshot } from '../model/status.js';
import type { CheckFailure } from '../model/check-record.js';
import { initialRestartMemory, observeRestartEvent, restartCauses, type RestartMemory } from './restart-cause.js';

type FailureReason = CheckFailure | 'unknown';

const failureReasons: readonly FailureReason[] = ['deadline', 'unavailable', 'rpc_error', 'unhealthy', 'critical_component', 'unknown'];

export const checkDurationBuckets: readonly number[] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** The metrics that count what happened; fed one event at a time. */
export interface EventMetrics {
  observe(event: SupervisorEvent): void;
}

/**
 * Restarts by cause, health-check durations and check failures by reason,
 * counted from the event stream. A plugin in the snapshot starts at zero on
 * every series (so `increase()` sees its first restart); a plugin a reload
 * removed loses its series, so churn does not grow the registry.
 *
 * @example
 * const counted = registerEventMetrics(registry, () => supervisor.snapshot());
 * supervisor.events.subscribe(counted.observe);
 */
export const registerEventMetrics = (registry: Registry, read: () => SupervisorSnapshot): EventMetrics => {
  const memories = new Map<string, RestartMemory>();
  // Histogram.zero() empties a series, so only the plugins not seen yet are zeroed.
  const withDurations = new Set<string>();

  const restarts = new Counter({
    name: 'hale_plugin_restarts_total',
    help: 'Restarts of the plugin by cause: crash, unhealthy (failed checks), start_failed, manual, or memory (past memoryMax).',
    labelNames: ['plugin', 'reason'] as const,
    registers: [registry],
    collect() {
      for (const { name } of read().plugins) for (const reason of restartCauses) this.inc({ plugin: name, reason }, 0);
    },
  });

  const durations = new Histogram({
    name: 'hale_health_check_duration_seconds',
    help: 'How long the health checks of the plugin took.',
    labelNames: ['plugin'] as const,
    buckets: [...checkDurationBuckets],
    registers: [registry],
    collect() {
      for (const { name } of read().plugins) {
        if (withDurations.has(name)) continue;
        withDurations.add(name);
        this.zero({ plugin: name });
      }
    },
  });

  const failures = new Counter({
    name: 'hale_health_check_failures_total',
    help: 'Failed health checks of the plugin by reason.',
    labelNames: ['plugin', 'reason'] as const,
    registers: [registry],
    collect() {
      for (const { name } of read().plugins) for (const reason of failureReasons) this.inc({ plugin: name, reason }, 0);
    },
  });

  const forget = (plugin: string): void => {
    memories.delete(plugin);
    withDurations.delete(plugin);
    durations.remove({ plugin });
    for (const reason of restartCauses) restarts.remove({ plugin, reason });
    for (const reason of failureReasons) failures.remove({ plugin, reason });
  };

  const observe = (event: SupervisorEvent): void => {
    if (event.type === 'reloaded') {
      for (const plugin of event.removed) forget(plugin);
      return;
    }
    if (event.plugin === undefined) return;
    const { plugin } = event;
    if (event.type === 'check') {
      // A pushed status took no call: only polls are timed.
      if (event.pushed !== true) {
        withDurations.add(plugin);
        durations.observe({ plugin }, event.check.latencyMs / 1000);
      }
      if (event.check.outcome === 'fail') failures.inc({ plugin, reason: event.check.failure ?? 'unknown' });
    }
    const { memory, restart } = observeRestartEvent(memories.get(plugin) ?? initialRestartMemory, event);
    memories.set(plugin, memory);
    if (restart !== null) restarts.inc({ plugin, reason: restart });
  };

  return { observe };
};
