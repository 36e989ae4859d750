import { z } from 'zod';
import { countField, durationField, optionalDurationField } from './fields.js';
import { memoryMaxField } from './resource-schema.js';
import type { BackoffKind, PolicyConfig, RestartPolicy, StopSignal } from './types.js';

/**
 * The policy every plugin gets unless `defaults:` or the plugin says
 * otherwise (README, Config reference; docs/architecture.md says where each default comes from).
 */
export const defaultPolicy: Readonly<PolicyConfig> = {
  checkInterval: 30_000,
  checkTimeout: 10_000,
  failureThreshold: 3,
  successThreshold: 2,
  maxRestarts: 5,
  restartBackoff: 5_000,
  maxRestartBackoff: 300_000,
  startInterval: 1_000,
  startTimeout: 30_000,
  stopTimeout: 10_000,
  resetAfter: 600_000,
  guardInterval: null,
  degradedLatency: null,
  stopSignal: 'SIGTERM',
  // EX_CONFIG (sysexits.h): the plugin says its configuration is wrong, and a restart would not mend it.
  noRestartExitCodes: [78],
  restart: 'always',
  backoff: 'linear',
  memoryMax: null,
};

/** Every StopSignal; `satisfies` fails to compile when the union gains one. */
export const stopSignals = {
  SIGTERM: 'SIGTERM',
  SIGINT: 'SIGINT',
  SIGQUIT: 'SIGQUIT',
  SIGHUP: 'SIGHUP',
  SIGUSR1: 'SIGUSR1',
  SIGUSR2: 'SIGUSR2',
} as const satisfies { [S in StopSignal]: S };

/** Every RestartPolicy and BackoffKind; `satisfies` fails to compile when a union gains one. */
export const restartPolicies = { always: 'always', 'on-failure': 'on-failure', never: 'never' } as const satisfies {
  [P in RestartPolicy]: P;
};
export const backoffKinds = { linear: 'linear', exponential: 'exponential' } as const satisfies { [K in BackoffKind]: K };

/**
 * Every policy key, each optional: the same shape serves `defaults:` and each
 * plugin, and overridePolicy lays them over the built-in defaults.
 */
export const policyShape = {
  // A zero interval or timeout would check in a busy loop or fail every check.
  checkInterval: durationField({ min: 1 }).optional(),
  checkTimeout: durationField({ min: 1 }).optional(),
  failureThreshold: countField({ min: 1 }).optional(),
  successThreshold: countField({ min: 1 }).optional(),
  maxRestarts: countField({ min: 0 }).optional(),
  restartBackoff: durationField().optional(),
  maxRestartBackoff: durationField().optional(),
  startInterval: durationField({ min: 1 }).optional(),
  startTimeout: durationField({ min: 1 }).optional(),
  stopTimeout: durationField().optional(),
  resetAfter: durationField().optional(),
  guardInterval: optionalDurationField().optional(),
  degradedLatency: optionalDurationField().optional(),
  stopSignal: z.enum(stopSignals).optional(),
  noRestartExitCodes: z.array(countField({ min: 0, max: 255 })).optional(),
  restart: z.enum(restartPolicies).optional(),
  backoff: z.enum(backoffKinds).optional(),
  memoryMax: memoryMaxField.optional(),
};

/**
 * `base` with every policy key that `overrides` sets (null included: it turns
 * degradedLatency off) laid over it; keys that are not policy keys are ignored.
 *
 * @example
 * overridePolicy(defaultPolicy, { checkInterval: 5_000 }).checkInterval; // 5000
 */
export const overridePolicy = (base: Readonly<PolicyConfig>, overrides: Partial<PolicyConfig>): PolicyConfig => {
  const set = Object.entries(overrides).filter(([key, value]) => value !== undefined && Object.hasOwn(base, key));
  const merged: PolicyConfig = { ...base, ...Object.fromEntries(set) };
  // A list of its own, so changing one plugin's never changes another's.
  return { ...merged, noRestartExitCodes: [...merged.noRestartExitCodes] };
};
