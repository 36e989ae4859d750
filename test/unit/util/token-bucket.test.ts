import { describe, expect, test } from 'vitest';
import { createTokenBucket } from '../../../src/util/token-bucket.js';

describe('createTokenBucket', () => {
  test('gives the burst at once, then the rate a second, never more than the burst', () => {
    let now = 0;
    const bucket = createTokenBucket({ rate: 10, burst: 5 });
    const takeAll = () => {
      let taken = 0;
      while (taken < 1_000 && bucket.take(now)) taken += 1;
      return taken;
    };
    expect(takeAll()).toBe(5);
    now += 100;
    expect(takeAll()).toBe(1);
    now += 1_000;
    expect(takeAll()).toBe(5);
    now += 60_000;
    expect(takeAll()).toBe(5);
  });

  test('a clock that steps back adds no tokens and takes none away', () => {
    const bucket = createTokenBucket({ rate: 10, burst: 2 });
    expect(bucket.take(10_000)).toBe(true);
    expect(bucket.take(10_000)).toBe(true);
    expect(bucket.take(5_000)).toBe(false);
    expect(bucket.take(5_100)).toBe(true);
    expect(bucket.take(5_100)).toBe(false);
  });

  test('says how long until the next token, taking nothing', () => {
    const bucket = createTokenBucket({ rate: 10, burst: 1 });
    expect(bucket.waitMs(0)).toBe(0);
    expect(bucket.take(0)).toBe(true);
    expect(bucket.waitMs(0)).toBe(100);
    expect(bucket.waitMs(40)).toBeCloseTo(60);
    expect(bucket.waitMs(40)).toBeCloseTo(60);
    expect(bucket.take(100)).toBe(true);
  });
});
