import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { createOutputRing } from '../../../src/plugin/output-ring.js';

describe('createOutputRing', () => {
  test('keeps the newest lines up to maxLines, oldest dropped first, oldest first in order', () => {
    const ring = createOutputRing<number>({ maxLines: 3, maxBytes: 1_000 });
    for (let i = 1; i <= 10; i += 1) ring.push(i, 1);
    expect(ring.last(10)).toEqual([8, 9, 10]);
    expect(ring.last(2)).toEqual([9, 10]);
    expect(ring.last(0)).toEqual([]);
    expect(ring.size).toBe(3);
    expect(ring.bytes).toBe(3);
  });

  test('keeps at most maxBytes, dropping the oldest until the newest fits', () => {
    const ring = createOutputRing<string>({ maxLines: 100, maxBytes: 10 });
    for (const entry of ['aaaa', 'bbbb', 'cc']) ring.push(entry, entry.length);
    expect(ring.last(100)).toEqual(['aaaa', 'bbbb', 'cc']);
    ring.push('ddd', 3);
    expect(ring.last(100)).toEqual(['bbbb', 'cc', 'ddd']);
    expect(ring.bytes).toBe(9);
    ring.push('eeeeeeeee', 9);
    expect(ring.last(100)).toEqual(['eeeeeeeee']);
  });

  test('an entry larger than maxBytes on its own is still kept, alone', () => {
    const ring = createOutputRing<string>({ maxLines: 100, maxBytes: 4 });
    ring.push('a', 1);
    ring.push('too big', 7);
    expect(ring.last(5)).toEqual(['too big']);
    ring.push('b', 1);
    expect(ring.last(5)).toEqual(['b']);
  });

  test('a count past the size, negative or fractional is clamped', () => {
    const ring = createOutputRing<number>({ maxLines: 5, maxBytes: 100 });
    ring.push(1, 1);
    ring.push(2, 1);
    expect(ring.last(99)).toEqual([1, 2]);
    expect(ring.last(-1)).toEqual([]);
    expect(ring.last(1.9)).toEqual([2]);
  });

  test('property: the ring equals the longest suffix of what was pushed within both bounds (newest always kept)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 1, max: 40 }),
        fc.array(fc.integer({ min: 0, max: 15 }), { maxLength: 60 }),
        (maxLines, maxBytes, sizes) => {
          const ring = createOutputRing<number>({ maxLines, maxBytes });
          sizes.forEach((size, index) => ring.push(index, size));
          // The model: walk back from the newest while both bounds hold.
          const expected: number[] = [];
          let bytes = 0;
          for (let i = sizes.length - 1; i >= 0; i -= 1) {
            const size = sizes[i] ?? 0;
            if (expected.length > 0 && (expected.length === maxLines || bytes + size > maxBytes)) break;
            expected.unshift(i);
            bytes += size;
          }
          expect(ring.last(100)).toEqual(expected);
          expect(ring.bytes).toBe(bytes);
          expect(ring.size).toBeLessThanOrEqual(maxLines);
        },
      ),
      { numRuns: 300 },
    );
  });
  test('starts with few slots and doubles them only as lines come, never past maxLines', () => {
    const ring = createOutputRing<number>({ maxLines: 1_000, maxBytes: 1_000_000 });
    expect(ring.slots).toBeLessThanOrEqual(16);
    for (let i = 0; i < 16; i += 1) ring.push(i, 1);
    expect(ring.slots).toBe(16);
    ring.push(16, 1);
    expect(ring.slots).toBe(32);
    for (let i = 17; i < 5_000; i += 1) ring.push(i, 1);
    expect(ring.slots).toBe(1_000);
    expect(ring.last(3)).toEqual([4_997, 4_998, 4_999]);
    expect(ring.size).toBe(1_000);
  });

  test('property: a ring that grows keeps the same lines as the model, across growth and wrap-around', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 80 }),
        fc.integer({ min: 1, max: 400 }),
        fc.array(fc.integer({ min: 0, max: 15 }), { maxLength: 200 }),
        (maxLines, maxBytes, sizes) => {
          const ring = createOutputRing<number>({ maxLines, maxBytes });
          sizes.forEach((size, index) => ring.push(index, size));
          const expected: number[] = [];
          let bytes = 0;
          for (let i = sizes.length - 1; i >= 0; i -= 1) {
            const size = sizes[i] ?? 0;
            if (expected.length > 0 && (expected.length === maxLines || bytes + size > maxBytes)) break;
            expected.unshift(i);
            bytes += size;
          }
          expect(ring.last(1_000)).toEqual(expected);
          expect(ring.bytes).toBe(bytes);
          expect(ring.slots).toBeLessThanOrEqual(maxLines);
        },
      ),
      { numRuns: 300 },
    );
  });
});
