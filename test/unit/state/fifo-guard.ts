import { closeSync, constants, openSync, rmSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

const fifos: string[] = [];

/** Makes a FIFO at `path`; `releaseFifos` later unblocks any reader a faulty open left waiting on it. */
export const makeFifo = (path: string): string => {
  execFileSync('mkfifo', [path]);
  fifos.push(path);
  return path;
};

/** Opens each FIFO's writing end once (if a reader waits) and closes it: a reader stuck on it sees EOF. */
export const releaseFifos = (): void => {
  for (const path of fifos.splice(0)) {
    try {
      closeSync(openSync(path, constants.O_WRONLY | constants.O_NONBLOCK));
    } catch {
      // No reader waiting (ENXIO), or it was moved: nothing is stuck on it.
    }
    rmSync(path, { force: true });
  }
};

/** Resolves with what `work` gave, or 'hung' after `ms`. */
export const within = <T>(work: Promise<T>, ms = 2_000): Promise<T | 'hung'> =>
  Promise.race([work, new Promise<'hung'>((resolve) => setTimeout(() => resolve('hung'), ms).unref())]);
