import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { placeNextCheck } from '../../../src/checks/place-next-check.js';
import { scheduleChecks } from '../../../src/checks/schedule-checks.js';
import { createTimerWheel } from '../../../src/util/timer-wheel.js';

/** A check that takes `tookMs` of the fake clock, and the moments each one began and was heard. */
const clocked = (tookMs: number) => {
  const began: number[] = [];
  const heard: number[] = [];
  const run = async () => {
    const at = Date.now();
    began.push(at);
    if (tookMs > 0) await new Promise((resolve) => setTimeout(resolve, tookMs));
    return { check: { at } };
  };
  return { run, began, heard, hear: () => void heard.push(Date.now()) };
};

describe('scheduleChecks: one cadence for plugins and dependencies', () => {
  beforeEach(() => void vi.useFakeTimers({ now: 0 }));
  afterEach(() => void vi.useRealTimers());

  it('checks at once, staggers the first steady wait once, then keeps the cadence however long a check takes', async () => {
    const check = clocked(300);
    const schedule = scheduleChecks({ run: check.run, heard: check.hear, steadyInterval: 1_000, random: () => 0.5 });
    schedule.every(1_000);
    await vi.advanceTimersByTimeAsync(5_000);
    // 0: first; the wait left (700) halved to 350 → 650; then every 1000 from each start.
    expect(check.began.slice(0, 5)).toEqual([0, 650, 1_650, 2_650, 3_650]);
    expect(check.heard.slice(0, 3)).toEqual([300, 950, 1_950]);
    schedule.every(null);
  });

  it('drops the answer of a check in flight when checks are turned off, and runs no more', async () => {
    const check = clocked(300);
    const schedule = scheduleChecks({ run: check.run, heard: check.hear, steadyInterval: 1_000 });
    schedule.every(1_000);
    await vi.advanceTimersByTimeAsync(100);
    schedule.every(null);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(check.began).toEqual([0]);
    expect(check.heard).toEqual([]);
  });

  it('does not stagger a start-up interval, and a new interval counts from the next wait', async () => {
    const check = clocked(0);
    const schedule = scheduleChecks({ run: check.run, heard: check.hear, steadyInterval: 1_000, random: () => 0 });
    schedule.every(100);
    await vi.advanceTimersByTimeAsync(250);
    expect(check.began).toEqual([0, 100, 200]);
    schedule.every(1_000);
    await vi.advanceTimersByTimeAsync(2_100);
    // The wait already set (to 300) stands; then the steady interval, its first wait staggered to 0 (a 0 ms timer is 1 ms in Node),
    // then at the start of the 10 ms slot its due time falls in (slots begin at the first wake-up, 0).
    expect(check.began).toEqual([0, 100, 200, 300, 301, 1_300, 2_300]);
    schedule.every(null);
  });

  it('turned off while waiting, and on again, checks at once', async () => {
    const check = clocked(0);
    const schedule = scheduleChecks({ run: check.run, heard: check.hear, steadyInterval: 1_000, random: () => 0.99 });
    schedule.every(1_000);
    await vi.advanceTimersByTimeAsync(10);
    schedule.every(null);
    await vi.advanceTimersByTimeAsync(5_000);
    schedule.every(1_000);
    await vi.advanceTimersByTimeAsync(0);
    expect(check.began).toEqual([0, 5_010]);
    schedule.every(null);
  });
});

