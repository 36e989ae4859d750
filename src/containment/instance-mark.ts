import { randomBytes } from 'node:crypto';
import { closeSync, openSync, readSync } from 'node:fs';

/**
 * Which hale run, plugin and process generation a process belongs to. hale
 * puts it in every plugin's environment; a fork inherits it whatever its
 * process group or session, so cleanup can find it by reading /proc.
 */
export interface InstanceMark {
  /** 16 hex digits, made once per hale process. */
  runId: string;
  plugin: string;
  generation: number;
}

/** The environment variable that carries the mark. */
export const instanceMarkVariable = 'HALE_INSTANCE';

/** This hale process's run id: random, so no other program carries it by chance. */
export const currentRunId: string = randomBytes(8).toString('hex');

const runIdPattern = /^[0-9a-f]{16}$/;
// Plugin names as the config allows them (src/config/schema.ts), plus room for what a test may name.
const pluginPattern = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/**
 * The mark's value: `<runId>/<plugin>/<generation>`.
 *
 * @example
 * formatInstanceMark({ runId: '0123456789abcdef', plugin: 'echo', generation: 2 }); // '0123456789abcdef/echo/2'
 */
export const formatInstanceMark = (mark: InstanceMark): string => `${mark.runId}/${mark.plugin}/${mark.generation}`;

/**
 * A mark's value read back, or null when it is not one.
 *
 * @example
 * parseInstanceMark('0123456789abcdef/echo/2'); // { runId: '0123456789abcdef', plugin: 'echo', generation: 2 }
 * parseInstanceMark('garbage'); // null
 */
export const parseInstanceMark = (value: string): InstanceMark | null => {
  const parts = value.split('/');
  if (parts.length !== 3) return null;
  const [runId = '', plugin = '', generationText = ''] = parts;
  if (!runIdPattern.test(runId) || !pluginPattern.test(plugin) || !/^\d{1,15}$/.test(generationText)) return null;
  return { runId, plugin, generation: Number(generationText) };
};

// The kernel caps arguments and environment together near 2 MiB; a mark past that cannot be there.
const maxEnvironBytes = 2 * 1024 * 1024;
const chunkBytes = 64 * 1024;
const needle = Buffer.from(`${instanceMarkVariable}=`);
const shared = Buffer.alloc(chunkBytes);

/** The mark's value in an environ block (NUL-separated), or null; the block may be cut short at the end. */
const findMarkValue = (block: Buffer): string | null => {
  let at = 0;
  while (at < block.length) {
    const end = block.indexOf(0, at);
    const stop = end < 0 ? block.length : end;
    if (stop - at > needle.length && block.compare(needle, 0, needle.length, at, at + needle.length) === 0) {
      // Cut short with no NUL: not known to be whole.
      return end < 0 ? null : block.toString('utf8', at + needle.length, stop);
    }
    if (end < 0) return null;
    at = end + 1;
  }
  return null;
};

/**
 * The mark in a process's environment as it was exec'd (/proc/PID/environ),
 * or null: no mark, a garbled one, the process is gone, or not ours to read
 * (another user's). Reads at most 2 MiB; never throws.
 *
 * @example
 * readInstanceMark(child.pid)?.runId === currentRunId; // true for a plugin of this hale
 */
export const readInstanceMark = (pid: number): InstanceMark | null => {
  if (!Number.isInteger(pid) || pid <= 0) return null;
  let fd: number;
  try {
    fd = openSync(`/proc/${pid}/environ`, 'r');
  } catch {
    return null;
  }
  try {
    const chunks: Buffer[] = [];
    let total = 0;
    while (total < maxEnvironBytes) {
      const read = readSync(fd, shared, 0, Math.min(chunkBytes, maxEnvironBytes - total), null);
      if (read <= 0) break;
      chunks.push(Buffer.from(shared.subarray(0, read)));
      total += read;
    }
    const block = chunks.length === 1 ? (chunks[0] ?? Buffer.alloc(0)) : Buffer.concat(chunks, total);
    // The environ of a live process ends in a NUL; make the last entry whole if the read ended at EOF.
    const whole = total < maxEnvironBytes && block.at(-1) !== 0 ? Buffer.concat([block, Buffer.alloc(1)]) : block;
    const value = findMarkValue(whole);
    return value === null ? null : parseInstanceMark(value);
  } catch {
    return null;
  } finally {
    try {
      closeSync(fd);
    } catch {
      // Closing a /proc file does not fail in a way that matters here.
    }
  }
};
