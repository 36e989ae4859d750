import { runInNewContext } from 'node:vm';
import { setFlagsFromString } from 'node:v8';
import { describe, expect, test } from 'vitest';
import { keepText, keepUntrustedText } from '../../../src/text/bounded-text.js';

const bytes = (text: string): number => Buffer.byteLength(text);

describe('keepText', () => {
  test('short text is kept whole, long text is cut to the byte budget with an ellipsis', () => {
    expect(keepText('ok', 10)).toBe('ok');
    expect(keepText('abc', 3)).toBe('abc');
    expect(keepText('abcd', 3)).toBe('abc…');
    expect(keepText('', 0)).toBe('');
    expect(keepText('a', 0)).toBe('…');
    const kept = keepText('x'.repeat(1_000_000), 1_024);
    expect(kept).toBe(`${'x'.repeat(1_024)}…`);
  });

  test('counts UTF-8 bytes and never cuts inside a character', () => {
    expect(keepText('héllo', 2)).toBe('h…');
    expect(keepText('héllo', 3)).toBe('hé…');
    expect(keepText('éé', 3)).toBe('é…');
    expect(keepText('日本語', 7)).toBe('日本…');
    // A surrogate pair (4 bytes) is kept whole or not at all.
    expect(keepText('a😀b', 4)).toBe('a…');
    expect(keepText('a😀b', 5)).toBe('a😀…');
    expect(keepText('😀'.repeat(300), 1_024)).toBe(`${'😀'.repeat(256)}…`);
    for (const text of ['ü'.repeat(5_000), '€'.repeat(5_000), '😀'.repeat(5_000), 'aé€😀'.repeat(2_000)]) {
      for (const max of [0, 1, 2, 3, 5, 100, 1_023]) {
        const kept = keepText(text, max);
        expect(bytes(kept.replace(/…$/, ''))).toBeLessThanOrEqual(max);
        expect(kept).not.toContain('\uFFFD');
      }
    }
  });

  test('control characters become spaces, so nothing from outside drives a terminal or breaks a line', () => {
    expect(keepText('red\u001b[31m alert\u0007\nnext\r\u009b2J\u2028', 100)).toBe('red [31m alert  next  2J ');
    expect(keepText('tab\there', 100)).toBe('tab here');
  });

  test('keepUntrustedText keeps strings only', () => {
    expect(keepUntrustedText('fine', 100)).toBe('fine');
    expect(keepUntrustedText(42, 100)).toBe('');
    expect(keepUntrustedText(null, 100)).toBe('');
    expect(keepUntrustedText({ toString: () => 'x' }, 100)).toBe('');
  });

  test('what it keeps of a 1 MB string does not keep the megabyte alive (a slice would)', () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const heapAfterKeeping = (keep: (text: string) => string): number => {
      gc();
      const before = process.memoryUsage().heapUsed;
      // Each a new, flat 1 MB string, as a decoded answer is.
      const kept = Array.from({ length: 100 }, (_, i) => keep(Buffer.alloc(1_000_000, 97 + (i % 26)).toString('latin1')));
      gc();
      const grown = process.memoryUsage().heapUsed - before;
      expect(kept).toHaveLength(100);
      return grown / 1024 / 1024;
    };
    const sliced = heapAfterKeeping((text) => `${text.slice(0, 1_024)}…`);
    const copied = heapAfterKeeping((text) => keepText(text, 1_024));
    console.log(`100 kept KiB of 1 MB strings: ${sliced.toFixed(1)} MiB of heap as slices, ${copied.toFixed(1)} MiB as keepText copies`);
    // The measure works: slices pin the 100 MB.
    expect(sliced).toBeGreaterThan(80);
    expect(copied).toBeLessThan(5);
  });
});
