import { existsSync } from 'node:fs';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { version } from '../version.js';
import { exitCodes } from './exit-codes.js';
import { configTemplate, packageTemplate, pluginTemplate, tsconfigTemplate } from './init-templates.js';

// hale's own package root: dist/commands (or src/commands) → two levels up.
const haleRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** True when `dir` can import `specifier` as it stands (an installed hale, say). */
const resolvesFrom = (dir: string, specifier: string): boolean => {
  try {
    createRequire(join(dir, 'package.json')).resolve(specifier);
    return true;
  } catch {
    return false;
  }
};

/** Where hale's own copy of a package lives, when it has one. */
const ownPackageDir = (name: string): string | null => {
  try {
    return dirname(createRequire(join(haleRoot, 'package.json')).resolve(`${name}/package.json`));
  } catch {
    return null;
  }
};

/**
 * `hale init [DIR] [--name NAME]`: writes a commented supervisor.yaml and a
 * TypeScript plugin on the SDK (plus package.json and tsconfig.json where
 * missing), so that `hale run` in DIR supervises it as it is. Where DIR
 * cannot import `hale/sdk` or `tsx` yet, links hale's own in node_modules.
 * Refuses to overwrite a supervisor.yaml.
 */
export const initCommand = async (dirArg: string | undefined, options: { name?: string | undefined } = {}): Promise<number> => {
  const dir = resolve(dirArg ?? '.');
  const name = options.name ?? 'hello';
  if (!/^[a-z0-9][a-z0-9._-]{0,62}$/.test(name)) {
    process.stderr.write(`hale init: "${name}" is not a plugin name (a-z, 0-9, ".", "_", "-", starting with a letter or digit)\n`);
    return exitCodes.usage;
  }
  const config = join(dir, 'supervisor.yaml');
  if (existsSync(config)) {
    process.stderr.write(`hale init: ${config} exists; nothing was written (move it away, or init another directory)\n`);
    return exitCodes.usage;
  }
  const written: string[] = [];
  const write = async (file: string, text: string, keep = false): Promise<void> => {
    if (keep && existsSync(file)) return;
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, text, { flag: 'wx' });
    written.push(file);
  };
  await write(config, configTemplate(name));
  await write(join(dir, 'plugins', name, 'main.ts'), pluginTemplate(name));
  await write(join(dir, 'package.json'), packageTemplate(basename(dir).toLowerCase().replace(/[^a-z0-9._-]/g, '-') || 'hale-plugins', version), true);
  await write(join(dir, 'tsconfig.json'), tsconfigTemplate, true);
  const links: string[] = [];
  for (const [specifier, pkg, from] of [['hale/sdk', 'hale', haleRoot], ['tsx', 'tsx', ownPackageDir('tsx')]] as const) {
    if (resolvesFrom(dir, specifier) || from === null) continue;
    const link = join(dir, 'node_modules', pkg);
    if (existsSync(link)) continue;
    await mkdir(dirname(link), { recursive: true });
    await symlink(from, link, 'dir');
    links.push(`${link} → ${from}`);
  }
  process.stdout.write(
    [
      `hale init: wrote ${written.map((file) => file.slice(dir.length + 1)).join(', ')} in ${dir}`,
      ...links.map((line) => `  linked ${line} (npm install hale tsx replaces these)`),
      `next: cd ${dir} && hale run      (then: hale status)`,
      '',
    ].join('\n'),
  );
  return exitCodes.ok;
};
