import { mkdir } from 'node:fs/promises';
import { HaleError } from '../errors.js';
import { checkStateDir } from './state-dir-check.js';
import { acquireStateLock, type StateLock } from './state-lock.js';

const createStateDir = async (stateDir: string): Promise<void> => {
  try {
    await mkdir(stateDir, { recursive: true, mode: 0o700 });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new HaleError(
      'state_unavailable',
      `cannot create the state dir ${stateDir}: ${reason}; set stateDir: in the config to a writable directory`,
      {
        cause: error,
      },
    );
  }
  // Owned by hale's user, writable by no one else: what hale reads there is its own.
  await checkStateDir(stateDir);
};

/**
 * Makes the state dir (0700) when it is missing, refuses one others could
 * write into, and takes its lock. Throws HaleError 'state_unavailable' when
 * the dir cannot be made or used, and 'state_locked' while another
 * supervisor runs with it. `hale run` calls it before it opens any port, so
 * a second hale on the same state dir hears of the first and of nothing else.
 *
 * @example
 * const lock = await claimStateDir('/var/lib/hale');
 * await lock.release();
 */
export const claimStateDir = async (stateDir: string): Promise<StateLock> => {
  await createStateDir(stateDir);
  return acquireStateLock(stateDir);
};
