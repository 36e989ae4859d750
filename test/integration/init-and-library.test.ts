import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parseConfigText } from '../../src/config/load.js';
import { startHale, stopAllHale, type LogLine } from '../helpers/hale-process.js';
import { cliMain, repoRoot, requireBuilt } from '../helpers/paths.js';

let dir: string;
beforeAll(() => {
  requireBuilt();
  dir = mkdtempSync(join(tmpdir(), 'hale-init-'));
});
afterAll(async () => {
  await stopAllHale();
  rmSync(dir, { recursive: true, force: true });
});

const run = (args: string[], cwd: string, timeoutMs = 60_000): Promise<{ code: number | null; stdout: string; stderr: string }> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd, env: { ...process.env, HALE_API_TOKEN: '' } });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', reject);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });

describe('hale init', () => {
  test('writes a commented config and a TypeScript plugin that validate, and that hale run supervises as they are', async () => {
    const project = join(dir, 'my-plugins');
    const init = await run([cliMain, 'init', project], dir);
    expect(init.code).toBe(0);
    expect(init.stdout).toMatch(/wrote supervisor\.yaml, plugins\/hello\/main\.ts, package\.json, tsconfig\.json/);
    const config = readFileSync(join(project, 'supervisor.yaml'), 'utf8');
    expect(config.split('\n').filter((line) => line.trimStart().startsWith('#')).length).toBeGreaterThan(5);
    expect(readFileSync(join(project, 'plugins/hello/main.ts'), 'utf8')).toContain("from 'hale/sdk'");

    const validate = await run([cliMain, 'validate'], project);
    expect(validate.code).toBe(0);
    expect(validate.stdout).toContain('valid, 1 plugins (hello)');
    const parsed = parseConfigText(config, { file: join(project, 'supervisor.yaml'), env: {} });
    expect(parsed.ok && parsed.config.plugins[0]).toMatchObject({ name: 'hello', command: 'node', args: ['--import', 'tsx', 'plugins/hello/main.ts'] });

    // The ports of the written config, made free ones so tests can run side by side; nothing else changes.
    writeFileSync(join(project, 'supervisor.yaml'), config.replace('port: 8080', 'port: 0').replace('127.0.0.1:50051', '127.0.0.1:0'));
    const hale = startHale(['run'], {}, project);
    const healthy = await hale.line((l: LogLine) => l.event === 'transition' && l.plugin === 'hello' && l.to === 'healthy', 30_000);
    expect(healthy).toMatchObject({ from: 'unknown' });
    const url = String((await hale.line((l) => typeof l.api === 'string')).api);
    const body = (await (await fetch(`${url}/health/hello`)).json()) as { message: string; components: Array<{ name: string }> };
    expect(body.message).toMatch(/rounds of work done/);
    expect(body.components.map((c) => c.name)).toEqual(['work']);
    hale.child.kill('SIGTERM');
    expect(await hale.exited).toEqual({ code: 0, signal: null });

    const again = await run([cliMain, 'init', project], dir);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/supervisor\.yaml exists; nothing was written/);
  }, 60_000);

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
