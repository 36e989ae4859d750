import { constants } from 'node:os';
import { describe, expect, test } from 'vitest';
import { exitCodeOf } from '../../../src/metrics/exit-code.js';

describe('exitCodeOf', () => {
  test.each([0, 1, 3, 255])('an exit code %i is itself', (code) => {
    expect(exitCodeOf({ code, signal: null })).toBe(code);
  });

  test('a signal exit is 128 + the signal number', () => {
    expect(exitCodeOf({ code: null, signal: 'SIGKILL' })).toBe(137);
    expect(exitCodeOf({ code: null, signal: 'SIGTERM' })).toBe(128 + constants.signals.SIGTERM);
  });

  test('neither a code nor a known signal gives no number', () => {
    expect(exitCodeOf({ code: null, signal: null })).toBeNull();
    expect(exitCodeOf({ code: null, signal: 'SIGNOPE' })).toBeNull();
    expect(exitCodeOf({ code: null, signal: 'toString' })).toBeNull();
  });
});
