/** A fixed number of slots; whoever holds one may inject a fault. */
export interface Slots {
  /** Resolves true with a slot, or false if none came free before `deadline` (epoch ms). */
  acquire(deadline: number): Promise<boolean>;
  release(): void;
}

/**
 * A counting semaphore with deadlines, so that no more than `count` faults
 * are pending at once (each restart costs a node start; two cores are few).
 *
 * @example
 * const slots = createSlots(4);
 * if (await slots.acquire(Date.now() + 1_000)) try { await inject(); } finally { slots.release(); }
 */
export const createSlots = (count: number): Slots => {
  let free = count;
  const waiting: Array<(got: boolean) => void> = [];
  return {
    acquire: (deadline) => {
      if (free > 0) {
        free -= 1;
        return Promise.resolve(true);
      }
      return new Promise<boolean>((resolve) => {
        const timer = setTimeout(
          () => {
            waiting.splice(waiting.indexOf(take), 1);
            resolve(false);
          },
          Math.max(0, deadline - Date.now()),
        );
        const take = (got: boolean): void => {
          clearTimeout(timer);
          resolve(got);
        };
        waiting.push(take);
      });
    },
    release: () => {
      const next = waiting.shift();
      if (next === undefined) free += 1;
      else next(true);
    },
  };
};
