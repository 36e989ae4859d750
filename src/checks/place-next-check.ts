/**
 * When the next check of a schedule is due, in ms from now. Checks keep their
 * cadence: a slow answer eats into the wait, never adds to it. The first wait
 * at the steady interval is a random part of it, once: checks started together
 * (500 plugins at boot, a list of dependencies) then spread over the slots of
 * the timer wheel they wait on, a few to a wake-up, and none waits longer
 * than its interval.
 *
 * @example
 * placeNextCheck({ interval: 1_000, steadyInterval: 1_000, startedAt: 0, now: 200, staggered: true, random: Math.random });
 * // { delayMs: 800, staggered: true }
 */
export const placeNextCheck = (options: {
  interval: number;
  /** The interval whose first wait is staggered (a plugin's checkInterval, not its startInterval). */
  steadyInterval: number;
  /** When the check just answered began. */
  startedAt: number;
  now: number;
  /** The steady cadence has had its place in the interval chosen already. */
  staggered: boolean;
  random: () => number;
}): { delayMs: number; staggered: boolean } => {
  const { interval, steadyInterval, startedAt, now, staggered, random } = options;
  const wait = Math.max(0, interval - (now - startedAt));
  if (staggered || interval !== steadyInterval) return { delayMs: wait, staggered };
  return { delayMs: Math.floor(random() * wait), staggered: true };
};
