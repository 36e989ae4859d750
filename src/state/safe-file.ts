import { constants, type Stats } from 'node:fs';
import { lstat, open, readlink, rename, type FileHandle } from 'node:fs/promises';

/** What an opened state file is: a regular file, ready, or why it was not opened. */
export type StateFileOpen =
  | { ok: true; handle: FileHandle; size: number }
  | { ok: false; reason: 'missing' }
  /** Not a regular file (`kind` says what it is, e.g. "a FIFO", "a symlink to /etc/passwd"); it was not followed nor opened. */
  | { ok: false; reason: 'refused'; kind: string; message: string };

export type StateFileRead =
  | { ok: true; text: string }
  | { ok: false; reason: 'missing' }
  | { ok: false; reason: 'refused'; kind: string; message: string }
  /** A regular file, but larger than the caller allows: not read. */
  | { ok: false; reason: 'too_large'; message: string };

// Never follow the last link, never wait for a FIFO's other end.
const readFlags = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;
const appendFlags = constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW | constants.O_NONBLOCK;
const createFlags = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW | constants.O_NONBLOCK;
// What open() says when O_NOFOLLOW met a link (ELOOP; EMLINK on some BSDs), a FIFO or socket without a reader (ENXIO), a directory (EISDIR).
const refusedCodes = new Set(['ELOOP', 'EMLINK', 'ENXIO', 'EISDIR', 'EOPNOTSUPP']);

/** A state file is this small or refused: none of hale's own is near it. */
export const defaultMaxStateFileBytes = 16 * 1024 * 1024;

const describeStats = (stats: Stats): string => {
  if (stats.isFile()) return 'a regular file';
  if (stats.isDirectory()) return 'a directory';
  if (stats.isFIFO()) return 'a FIFO';
  if (stats.isSocket()) return 'a socket';
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isBlockDevice()) return 'a block device';
  return 'not a regular file';
};

/**
 * Says what is at `path` without following it: "a FIFO", "a directory",
 * "a symlink to /etc/passwd", or null when nothing is there.
 *
 * @example
 * await describeEntry('/var/lib/hale/journal.jsonl'); // 'a symlink to /home/ann/notes'
 */
export const describeEntry = async (path: string): Promise<string | null> => {
  let stats: Stats;
  try {
    stats = await lstat(path);
  } catch {
    return null;
  }
  if (!stats.isSymbolicLink()) return describeStats(stats);
  const target = await readlink(path).catch(() => null);
  return target === null ? 'a symlink' : `a symlink to ${target}`;
};

const refusal = (path: string, kind: string) => ({
  ok: false as const,
  reason: 'refused' as const,
  kind,
  message: `${path} is ${kind}, not a regular file`,
});

/**
 * Opens a file of the state dir without following a link and without
 * blocking on a FIFO: anything but a regular file is refused, as a value.
 * `read` opens an existing file; `append` creates it (0600) if missing;
 * `create` makes a new one and fails (EEXIST) if anything is there.
 * I/O errors (EACCES, ENOENT of the dir) are thrown as they come.
 *
 * @example
 * const opened = await openStateFile('/var/lib/hale/journal.jsonl', 'append');
 * if (opened.ok) await opened.handle.close();
 * else if (opened.reason === 'refused') log.warn(opened.message); // "/var/lib/hale/journal.jsonl is a FIFO, not a regular file"
 */
export const openStateFile = async (path: string, how: 'read' | 'append' | 'create', mode = 0o600): Promise<StateFileOpen> => {
  // Looked at first, so a device or FIFO is never even opened; O_NOFOLLOW and fstat below close the race.
  const before = await describeEntry(path);
  if (before === null && how === 'read') return { ok: false, reason: 'missing' };
  if (before !== null && before !== 'a regular file' && how !== 'create') return refusal(path, before);
  let handle: FileHandle;
  try {
    handle = await open(path, how === 'read' ? readFlags : how === 'append' ? appendFlags : createFlags, mode);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? '';
    if (code === 'ENOENT' && how === 'read') return { ok: false, reason: 'missing' };
    if (refusedCodes.has(code)) return refusal(path, (await describeEntry(path)) ?? 'not a regular file');
    throw error;
  }
  try {
    const stats = await handle.stat();
    if (stats.isFile()) return { ok: true, handle, size: stats.size };
    await handle.close();
    return refusal(path, describeStats(stats));
  } catch (error) {
    await handle.close().catch(() => undefined);
    throw error;
  }
};

/** Reads up to `length` bytes at `position`; fewer only at the end of the file. */
export const readRange = async (handle: FileHandle, position: number, length: number): Promise<Buffer> => {
  const buffer = Buffer.alloc(length);
  let filled = 0;
  while (filled < length) {
    const { bytesRead } = await handle.read(buffer, filled, length - filled, position + filled);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return buffer.subarray(0, filled);
};

/**
 * Reads a small state file whole, as `openStateFile` opens it: no link
 * followed, no FIFO waited on, and nothing larger than `maxBytes` read.
 *
 * @example
 * const read = await readStateFile('/var/lib/hale/desired.json');
 * if (read.ok) JSON.parse(read.text);
 */
export const readStateFile = async (path: string, maxBytes = defaultMaxStateFileBytes): Promise<StateFileRead> => {
  const opened = await openStateFile(path, 'read');
  if (!opened.ok) return opened;
  try {
    if (opened.size > maxBytes) {
      return { ok: false, reason: 'too_large', message: `${path} is ${opened.size} bytes, more than the ${maxBytes} it may hold` };
    }
    // One byte more than allowed tells a file that grew after the fstat.
    const bytes = await readRange(opened.handle, 0, maxBytes + 1);
    if (bytes.length > maxBytes) {
      return { ok: false, reason: 'too_large', message: `${path} grew past the ${maxBytes} bytes it may hold while being read` };
    }
    return { ok: true, text: bytes.toString('utf8') };
  } finally {
    await opened.handle.close();
  }
};

/**
 * Moves what is at `path` aside as `path.refused-<ms>` (a link is moved,
 * never its target), so hale can go on with a fresh file and loses nothing
 * the user had. Returns the new name, or null when it could not be moved.
 *
 * @example
 * const keptAs = await setAside('/var/lib/hale/journal.jsonl'); // '/var/lib/hale/journal.jsonl.refused-1767000000000'
 */
export const setAside = async (path: string): Promise<string | null> => {
  const stamp = `${path}.refused-${Date.now()}`;
  // rename() would replace an earlier one set aside in the same millisecond.
  let keptAs = stamp;
  for (let n = 1; n < 100 && (await describeEntry(keptAs)) !== null; n += 1) keptAs = `${stamp}-${n}`;
  try {
    await rename(path, keptAs);
    return keptAs;
  } catch {
    return null;
  }
};

/**
 * Reads a state file, or throws: when it is missing, and when it is not a
 * regular file, after moving it aside and telling `onRefused` what it was
 * and where it went.
 *
 * @example
 * const text = await readStateText('/var/lib/hale/processes.json', (message) => log.warn(message));
 */
export const readStateText = async (
  path: string,
  onRefused: (message: string) => void,
  maxBytes = defaultMaxStateFileBytes,
): Promise<string> => {
  const read = await readStateFile(path, maxBytes);
  if (read.ok) return read.text;
  if (read.reason === 'missing') throw Object.assign(new Error(`${path} does not exist`), { code: 'ENOENT' });
  const keptAs = await setAside(path);
  const message = `${read.message}: ${keptAs === null ? 'ignored it (it could not be moved aside)' : `moved it aside as ${keptAs}`}`;
  onRefused(message);
  throw new Error(message);
};
