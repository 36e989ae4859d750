import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { startHale, stopAllHale, type LogLine } from '../helpers/hale-process.js';
import { alive } from '../helpers/alive.js';
import { flakyMain, greeterMain, requireBuilt } from '../helpers/paths.js';

let dir: string;
beforeAll(() => {
  requireBuilt();
  dir = mkdtempSync(join(tmpdir(), 'hale-cli-'));
});
afterEach(stopAllHale);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const writeConfig = (name: string, text: string): string => {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
};

const becomes = (plugin: string, to: string) => (line: LogLine) => line.event === 'transition' && line.plugin === plugin && line.to === to;

describe('hale validate', () => {
  test('a valid config: exit 0 and a summary', async () => {
    const file = writeConfig('ok.yaml', `plugins:\n  - name: greeter\n    command: node\n    args: [${greeterMain}]\n`);
    const hale = startHale(['validate', '-c', file]);
    expect(await hale.exited).toEqual({ code: 0, signal: null });
    expect(hale.lines.map((l) => l.msg).join('\n')).toContain('valid, 1 plugins (greeter)');
  });

  test('an invalid config: exit 2 and every error as file:line:col: field: message', async () => {
    const file = writeConfig(
      'bad.yaml',
      ['plugins:', '  - name: greeter', '    command: node', '    checkInterval: 30x', '  - name: Bad Name', '    command: node', ''].join(
        '\n',
      ),
    );
    const hale = startHale(['validate', '-c', file]);
    expect((await hale.exited).code).toBe(2);
    expect(hale.stderr()).toMatch(new RegExp(`${file}:4:\\d+: plugins\\[0\\]\\.checkInterval: `));
    expect(hale.stderr()).toMatch(new RegExp(`${file}:5:\\d+: plugins\\[1\\]\\.name: `));
  });
});

describe('hale run', () => {
  test('a config error: exit 2 with file:line, and nothing is started', async () => {
    const file = writeConfig(
      'broken.yaml',
      `api:\n  port: eighty\nplugins:\n  - name: greeter\n    command: node\n    args: [${greeterMain}]\n`,
    );
    const hale = startHale(['run', '-c', file]);
    expect((await hale.exited).code).toBe(2);
    expect(hale.stderr()).toMatch(new RegExp(`${file}:2:\\d+: api\\.port: `));
    expect(hale.stderr()).toContain('nothing was started');
    expect(hale.lines).toEqual([]);
  });

  test('an API on a non-loopback address with no token is refused: exit 2, the fix in the message, nothing started', async () => {
    const file = writeConfig(
      'open.yaml',
      `api: { host: 0.0.0.0, port: 0 }\ngrpc: { address: 127.0.0.1:0 }\nplugins:\n  - name: greeter\n    command: node\n    args: [${greeterMain}]\n`,
    );
    const hale = startHale(['run', '-c', file], { HALE_API_TOKEN: '' });
    expect((await hale.exited).code).toBe(2);
    expect(hale.stderr()).toMatch(
      new RegExp(`${file}:1:\\d+: api\\.host: "0\\.0\\.0\\.0" can be reached from other machines and no token is set`),
    );
    expect(hale.stderr()).toContain('api.allowUnauthenticated: true');
    expect(hale.lines).toEqual([]);
  });

  test('supervises end to end: healthy, kill -9 → back with restartCount 1, POST restart, SIGTERM → exit 0 and no plugin left', async () => {
    const file = writeConfig(
      'run.yaml',
      [
        'api: { host: 127.0.0.1, port: 0 }',
        'grpc: { address: 127.0.0.1:0 }',
        'defaults: { checkInterval: 200ms, checkTimeout: 200ms, startInterval: 50ms, restartBackoff: 100ms, stopTimeout: 2s }',
        'plugins:',
        `  - { name: greeter, command: node, args: [${greeterMain}] }`,
        `  - { name: flaky, command: node, args: [${flakyMain}], critical: false }`,
        '',
      ].join('\n'),
    );
    const hale = startHale(['run', '-c', file]);
    const listening = await hale.line((l) => typeof l.api === 'string');
    const url = String(listening.api);
    await Promise.all([hale.line(becomes('greeter', 'healthy')), hale.line(becomes('flaky', 'healthy'))]);

    const health = await fetch(`${url}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'healthy', summary: { totalPlugins: 2, healthyPlugins: 2 } });

    const status = (await (await fetch(`${url}/plugins/status`)).json()) as { plugins: Array<{ name: string; pid: number }> };
    const pids = status.plugins.map((p) => p.pid);
    const greeterPid = status.plugins.find((p) => p.name === 'greeter')?.pid ?? 0;
    process.kill(greeterPid, 'SIGKILL');
    const back = await hale.line((l) => becomes('greeter', 'healthy')(l) && l.restartCount === 1);
    expect(back.restarts).toBe(1);

    const restarted = await fetch(`${url}/plugins/restart?plugin=greeter`, { method: 'POST' });
    expect(restarted.status).toBe(202);
    await hale.line((l) => becomes('greeter', 'healthy')(l) && l.restartCount === 2);
    const after = (await (await fetch(`${url}/plugins/status`)).json()) as { plugins: Array<{ name: string; pid: number }> };
    pids.push(...after.plugins.map((p) => p.pid));

    const sentAt = Date.now();
    hale.child.kill('SIGTERM');
    expect(await hale.exited).toEqual({ code: 0, signal: null });
    // Graceful stops finish well inside stopTimeout (2s), so the whole exit does too.
    expect(Date.now() - sentAt).toBeLessThan(2_000);
    expect(hale.lines.some((l) => l.event === 'stopped' && l.plugin === 'greeter' && l.stage === 'graceful')).toBe(true);
    expect(pids.filter(alive)).toEqual([]);
  });

  test('a plugin stopped by hand stays stopped after hale is SIGKILLed and started again', async () => {
    const stateDir = join(dir, 'kept-state');
    const file = writeConfig(
      'kept.yaml',
      [
        'api: { host: 127.0.0.1, port: 0 }',
        'grpc: { address: 127.0.0.1:0 }',
        `stateDir: ${stateDir}`,
        'defaults: { checkInterval: 200ms, checkTimeout: 500ms, startInterval: 50ms, successThreshold: 1 }',
        'plugins:',
        `  - { name: greeter, command: node, args: [${greeterMain}] }`,
        `  - { name: other, command: node, args: [${greeterMain}] }`,
        '',
      ].join('\n'),
    );
    const first = startHale(['run', '-c', file]);
    const url = String((await first.line((l) => typeof l.api === 'string')).api);
    await first.line(becomes('greeter', 'healthy'));
    const stop = await fetch(`${url}/plugins/greeter/stop`, { method: 'POST' });
    expect(stop.status).toBe(202);
    first.child.kill('SIGKILL');
    await first.exited;

    const second = startHale(['run', '-c', file]);
    const secondUrl = String((await second.line((l) => typeof l.api === 'string')).api);
    await second.line(becomes('other', 'healthy'));
    const status = (await (await fetch(`${secondUrl}/plugins/status`)).json()) as {
      plugins: Array<{ name: string; state: string; pid: number | null }>;
    };
    expect(status.plugins.find((p) => p.name === 'greeter')).toMatchObject({ state: 'stopped', pid: null });
    second.child.kill('SIGTERM');
    expect(await second.exited).toEqual({ code: 0, signal: null });
  });
});
