/** Runs tasks one after another, each in an event-loop turn of its own. */
export interface TurnQueue {
  /** Runs `task` once every task queued before it has settled and the loop has served its I/O once since; settles as it does. */
  run<T>(task: () => T | Promise<T>): Promise<T>;
  /** Tasks queued or running. */
  readonly pending: number;
}

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * A queue that runs one task per event-loop turn: before each task the loop
 * reaches its poll phase (setImmediate), so the I/O that came meanwhile is
 * read first. A task that blocks the thread (spawning a process blocks until
 * the child execs, which on a busy machine takes as long as the scheduler makes
 * the child wait) then blocks it once, not once for every task that came in the
 * same turn, and timers do not fire on answers that sat unread behind the burst.
 *
 * @example
 * const spawns = createTurnQueue();
 * const started = await spawns.run(() => startProcess(options));
 */
export const createTurnQueue = (): TurnQueue => {
  let tail: Promise<void> = Promise.resolve();
  let pending = 0;
  return {
    run: <T>(task: () => T | Promise<T>): Promise<T> => {
      pending += 1;
      const ran = tail.then(nextTurn).then(task);
      const settled = ran.then(
        () => undefined,
        () => undefined,
      );
      tail = settled;
      void settled.then(() => {
        pending -= 1;
      });
      return ran;
    },
    get pending() {
      return pending;
    },
  };
};
