import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runHaleCli, type Ran } from '../helpers/run-to-end.js';
import { startHale, stopAllHale, type HaleProcess, type LogLine } from '../helpers/hale-process.js';
import { freePort } from '../helpers/free-port.js';
import { greeterMain, requireBuilt } from '../helpers/paths.js';

const token = 'cli-commands-token';
let dir: string;
let file: string;
let hale: HaleProcess;
let url: string;

const becomes = (plugin: string, to: string) => (line: LogLine) => line.event === 'transition' && line.plugin === plugin && line.to === to;

const configText = (extra: string[] = []): string =>
  [
    `api: { host: 127.0.0.1, port: 0, token: ${token} }`,
    'grpc: { enabled: false }',
    `stateDir: ${join(dir, 'state')}`,
    'defaults: { checkInterval: 300ms, checkTimeout: 2s, startInterval: 50ms, successThreshold: 1, restartBackoff: 0s, stopTimeout: 2s }',
    'plugins:',
    `  - { name: greeter, command: node, args: [${greeterMain}] }`,
    `  - { name: second, command: node, args: [${greeterMain}], critical: false }`,
    // Exits 78 at once: in noRestartExitCodes by default, so it fails with a long reason that holds a ";".
    `  - { name: quits, command: node, args: [-e, "process.exit(78)"], critical: false }`,
    ...extra,
    '',
  ].join('\n');

beforeAll(async () => {
  requireBuilt();
  dir = mkdtempSync(join(tmpdir(), 'hale-cli-commands-'));
  file = join(dir, 'supervisor.yaml');
  writeFileSync(file, configText());
  hale = startHale(['run', '-c', file]);
  url = String((await hale.line((l) => typeof l.api === 'string', 30_000)).api);
  await Promise.all([
    hale.line(becomes('greeter', 'healthy'), 30_000),
    hale.line(becomes('second', 'healthy'), 30_000),
    hale.line(becomes('quits', 'failed'), 30_000),
  ]);
}, 120_000);
afterAll(async () => {
  await stopAllHale();
  rmSync(dir, { recursive: true, force: true });
});

/** Runs `hale ARGS` to its end, with HALE_URL, HALE_API_TOKEN and HALE_API_PORT cleared unless given. */
const hale$ = (args: string[], env: Record<string, string> = {}, cwd = dir): Promise<Ran> => runHaleCli(args, { cwd, env });

const pidsOf = async (): Promise<Record<string, number | null>> => {
  const status = (await (await fetch(`${url}/plugins/status`)).json()) as { plugins: Array<{ name: string; pid: number | null }> };
  return Object.fromEntries(status.plugins.map((p) => [p.name, p.pid]));
};

describe('each command takes only its own options', () => {
  test.each([
    [['validate', '--json'], /validate does not take --json/, /Usage: hale validate/],
    [['status', '--bogus'], /unknown option --bogus/, /Usage: hale status/],
    [['logs', 'greeter', '--detach'], /logs does not take --detach/, /Usage: hale logs/],
    [['init', '--json'], /init does not take --json/, /Usage: hale init/],
    [['run', '--tail', '3'], /run does not take --tail/, /Usage: hale run/],
  ])(
    "hale %j exits 2 with that command's usage",
    async (args, why, usage) => {
      const ran = await hale$([...args, '-c', file]);
      expect(ran.code).toBe(2);
      expect(ran.stderr).toMatch(why);
      expect(ran.stderr).toMatch(usage);
      expect(ran.stdout).toBe('');
    },
    120_000,
  );

  test('run --port takes a whole number from 0 to 65535', async () => {
    for (const port of ['70000', 'abc', '-1', '1.5']) {
      const ran = await hale$(['run', `--port=${port}`, '-c', file]);
      expect([port, ran.code]).toEqual([port, 2]);
      expect(ran.stderr).toMatch(/--port takes a whole number from 0 to 65535/);
      expect(ran.stderr).toMatch(/Usage: hale run/);
    }
  }, 120_000);
});

