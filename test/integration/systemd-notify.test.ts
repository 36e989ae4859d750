import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { startHale, stopAllHale, type LogLine } from '../helpers/hale-process.js';
import { fixture, requireBuilt } from '../helpers/paths.js';

// hale under systemd's Type=notify: READY=1 once every critical plugin serves, STOPPING=1 when it stops.
// A stand-in systemd-notify first on PATH writes down what hale sent, when, and with which NOTIFY_SOCKET.

let dir: string;
const handshakeMs = 3_000;
const fakeSystemd = fixture('fake-systemd');

beforeAll(() => {
  requireBuilt();
  dir = mkdtempSync(join(tmpdir(), 'hale-systemd-notify-'));
});
afterEach(() => stopAllHale());
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Notification {
  atMs: number;
  socket: string;
  args: string[];
}

const readNotifications = (file: string): Notification[] =>
  existsSync(file)
    ? readFileSync(file, 'utf8')
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => {
          const [at = '', socket = '', ...args] = line.split('\t');
          return { atMs: Number(at), socket: socket.replace(/^NOTIFY_SOCKET=/, ''), args };
        })
    : [];

/** A config: `slow` (critical) handshakes after handshakeMs; `broken` (not critical) exits at once and is not restarted. */
const writeConfig = (name: string): string => {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(
    file,
    [
      'api: { host: 127.0.0.1, port: 0 }',
      'grpc: { enabled: false }',
      `stateDir: ${join(dir, `${name}-state`)}`,
      'defaults: { checkInterval: 200ms, startTimeout: 20s }',
      'plugins:',
      '  - name: slow',
      `    command: ${process.execPath}`,
      `    args: [${JSON.stringify(fixture('stubborn-plugin.mjs'))}, --handshake-after, "${handshakeMs}"]`,
      '  - name: broken',
      `    command: ${process.execPath}`,
      '    args: [-e, "process.exit(3)"]',
      '    critical: false',
      '    maxRestarts: 0',
      '',
    ].join('\n'),
  );
  return file;
};

const isLine = (match: Partial<LogLine>) => (line: LogLine) => Object.entries(match).every(([key, value]) => line[key] === value);

describe('hale run under systemd (Type=notify)', () => {
  test('says READY=1 only once the critical plugin serves, STOPPING=1 when it stops; its plugins never see NOTIFY_SOCKET', async () => {
    const notes = join(dir, 'notified.log');
    const socket = join(dir, 'notify.sock');
    const env = { NOTIFY_SOCKET: socket, HALE_TEST_NOTIFY_LOG: notes, PATH: `${fakeSystemd}:${process.env['PATH'] ?? ''}` };
    const hale = startHale(['run', '-c', writeConfig('notify')], env);
    const spawned = await hale.line(isLine({ plugin: 'slow', event: 'spawned' }), 20_000);
    // While the critical plugin has not yet handshaken: nothing said.
    await delay(handshakeMs / 2);
    expect(hale.lines.some(isLine({ plugin: 'slow', event: 'ready' }))).toBe(false);
    expect(readNotifications(notes)).toEqual([]);
    const ready = await hale.line(isLine({ plugin: 'slow', event: 'ready' }), 20_000);
    const healthy = await hale.line((line) => line.event === 'transition' && line.plugin === 'slow' && line['to'] === 'healthy', 20_000);
    // Bounded: 20 s at most, a look every 100 ms.
    for (let i = 0; i < 200 && readNotifications(notes).length === 0; i += 1) await delay(100);
    const [first] = readNotifications(notes);
    expect(first?.args[0]).toBe('READY=1');
    expect(first?.args[1]).toBe('STATUS=every critical plugin is serving');
    expect(first?.socket).toBe(socket);
    expect(first?.atMs).toBeGreaterThanOrEqual(Date.parse(String(healthy['time'])));
    expect(Date.parse(String(ready['time'])) - Date.parse(String(spawned['time']))).toBeGreaterThanOrEqual(handshakeMs - 200);
    // The plugins do not inherit it: a plugin's own READY=1 cannot speak for hale.
    const pluginPid = Number(ready['pluginPid']);
    expect(
      readFileSync(`/proc/${pluginPid}/environ`, 'utf8')
        .split('\0')
        .filter((v) => v.startsWith('NOTIFY_SOCKET=')),
    ).toEqual([]);

    hale.child.kill('SIGTERM');
    expect((await hale.exited).code).toBe(0);
    const all = readNotifications(notes);
    expect(all.map((n) => n.args[0])).toEqual(['READY=1', 'STOPPING=1']);
    expect(all[1]?.args[1]).toBe('STATUS=stopping: SIGTERM');
  }, 60_000);

  test('without NOTIFY_SOCKET says nothing to systemd', async () => {
    const notes = join(dir, 'unset.log');
    expect(process.env['NOTIFY_SOCKET']).toBeUndefined();
    const hale = startHale(['run', '-c', writeConfig('unset')], {
      HALE_TEST_NOTIFY_LOG: notes,
      PATH: `${fakeSystemd}:${process.env['PATH'] ?? ''}`,
    });
    await hale.line(isLine({ plugin: 'slow', event: 'ready' }), 20_000);
    await hale.line((line) => line.event === 'transition' && line.plugin === 'slow' && line['to'] === 'healthy', 20_000);
    hale.child.kill('SIGTERM');
    expect((await hale.exited).code).toBe(0);
    expect(readNotifications(notes)).toEqual([]);
  }, 60_000);

  test('a systemd-notify that fails is a warn line, and hale runs on', async () => {
    const env = { NOTIFY_SOCKET: join(dir, 'nowhere.sock'), PATH: `${join(dir, 'no-such-dir')}:/nonexistent` };
    const hale = startHale(['run', '-c', writeConfig('failing')], env);
    const warned = await hale.line((line) => String(line.msg).startsWith('could not tell systemd hale is ready'), 20_000);
    expect(warned['level']).toBe('warn');
    await hale.line((line) => line.event === 'transition' && line.plugin === 'slow' && line['to'] === 'healthy', 20_000);
    expect(hale.child.exitCode).toBeNull();
    hale.child.kill('SIGTERM');
    expect((await hale.exited).code).toBe(0);
  }, 60_000);
});
