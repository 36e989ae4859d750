import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { freeScaffoldPorts, runCommand, stopAllNpmStarts, walkScaffold } from '../helpers/npm-project.js';
import { repoRoot, requireBuilt } from '../helpers/paths.js';

let dir: string;
beforeAll(() => {
  requireBuilt();
  dir = mkdtempSync(join(tmpdir(), 'hale-pack-'));
});
afterAll(async () => {
  await stopAllNpmStarts();
  // Two installs' node_modules: tens of thousands of files, slow to remove on a loaded machine.
  await rm(dir, { recursive: true, force: true });
}, 180_000);

interface PackInfo {
  filename: string;
  size: number;
  files: Array<{ path: string }>;
}

interface Manifest {
  license?: string;
  repository?: unknown;
  homepage?: string;
  bugs?: unknown;
  dependencies?: Record<string, string>;
}

describe('hale as an npm package', () => {
  test('npm pack → install in an empty project: no engine warning, npx hale works, hale and hale/sdk import, and hale init → npm install → npm start is healthy', async () => {
    // What is built is what is packed: the build is the test run's, not this test's.
    const pack = await runCommand('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], repoRoot, 120_000);
    expect(pack.code, pack.stderr).toBe(0);
    const [info] = JSON.parse(pack.stdout) as PackInfo[];
    if (info === undefined) throw new Error(`npm pack said nothing: ${pack.stderr}`);
    const paths = info.files.map((file) => file.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        'LICENSE',
        'README.md',
        'package.json',
        'dist/cli.js',
        'dist/index.js',
        'dist/sdk/index.js',
        'dist/index.d.ts',
      ]),
    );
    // No source maps: they would point into a src/ that is not shipped.
    expect(paths.filter((path) => path.endsWith('.map') || path.startsWith('src/'))).toEqual([]);
    const tarball = join(dir, info.filename);

    const app = join(dir, 'app');
    mkdirSync(app);
    // What a default `npm init -y` writes that matters here: a CommonJS project.
    writeFileSync(join(app, 'package.json'), `${JSON.stringify({ name: 'app', version: '1.0.0', private: true }, null, 2)}\n`);
    const install = await runCommand('npm', ['install', tarball], app);
    expect(install.code, install.stderr).toBe(0);
    expect(`${install.stdout}${install.stderr}`).not.toMatch(/EBADENGINE/);
    const installed = JSON.parse(readFileSync(join(app, 'node_modules/hale/package.json'), 'utf8')) as Manifest;
    expect(installed.license).toBe('MIT');
    expect(installed).toHaveProperty('repository');
    expect(installed).toHaveProperty('homepage');
    expect(installed).toHaveProperty('bugs');
    expect(Object.keys(installed.dependencies ?? {})).not.toContain('tsx');

    const help = await runCommand('npx', ['hale', '--help'], app, 60_000);
    expect(help.code, help.stderr).toBe(0);
    expect(help.stdout).toMatch(/\binit\b/);

    const imported = await runCommand(
      process.execPath,
      [
        '-e',
        "Promise.all([import('hale'), import('hale/sdk')]).then(([hale, sdk]) => console.log(typeof hale.createSupervisor, typeof sdk.servePlugin))",
      ],
      app,
      60_000,
    );
    expect(imported.stderr).toBe('');
    expect(imported.stdout.trim()).toBe('function function');

    const init = await runCommand('npx', ['hale', 'init', 'x'], app, 60_000);
    expect(init.code, init.stderr).toBe(0);
    const project = join(app, 'x');
    expect(init.stdout.split('\n')).toContain(`next: cd ${project} && npm install && npm start`);
    const manifest = JSON.parse(readFileSync(join(project, 'package.json'), 'utf8')) as Manifest;
    // The tarball this hale came from, not a registry range the registry cannot answer.
    expect(manifest.dependencies?.hale).toBe(`file:${tarball}`);

    freeScaffoldPorts(project);
    const walk = await walkScaffold(project, 'hello');
    expect(`${walk.install.stdout}${walk.install.stderr}`).not.toMatch(/EBADENGINE/);
    expect(walk.healthy).toMatchObject({ from: 'unknown' });
    expect(walk.exited).toEqual({ code: 0, signal: null });
    expect(walk.haleGone).toBe(true);
  }, 420_000);

  test('npm ci of the repository resolves no package whose engines exclude the Node hale declares', async () => {
    const copy = join(dir, 'clone');
    mkdirSync(copy);
    for (const file of ['package.json', 'package-lock.json']) copyFileSync(join(repoRoot, file), join(copy, file));
    // A dry run checks every locked package's engines as `npm ci` does, without installing 300 packages.
    const ci = await runCommand('npm', ['ci', '--dry-run', '--ignore-scripts'], copy, 120_000);
    expect(ci.code, ci.stderr).toBe(0);
    expect(`${ci.stdout}${ci.stderr}`).not.toMatch(/EBADENGINE/);
  }, 150_000);
});
