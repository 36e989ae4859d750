import type { PolicyConfig } from './types.js';

/**
 * How often a plugin that pushes its health is still asked: guardInterval, or 10 × checkInterval.
 * Apart from policy.ts, which holds the schema: the running supervisor needs this and not zod.
 *
 * @example
 * guardIntervalOf({ checkInterval: 1_000, guardInterval: null }); // 10000
 */
export const guardIntervalOf = (policy: Pick<PolicyConfig, 'checkInterval' | 'guardInterval'>): number =>
  policy.guardInterval ?? 10 * policy.checkInterval;
