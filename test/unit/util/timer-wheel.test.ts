import { afterEach, describe, expect, it, vi } from 'vitest';
import { createTimerWheel, sharedWheel } from '../../../src/util/timer-wheel.js';

/** A hand-driven clock, counting what the wheel asks of it: timers run by `now`, the wheel reads `now` plus a wall-clock step. */
const manualClock = () => {
  let now = 0;
  let wallStep = 0;
  const timers = new Map<number, { fn: () => void; at: number }>();
  let nextId = 1;
  const counts = { set: 0, cleared: 0, fired: 0 };
  const clock = {
    counts,
    get now() {
      return now;
    },
    pending: () => timers.size,
    nextAt: () => Math.min(...[...timers.values()].map((timer) => timer.at)),
    setTimer: (fn: () => void, ms: number): number => {
      counts.set += 1;
      timers.set(nextId, { fn, at: now + ms });
      return nextId++;
    },
    clearTimer: (id: unknown): void => {
      if (timers.delete(id as number)) counts.cleared += 1;
    },
    /** Fires every timer due by `to`, in order, moving the clock to each; bounded by `limit` firings. */
    advanceTo: (to: number, limit = 100_000): void => {
      for (let i = 0; i < limit; i += 1) {
        const due = [...timers.entries()].filter(([, timer]) => timer.at <= to).sort((a, b) => a[1].at - b[1].at)[0];
        if (due === undefined) break;
        timers.delete(due[0]);
        now = due[1].at;
        counts.fired += 1;
        due[1].fn();
      }
      now = Math.max(now, to);
    },
    stepWallClock: (ms: number): void => void (wallStep += ms),
  };
  const wheel = createTimerWheel({ slotMs: 10, now: () => now + wallStep, setTimer: clock.setTimer, clearTimer: clock.clearTimer });
  return { clock, wheel };
};

