import type { z } from 'zod';
import { closedObject } from './closed-object.js';
import { countField, durationField } from './fields.js';
import { checkTargetShape, resolveCheckTarget, type TargetIssue } from './health-schema.js';
import type { ReadinessConfig } from './types.js';

/** The defaults of a `readiness:` probe (README, Readiness), kubelet's but for the timeout, which is `checks:`'s. */
export const readinessDefaults = { interval: 10_000, timeout: 2_000, failureThreshold: 3, successThreshold: 1 } as const;

/**
 * A plugin's `readiness:`: a check like `health:` with its own cadence and
 * thresholds. Its protocol is required: `plugin` would ask the liveness
 * check again, so it is refused where it is resolved.
 */
export const readinessShape = closedObject({
  ...checkTargetShape,
  protocol: checkTargetShape.protocol.removeDefault(),
  interval: durationField({ min: 100 }).default(readinessDefaults.interval),
  timeout: durationField({ min: 1 }).default(readinessDefaults.timeout),
  failureThreshold: countField({ min: 1 }).default(readinessDefaults.failureThreshold),
  successThreshold: countField({ min: 1 }).default(readinessDefaults.successThreshold),
});

/**
 * The probe a raw `readiness:` describes, or what is wrong with it (the key
 * under `readiness:`, '' for the probe itself). An exec probe runs in the
 * plugin's own directory; grpc without `address` asks the plugin's own.
 *
 * @example
 * resolveReadiness({ protocol: 'tcp', port: 8080, retries: 0, retryDelay: 100, interval: 10_000, timeout: 2_000, failureThreshold: 3, successThreshold: 1 }, '/srv');
 * // { ok: true, readiness: { intervalMs: 10000, timeoutMs: 2000, failureThreshold: 3, successThreshold: 1, check: { protocol: 'tcp', … } } }
 */
export const resolveReadiness = (
  raw: z.output<typeof readinessShape>,
  cwd: string,
): { ok: true; readiness: ReadinessConfig } | { ok: false; issues: TargetIssue[] } => {
  if (raw.protocol === 'plugin') {
    return {
      ok: false,
      issues: [
        {
          key: 'protocol',
          message:
            "protocol plugin asks the same HealthCheck as health:; a readiness probe asks something else: grpc (a service on the plugin's own address), http, tcp or exec",
        },
      ],
    };
  }
  const target = resolveCheckTarget(raw, cwd);
  if (!target.ok) return target;
  return {
    ok: true,
    readiness: {
      intervalMs: raw.interval,
      timeoutMs: raw.timeout,
      failureThreshold: raw.failureThreshold,
      successThreshold: raw.successThreshold,
      check: target.check as ReadinessConfig['check'],
    },
  };
};
