import { randomBytes } from 'node:crypto';
import { link, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { HaleError } from '../errors.js';
import { readBootId } from '../process/proc-stat.js';
import { formatOwnMark, isMarkRunning, parseProcessMark } from './process-mark.js';
import { openStateFile, readStateFile } from './safe-file.js';

/** Held while this supervisor uses the state dir. */
export interface StateLock {
  /** Removes the lock file, if it is still ours. */
  release(): Promise<void>;
}

const lockName = 'hale.lock';
// Two supervisors taking over the same stale lock at once: each try either wins or sees the other's.
const maxTries = 5;

const unavailable = (dir: string, error: unknown): HaleError =>
  new HaleError(
    'state_unavailable',
    `cannot write the state dir ${dir}: ${error instanceof Error ? error.message : String(error)}; set stateDir: in the config to a writable directory`,
    { cause: error },
  );

// A lock is a few dozen bytes; anything much larger is not one of ours.
const maxLockBytes = 4096;

/** The lock's text; null when it is gone or unreadable. Anything but a regular file stops hale: it may be another program's. */
const readText = async (file: string): Promise<string | null> => {
  let read;
  try {
    read = await readStateFile(file, maxLockBytes);
  } catch {
    return null;
  }
  if (read.ok) return read.text;
  if (read.reason === 'missing') return null;
  // Too large to be a lock of ours: garbage, taken over as any other.
  if (read.reason === 'too_large') return '';
  throw new HaleError(
    'state_unavailable',
    `${read.message}; hale does not start with it there: remove it if no hale runs with the state dir ${dirname(file)}`,
  );
};

/** Writes the draft as a new file (never through a link); a failed write leaves no draft behind. */
const writeDraft = async (draft: string, text: string): Promise<void> => {
  const created = await openStateFile(draft, 'create');
  if (!created.ok) throw new Error(`${draft} could not be made: ${created.reason === 'refused' ? created.message : 'it vanished'}`);
  try {
    await created.handle.writeFile(text);
  } catch (error) {
    await created.handle.close().catch(() => undefined);
    await unlink(draft).catch(() => undefined);
    throw error;
  }
  await created.handle.close();
};

/**
 * Takes the state dir for this supervisor: a lock file with our pid, start
 * time and boot id. A lock whose writer no longer runs (gone, its pid now
 * another program's, or written before a reboot) is taken over. Throws HaleError 'state_locked' while
 * another supervisor runs with the same dir.
 *
 * @example
 * const lock = await acquireStateLock('/var/lib/hale');
 * await lock.release();
 */
export const acquireStateLock = async (dir: string): Promise<StateLock> => {
  const file = join(dir, lockName);
  const bootId = readBootId();
  const mine = formatOwnMark();
  const draft = join(dir, `.${lockName}.${randomBytes(6).toString('hex')}`);
  try {
    // Written whole first, then linked into place: a lock file is never seen half written.
    await writeDraft(draft, mine);
  } catch (error) {
    throw unavailable(dir, error);
  }
  try {
    for (let attempt = 0; attempt < maxTries; attempt += 1) {
      try {
        await link(draft, file);
        return { release: () => releaseLock(file, mine) };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw unavailable(dir, error);
      }
      const text = await readText(file);
      if (text === null) continue;
      const holder = parseProcessMark(text);
      if (holder !== null && isMarkRunning(holder, bootId)) {
        throw new HaleError(
          'state_locked',
          `another hale (pid ${holder.pid}) is running with the state dir ${dir}; stop it first or set another stateDir`,
        );
      }
      // Stale: only the lock we judged is removed, not one another supervisor wrote meanwhile.
      if ((await readText(file)) === text) await unlink(file).catch(() => undefined);
    }
    throw new HaleError(
      'state_locked',
      `could not take the lock ${file}: another hale keeps taking it; stop it first or set another stateDir`,
    );
  } finally {
    await unlink(draft).catch(() => undefined);
  }
};

const releaseLock = async (file: string, mine: string): Promise<void> => {
  if ((await readText(file).catch(() => null)) === mine) await unlink(file).catch(() => undefined);
};