describe('scheduleChecks on a timer wheel: checks due together wake the process once', () => {
  beforeEach(() => void vi.useFakeTimers({ now: 0 }));
  afterEach(() => void vi.useRealTimers());

  it('500 schedules wait on one timer, not 500', async () => {
    const checks = Array.from({ length: 500 }, (_, i) => {
      const check = clocked(0);
      const schedule = scheduleChecks({ run: check.run, heard: check.hear, steadyInterval: 1_000, random: () => 0.1 + i / 1_000 });
      schedule.every(1_000);
      return { check, schedule };
    });
    await vi.advanceTimersByTimeAsync(1);
    expect(checks.every(({ check }) => check.began.length === 1)).toBe(true);
    expect(vi.getTimerCount()).toBe(1);
    for (const { schedule } of checks) schedule.every(null);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('staggered waits within one slot share a wake-up, and keep sharing it at the steady cadence', async () => {
    const wakeUps: number[] = [];
    const wheel = createTimerWheel({
      slotMs: 10,
      setTimer: (fn, ms) =>
        setTimeout(() => {
          wakeUps.push(Date.now());
          fn();
        }, ms),
    });
    // Placed 400, 403 and 409 ms into the interval: one slot. A fourth at 450 is another.
    const checks = [0.4, 0.403, 0.409, 0.45].map((place) => {
      const check = clocked(0);
      const schedule = scheduleChecks({ run: check.run, heard: check.hear, steadyInterval: 1_000, random: () => place, wheel });
      schedule.every(1_000);
      return { check, schedule };
    });
    await vi.advanceTimersByTimeAsync(3_500);
    expect(checks.map(({ check }) => check.began)).toEqual([
      [0, 400, 1_400, 2_400, 3_400],
      [0, 400, 1_400, 2_400, 3_400],
      [0, 400, 1_400, 2_400, 3_400],
      [0, 450, 1_450, 2_450, 3_450],
    ]);
    expect(wakeUps).toEqual([0, 400, 450, 1_400, 1_450, 2_400, 2_450, 3_400, 3_450]);
    for (const { schedule } of checks) schedule.every(null);
    expect(wheel.size).toBe(0);
  });

  it('on its steady cadence, a check that started late in a busy wake-up keeps its slot: lateness does not carry over', async () => {
    const wheel = createTimerWheel({ slotMs: 10 });
    const began: number[] = [];
    const run = () => {
      began.push(Date.now());
      // Started 15 ms after it was due, as the last of a long wake-up would (the fake clock does not move while code runs).
      return Promise.resolve({ check: { at: Date.now() + 15 } });
    };
    const schedule = scheduleChecks({ run, heard: () => {}, steadyInterval: 1_000, random: () => 0.4, wheel });
    schedule.every(1_000);
    await vi.advanceTimersByTimeAsync(3_500);
    // Due at 406 (0.4 of the 1015 ms left), woken at its slot's start, 400; each next one due 1000 after the last was due, in the same slot.
    // Counted from the late start instead, it would slip a slot a cycle: 1410, 2420, 3430.
    expect(began).toEqual([0, 400, 1_400, 2_400, 3_400]);
    schedule.every(null);
  });

  it('a check woken more than an interval late (a starved process) skips the ticks it missed and keeps its place in the interval', async () => {
    let starveOnce = false;
    const wheel = createTimerWheel({
      slotMs: 10,
      setTimer: (fn, ms) => {
        const late = starveOnce ? 2_500 : 0;
        starveOnce = false;
        return setTimeout(fn, ms + late);
      },
    });
    const check = clocked(0);
    const schedule = scheduleChecks({ run: check.run, heard: check.hear, steadyInterval: 1_000, random: () => 0.4, wheel });
    schedule.every(1_000);
    await vi.advanceTimersByTimeAsync(1_000);
    starveOnce = true;
    await vi.advanceTimersByTimeAsync(4_500);
    // Due at 2400, woken 2.5 s late at 4900: the next at 5400, in its place, not at 5900 (counted from the late start) nor at once.
    expect(check.began).toEqual([0, 400, 1_400, 4_900, 5_400]);
    schedule.every(null);
  });
});

describe('placeNextCheck', () => {
  const base = { interval: 1_000, steadyInterval: 1_000, startedAt: 0, now: 200, staggered: true, random: () => 0.5 };

  it('keeps the cadence: a slow answer eats into the wait, never below 0', () => {
    expect(placeNextCheck(base)).toEqual({ delayMs: 800, staggered: true });
    expect(placeNextCheck({ ...base, now: 5_000 })).toEqual({ delayMs: 0, staggered: true });
  });

  it('staggers the first steady wait only', () => {
    expect(placeNextCheck({ ...base, staggered: false })).toEqual({ delayMs: 400, staggered: true });
    expect(placeNextCheck({ ...base, interval: 100, staggered: false })).toEqual({ delayMs: 0, staggered: false });
  });
});
