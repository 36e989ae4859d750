export interface SettleWithinOptions {
  /** Whether the timer keeps the process alive; true by default, as a plain setTimeout does. */
  ref?: boolean;
}

/**
 * What `work` settles to, or `late` once `ms` have passed, whichever comes
 * first. The timer is cleared as soon as either happens, so a hot path
 * leaves no timer behind; the work itself goes on, only the wait ends.
 *
 * @example
 * const flushed = await settleWithin(nc.flush().then(() => true, () => false), 5_000, false);
 */
export const settleWithin = <T, L>(work: Promise<T>, ms: number, late: L, { ref = true }: SettleWithinOptions = {}): Promise<T | L> =>
  // A plain timer, cleared when the work settles: an AbortController per call cost ~60 µs on every check.
  new Promise<T | L>((resolve, reject) => {
    const timer = setTimeout(() => resolve(late), ms);
    if (!ref) timer.unref();
    work.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });

/**
 * What `work` settles to, or what `onAbort` gives as soon as `signal` aborts,
 * whichever comes first. Give `AbortSignal.any([signal, AbortSignal.timeout(ms)])`
 * to end the wait on a deadline too, and tell the two apart in `onAbort`.
 * The abort listener is removed once either happens.
 *
 * @example
 * const verdict = await settleUnlessAborted(probe(), signal, () => 'cancelled' as const);
 */
export const settleUnlessAborted = <T, A>(work: Promise<T>, signal: AbortSignal, onAbort: () => A): Promise<T | A> => {
  if (signal.aborted) {
    // Nobody waits for it any more; a failure it ends in later is not a crash.
    work.catch(() => undefined);
    return Promise.resolve().then(onAbort);
  }
  return new Promise<T | A>((resolve, reject) => {
    const abort = () => {
      try {
        resolve(onAbort());
      } catch (error) {
        reject(error);
      }
    };
    signal.addEventListener('abort', abort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', abort));
  });
};
