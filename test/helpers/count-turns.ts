/**
 * Counts event-loop turns (one setImmediate each) until stop() is called, so a test can tell work done in one turn
 * from work spread over several.
 *
 * @example
 * const turns = countTurns();
 * await work();
 * turns.stop();
 * turns.now(); // how many turns went by
 */
export const countTurns = (): { now: () => number; stop: () => void } => {
  let turn = 0;
  let counting = true;
  const tick = (): void => {
    turn += 1;
    if (counting) setImmediate(tick);
  };
  setImmediate(tick);
  return { now: () => turn, stop: () => (counting = false) };
};
