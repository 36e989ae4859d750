import { open, rename } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';

/**
 * Replaces a file so that a crash at any moment leaves either the old
 * content or the new, never half of it: write a temporary file beside it,
 * fsync it, rename it over the old one, fsync the directory.
 *
 * @example
 * await writeFileAtomically('/var/lib/hale/desired.json', JSON.stringify(state));
 */
export const writeFileAtomically = async (path: string, content: string, mode = 0o600): Promise<void> => {
  const temporary = join(dirname(path), `.${randomBytes(6).toString('hex')}.tmp`);
  const file = await open(temporary, 'w', mode);
  try {
    await file.writeFile(content);
    await file.sync();
  } finally {
    await file.close();
  }
  await rename(temporary, path);
  // The rename is durable only once the directory entry is.
  const directory = await open(dirname(path), 'r');
  try {
    await directory.sync();
  } finally {
    await directory.close();
  }
};
