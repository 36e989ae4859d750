import { lstat, mkdtemp, readdir, rm, rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../log.js';
import { readBootId } from '../process/proc-stat.js';
import { formatOwnMark, isMarkRunning, parseProcessMark } from './process-mark.js';
import { openStateFile, readStateFile } from './safe-file.js';

/** In each socket folder hale makes: who made it. Plugin names start with a letter or digit, so no plugin's folder is called this. */
export const socketRootMark = '.hale-owner';

const prefix = 'hale-';
// mkdtemp's six characters; a name of any other shape is not one hale made.
const namePattern = /^hale-[A-Za-z0-9]{6}$/;
// The temp dir may hold many thousands of entries; this many of ours are looked at each start, at most.
const maxLooked = 1_000;
// A mark is a few dozen bytes.
const maxMarkBytes = 4096;

/** Why a folder is left alone, or 'stale' when it is hale's, made by a process that is gone. */
export type SocketRootVerdict = 'stale' | 'not_a_directory' | 'not_ours' | 'no_mark' | 'in_use';

const judgeSocketRoot = async (dir: string, uid: number | null, bootId: string | null): Promise<SocketRootVerdict> => {
  let found;
  try {
    found = await lstat(dir);
  } catch {
    return 'not_a_directory';
  }
  // lstat: a symlink is itself, never what it points to.
  if (!found.isDirectory()) return 'not_a_directory';
  // 0711 once a plugin runs as another user (it must pass through to its own folder).
  if ((uid !== null && found.uid !== uid) || ((found.mode & 0o777) !== 0o700 && (found.mode & 0o777) !== 0o711)) return 'not_ours';
  let read;
  try {
    read = await readStateFile(join(dir, socketRootMark), maxMarkBytes);
  } catch {
    return 'no_mark';
  }
  const mark = read.ok ? parseProcessMark(read.text) : null;
  if (mark === null) return 'no_mark';
  return isMarkRunning(mark, bootId) ? 'in_use' : 'stale';
};

/** The mark goes last, so a removal cut short leaves a folder still known as a dead hale's, for the next start. */
const removeMarkLast = async (dir: string): Promise<void> => {
  // rm does not follow links inside the folder: a link there is removed, not what it points to.
  for (const name of await readdir(dir)) if (name !== socketRootMark) await rm(join(dir, name), { recursive: true, force: true });
  await rm(join(dir, socketRootMark), { force: true });
  await rmdir(dir);
};

/**
 * Removes the socket folders (`hale-XXXXXX`) in `parent` that a hale killed
 * before it could remove its own left behind. Only a folder proven hale's
 * and dead goes: a real directory (not a symlink), owned by this user, mode
 * 0700, holding a mark whose process (pid, start time, boot) no longer runs.
 * A folder with no mark, another user's, or a live hale's stays. Returns
 * the folders removed.
 *
 * @example
 * await reclaimSocketRoots(tmpdir(), log); // ['/tmp/hale-Zx81Qa']
 */
export const reclaimSocketRoots = async (parent: string, log?: Logger): Promise<string[]> => {
  let names: string[];
  try {
    names = (await readdir(parent)).filter((name) => namePattern.test(name)).slice(0, maxLooked);
  } catch {
    return [];
  }
  const uid = process.getuid?.() ?? null;
  const bootId = readBootId();
  const removed: string[] = [];
  for (const name of names) {
    const dir = join(parent, name);
    if ((await judgeSocketRoot(dir, uid, bootId)) !== 'stale') continue;
    try {
      await removeMarkLast(dir);
      removed.push(dir);
    } catch (error) {
      log?.warn({ err: error, dir }, 'could not remove a socket folder a killed hale left behind');
    }
  }
  if (removed.length > 0)
    log?.info({ removed }, `removed ${removed.length} socket folder${removed.length === 1 ? '' : 's'} left behind by killed hales`);
  return removed;
};

/**
 * Makes this hale's private (0700) folder for its plugins' sockets in
 * `parent` and marks it as this process's, after reclaiming those killed
 * hales left there.
 *
 * @example
 * const root = await createSocketRoot(tmpdir(), log); // '/tmp/hale-Zx81Qa'
 */
export const createSocketRoot = async (parent: string, log?: Logger): Promise<string> => {
  await reclaimSocketRoots(parent, log);
  const dir = await mkdtemp(join(parent, prefix));
  try {
    const created = await openStateFile(join(dir, socketRootMark), 'create');
    // A folder just made by mkdtemp (0700) holds nothing but what we put there.
    if (!created.ok) throw new Error(`could not mark the socket folder ${dir}`);
    try {
      await created.handle.writeFile(formatOwnMark());
    } finally {
      await created.handle.close();
    }
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  return dir;
};
