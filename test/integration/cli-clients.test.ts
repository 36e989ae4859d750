import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runHaleCli, type Ran } from '../helpers/run-to-end.js';
import { startHale, stopAllHale, type HaleProcess, type LogLine } from '../helpers/hale-process.js';
import { cliMain, flakyMain, greeterMain, requireBuilt } from '../helpers/paths.js';

const token = 'cli-test-token';
let dir: string;
let file: string;
let hale: HaleProcess;
let url: string;

const becomes = (plugin: string, to: string) => (line: LogLine) => line.event === 'transition' && line.plugin === plugin && line.to === to;

beforeAll(async () => {
  requireBuilt();
  dir = mkdtempSync(join(tmpdir(), 'hale-cli-clients-'));
  file = join(dir, 'supervisor.yaml');
  writeFileSync(
    file,
    [
      `api: { host: 127.0.0.1, port: 0, token: ${token} }`,
      'grpc: { enabled: false }',
      `stateDir: ${join(dir, 'state')}`,
      'defaults: { checkInterval: 300ms, checkTimeout: 1s, startInterval: 50ms, successThreshold: 1, restartBackoff: 0s, stopTimeout: 2s }',
      'plugins:',
      `  - { name: greeter, command: node, args: [${greeterMain}] }`,
      `  - { name: flaky, command: node, args: [${flakyMain}], critical: false }`,
      '',
    ].join('\n'),
  );
  hale = startHale(['run', '-c', file]);
  url = String((await hale.line((l) => typeof l.api === 'string', 30_000)).api);
  await Promise.all([hale.line(becomes('greeter', 'healthy'), 30_000), hale.line(becomes('flaky', 'healthy'), 30_000)]);
}, 60_000);
afterAll(async () => {
  await stopAllHale();
  rmSync(dir, { recursive: true, force: true });
});

/** Runs `hale ARGS` to its end, with HALE_URL, HALE_API_TOKEN and HALE_API_PORT cleared unless given. */
const hale$ = (args: string[], env: Record<string, string> = {}, cwd = dir): Promise<Ran> => runHaleCli(args, { cwd, env });

const pidOf = async (name: string): Promise<number> => {
  const status = (await (await fetch(`${url}/plugins/status`)).json()) as { plugins: Array<{ name: string; pid: number }> };
  return status.plugins.find((p) => p.name === name)?.pid ?? 0;
};

describe('hale status', () => {
  test('prints a table of every plugin; the address and token come from the config, the port from the state dir', async () => {
    const ran = await hale$(['status', '-c', file]);
    expect(ran.code).toBe(0);
    const [head, columns, ...rows] = ran.stdout.trim().split('\n');
    expect(head).toBe(`hale 0.1.0 at ${url}: healthy (2 plugins)`);
    expect(columns).toMatch(/^NAME\s+STATE\s+PID\s+CPU\s+MEM\s+UPTIME\s+RESTARTS\s+LAST CHECK\s+MESSAGE$/);
    const greeter = rows.find((row) => row.startsWith('greeter '));
    expect(greeter).toMatch(
      new RegExp(
        `^greeter\\s+healthy\\s+${await pidOf('greeter')}\\s+[\\d.]+%\\s+[\\d.]+ MiB\\s+\\d+(ms|s|m\\d\\ds)\\s+0\\s+\\d+\\.\\d ms, \\S+ ago`,
      ),
    );
  }, 120_000);

  test('--json is the /health answer; --url and HALE_URL say where', async () => {
    const ran = await hale$(['status', '--json', '--url', url]);
    expect(ran.code).toBe(0);
    expect(JSON.parse(ran.stdout)).toMatchObject({
      status: 'healthy',
      plugins: { greeter: { state: 'healthy' }, flaky: { state: 'healthy' } },
    });
    expect((await hale$(['status'], { HALE_URL: url })).code).toBe(0);
  }, 120_000);

  test('exits 3 and says so when nothing answers', async () => {
    const ran = await hale$(['status', '--url', 'http://127.0.0.1:39998']);
    expect(ran.code).toBe(3);
    expect(ran.stderr).toMatch(/nothing listens at http:\/\/127\.0\.0\.1:39998 \(is hale running\?\)/);
  }, 120_000);
});

