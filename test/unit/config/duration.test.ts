import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { formatDuration, maxDurationMs, parseDuration } from '../../../src/config/duration.js';

describe('parseDuration', () => {
  test.each([
    ['250ms', 250],
    ['30s', 30_000],
    ['5m', 300_000],
    ['1h', 3_600_000],
    ['0', 0],
    ['0s', 0],
    ['1m30s', 90_000],
    ['1h2m3s4ms', 3_723_004],
    ['1.5s', 1_500],
    ['1.005s', 1_005],
    [' 10s ', 10_000],
  ])('%j is %d ms', (text, ms) => {
    expect(parseDuration(text)).toEqual({ ok: true, ms });
  });

  test.each([
    ['', 'it is empty'],
    ['30', 'a number needs a unit, e.g. "30s"'],
    ['-5s', 'cannot be negative'],
    ['30x', 'unknown unit "x"'],
    ['5 s', 'invalid duration "5 s"'],
    ['1m30', '"30" has no unit'],
    ['s', 'invalid duration "s"'],
    ['0.5ms', 'whole milliseconds'],
    ['30d', 'unknown unit "d"'],
    ['1S', 'unknown unit "S"'],
    ['600h', 'the longest duration is 596h31m23s647ms'],
  ])('%j is rejected: %s', (text, why) => {
    const result = parseDuration(text);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.message).toContain(why);
    expect(result.message).toContain(`invalid duration "${text}"`);
    // Every rejection shows what a valid value looks like.
    expect(result.message).toContain('(write e.g. 250ms, 30s, 5m or 1m30s)');
  });
});

describe('formatDuration', () => {
  test.each([
    [0, '0s'],
    [250, '250ms'],
    [1_000, '1s'],
    [90_000, '1m30s'],
    [3_723_004, '1h2m3s4ms'],
    [300_000, '5m'],
  ])('%d ms is %j', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  test('parseDuration reads back whatever formatDuration writes', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: maxDurationMs }), (ms) => {
        expect(parseDuration(formatDuration(ms))).toEqual({ ok: true, ms });
      }),
    );
  });
});
