import { spawn } from 'node:child_process';
import { readFileSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import type { PluginsStatusBody } from '../../src/api/bodies.js';
import { startHale, stopAllHale, type HaleProcess, type LogLine } from '../helpers/hale-process.js';
import { cliMain, fixture, requireBuilt } from '../helpers/paths.js';
import { runHaleCli } from '../helpers/run-to-end.js';

// Resources per plugin (README, Resources): sampled CPU and memory shown everywhere, memoryMax, user/group, envFile.

const mib = 1024 * 1024;
let dir: string;

beforeAll(() => {
  requireBuilt();
  dir = mkdtempSync(join(tmpdir(), 'hale-resources-'));
});
afterEach(() => stopAllHale());
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface PluginSpec {
  name: string;
  args: string[];
  extra?: string[];
}

const writeConfig = (name: string, plugins: PluginSpec[]): string => {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(
    file,
    [
      'api: { host: 127.0.0.1, port: 0 }',
      'grpc: { enabled: false }',
      `stateDir: ${join(dir, `${name}-state`)}`,
      'defaults: { checkInterval: 200ms, startInterval: 50ms, successThreshold: 1, restartBackoff: 100ms, maxRestarts: 10 }',
      'plugins:',
      ...plugins.flatMap((plugin) => [
        `  - name: ${plugin.name}`,
        `    command: ${process.execPath}`,
        `    args: ${JSON.stringify([fixture('resource-plugin.mjs'), ...plugin.args])}`,
        ...(plugin.extra ?? []).map((line) => `    ${line}`),
      ]),
      '',
    ].join('\n'),
  );
  return file;
};

const apiOf = async (hale: HaleProcess): Promise<string> => String((await hale.line((l) => typeof l.api === 'string', 20_000)).api);

const readStatus = async (url: string): Promise<PluginsStatusBody> =>
  (await (await fetch(`${url}/plugins/status`)).json()) as PluginsStatusBody;

const timeOf = (line: LogLine): number => Date.parse(String(line.time));

const isEvent =
  (plugin: string, event: string, also: (line: LogLine) => boolean = () => true) =>
  (line: LogLine) =>
    line.plugin === plugin && line.event === event && also(line);

describe('memoryMax', () => {
  test('a plugin growing past it is restarted with reason memory within 2 s of crossing it, counted as a restart of cause memory', async () => {
    const limit = 150 * mib;
    const file = writeConfig('memory', [
      {
        name: 'grower',
        // 8 MiB every 40 ms from 300 ms on: past 150 MiB in well under a second; it says when on stderr.
        args: ['--grow-after', '300', '--step', '8', '--every', '40', '--up-to', '400', '--say-above', String(limit)],
        extra: ['memoryMax: 150MiB'],
      },
    ]);
    const hale = startHale(['run', '-c', file]);
    const url = await apiOf(hale);
    const crossed = await hale.line((l) => l.plugin === 'grower' && typeof l.msg === 'string' && l.msg.startsWith('crossed '), 30_000);
    const crossedAt = Number(String(crossed.msg).split(' ')[1]);
    const exited = await hale.line(
      isEvent('grower', 'exited', (l) => l.generation === 1),
      10_000,
    );
    expect(exited).toMatchObject({ expected: false, signal: 'SIGKILL', memory: { limit, by: 'sampled' } });
    expect((exited.memory as { bytes: number }).bytes).toBeGreaterThan(limit);
    const down = await hale.line(
      isEvent('grower', 'transition', (l) => l.to === 'unhealthy'),
      10_000,
    );
    expect(String(down.reason)).toMatch(/^memory: [\d.]+ MiB passed memoryMax 150 MiB; hale ended it$/);
    const respawned = await hale.line(
      isEvent('grower', 'spawned', (l) => l.generation === 2),
      10_000,
    );
    const restarting = await hale.line(
      isEvent('grower', 'transition', (l) => l.to === 'restarting'),
      10_000,
    );
    expect(restarting.restarts).toBe(1);
    // Within 2 s of the crossing the plugin is down for its memory and its next process is spawned.
    expect(timeOf(down) - crossedAt).toBeLessThan(2_000);
    expect(timeOf(respawned) - crossedAt).toBeLessThan(2_000);
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toMatch(/^hale_plugin_restarts_total\{plugin="grower",reason="memory"\} [1-9]/m);
    expect(metrics).toMatch(/^hale_plugin_restarts_total\{plugin="grower",reason="crash"\} 0$/m);
    hale.child.kill('SIGTERM');
    expect((await hale.exited).code).toBe(0);
  }, 60_000);
});

describe.each([
  ['cgroup where hale can make one', {}],
  ['/proc with HALE_CGROUP=off', { HALE_CGROUP: 'off' }],
])('resources from %s', (_, env: Record<string, string>) => {
  test('/plugins/status, the metrics, hale status and hale top --once show the CPU and memory a real plugin uses', async () => {
    const file = writeConfig(`shown-${Object.keys(env).length}`, [
      { name: 'busy', args: ['--hold', '96', '--busy'] },
      { name: 'forker', args: ['--fork-hold', '64'] },
      { name: 'idle', args: [] },
    ]);
    const hale = startHale(['run', '-c', file], env);
    const url = await apiOf(hale);
    await hale.line((l) => l.plugin === 'forker' && typeof l.msg === 'string' && l.msg.startsWith('forked '), 20_000);
    await hale.line(
      isEvent('busy', 'transition', (l) => l.to === 'healthy'),
      20_000,
    );
    await hale.line(
      isEvent('forker', 'transition', (l) => l.to === 'healthy'),
      20_000,
    );
    // Two samples 600 ms apart: the second's CPU percent is over that interval.
    await readStatus(url);
    await new Promise((resolve) => setTimeout(resolve, 600));
    const status = await readStatus(url);
    const byName = new Map(status.plugins.map((p) => [p.name, p]));
    const busy = byName.get('busy')?.resources;
    const forker = byName.get('forker')?.resources;
    const idle = byName.get('idle')?.resources;
    const source = env.HALE_CGROUP === 'off' ? 'proc' : (status.plugins[0]?.resources?.source ?? 'none');
    expect(['cgroup', 'proc']).toContain(source);
    for (const usage of [busy, forker, idle]) expect(usage).toMatchObject({ source, processes: expect.any(Number) });
    expect(busy?.memoryBytes).toBeGreaterThan(96 * mib);
    // A core kept busy in slices uses far more than an idle plugin over the same interval, however loaded the machine.
    expect(busy?.cpuPercent).toBeGreaterThan((idle?.cpuPercent ?? 0) + 5);
    expect(busy?.cpuSeconds).toBeGreaterThan(idle?.cpuSeconds ?? 0);
    // The fork in a session of its own counts: two processes, its 64 MiB on top of the plugin's own.
    expect(forker?.processes).toBe(2);
    expect(forker?.memoryBytes).toBeGreaterThan((idle?.memoryBytes ?? 0) + 60 * mib);
    expect(Date.parse(String(busy?.sampledAt))).toBeGreaterThan(Date.now() - 10_000);

    const metrics = await (await fetch(`${url}/metrics`)).text();
    const memoryLine = /^hale_plugin_memory_bytes\{plugin="busy"\} (\d+)$/m.exec(metrics);
    expect(Number(memoryLine?.[1])).toBeGreaterThan(96 * mib);
    expect(metrics).toMatch(/^# TYPE hale_plugin_cpu_seconds_total counter$/m);
    const cpuLine = /^hale_plugin_cpu_seconds_total\{plugin="busy"\} ([\d.e+-]+)$/m.exec(metrics);
    expect(Number(cpuLine?.[1])).toBeGreaterThanOrEqual(busy?.cpuSeconds ?? Infinity);

    const shown = await runHaleCli(['status', '--url', url], { cwd: dir });
    expect(shown.code).toBe(0);
    const lines = shown.stdout.split('\n');
    expect(lines[1]).toMatch(/^NAME\s+STATE\s+PID\s+CPU\s+MEM\s+UPTIME\s+RESTARTS/);
    expect(lines.find((line) => line.startsWith('busy '))).toMatch(/^busy\s+healthy\s+\d+\s+[\d.]+%\s+\d[\d.]* MiB\s/);

    const detail = await runHaleCli(['status', 'forker', '--url', url], { cwd: dir });
    expect(detail.stdout).toMatch(
      new RegExp(
        `^ {2}resources: +CPU [\\d.]+%, memory [\\d.]+ MiB in 2 processes \\(its ${source === 'cgroup' ? 'cgroup' : 'process tree'}\\)$`,
        'm',
      ),
    );

    const top = await runHaleCli(['top', '--once', '--url', url], { cwd: dir });
    expect(top.code).toBe(0);
    const topLines = top.stdout.split('\n');
    expect(topLines[0]).toMatch(
      /^hale top {2}http:\/\/127\.0\.0\.1:\d+ {2}3 plugins {2}CPU [\d.]+% {2}MEM [\d.]+ MiB {2}\d\d:\d\d:\d\d UTC$/,
    );
    expect(topLines[2]).toMatch(/^NAME\s+STATE\s+PID\s+CPU\s+MEM\s+PROCS\s+RESTARTS\s+UPTIME$/);
    expect(topLines.find((line) => line.startsWith('forker '))).toMatch(/^forker\s+healthy\s+\d+\s+[\d.]+%\s+[\d.]+ MiB\s+2\s+0\s+\S+$/);
    // Not a terminal: one snapshot, no escape sequences.
    expect(top.stdout).not.toContain('\x1b');
    hale.child.kill('SIGTERM');
    expect((await hale.exited).code).toBe(0);
  }, 60_000);
});

describe('hale top on a terminal', () => {
  test('draws on the alternate screen each second, and q gives the terminal back and exits 0', async () => {
    const file = writeConfig('top', [{ name: 'idle', args: [] }]);
    const hale = startHale(['run', '-c', file]);
    const url = await apiOf(hale);
    await hale.line(
      isEvent('idle', 'transition', (l) => l.to === 'healthy'),
      20_000,
    );
    // script(1) gives hale top a pseudo-terminal; what is written to its stdin is typed there.
    const top = spawn('script', ['-qfec', `${process.execPath} ${cliMain} top --url ${url}`, '/dev/null'], {
      env: { ...process.env, HALE_URL: '', HALE_API_TOKEN: '', COLUMNS: '120', LINES: '40' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let output = '';
    top.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    const exited = new Promise<number | null>((resolve) => top.once('exit', (code) => resolve(code)));
    const frames = () => output.split('hale top  http').length - 1;
    // Bounded: two frames (a redraw a second later) within 15 s.
    const deadline = Date.now() + 15_000;
    while (frames() < 2 && Date.now() < deadline) await new Promise((resolve) => top.stdout.once('data', resolve));
    expect(frames()).toBeGreaterThanOrEqual(2);
    expect(output).toContain('\x1b[?1049h');
    expect(output).toMatch(/idle\s+healthy\s+\d+\s+[\d.]+%\s+[\d.]+ MiB\s+1\s+0/);
    top.stdin.write('q');
    expect(await exited).toBe(0);
    // The cursor shown again and the normal screen back, last.
    expect(output.trimEnd().endsWith('\x1b[?25h\x1b[?1049l')).toBe(true);
    hale.child.kill('SIGTERM');
    expect((await hale.exited).code).toBe(0);
  }, 60_000);
});

describe('user, group and envFile', () => {
  test.runIf(process.getuid?.() === 0)(
    'a plugin runs as nobody:nogroup, with its socket folder its own, and becomes healthy',
    async () => {
      const file = writeConfig('user', [{ name: 'confined', args: [], extra: ['user: nobody', 'group: nogroup'] }]);
      const hale = startHale(['run', '-c', file]);
      const url = await apiOf(hale);
      const ready = await hale.line(isEvent('confined', 'ready'), 20_000);
      await hale.line(
        isEvent('confined', 'transition', (l) => l.to === 'healthy'),
        20_000,
      );
      const socketDir = dirname(String(ready.address).replace(/^unix:/, ''));
      expect(statSync(socketDir)).toMatchObject({ uid: 65534, gid: 65534 });
      expect(statSync(dirname(socketDir)).mode & 0o777).toBe(0o711);
      const pid = (await readStatus(url)).plugins[0]?.pid;
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      expect(status).toMatch(/^Uid:\t65534\t65534\t65534\t65534$/m);
      expect(status).toMatch(/^Gid:\t65534\t65534\t65534\t65534$/m);
      expect(status).toMatch(/^Groups:\t?(65534 ?)?$/m);
      hale.child.kill('SIGTERM');
      expect((await hale.exited).code).toBe(0);
    },
    60_000,
  );

  test('envFile: its variables reach the plugin under env:, a reload reads it again, and a hostile file is refused by validate', async () => {
    const envFile = join(dir, 'app.env');
    writeFileSync(envFile, '# settings\nGREETING="hello from the file"\nSHADOWED=file\n');
    const file = writeConfig('envfile', [
      { name: 'reader', args: ['--say-env', 'GREETING'], extra: ['envFile: app.env', 'env: { SHADOWED: config }'] },
      { name: 'shadow', args: ['--say-env', 'SHADOWED'], extra: ['envFile: app.env', 'env: { SHADOWED: config }'] },
    ]);
    const hale = startHale(['run', '-c', file]);
    const url = await apiOf(hale);
    const said = (plugin: string, text: string) => hale.line((l) => l.plugin === plugin && l.msg === text, 20_000);
    await said('reader', 'env GREETING=hello from the file');
    await said('shadow', 'env SHADOWED=config');
    const body = await readStatus(url);
    expect(body.plugins[0]?.env).toEqual({ GREETING: '[redacted]', SHADOWED: '[redacted]' });

    writeFileSync(envFile, 'GREETING=changed\nSHADOWED=file\n');
    const reload = await runHaleCli(['reload', '--url', url], { cwd: dir });
    expect(reload.code).toBe(0);
    await said('reader', 'env GREETING=changed');
    // No value of the file ever reaches hale's own log lines.
    expect(hale.lines.filter((l) => l.stream === undefined && JSON.stringify(l).includes('hello from the file'))).toEqual([]);

    writeFileSync(envFile, 'GREETING=fine\nTOKEN supersecret\n');
    const refused = await runHaleCli(['validate', '-c', file], { cwd: dir });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`envfile.yaml:9:14: plugins[0].envFile: ${envFile}:2: expected KEY=VALUE, found no "="`);
    expect(refused.stderr).not.toContain('supersecret');
    hale.child.kill('SIGTERM');
    expect((await hale.exited).code).toBe(0);
  }, 60_000);
});
