import { placeNextCheck } from './place-next-check.js';

/** Where a schedule is: no check due, one due after a timer, or one in flight. */
type ScheduleState =
  | { mode: 'off' }
  | { mode: 'waiting'; interval: number; timer: NodeJS.Timeout }
  /** `interval` null: checks were turned off meanwhile, and this one's answer is dropped. */
  | { mode: 'checking'; interval: number | null };

export interface CheckSchedule {
  /** Checks every `ms` from now on (the first at once when none is due); null stops, and an answer in flight is dropped. */
  every(ms: number | null): void;
}

/**
 * Runs a check over and over at the interval set by `every`, one at a time,
 * and hands each answer to `heard`, unless checks were turned off while it
 * ran. The cadence and the stagger of the steady interval are placeNextCheck's.
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
}): CheckSchedule => {
  const { run, heard, steadyInterval, random = Math.random, now = Date.now } = options;
  let state: ScheduleState = { mode: 'off' };
  let staggered = false;
  // A function, not a narrowed variable: `heard` and `every` can change the state across an await.
  const current = (): ScheduleState => state;

  const wait = (interval: number, delayMs: number): ScheduleState => ({
    mode: 'waiting',
    interval,
    timer: setTimeout(() => void check(), delayMs),
  });

  const check = async (): Promise<void> => {
    const due = current();
    if (due.mode !== 'waiting') return;
    state = { mode: 'checking', interval: due.interval };
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
    const next = placeNextCheck({ interval: judged.interval, steadyInterval, startedAt: result.check.at, now: now(), staggered, random });
    staggered = next.staggered;
    state = wait(judged.interval, next.delayMs);
  };

  return {
    every: (ms) => {
      const was = current();
      if (ms === null) {
        if (was.mode === 'waiting') clearTimeout(was.timer);
        state = was.mode === 'checking' ? { mode: 'checking', interval: null } : { mode: 'off' };
      } else if (was.mode === 'off') {
        state = wait(ms, 0);
      } else {
        was.interval = ms;
      }
    },
  };
};
