import { describe, expect, test } from 'vitest';
import { createRateLimiter } from '../../../../src/api/management/rate-limiter.js';

describe('createRateLimiter', () => {
  test('lets `limit` through at once, then one per window/limit, with a Retry-After in whole seconds', () => {
    let now = 0;
    const limiter = createRateLimiter({ limit: 2, windowMs: 10_000, now: () => now });
    expect(limiter.take('a')).toEqual({ ok: true });
    expect(limiter.take('a')).toEqual({ ok: true });
    expect(limiter.take('a')).toEqual({ ok: false, retryAfterSeconds: 5 });
    expect(limiter.take('b')).toEqual({ ok: true });
    now += 2_500;
    expect(limiter.peek('a')).toEqual({ ok: false, retryAfterSeconds: 3 });
    now += 2_500;
    expect(limiter.peek('a')).toEqual({ ok: true });
    expect(limiter.take('a')).toEqual({ ok: true });
    expect(limiter.take('a')).toEqual({ ok: false, retryAfterSeconds: 5 });
  });

  test('peek takes nothing, and a key never seen is ok', () => {
    const limiter = createRateLimiter({ limit: 1, windowMs: 60_000, now: () => 0 });
    expect(limiter.peek('new')).toEqual({ ok: true });
    expect(limiter.peek('new')).toEqual({ ok: true });
    expect(limiter.take('new')).toEqual({ ok: true });
    expect(limiter.peek('new')).toEqual({ ok: false, retryAfterSeconds: 60 });
  });

  test('forgets the longest idle key past maxKeys, so it starts full again', () => {
    const limiter = createRateLimiter({ limit: 1, windowMs: 60_000, maxKeys: 2, now: () => 0 });
    expect(limiter.take('a').ok).toBe(true);
    expect(limiter.take('b').ok).toBe(true);
    expect(limiter.take('a').ok).toBe(false);
    expect(limiter.take('c').ok).toBe(true);
    // 'b' was idle longest ('a' was used after it), so 'b' is the one forgotten.
    expect(limiter.take('b').ok).toBe(true);
    expect(limiter.take('a').ok).toBe(true);
  });
});
