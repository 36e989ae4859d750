import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { startHale, stopAllHale, type HaleProcess, type LogLine } from '../helpers/hale-process.js';
import { fixture, greeterMain, requireBuilt } from '../helpers/paths.js';

const dir = mkdtempSync(join(tmpdir(), 'hale-log-lines-'));
const file = join(dir, 'supervisor.yaml');
const settle = 15_000;

afterAll(async () => {
  await stopAllHale();
  rmSync(dir, { recursive: true, force: true });
});

writeFileSync(
  file,
  [
    'api: { host: 127.0.0.1, port: 0 }',
    'grpc: { enabled: false }',
    `stateDir: ${join(dir, 'state')}`,
    'defaults: { checkInterval: 200ms, startInterval: 100ms, successThreshold: 1, stopTimeout: 2s }',
    'plugins:',
    `  - { name: greeter, command: ${process.execPath}, args: [${greeterMain}] }`,
    `  - { name: chatty, command: ${process.execPath}, args: [${fixture('chatty-plugin.mjs')}] }`,
    '',
  ].join('\n'),
);

/** hale run, with every byte it printed on stdout kept as text: JSON.parse would hide a repeated key. */
const startWithRawLog = (): { hale: HaleProcess; raw: () => string[] } => {
  const hale = startHale(['run', '-c', file]);
  const chunks: Buffer[] = [];
  hale.child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
  return {
    hale,
    raw: () =>
      Buffer.concat(chunks)
        .toString('utf8')
        .split('\n')
        .filter((line) => line !== ''),
  };
};

const healthy = (plugin: string) => (line: LogLine) => line.event === 'transition' && line.plugin === plugin && line.to === 'healthy';

const stopHale = async (hale: HaleProcess): Promise<void> => {
  hale.child.kill('SIGTERM');
  const ended = await Promise.race([hale.exited, new Promise<null>((resolve) => setTimeout(() => resolve(null), settle))]);
  expect(ended, 'hale ends within 15 s of SIGTERM').not.toBeNull();
};

describe("hale's log lines about plugins", () => {
  test('one "pid" key a line (hale\'s), the plugin\'s pid as pluginPid, and a line naming a plugin kept stopped at start', async () => {
    requireBuilt();
    const first = startWithRawLog();
    const listening = await first.hale.line((l) => typeof l.api === 'string', settle);
    await Promise.all(['greeter', 'chatty'].map((name) => first.hale.line(healthy(name), settle)));
    const spawned = await first.hale.line((l) => l.event === 'spawned' && l.plugin === 'chatty', settle);
    const stop = await fetch(`${String(listening.api)}/plugins/greeter/stop`, { method: 'POST' });
    expect(stop.status).toBe(202);
    await first.hale.line((l) => l.event === 'stopped' && l.plugin === 'greeter', settle);
    await stopHale(first.hale);

    const haleRun = first.hale.child.pid;
    const raw = first.raw();
    expect(raw.length).toBeGreaterThan(5);
    for (const text of raw) {
      expect(text.match(/"pid":/g)?.length ?? 0, `one "pid" key in ${text}`).toBe(1);
      expect((JSON.parse(text) as LogLine)['pid'], `hale's pid in ${text}`).toBe(haleRun);
    }
    const lines = raw.map((text) => JSON.parse(text) as LogLine);
    for (const event of ['spawned', 'ready', 'stopped', 'exited']) {
      const about = lines.filter((l) => l.event === event);
      expect(about.length, `${event} lines`).toBeGreaterThan(0);
      for (const line of about) expect(typeof line['pluginPid'], `pluginPid of ${JSON.stringify(line)}`).toBe('number');
    }
    // chatty's own pino line, merged into hale's: its fields kept, and the pid of the process that printed it.
    const merged = lines.find((l) => l.plugin === 'chatty' && l.msg === 'config read');
    expect(merged).toMatchObject({ modules: 3, stream: 'stdout', pluginPid: spawned['pluginPid'] });
    const plain = lines.find((l) => l.plugin === 'chatty' && l.msg === 'booting: loading 3 modules');
    expect(plain).toMatchObject({ stream: 'stdout', pluginPid: spawned['pluginPid'] });

    const second = startWithRawLog();
    const kept = await second.hale.line((l) => l.event === 'keptStopped' && l.plugin === 'greeter', settle);
    expect(kept.level).toBe('info');
    expect(kept.msg).toMatch(/greeter.*stopped by hand.*hale start greeter/);
    await second.hale.line(healthy('chatty'), settle);
    expect(second.hale.lines.some((l) => l.event === 'keptStopped' && l.plugin === 'chatty')).toBe(false);
    await stopHale(second.hale);
    for (const text of second.raw()) expect(text.match(/"pid":/g)?.length ?? 0, `one "pid" key in ${text}`).toBe(1);
  }, 60_000);
});
