import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startLogged, stopAllHale } from '../helpers/hale-process.js';
import { cliMain, readHaleNodeFlags, repoRoot, requireBuilt } from '../helpers/paths.js';

const dir = mkdtempSync(join(tmpdir(), 'hale-shebang-'));
beforeAll(requireBuilt);
afterAll(async () => {
  await stopAllHale();
  rmSync(dir, { recursive: true, force: true });
});

describe('`hale` is dist/cli.js run by its shebang', () => {
  test("the build leaves it executable, and its shebang names node with hale's memory flags", () => {
    expect(statSync(cliMain).mode & 0o111).toBe(0o111);
    expect(readHaleNodeFlags()).toEqual(['--max-semi-space-size=1', '--no-sparkplug']);
    // `npm run dev` cannot run the file by its shebang (node --watch runs it): it names the same flags.
    const dev = (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { scripts: { dev: string } }).scripts.dev;
    expect(dev).toContain(`node ${readHaleNodeFlags().join(' ')} --watch-path=`);
  });

  test('run directly, as the bin link and the Docker image run it, hale is node with those flags', async () => {
    const config = join(dir, 'supervisor.yaml');
    writeFileSync(config, 'api:\n  host: 127.0.0.1\n  port: 0\ngrpc:\n  address: 127.0.0.1:0\nplugins: []\n');
    const hale = startLogged(cliMain, ['run', '-c', config], { cwd: dir, env: { ...process.env, XDG_STATE_HOME: dir } });
    await hale.line((line) => typeof line.api === 'string', 30_000);
    const cmdline = (await readFile(`/proc/${hale.child.pid}/cmdline`, 'utf8')).split('\0');
    expect(cmdline.slice(1, 2 + readHaleNodeFlags().length)).toEqual([...readHaleNodeFlags(), cliMain]);
    hale.child.kill('SIGTERM');
    expect(await hale.exited).toEqual({ code: 0, signal: null });
  });
});
