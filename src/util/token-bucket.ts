export interface TokenBucketOptions {
  /** Tokens added per second. */
  rate: number;
  /** Most tokens held at once; the bucket starts full. */
  burst: number;
}

export interface TokenBucket {
  /** Takes one token at `at` (milliseconds): true when there was one. */
  take(at: number): boolean;
  /** Milliseconds from `at` until a token is held, taking nothing: 0 when one is. */
  waitMs(at: number): number;
}

/**
 * A token bucket: `burst` at once, then `rate` a second. Time is passed in,
 * so callers choose the clock and tests need no timers.
 *
 * @example
 * const bucket = createTokenBucket({ rate: 200, burst: 1_000 });
 * if (bucket.take(Date.now())) log.info(line);
 */
export const createTokenBucket = ({ rate, burst }: TokenBucketOptions): TokenBucket => {
  const msPerToken = 1_000 / rate;
  let tokens = burst;
  let filledAt: number | null = null;
  // A clock that steps back adds nothing rather than taking tokens away.
  const heldAt = (at: number): number => (filledAt === null ? tokens : Math.min(burst, tokens + Math.max(0, at - filledAt) / msPerToken));
  return {
    take: (at) => {
      tokens = heldAt(at);
      filledAt = at;
      if (tokens < 1) return false;
      tokens -= 1;
      return true;
    },
    waitMs: (at) => {
      const held = heldAt(at);
      return held >= 1 ? 0 : (1 - held) * msPerToken;
    },
  };
};
