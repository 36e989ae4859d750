import type { ReadinessConfig } from '../config/types.js';
import type { CheckRecord } from '../model/check-record.js';
import type { ReadinessProbeStatus } from '../model/status.js';
import { describeTarget } from '../checks/describe-target.js';
import { initialDependency, judgeDependency, type DependencyMemory } from '../checks/dependency-state.js';

/** What a runner keeps of its current process's readiness probe: the thresholds' count and the last record. */
export interface ReadinessMemory {
  judged: DependencyMemory;
  lastCheck: CheckRecord | null;
}

/**
 * A fresh memory for a process that just came up: not ready until the probe says so.
 *
 * @example
 * initialReadiness(Date.now()).judged.state; // 'unknown'
 */
export const initialReadiness = (now: number): ReadinessMemory => ({
  judged: { ...initialDependency(now), reason: 'the readiness probe has not passed yet' },
  lastCheck: null,
});

/**
 * The memory after one more probe, as a pure function: the same counting a
 * dependency under `checks:` gets (failureThreshold failures in a row to
 * fail, successThreshold passes in a row to pass). It never restarts anything.
 *
 * @example
 * hearReadiness(initialReadiness(0), record, config.readiness, 5).judged.state; // 'healthy' after one pass with successThreshold 1
 */
export const hearReadiness = (memory: ReadinessMemory, check: CheckRecord, config: ReadinessConfig, now: number): ReadinessMemory => ({
  judged: judgeDependency(memory.judged, check.outcome, check.message, config, now),
  lastCheck: check,
});

// A grpc probe with no address of its own asks the plugin's, which only the running process knows.
const describeProbe = (check: ReadinessConfig['check']): string =>
  check.protocol === 'grpc' && check.address === null ? `grpc (its own address) ${JSON.stringify(check.service)}` : describeTarget(check);

/**
 * The probe as /plugins/status shows it.
 *
 * @example
 * toReadinessStatus(memory, config.readiness).verdict; // 'failing'
 */
export const toReadinessStatus = (memory: ReadinessMemory, config: ReadinessConfig): ReadinessProbeStatus => {
  const { state, reason, since, consecutiveFailures } = memory.judged;
  return {
    protocol: config.check.protocol,
    target: describeProbe(config.check),
    verdict: state === 'unknown' ? 'unknown' : state === 'unhealthy' ? 'failing' : 'passing',
    reason,
    since,
    lastCheck: memory.lastCheck,
    failureCount: consecutiveFailures,
  };
};
