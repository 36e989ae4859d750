import { readFileSync, realpathSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';

/** Where a scaffold gets hale from: this very copy (a clone, an unpacked or installed tarball) or the registry. */
export interface HaleSource {
  /** The dependency spec for the scaffold's package.json: `file:/abs/path` or `^1.2.3`. */
  spec: string;
  from: 'clone' | 'tarball' | 'registry';
}

const segment = `${sep}node_modules${sep}`;

/** The `resolved` npm recorded for the package at `root` inside `project`'s node_modules, when it kept one. */
const readResolved = (project: string, root: string): string | undefined => {
  try {
    const lock = JSON.parse(readFileSync(join(project, 'node_modules', '.package-lock.json'), 'utf8')) as {
      packages?: Record<string, { resolved?: unknown }>;
    };
    const resolved = lock.packages?.[relative(project, root).split(sep).join('/')]?.resolved;
    return typeof resolved === 'string' ? resolved : undefined;
  } catch {
    return undefined;
  }
};

/**
 * Finds where the hale at `haleRoot` came from, so that `npm install` in a
 * scaffold installs the same hale: a hale outside any node_modules is a clone
 * or an unpacked tarball (`file:` its folder); one inside node_modules that npm
 * recorded as installed from a `file:` tarball is that tarball; any other is
 * the registry's (`^version`).
 *
 * @example
 * locateHaleSource('/work/hale', '0.1.0'); // { spec: 'file:/work/hale', from: 'clone' }
 */
export const locateHaleSource = (haleRoot: string, version: string): HaleSource => {
  let root: string;
  try {
    root = realpathSync(haleRoot);
  } catch {
    root = resolve(haleRoot);
  }
  const at = `${root}${sep}`.lastIndexOf(segment);
  if (at === -1) return { spec: `file:${root}`, from: 'clone' };
  const project = root.slice(0, at) || sep;
  const resolved = readResolved(project, root);
  if (resolved?.startsWith('file:') === true) {
    return { spec: `file:${resolve(project, resolved.slice('file:'.length))}`, from: 'tarball' };
  }
  return { spec: `^${version}`, from: 'registry' };
};
