import { open, rename, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { openStateFile } from './safe-file.js';

/** The file-system steps of an atomic write, replaceable so a test can make one fail. */
export interface AtomicWriteSteps {
  rename: (from: string, to: string) => Promise<void>;
}

const defaultSteps: AtomicWriteSteps = { rename };

/**
 * Replaces a file so that a crash at any moment leaves either the old
 * content or the new, never half of it: write a temporary file beside it
 * (made new, never through a link), fsync it, rename it over the old one,
 * fsync the directory. A write that fails removes its temporary file. A
 * link at `path` is replaced, never written through.
 *
 * @example
 * await writeFileAtomically('/var/lib/hale/desired.json', JSON.stringify(state));
 */
export const writeFileAtomically = async (
  path: string,
  content: string,
  mode = 0o600,
  steps: AtomicWriteSteps = defaultSteps,
): Promise<void> => {
  const temporary = join(dirname(path), `.${randomBytes(6).toString('hex')}.tmp`);
  const created = await openStateFile(temporary, 'create', mode);
  // 'create' fails with EEXIST rather than take over anything; a refusal here is a race with another writer.
  if (!created.ok)
    throw new Error(`cannot write ${path}: its temporary file ${temporary} ${created.reason === 'refused' ? created.message : 'vanished'}`);
  try {
    try {
      await created.handle.writeFile(content);
      await created.handle.sync();
    } finally {
      await created.handle.close();
    }
    await steps.rename(temporary, path);
  } catch (error) {
    // Ours alone (made with O_EXCL): nothing else can be lost by removing it.
    await unlink(temporary).catch(() => undefined);
    throw error;
  }
  // The rename is durable only once the directory entry is.
  const directory = await open(dirname(path), 'r');
  try {
    await directory.sync();
  } finally {
    await directory.close();
  }
};
