import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { createPushDamper, pushLimits } from '../../../src/checks/push-damper.js';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

const damperOf = () => {
  const heard: number[] = [];
  const damper = createPushDamper<number>({ deliver: (value) => heard.push(value), now: () => Date.now() });
  return { heard, damper };
};

describe('the push damper', () => {
  test('a plugin that pushes now and then is heard at once, every time', () => {
    const { heard, damper } = damperOf();
    for (let i = 0; i < 30; i++) {
      damper.push(i);
      expect(heard.at(-1)).toBe(i);
      vi.advanceTimersByTime(pushLimits.refillMs);
    }
    expect(heard).toHaveLength(30);
  });

  test('a flood: the burst at once, then the latest once a refill, never a value lost at the end', () => {
    const { heard, damper } = damperOf();
    // 1,000 pushes over 5 s, one every 5 ms.
    for (let i = 0; i < 1_000; i++) {
      damper.push(i);
      vi.advanceTimersByTime(5);
    }
    expect(heard.slice(0, pushLimits.burst)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    // Five seconds of flood: the burst and about one a second after it.
    expect(heard.length).toBeGreaterThanOrEqual(pushLimits.burst + 4);
    expect(heard.length).toBeLessThanOrEqual(pushLimits.burst + 6);
    // The last value pushed is delivered once the bucket allows.
    vi.advanceTimersByTime(pushLimits.refillMs);
    expect(heard.at(-1)).toBe(999);
    // Calm again: a push is heard at once.
    vi.advanceTimersByTime(20 * pushLimits.refillMs);
    damper.push(1_000);
    expect(heard.at(-1)).toBe(1_000);
  });

  test('flush delivers the held value at once; cancel drops it', () => {
    const { heard, damper } = damperOf();
    for (let i = 0; i < pushLimits.burst + 2; i++) damper.push(i);
    expect(heard).toHaveLength(pushLimits.burst);
    damper.flush();
    expect(heard.at(-1)).toBe(pushLimits.burst + 1);
    damper.push(100);
    damper.cancel();
    vi.advanceTimersByTime(10 * pushLimits.refillMs);
    expect(heard).not.toContain(100);
  });
});
