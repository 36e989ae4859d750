import type { LifecyclePolicy } from './state.js';

/**
 * How long the n-th automatic restart (n = 0, 1, 2, … since the last reset)
 * waits: linear and capped, the first one immediate.
 *
 * @example
 * restartDelay(0, policy); // 0
 * restartDelay(3, { ...policy, restartBackoff: 5_000 }); // 15_000
 */
export const restartDelay = (
  n: number,
  { restartBackoff, maxRestartBackoff }: Pick<LifecyclePolicy, 'restartBackoff' | 'maxRestartBackoff'>,
): number => Math.min(restartBackoff * Math.max(0, n), maxRestartBackoff);
