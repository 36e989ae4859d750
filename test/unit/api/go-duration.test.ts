import { describe, expect, it } from 'vitest';
import { formatGoDuration } from '../../../src/api/go-duration.js';

describe('formatGoDuration', () => {
  // Expected strings are what Go's time.Duration.String() prints for the same duration.
  const cases: Array<[number, string]> = [
    [0, '0s'],
    [0.000001, '1ns'],
    [0.5, '500µs'],
    [0.0015, '1.5µs'],
    [1, '1ms'],
    [15, '15ms'],
    [15.25, '15.25ms'],
    [999, '999ms'],
    [1_000, '1s'],
    [1_200, '1.2s'],
    [10_000, '10s'],
    [60_000, '1m0s'],
    [90_500, '1m30.5s'],
    [3_600_000, '1h0m0s'],
    [3_723_000, '1h2m3s'],
    [-15, '-15ms'],
    [Number.NaN, '0s'],
  ];
  it.each(cases)('%s ms → %s', (ms, expected) => {
    expect(formatGoDuration(ms)).toBe(expected);
  });
});
