export interface TokenBucketOptions {
  /** Tokens added per second. */
  rate: number;
  /** Most tokens held at once; the bucket starts full. */
  burst: number;
}

export interface TokenBucket {
  /** Takes one token at `now` (milliseconds): true when there was one. */
  take(now: number): boolean;
}

/**
 * A token bucket: `burst` at once, then `rate` a second.
 *
 * @example
 * const bucket = createTokenBucket({ rate: 200, burst: 1_000 });
 * if (bucket.take(Date.now())) log.info(line);
 */
export const createTokenBucket = ({ rate, burst }: TokenBucketOptions): TokenBucket => {
  let tokens = burst;
  let filledAt: number | null = null;
  return {
    take: (at) => {
      // A clock that steps back adds nothing rather than taking tokens away.
      const elapsed = filledAt === null ? 0 : Math.max(0, at - filledAt);
      tokens = Math.min(burst, tokens + (elapsed * rate) / 1000);
      filledAt = at;
      if (tokens < 1) return false;
      tokens -= 1;
      return true;
    },
  };
};
