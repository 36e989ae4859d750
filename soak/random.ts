/** A source of numbers in [0, 1), like Math.random, that a seed makes repeatable. */
export type Random = () => number;

/**
 * mulberry32: a small, fast PRNG of 32-bit state; good enough to pick faults,
 * and the same seed gives the same sequence on every machine.
 *
 * @example
 * const random = createRandom(42);
 * random(); // always the same first number for 42
 */
export const createRandom = (seed: number): Random => {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
};

/**
 * A seed for one stream of a run (e.g. one plugin's faults) from the run's seed.
 *
 * @example
 * createRandom(deriveSeed(42, 3)); // plugin 3's own repeatable sequence
 */
export const deriveSeed = (seed: number, stream: number): number =>
  Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) + Math.imul(stream + 1, 0xc2b2ae35);

/**
 * A whole number in [min, max], both included.
 *
 * @example
 * randomBetween(random, 200, 800); // e.g. 517
 */
export const randomBetween = (random: Random, min: number, max: number): number => min + Math.floor(random() * (max - min + 1));

/**
 * One of `choices`, each as likely as its weight says.
 *
 * @example
 * pickWeighted(random, [['kill', 3], ['slow', 1]]); // 'kill' three times as often as 'slow'
 */
export const pickWeighted = <T>(random: Random, choices: ReadonlyArray<readonly [T, number]>): T => {
  const total = choices.reduce((sum, [, weight]) => sum + weight, 0);
  let left = random() * total;
  for (const [choice, weight] of choices) {
    left -= weight;
    if (left < 0) return choice;
  }
  const last = choices.at(-1);
  if (last === undefined) throw new Error('pickWeighted needs at least one choice');
  return last[0];
};
