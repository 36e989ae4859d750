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
  const msPerToken = windowMs / limit;
  // Insertion order is use order: a key is moved to the end whenever it is taken from.
  const buckets = new Map<string, { tokens: number; at: number }>();
  const decide = (tokens: number): RateDecision =>
    tokens >= 1 ? { ok: true } : { ok: false, retryAfterSeconds: Math.max(1, Math.ceil(((1 - tokens) * msPerToken) / 1_000)) };
  return {
    peek: (key) => {
      const bucket = buckets.get(key);
      return bucket === undefined ? { ok: true } : decide(Math.min(limit, bucket.tokens + (now() - bucket.at) / msPerToken));
    },
    take: (key) => {
      const time = now();
      const bucket = buckets.get(key) ?? { tokens: limit, at: time };
      buckets.delete(key);
      const tokens = Math.min(limit, bucket.tokens + (time - bucket.at) / msPerToken);
      if (tokens < 1) {
        buckets.set(key, { tokens, at: time });
        return decide(tokens);
      }
      buckets.set(key, { tokens: tokens - 1, at: time });
      if (buckets.size > maxKeys) buckets.delete(buckets.keys().next().value as string);
      return { ok: true };
    },
  };
};
