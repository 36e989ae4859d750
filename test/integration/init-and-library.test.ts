import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { scaffoldPackages } from '../../src/commands/init-templates.js';
import { parseConfigText } from '../../src/config/load.js';
import { stopAllHale } from '../helpers/hale-process.js';
import { freeScaffoldPorts, runCommand, stopAllNpmStarts, walkScaffold } from '../helpers/npm-project.js';
import { cliMain, repoRoot, requireBuilt } from '../helpers/paths.js';
import { runToEnd, type Ran } from '../helpers/run-to-end.js';

let dir: string;
beforeAll(() => {
  requireBuilt();
  dir = mkdtempSync(join(tmpdir(), 'hale-init-'));
});
afterAll(async () => {
  await stopAllHale();
  await stopAllNpmStarts();
  await rm(dir, { recursive: true, force: true });
}, 120_000);

const run = (args: string[], cwd: string, timeoutMs = 60_000): Promise<Ran> =>
  runToEnd(process.execPath, args, { cwd, env: { ...process.env, HALE_API_TOKEN: '' }, timeoutMs });

describe('hale init', () => {
  test('from a clone: the printed `cd DIR && npm install && npm start` brings the plugin healthy, and SIGTERM to npm stops hale', async () => {
    const project = join(dir, 'my-plugins');
    const init = await run([cliMain, 'init', project], dir);
    expect({ code: init.code, stderr: init.stderr }).toEqual({ code: 0, stderr: '' });
    expect(init.stdout).toMatch(/wrote supervisor\.yaml, plugins\/hello\/main\.ts, package\.json, tsconfig\.json, \.gitignore in /);
    expect(init.stdout.split('\n')).toContain(`next: cd ${project} && npm install && npm start`);
    const config = readFileSync(join(project, 'supervisor.yaml'), 'utf8');
    expect(config.split('\n').filter((line) => line.trimStart().startsWith('#')).length).toBeGreaterThan(5);
    expect(readFileSync(join(project, 'plugins/hello/main.ts'), 'utf8')).toContain("from 'hale/sdk'");
    expect(readFileSync(join(project, '.gitignore'), 'utf8')).toContain('node_modules/');
    const manifest = JSON.parse(readFileSync(join(project, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
      scripts: Record<string, string>;
    };
    // This clone is what the scaffold installs; the registry has no hale of this version to give.
    expect(manifest.dependencies.hale).toBe(`file:${repoRoot.replace(/\/$/, '')}`);
    expect(manifest.dependencies.tsx).toMatch(/^\d/);

    const validate = await run([cliMain, 'validate'], project);
    expect(validate.code, validate.stderr).toBe(0);
    expect(validate.stdout).toContain('valid, 1 plugins (hello)');
    const parsed = parseConfigText(config, { file: join(project, 'supervisor.yaml'), env: {} });
    expect(parsed.ok && parsed.config.plugins[0]).toMatchObject({
      name: 'hello',
      command: 'node',
      args: ['--import', 'tsx', 'plugins/hello/main.ts'],
    });

    freeScaffoldPorts(project);
    // The printed step, word for word: `cd` is the cwd, then `npm install`, then `npm start`.
    const walk = await walkScaffold(project, 'hello', async (url) => {
      const body = (await (await fetch(`${url}/health/hello`)).json()) as { message: string; components: Array<{ name: string }> };
      expect(body.message).toMatch(/rounds of work done/);
      expect(body.components.map((c) => c.name)).toEqual(['work']);
    });
    expect(walk.healthy).toMatchObject({ from: 'unknown' });
    expect(walk.exited).toEqual({ code: 0, signal: null });
    expect(walk.haleGone).toBe(true);

    const build = await runCommand('npm', ['run', 'build'], project, 120_000);
    expect({ code: build.code, stderr: build.stderr }).toEqual({ code: 0, stderr: '' });
    expect(existsSync(join(project, 'dist/plugins/hello/main.js'))).toBe(true);

    const again = await run([cliMain, 'init', project], dir);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/supervisor\.yaml exists; nothing was written/);
  }, 300_000);

  test('beside a package.json already there: leaves it as it is and prints what to add to it', async () => {
    const project = join(dir, 'own-package');
    mkdirSync(project);
    const own = `${JSON.stringify({ name: 'mine', type: 'module', dependencies: {} }, null, 2)}\n`;
    writeFileSync(join(project, 'package.json'), own);
    const init = await run([cliMain, 'init', project], dir);
    expect({ code: init.code, stderr: init.stderr }).toEqual({ code: 0, stderr: '' });
    expect(readFileSync(join(project, 'package.json'), 'utf8')).toBe(own);
    const tsx = `tsx@${scaffoldPackages.dependencies.tsx}`;
    expect(init.stdout.split('\n')).toContain(
      `next: cd ${project} && npm install file:${repoRoot.replace(/\/$/, '')} ${tsx} && npx hale run`,
    );
  });

  test('refuses a name that is not a plugin name', async () => {
    const ran = await run([cliMain, 'init', join(dir, 'bad'), '--name', 'Not Valid'], dir);
    expect(ran.code).toBe(2);
    expect(existsSync(join(dir, 'bad', 'supervisor.yaml'))).toBe(false);
  });
});

describe('hale as a library', () => {
  test('examples/library/host.ts supervises the greeter, calls it over channel(), and sees an old generation answer UNAVAILABLE', async () => {
    const ran = await run(['--import', 'tsx', 'examples/library/host.ts'], repoRoot);
    expect(ran.stderr).toBe('');
    expect(ran.code).toBe(0);
    const lines = ran.stdout.trim().split('\n');
    expect(lines).toContain('host: generation 1: answered "Hello, host!"');
    expect(lines).toContain('host: old channel (generation 1): failed with UNAVAILABLE');
    expect(lines).toContain('host: generation 2: answered "Hello, host again!"');
    expect(lines.at(-1)).toBe('host: stopped');
  }, 60_000);
});
