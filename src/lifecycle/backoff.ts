import type { LifecyclePolicy } from './state.js';

/** How much of an exponential delay the jitter may take off: a fifth, as gRPC's connection backoff spreads its own. */
export const jitterShare = 0.2;

// 2^52 × any step is past every cap a duration field can hold, and larger powers gain nothing but Infinity.
const maxExponent = 52;

/**
 * How long the n-th automatic restart (n = 0, 1, 2, … since the last reset)
 * waits, the first one immediate. `linear`: restartBackoff × n. `exponential`:
 * restartBackoff × 2^(n−1), less up to a fifth by `jitter` (a number in
 * [0, 1) the caller draws, so this stays a pure function), so plugins that
 * crashed together do not come back together; the jitter only shortens, so
 * below the cap each wait is still longer than the one before. Both are capped by
 * maxRestartBackoff.
 *
 * @example
 * restartDelay(0, policy); // 0
 * restartDelay(3, { ...policy, restartBackoff: 5_000 }); // 15_000
 * restartDelay(3, { ...policy, backoff: 'exponential', restartBackoff: 5_000 }, 0.5); // 20_000 × 0.9 = 18_000
 */
export const restartDelay = (
  n: number,
  {
    restartBackoff,
    maxRestartBackoff,
    backoff = 'linear',
  }: Pick<LifecyclePolicy, 'restartBackoff' | 'maxRestartBackoff'> & Partial<Pick<LifecyclePolicy, 'backoff'>>,
  jitter = 0,
): number => {
  if (n <= 0 || restartBackoff <= 0) return 0;
  if (backoff === 'linear') return Math.min(restartBackoff * n, maxRestartBackoff);
  const grown = Math.min(restartBackoff * 2 ** Math.min(n - 1, maxExponent), maxRestartBackoff);
  // A draw outside [0, 1) (NaN included) from a faulty source is held to the range rather than trusted.
  const spread = Number.isFinite(jitter) ? Math.min(Math.max(jitter, 0), 1) : 0;
  return Math.round(grown * (1 - jitterShare * spread));
};
