import { sharedWheel, type TimerWheel, type WheelHandle } from '../util/timer-wheel.js';
import { placeNextCheck } from './place-next-check.js';

/** Where a schedule is: no check due, one due after a timer, or one in flight. */
type ScheduleState =
  | { mode: 'off' }
  | { mode: 'waiting'; interval: number; dueAt: number; wheel: TimerWheel; handle: WheelHandle }
  /** `interval` null: checks were turned off meanwhile, and this one's answer is dropped. */
  | { mode: 'checking'; interval: number | null; dueAt: number };

export interface CheckSchedule {
  /** Checks every `ms` from now on (the first at once when none is due); null stops, and an answer in flight is dropped. */
  every(ms: number | null): void;
}

/**
 * When a check on its steady cadence counts as begun: when it was due, less
 * the whole intervals it started late by. A check started late in a busy
 * wake-up would otherwise carry the lateness into its next wait and a later
 * slot, and one late by more than an interval (a starved process) would be
 * due at once with every other, so the groups would merge for good.
 */
const keepPhase = (at: number, dueAt: number, interval: number): number =>
  at <= dueAt || interval <= 0 ? at : dueAt + Math.floor((at - dueAt) / interval) * interval;

/**
 * Runs a check over and over at the interval set by `every`, one at a time,
 * and hands each answer to `heard`, unless checks were turned off while it
 * ran. The cadence and the stagger of the steady interval are placeNextCheck's;
 * the waits run on a timer wheel (the process's by default), so the checks
 * due in the same slot of a few ms share one wake-up.
 *
 * @example
 * const schedule = scheduleChecks({ run: () => runProbeWithReport(spec, options), heard: record, steadyInterval: 10_000 });
 * schedule.every(10_000); // the first check at once, the next ones every 10 s
 * schedule.every(null); // no more
 */
export const scheduleChecks = <T extends { check: { at: number } }>(options: {
  run: () => Promise<T>;
  heard: (result: T) => void;
  steadyInterval: number;
  /** A number in [0, 1) that places the first steady wait; Math.random by default. */
  random?: () => number;
  now?: () => number;
  /** Where the waits run; sharedWheel() by default, looked up at each wait as a timer would be. */
  wheel?: TimerWheel;
}): CheckSchedule => {
  const { run, heard, steadyInterval, random = Math.random, now = Date.now } = options;
  let state: ScheduleState = { mode: 'off' };
  let staggered = false;
  // A function, not a narrowed variable: `heard` and `every` can change the state across an await.
  const current = (): ScheduleState => state;

  const wait = (interval: number, delayMs: number): ScheduleState => {
    const wheel = options.wheel ?? sharedWheel();
    return { mode: 'waiting', interval, dueAt: now() + delayMs, wheel, handle: wheel.schedule(delayMs, () => void check()) };
  };

  const check = async (): Promise<void> => {
    const due = current();
    if (due.mode !== 'waiting') return;
    state = { mode: 'checking', interval: due.interval, dueAt: due.dueAt };
    const result = await run();
    const answered = current();
    if (answered.mode !== 'checking') return;
    if (answered.interval === null) {
      state = { mode: 'off' };
      return;
    }
    heard(result);
    const judged = current();
    if (judged.mode !== 'checking') return;
    if (judged.interval === null) {
      state = { mode: 'off' };
      return;
    }
    const startedAt = staggered ? keepPhase(result.check.at, judged.dueAt, judged.interval) : result.check.at;
    const next = placeNextCheck({ interval: judged.interval, steadyInterval, startedAt, now: now(), staggered, random });
    staggered = next.staggered;
    state = wait(judged.interval, next.delayMs);
  };

  return {
    every: (ms) => {
      const was = current();
      if (ms === null) {
        if (was.mode === 'waiting') was.wheel.cancel(was.handle);
        state = was.mode === 'checking' ? { mode: 'checking', interval: null, dueAt: was.dueAt } : { mode: 'off' };
      } else if (was.mode === 'off') {
        state = wait(ms, 0);
      } else {
        was.interval = ms;
      }
    },
  };
};