describe('hale ls and hale status NAME', () => {
  test('ls is the status table', async () => {
    const ran = await hale$(['ls', '-c', file]);
    expect(ran.code).toBe(0);
    const [head, columns] = ran.stdout.split('\n');
    expect(head).toMatch(new RegExp(`^hale \\S+ at ${url}: \\w+ \\(3 plugins\\)$`));
    expect(columns).toMatch(/^NAME\s+STATE\s+PID/);
    expect(ran.stdout).toMatch(/^greeter\s+healthy\s+\d+/m);
  }, 120_000);

  test('status shows the whole reason, past its ";"', async () => {
    const ran = await hale$(['status', '-c', file]);
    expect(ran.code).toBe(0);
    const row = ran.stdout.split('\n').find((line) => line.startsWith('quits '));
    expect(row).toMatch(/^quits\s+failed\s+.*; exit code 78 is in noRestartExitCodes, so it is not restarted$/);
  }, 120_000);

  test('status NAME shows one plugin in detail; an unknown one exits 5', async () => {
    const pids = await pidsOf();
    const ran = await hale$(['status', 'greeter', '-c', file]);
    expect(ran.code).toBe(0);
    expect(ran.stdout).toMatch(/^greeter: healthy\n/);
    expect(ran.stdout).toMatch(new RegExp(`^\\s+pid:\\s+${pids['greeter']}$`, 'm'));
    expect(ran.stdout).toMatch(/^\s+command:\s+node .*greeter\/main\.js$/m);
    expect(ran.stdout).toMatch(/^\s+restarts:\s+0/m);
    expect(ran.stdout).toMatch(/^\s+last check:\s+\d+\.\d ms/m);
    expect(ran.stdout).toMatch(/greetings\s+healthy/);
    const failed = await hale$(['status', 'quits', '-c', file]);
    expect(failed.code).toBe(0);
    expect(failed.stdout).toMatch(/^quits: failed\n/);
    expect(failed.stdout).toMatch(/^\s+reason:\s+.*; exit code 78 is in noRestartExitCodes, so it is not restarted$/m);
    const json = await hale$(['status', 'greeter', '--json', '-c', file]);
    expect(JSON.parse(json.stdout)).toMatchObject({ name: 'greeter', state: 'healthy', pid: pids['greeter'] });
    const unknown = await hale$(['status', 'nope', '-c', file]);
    expect(unknown.code).toBe(5);
    expect(unknown.stderr).toMatch(/no plugin named "nope"/);
  }, 120_000);
});

describe('hale restart|stop|start --all', () => {
  test('restart --all restarts every plugin and reports each, as stop --all and start --all do; NAME and --all together is bad usage', async () => {
    const before = await pidsOf();
    const ran = await hale$(['restart', '--all', '-c', file]);
    expect(ran.stdout).toMatch(/^greeter: restart succeeded/m);
    expect(ran.stdout).toMatch(/^second: restart succeeded/m);
    expect(ran.stdout).toMatch(/^quits: restart failed/m);
    // One of them failed: so does the whole.
    expect(ran.code).toBe(1);
    const after = await pidsOf();
    expect(after['greeter']).not.toBe(before['greeter']);
    expect(after['second']).not.toBe(before['second']);
    const stopped = await hale$(['stop', '--all', '-c', file]);
    expect([stopped.code, stopped.stdout]).toEqual([
      0,
      expect.stringMatching(/^greeter: stop succeeded.*^second: stop succeeded.*^quits: stop succeeded/ms),
    ]);
    expect(Object.values(await pidsOf())).toEqual([null, null, null]);
    const started = await hale$(['start', '--all', '-c', file]);
    expect(started.stdout).toMatch(/^greeter: start succeeded/m);
    expect(started.stdout).toMatch(/^second: start succeeded/m);
    expect(started.code).toBe(1);
    const both = await hale$(['restart', 'greeter', '--all', '-c', file]);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/either NAME or --all/);
    const neither = await hale$(['restart', '-c', file]);
    expect(neither.code).toBe(2);
    expect(neither.stderr).toMatch(/Usage: hale restart/);
  }, 240_000);
});

describe('hale reload', () => {
  test('reads the config again and says what changed; an invalid one exits 2 with its errors and changes nothing', async () => {
    writeFileSync(file, configText([`  - { name: added, command: node, args: [${greeterMain}], critical: false }`]));
    const ran = await hale$(['reload', '-c', file]);
    expect(ran.code).toBe(0);
    expect(ran.stdout).toMatch(/^added: added$/m);
    expect(ran.stdout).toMatch(/^unchanged: greeter, second, quits$/m);
    expect((await pidsOf())['added']).toBeDefined();

    writeFileSync(file, configText(['  - { name: Bad Name, command: node }']));
    // The address and token from the flags: the config file is the broken one.
    const bad = await hale$(['reload', '--url', url, '--token', token]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/supervisor\.yaml:\d+:\d+: plugins\[3\]\.name: /);
    expect(bad.stderr).toMatch(/nothing was changed/);
    writeFileSync(file, configText([`  - { name: added, command: node, args: [${greeterMain}], critical: false }`]));
  }, 120_000);
});

describe('hale run --port', () => {
  test("overrides the config's API port", async () => {
    const port = await freePort();
    writeFileSync(
      join(dir, 'port.yaml'),
      ['api: { host: 127.0.0.1, port: 0 }', 'grpc: { enabled: false }', `stateDir: ${join(dir, 'port-state')}`, 'plugins: []', ''].join(
        '\n',
      ),
    );
    const other = startHale(['run', '--port', String(port), '-c', join(dir, 'port.yaml')]);
    const listening = await other.line((l) => typeof l.api === 'string', 30_000);
    expect(listening.api).toBe(`http://127.0.0.1:${port}`);
    other.child.kill('SIGTERM');
    expect((await other.exited).code).toBe(0);
  }, 120_000);
});
