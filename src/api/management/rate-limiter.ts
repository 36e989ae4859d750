import { createTokenBucket, type TokenBucket } from '../../util/token-bucket.js';

/** Whether one more request fits, and if not, how long until one will. */
export type RateDecision = { ok: true } | { ok: false; retryAfterSeconds: number };

export interface RateLimiter {
  take(key: string): RateDecision;
  /** Whether `take` would say ok now, taking nothing. */
  peek(key: string): RateDecision;
}

export interface RateLimiterOptions {
  /** Requests a key may make within `windowMs`, all at once or spread. */
  limit: number;
  windowMs: number;
  /** Keys remembered at most; the longest idle are forgotten first. 10,000 by default. */
  maxKeys?: number;
  now?: () => number;
}

/**
 * A token bucket per key: `limit` requests at once, refilled evenly over
 * `windowMs`. The keys it remembers are bounded, so a flood from many
 * addresses costs a map of fixed size.
 *
 * @example
 * const perClient = createRateLimiter({ limit: 60, windowMs: 60_000 });
 * const decision = perClient.take('127.0.0.1');
 * if (!decision.ok) answer429(decision.retryAfterSeconds);
 */
export const createRateLimiter = ({ limit, windowMs, maxKeys = 10_000, now = Date.now }: RateLimiterOptions): RateLimiter => {
  const rate = (limit * 1_000) / windowMs;
  // Insertion order is use order: a key is moved to the end whenever it is taken from.
  const buckets = new Map<string, TokenBucket>();
  const decide = (waitMs: number): RateDecision =>
    waitMs === 0 ? { ok: true } : { ok: false, retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1_000)) };
  return {
    peek: (key) => {
      const bucket = buckets.get(key);
      return bucket === undefined ? { ok: true } : decide(bucket.waitMs(now()));
    },
    take: (key) => {
      const time = now();
      const bucket = buckets.get(key) ?? createTokenBucket({ rate, burst: limit });
      buckets.delete(key);
      buckets.set(key, bucket);
      if (!bucket.take(time)) return decide(bucket.waitMs(time));
      if (buckets.size > maxKeys) buckets.delete(buckets.keys().next().value as string);
      return { ok: true };
    },
  };
};
