import { accessSync, constants, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

export type ResolvedCommand = { ok: true; path: string } | { ok: false; code: 'ENOENT' | 'EACCES' };

// What the C library searches when the environment has no PATH.
const defaultSearchPath = '/usr/bin:/bin';

const checkFile = (file: string): ResolvedCommand => {
  try {
    if (statSync(file).isDirectory()) return { ok: false, code: 'EACCES' };
  } catch {
    return { ok: false, code: 'ENOENT' };
  }
  try {
    accessSync(file, constants.X_OK);
    return { ok: true, path: file };
  } catch {
    return { ok: false, code: 'EACCES' };
  }
};

/**
 * Finds the file a command names, as execvp would in the child: a name with a
 * '/' is a path (relative to `cwd`); a bare name is looked up in `path` (the
 * child's PATH), where a match that is not executable is EACCES unless a
 * later one is. Needed where a launcher (setpriv) execs the command, so that
 * a missing or non-executable command is still our clear spawn error.
 *
 * @example
 * resolveCommand('node', { cwd: '/srv/app', path: '/usr/local/bin:/usr/bin' }); // { ok: true, path: '/usr/local/bin/node' }
 */
export const resolveCommand = (command: string, options: { cwd: string; path: string | undefined }): ResolvedCommand => {
  if (command === '') return { ok: false, code: 'ENOENT' };
  if (command.includes('/')) return checkFile(resolve(options.cwd, command));
  let denied = false;
  for (const dir of (options.path ?? defaultSearchPath).split(':')) {
    // An empty entry in PATH means the current directory.
    const found = checkFile(join(resolve(options.cwd, dir), command));
    if (found.ok) return found;
    if (found.code === 'EACCES') denied = true;
  }
  return { ok: false, code: denied ? 'EACCES' : 'ENOENT' };
};
