import { isDeepStrictEqual } from 'node:util';
import type { DependencyConfig } from '../config/types.js';
import type { EventBus } from '../util/event-bus.js';
import type { TimerWheel } from '../util/timer-wheel.js';
import type { SupervisorEvent } from '../model/events.js';
import type { DependencyStatus } from '../model/status.js';
import type { CheckRecord } from '../model/check-record.js';
import { CheckHistory } from './check-history.js';
import { closeGrpcProbes } from './grpc-probe.js';
import { describeTarget } from './describe-target.js';
import { initialDependency, judgeDependency, type DependencyMemory } from './dependency-state.js';
import { createProbe, noTarget } from './create-probe.js';
import { scheduleChecks, type CheckSchedule } from './schedule-checks.js';

export interface DependencyChecks {
  statuses(): DependencyStatus[];
  /** Applies a new list: unchanged ones keep their state and timers; the rest start afresh or stop. */
  replace(configs: readonly DependencyConfig[]): void;
  stop(): void;
}

interface Running {
  config: DependencyConfig;
  memory: DependencyMemory;
  history: CheckHistory;
  schedule: CheckSchedule;
  abort: AbortController;
}

/**
 * The top-level `checks:`: dependencies that are not plugins, each checked on
 * its own schedule (so they run in parallel, each under its own timeout) on
 * the timer wheel the plugins' checks share, its first check at once, the
 * next ones staggered within the interval. Every check and every change of
 * verdict is published on the bus.
 *
 * @example
 * const dependencies = createDependencyChecks(config.checks, { bus: supervisor.events });
 * dependencies.statuses()[0]?.state; // 'healthy'
 */
export const createDependencyChecks = (
  initial: readonly DependencyConfig[],
  options: { bus: EventBus<SupervisorEvent>; random?: () => number; now?: () => number; wheel?: TimerWheel },
): DependencyChecks => {
  const { bus, random = Math.random, now = Date.now, wheel } = options;
  const running = new Map<string, Running>();

  const hear = (entry: Running, record: CheckRecord): void => {
    const { config } = entry;
    entry.history.record({ check: record, report: null });
    const before = entry.memory;
    entry.memory = judgeDependency(before, record.outcome, record.message, config, now());
    bus.publish({ type: 'dependencyCheck', dependency: config.name, check: record });
    if (entry.memory.state !== before.state) {
      bus.publish({
        type: 'dependencyTransition',
        dependency: config.name,
        from: before.state,
        to: entry.memory.state,
        reason: entry.memory.reason,
        critical: config.critical,
        at: entry.memory.since,
      });
    }
  };

  const begin = (config: DependencyConfig): void => {
    const abort = new AbortController();
    const entry: Running = {
      config,
      memory: initialDependency(now()),
      history: new CheckHistory(),
      abort,
      // The first check at once; the first wait after it a random part of the interval, so dependencies listed together do not check together.
      schedule: scheduleChecks({
        run: createProbe(config.check, noTarget, { timeoutMs: config.timeoutMs, degradedLatency: config.degradedLatency }, abort.signal),
        heard: ({ check: record }) => hear(entry, record),
        steadyInterval: config.intervalMs,
        random,
        now,
        ...(wheel === undefined ? {} : { wheel }),
      }),
    };
    running.set(config.name, entry);
    entry.schedule.every(config.intervalMs);
  };

  const end = (entry: Running): void => {
    entry.schedule.every(null);
    entry.abort.abort();
    running.delete(entry.config.name);
  };

  for (const config of initial) begin(config);

  return {
    statuses: () =>
      [...running.values()].map(({ config, memory, history }) => ({
        name: config.name,
        protocol: config.check.protocol,
        target: describeTarget(config.check),
        critical: config.critical,
        state: memory.state,
        reason: memory.reason,
        since: memory.since,
        lastCheck: history.lastCheck,
        lastHealthyAt: history.lastHealthyAt,
        failureCount: memory.consecutiveFailures,
        recentChecks: history.recentChecks(),
      })),
    replace: (configs) => {
      const wanted = new Map(configs.map((config) => [config.name, config]));
      for (const entry of [...running.values()]) {
        const next = wanted.get(entry.config.name);
        if (next === undefined || !isDeepStrictEqual(next, entry.config)) end(entry);
      }
      for (const config of configs) if (!running.has(config.name)) begin(config);
    },
    stop: () => {
      for (const entry of [...running.values()]) end(entry);
      closeGrpcProbes();
    },
  };
};
