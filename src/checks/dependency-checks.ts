import type { DependencyConfig } from '../config/types.js';
import type { EventBus } from '../supervisor/event-bus.js';
import type { SupervisorEvent } from '../supervisor/events.js';
import { recentCheckLimit, type CheckRecord, type DependencyStatus } from '../supervisor/status.js';
import { closeGrpcProbes } from './grpc-probe.js';
import { describeTarget } from './describe-target.js';
import { initialDependency, judgeDependency, type DependencyMemory } from './dependency-state.js';
import { toProbeSpec } from './to-probe-spec.js';
import { runProbe } from './run-probe.js';


export interface DependencyChecks {
  statuses(): DependencyStatus[];
  /** Applies a new list: unchanged ones keep their state and timers; the rest start afresh or stop. */
  replace(configs: readonly DependencyConfig[]): void;
  stop(): void;
}


interface Running {
  config: DependencyConfig;
  memory: DependencyMemory;
  checks: CheckRecord[];
  lastHealthyAt: number | null;
  timer: NodeJS.Timeout | undefined;
  abort: AbortController;
}

/**
 * The top-level `checks:`: dependencies that are not plugins, each checked on
 * its own timer (so they run in parallel, each under its own timeout), its
 * first check at once, the next ones staggered within the interval. Every
 * check and every change of verdict is published on the bus.
 *
 * @example
 * const dependencies = createDependencyChecks(config.checks, { bus: supervisor.events });
 * dependencies.statuses()[0]?.state; // 'healthy'
 */
export const createDependencyChecks = (
  initial: readonly DependencyConfig[],
  options: { bus: EventBus<SupervisorEvent>; random?: () => number; now?: () => number },
): DependencyChecks => {
  const { bus, random = Math.random, now = Date.now } = options;
  const running = new Map<string, Running>();

  const schedule = (entry: Running, delayMs: number): void => {
    entry.timer = setTimeout(() => void check(entry), delayMs);
  };

  const check = async (entry: Running): Promise<void> => {
    const { config } = entry;
    const spec = toProbeSpec(config.check, null);
    const record: CheckRecord =
      spec === null
        ? { at: now(), outcome: 'fail', failure: 'unavailable', status: 'unknown', latencyMs: 0, message: 'no address to ask' }
        : await runProbe(spec, {
            timeoutMs: config.timeoutMs,
            retries: config.check.retries,
            retryDelayMs: config.check.retryDelayMs,
            degradedLatency: config.degradedLatency,
            signal: entry.abort.signal,
          });
    if (entry.abort.signal.aborted) return;
    const first = entry.checks.length === 0;
    entry.checks.push(record);
    if (entry.checks.length > recentCheckLimit) entry.checks.shift();
    if (record.outcome !== 'fail') entry.lastHealthyAt = record.at;
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
    // The cadence is kept; the first wait is a random part of it, so dependencies listed together do not check together.
    const wait = Math.max(0, config.intervalMs - (now() - record.at));
    schedule(entry, first ? Math.floor(random() * wait) : wait);
  };

  const begin = (config: DependencyConfig): void => {
    const entry: Running = { config, memory: initialDependency(now()), checks: [], lastHealthyAt: null, timer: undefined, abort: new AbortController() };
    running.set(config.name, entry);
    schedule(entry, 0);
  };

  const end = (entry: Running): void => {
    clearTimeout(entry.timer);
    entry.abort.abort();
    running.delete(entry.config.name);
  };

  for (const config of initial) begin(config);

  return {
    statuses: () =>
      [...running.values()].map(({ config, memory, checks, lastHealthyAt }) => ({
        name: config.name,
        protocol: config.check.protocol,
        target: describeTarget(config.check),
        critical: config.critical,
        state: memory.state,
        reason: memory.reason,
        since: memory.since,
        lastCheck: checks.at(-1) ?? null,
        lastHealthyAt,
        failureCount: memory.consecutiveFailures,
        recentChecks: [...checks],
      })),
    replace: (configs) => {
      const wanted = new Map(configs.map((config) => [config.name, config]));
      for (const entry of [...running.values()]) {
        const next = wanted.get(entry.config.name);
        if (next === undefined || JSON.stringify(next) !== JSON.stringify(entry.config)) end(entry);
      }
      for (const config of configs) if (!running.has(config.name)) begin(config);
    },
    stop: () => {
      for (const entry of [...running.values()]) end(entry);
      closeGrpcProbes();
    },
  };
};
