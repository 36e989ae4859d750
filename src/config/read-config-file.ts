import { constants } from 'node:fs';
import { open } from 'node:fs/promises';

/** A config file's text, or why it was not read. */
export type ConfigFileRead =
  { ok: true; text: string } | { ok: false; reason: 'too_large'; bytes: number } | { ok: false; reason: 'unreadable'; message: string };

const describeReadError = (error: unknown, what: string): string => {
  const code = typeof error === 'object' && error !== null && 'code' in error ? error.code : undefined;
  if (code === 'ENOENT') return `cannot read ${what}: no such file`;
  if (code === 'EACCES' || code === 'EPERM') return `cannot read ${what}: permission denied`;
  if (code === 'EISDIR') return `cannot read ${what}: it is a directory, not a file`;
  return `cannot read ${what}: ${error instanceof Error ? error.message : String(error)}`;
};

/**
 * Reads at most `maxBytes` of a regular file (`what` names it in messages). Opened without blocking, so a
 * FIFO or a device is refused at once rather than waited on (a reload that
 * waited would hold every later one); a larger file is refused unread.
 *
 * @example
 * const read = await readConfigFile('supervisor.yaml', 1024 * 1024);
 * if (read.ok) parse(read.text);
 */
export const readConfigFile = async (file: string, maxBytes: number, what = 'the config'): Promise<ConfigFileRead> => {
  try {
    const handle = await open(file, constants.O_RDONLY | constants.O_NONBLOCK);
    try {
      const stats = await handle.stat();
      if (stats.isDirectory()) return { ok: false, reason: 'unreadable', message: describeReadError({ code: 'EISDIR' }, what) };
      if (!stats.isFile()) return { ok: false, reason: 'unreadable', message: `cannot read ${what}: it is not a regular file` };
      if (stats.size > maxBytes) return { ok: false, reason: 'too_large', bytes: stats.size };
      // Read to the end whatever stat said: the file may grow meanwhile, and /proc files say 0.
      const buffer = Buffer.allocUnsafe(maxBytes + 1);
      let length = 0;
      while (length < buffer.length) {
        const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length);
        if (bytesRead === 0) break;
        length += bytesRead;
      }
      if (length > maxBytes) return { ok: false, reason: 'too_large', bytes: Math.max(length, stats.size) };
      return { ok: true, text: buffer.toString('utf8', 0, length) };
    } finally {
      await handle.close();
    }
  } catch (error) {
    return { ok: false, reason: 'unreadable', message: describeReadError(error, what) };
  }
};
