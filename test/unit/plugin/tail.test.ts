import { describe, expect, test } from 'vitest';
import { createTail } from '../../../src/plugin/tail.js';

const bytes = (text: string): number => Buffer.byteLength(text);

describe('createTail', () => {
  test('is empty before any line', () => {
    expect(createTail(100).text()).toBe('');
  });

  test('keeps every line while they fit', () => {
    const tail = createTail(100);
    for (const line of ['one', 'two', 'three']) tail.push(line);
    expect(tail.text()).toBe('one\ntwo\nthree');
  });

  test('keeps only the last lines within maxBytes', () => {
    const tail = createTail(20);
    for (let i = 1; i <= 50; i += 1) tail.push(`line ${i}`);
    const text = tail.text();
    expect(bytes(text)).toBeLessThanOrEqual(20);
    expect(text).toBe('line 49\nline 50');
  });

  test('drops older lines in order and never the newest', () => {
    const tail = createTail(12);
    tail.push('aaaa');
    tail.push('bbbb');
    expect(tail.text()).toBe('aaaa\nbbbb');
    tail.push('cc');
    expect(tail.text()).toBe('bbbb\ncc');
    tail.push('dddddddddd');
    expect(tail.text()).toBe('dddddddddd');
  });

  test('one line longer than maxBytes keeps its last maxBytes bytes', () => {
    const tail = createTail(10);
    tail.push('short');
    tail.push('0123456789abcdefghij');
    expect(tail.text()).toBe('abcdefghij');
  });

  test('counts multi-byte characters as bytes', () => {
    // 'é' is 2 bytes and '🙂' 4: each of these lines is 7 bytes for 4 characters.
    const tail = createTail(16);
    tail.push('ééé1');
    tail.push('🙂abc');
    tail.push('1ééé');
    const text = tail.text();
    expect(bytes(text)).toBeLessThanOrEqual(16);
    expect(text).toBe('🙂abc\n1ééé');
  });

  test('a long multi-byte line cut on a character boundary keeps whole characters', () => {
    const tail = createTail(6);
    tail.push('ééééé');
    expect(tail.text()).toBe('ééé');
  });

  test('a long multi-byte line cut inside a character stays within maxBytes, without U+FFFD', () => {
    const tail = createTail(5);
    tail.push('ééé');
    const text = tail.text();
    expect(text).not.toContain('\uFFFD');
    expect(bytes(text)).toBeLessThanOrEqual(5);
  });
});
