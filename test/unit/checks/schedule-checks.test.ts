import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { placeNextCheck } from '../../../src/checks/place-next-check.js';
import { scheduleChecks } from '../../../src/checks/schedule-checks.js';

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
    // The wait already set (to 300) stands; then the steady interval, its first wait staggered to 0 (a 0 ms timer is 1 ms in Node).
    expect(check.began).toEqual([0, 100, 200, 300, 301, 1_301, 2_301]);
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