describe('createTimerWheel: many timers on one', () => {
  it('runs callbacks in due order, each when due, on one armed timer', () => {
    const { clock, wheel } = manualClock();
    const ran: Array<[string, number]> = [];
    wheel.schedule(300, () => ran.push(['c', clock.now]));
    wheel.schedule(100, () => ran.push(['a', clock.now]));
    wheel.schedule(200, () => ran.push(['b', clock.now]));
    expect(wheel.size).toBe(3);
    expect(clock.pending()).toBe(1);
    clock.advanceTo(1_000);
    expect(ran).toEqual([
      ['a', 100],
      ['b', 200],
      ['c', 300],
    ]);
    expect(wheel.size).toBe(0);
    expect(clock.pending()).toBe(0);
  });

  it('runs every callback due in the same slot on one wake-up, in due order, at the slot start; slots are set by the first wake-up', () => {
    const { clock, wheel } = manualClock();
    const ran: Array<[number, number]> = [];
    for (const delay of [115, 109, 100, 103, 110]) wheel.schedule(delay, () => ran.push([delay, clock.now]));
    clock.advanceTo(1_000);
    expect(ran).toEqual([
      [100, 100],
      [103, 100],
      [109, 100],
      [110, 110],
      [115, 110],
    ]);
    expect(clock.counts.fired).toBe(2);
  });

  it('cancels: a cancelled callback never runs, twice is once, and with none left no timer keeps the process up', () => {
    const { clock, wheel } = manualClock();
    const ran: number[] = [];
    const first = wheel.schedule(100, () => ran.push(100));
    const second = wheel.schedule(500, () => ran.push(500));
    wheel.cancel(first);
    wheel.cancel(first);
    expect(wheel.size).toBe(1);
    wheel.cancel(second);
    expect(wheel.size).toBe(0);
    expect(clock.pending()).toBe(0);
    clock.advanceTo(1_000);
    expect(ran).toEqual([]);
  });

  it('re-arms for an earlier callback, and leaves the timer alone for a later one', () => {
    const { clock, wheel } = manualClock();
    wheel.schedule(1_000, () => {});
    expect(clock.nextAt()).toBe(1_000);
    wheel.schedule(2_000, () => {});
    expect(clock.counts).toMatchObject({ set: 1, cleared: 0 });
    wheel.schedule(100, () => {});
    expect(clock.counts).toMatchObject({ set: 2, cleared: 1 });
    expect(clock.nextAt()).toBe(100);
    expect(clock.pending()).toBe(1);
  });

  it('a callback that cancels one of the same wake-up stops it; one it schedules runs on a later wake-up', () => {
    const { clock, wheel } = manualClock();
    // Each callback notes the wake-up it ran on.
    const ran: Array<[string, number]> = [];
    let later = wheel.schedule(105, () => ran.push(['cancelled', clock.counts.fired]));
    wheel.schedule(100, () => {
      ran.push(['first', clock.counts.fired]);
      wheel.cancel(later);
      later = wheel.schedule(0, () => ran.push(['scheduled', clock.counts.fired]));
      expect(wheel.size).toBe(1);
    });
    clock.advanceTo(1_000);
    expect(ran).toEqual([
      ['first', 1],
      ['scheduled', 2],
    ]);
    expect(clock.counts.fired).toBe(2);
  });

  it('a throwing callback is thrown once the others of its wake-up ran and the next wake-up is armed', () => {
    const { clock, wheel } = manualClock();
    const ran: number[] = [];
    wheel.schedule(100, () => ran.push(100));
    wheel.schedule(101, () => {
      throw new Error('boom');
    });
    wheel.schedule(102, () => ran.push(102));
    wheel.schedule(500, () => ran.push(500));
    expect(() => clock.advanceTo(100)).toThrow('boom');
    expect(ran).toEqual([100, 102]);
    expect(clock.nextAt()).toBe(500);
    clock.advanceTo(1_000);
    expect(ran).toEqual([100, 102, 500]);
  });

  it('a wall clock that steps back does not hold the callbacks back by the step', () => {
    const { clock, wheel } = manualClock();
    const ran: number[] = [];
    wheel.schedule(1_000, () => ran.push(1_000));
    wheel.schedule(2_000, () => ran.push(2_000));
    // The timer fires on time by its own clock, but the wall clock reads an hour earlier.
    clock.stepWallClock(-3_600_000);
    clock.advanceTo(1_000);
    expect(ran).toEqual([1_000]);
    expect(clock.nextAt()).toBe(2_000);
    clock.advanceTo(2_000);
    expect(ran).toEqual([1_000, 2_000]);
  });

  it('bounded work with thousands: at most one wake-up per slot, each callback once, none late, none more than a slot early', () => {
    const { clock, wheel } = manualClock();
    let seed = 7;
    const random = () => (seed = (seed * 48_271) % 2_147_483_647) / 2_147_483_647;
    const early: number[] = [];
    let ran = 0;
    for (let i = 0; i < 5_000; i += 1) {
      const delay = Math.floor(random() * 1_000);
      wheel.schedule(delay, () => {
        ran += 1;
        early.push(delay - clock.now);
      });
    }
    // Random arrival re-arms the timer about log(n) times, not once per callback.
    expect(clock.counts.set).toBeLessThan(30);
    clock.advanceTo(1_000);
    expect(ran).toBe(5_000);
    expect(clock.counts.fired).toBeLessThanOrEqual(1_000 / 10 + 1);
    expect(Math.min(...early)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...early)).toBeLessThanOrEqual(10);

    // Scheduling and cancelling over and over leaves nothing behind.
    for (let i = 0; i < 10_000; i += 1) wheel.cancel(wheel.schedule(10_000 + i, () => {}));
    expect(wheel.size).toBe(0);
    expect(clock.pending()).toBe(0);
  });
});

describe('sharedWheel: one per clock', () => {
  afterEach(() => void vi.useRealTimers());

  it('is the same wheel for the same timers, and a fake clock gets its own that the fake timers drive', async () => {
    expect(sharedWheel()).toBe(sharedWheel());
    const real = sharedWheel();
    vi.useFakeTimers({ now: 0, toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const fake = sharedWheel();
    expect(fake).not.toBe(real);
    const ran: number[] = [];
    fake.schedule(1_000, () => ran.push(Date.now()));
    fake.schedule(1_004, () => ran.push(Date.now()));
    expect(vi.getTimerCount()).toBe(1);
    await vi.advanceTimersByTimeAsync(2_000);
    expect(ran).toEqual([1_000, 1_000]);
    expect(real.size).toBe(0);
  });
});
