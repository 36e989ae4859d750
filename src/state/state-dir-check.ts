import { stat } from 'node:fs/promises';
import { HaleError } from '../errors.js';

/** Why a state dir is not safe to use; null when it is. */
export const judgeStateDir = (
  dir: string,
  found: { uid: number; mode: number; isDirectory: boolean },
  uid: number | null,
): string | null => {
  if (!found.isDirectory) return `the state dir ${dir} is not a directory`;
  const mode = `0${(found.mode & 0o777).toString(8).padStart(3, '0')}`;
  if (uid !== null && found.uid !== uid) {
    return `the state dir ${dir} is owned by uid ${found.uid}, not by uid ${uid} that hale runs as (mode ${mode}): its owner could plant files hale reads; chown ${uid} ${dir} && chmod 700 ${dir}, or set stateDir: to a directory of your own`;
  }
  if ((found.mode & 0o022) !== 0) {
    return `the state dir ${dir} has mode ${mode}: other users can write in it and plant files hale reads; chmod 700 ${dir}`;
  }
  return null;
};

/**
 * Refuses a state dir another user could write into: it must be owned by
 * hale's user and not writable by group or others. A state dir that is a
 * symlink is followed (a dir kept on another disk is common) and the dir it
 * points to is the one checked; the files inside are never followed. Throws
 * HaleError 'state_unavailable' naming the dir, its owner and mode, and the fix.
 *
 * @example
 * await checkStateDir('/var/lib/hale'); // throws: "the state dir /var/lib/hale has mode 0777: … chmod 700 /var/lib/hale"
 */
export const checkStateDir = async (dir: string): Promise<void> => {
  let found;
  try {
    found = await stat(dir);
  } catch (error) {
    throw new HaleError('state_unavailable', `cannot use the state dir ${dir}: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
    });
  }
  const refusal = judgeStateDir(dir, { uid: found.uid, mode: found.mode, isDirectory: found.isDirectory() }, process.getuid?.() ?? null);
  if (refusal !== null) throw new HaleError('state_unavailable', refusal);
};