describe('hale restart, stop, start, signal', () => {
  test('restart waits until the plugin serves again: exit 0, a new pid', async () => {
    const before = await pidOf('greeter');
    const ran = await hale$(['restart', 'greeter', '-c', file]);
    expect(ran.code).toBe(0);
    expect(ran.stdout).toMatch(/^greeter: .*\ngreeter: restart succeeded: serving \(healthy\)\n$/);
    expect(await pidOf('greeter')).not.toBe(before);
  }, 120_000);

  test('a wrong token exits 4, an unknown plugin 5, a bad signal 2, each saying why', async () => {
    const wrong = await hale$(['restart', 'greeter', '--url', url, '--token', 'nope']);
    expect(wrong.code).toBe(4);
    expect(wrong.stderr).toMatch(/the bearer token is not valid \(give the token with --token or HALE_API_TOKEN\)/);
    // From a directory with no supervisor.yaml to take a token from.
    const none = await hale$(['stop', 'greeter', '--url', url], {}, tmpdir());
    expect(none.code).toBe(4);
    expect(none.stderr).toMatch(/needs an Authorization: Bearer <token> header/);
    const unknown = await hale$(['restart', 'nope', '-c', file]);
    expect(unknown.code).toBe(5);
    expect(unknown.stderr).toMatch(/no plugin named "nope"/);
    const bad = await hale$(['signal', 'greeter', 'SIGBOGUS', '-c', file]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/signal=SIGSTOP\|SIGCONT/);
  }, 120_000);

  test('stop, then start, each to its end; signal sends to the process group', async () => {
    const stop = await hale$(['stop', 'flaky', '-c', file]);
    expect(stop.code).toBe(0);
    expect(stop.stdout).toMatch(/flaky: stop succeeded/);
    expect(await pidOf('flaky')).toBe(0);
    const again = await hale$(['stop', 'flaky', '-c', file]);
    expect([again.code, again.stdout]).toEqual([0, expect.stringMatching(/already stopped/)]);
    const start = await hale$(['start', 'flaky', '-c', file]);
    expect(start.code).toBe(0);
    const pid = await pidOf('flaky');
    expect(pid).toBeGreaterThan(0);
    const signal = await hale$(['signal', 'flaky', 'usr2', '-c', file]);
    expect(signal.code).toBe(0);
    expect(signal.stdout).toBe(`flaky: sent SIGUSR2 to process group ${pid}\n`);
  }, 120_000);
});

describe('hale logs', () => {
  test('--tail N prints the last lines; --follow prints new ones as they come, until SIGINT', async () => {
    const tail = await hale$(['logs', 'greeter', '--tail', '2', '-c', file]);
    expect(tail.code).toBe(0);
    const lines = tail.stdout.trim().split('\n');
    expect(lines.length).toBeLessThanOrEqual(2);
    expect(lines.every((line) => /^\d{4}-\d\d-\d\dT\S+ (stdout|stderr) /.test(line))).toBe(true);

    const follow = spawn(process.execPath, [cliMain, 'logs', 'greeter', '--follow', '--tail', '1', '-c', file], {
      cwd: dir,
      env: { ...process.env, HALE_URL: '', HALE_API_TOKEN: '' },
    });
    let out = '';
    const count = () => out.split('\n').filter((line) => line !== '').length;
    const seen = (enough: () => boolean) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`not seen in: ${out}`)), 60_000);
        const look = () => {
          if (!enough()) return;
          clearTimeout(timer);
          follow.stdout.off('data', look);
          resolve();
        };
        follow.stdout.on('data', look);
        look();
      });
    follow.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    await seen(() => count() >= 1);
    const shown = count();
    // A restart makes the greeter print again (its stop, its start): those lines arrive through the stream.
    await fetch(`${url}/plugins/greeter/restart`, { method: 'POST', headers: { Authorization: `Bearer ${token}` } });
    await seen(() => count() > shown);
    expect(out.split('\n').slice(shown).join('\n')).toMatch(/^\d{4}-\d\d-\d\dT\S+ (stdout|stderr) \{/m);
    const exited = new Promise<number | null>((resolve) => follow.once('exit', (code) => resolve(code)));
    follow.kill('SIGINT');
    expect(await exited).toBe(0);
  }, 120_000);
});

describe('hale healthcheck', () => {
  test('exits 0 while healthy or ready; 1 when not, or when hale cannot be reached', async () => {
    expect((await hale$(['healthcheck', '-c', file])).code).toBe(0);
    expect((await hale$(['healthcheck', '--readiness', '--url', url])).code).toBe(0);
    const unreachable = await hale$(['healthcheck', '--url', 'http://127.0.0.1:39998']);
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toMatch(/nothing listens/);
    await hale$(['stop', 'greeter', '-c', file]);
    const down = await hale$(['healthcheck', '-c', file]);
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(/hale healthcheck: unhealthy/);
    expect((await hale$(['start', 'greeter', '-c', file])).code).toBe(0);
  }, 120_000);
});

describe('help', () => {
  test.each(['run', 'validate', 'status', 'ls', 'restart', 'stop', 'start', 'signal', 'logs', 'healthcheck', 'reload', 'init'])(
    'hale %s --help says how to use it',
    async (command) => {
      const ran = await hale$([command, '--help']);
      expect(ran.code).toBe(0);
      expect(ran.stdout).toMatch(new RegExp(`^Usage: hale ${command}`));
    },
    120_000,
  );

  test("a missing argument is bad usage: exit 2 and the command's help", async () => {
    const ran = await hale$(['restart']);
    expect(ran.code).toBe(2);
    expect(ran.stderr).toMatch(/restart takes either NAME or --all\n\nUsage: hale restart NAME\|--all/);
    const many = await hale$(['logs', 'a', 'b']);
    expect(many.code).toBe(2);
    expect(many.stderr).toMatch(/logs takes one argument, not 2\n\nUsage: hale logs NAME/);
  }, 120_000);
});
