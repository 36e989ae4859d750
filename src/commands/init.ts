import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { version } from '../version.js';
import { exitCodes } from './exit-codes.js';
import { locateHaleSource } from './init-source.js';
import {
  configTemplate,
  gitignoreTemplate,
  packageTemplate,
  pluginTemplate,
  scaffoldPackages,
  tsconfigTemplate,
} from './init-templates.js';

// hale's own package root: dist/commands (or src/commands) → two levels up.
const haleRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** A path as one shell word: as it is when plain, else in single quotes. */
const quoteForShell = (text: string): string => (/^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`);

/**
 * `hale init [DIR] [--name NAME]`: writes a commented supervisor.yaml and a
 * TypeScript plugin on the SDK, plus a package.json, tsconfig.json and .gitignore (where missing), the package's
 * dependencies being this hale, tsx and tsc, and its `npm start` being `hale run`.
 * Prints the one command that brings the plugin up. Refuses to overwrite a supervisor.yaml.
 *
 * @example
 * await initCommand('my-plugins'); // 0; prints `next: cd …/my-plugins && npm install && npm start`
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
  const source = locateHaleSource(haleRoot, version);
  const written: string[] = [];
  const write = async (file: string, text: string, keep = false): Promise<void> => {
    if (keep && existsSync(file)) return;
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, text, { flag: 'wx' });
    written.push(file);
  };
  const packageFile = join(dir, 'package.json');
  const writesPackage = !existsSync(packageFile);
  await write(config, configTemplate(name));
  await write(join(dir, 'plugins', name, 'main.ts'), pluginTemplate(name));
  await write(
    packageFile,
    packageTemplate(
      basename(dir)
        .toLowerCase()
        .replace(/[^a-z0-9._-]/g, '-') || 'hale-plugins',
      source.spec,
    ),
    true,
  );
  await write(join(dir, 'tsconfig.json'), tsconfigTemplate, true);
  await write(join(dir, '.gitignore'), gitignoreTemplate, true);
  const cd = `cd ${quoteForShell(dir)}`;
  // A package.json of the user's own is left as it is: they add what the plugin needs to it.
  const next = writesPackage
    ? `${cd} && npm install && npm start`
    : `${cd} && npm install ${quoteForShell(source.spec)} ${Object.entries(scaffoldPackages.dependencies)
        .map(([pkg, range]) => `${pkg}@${range}`)
        .join(' ')} && npx hale run`;
  process.stdout.write(
    [
      `hale init: wrote ${written.map((file) => file.slice(dir.length + 1)).join(', ')} in ${dir}`,
      `  hale comes from ${source.from === 'registry' ? `the npm registry (${source.spec})` : `this ${source.from}: ${source.spec}`}`,
      ...(writesPackage ? [] : [`  ${packageFile} was there already and is unchanged; the plugin needs "type": "module" in it`]),
      `next: ${next}`,
      `  (then, in another terminal: ${writesPackage ? 'npm run status' : 'npx hale status'})`,
      '',
    ].join('\n'),
  );
  return exitCodes.ok;
};
