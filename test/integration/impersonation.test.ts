import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { startHale, stopAllHale, type HaleProcess, type LogLine } from '../helpers/hale-process.js';
import { fixture, requireBuilt } from '../helpers/paths.js';

type PluginView = {
  name: string;
  pid: number | null;
  state: string;
  restartCount: number;
  address: string | null;
  lastError: string | null;
};
type Status = { plugins: PluginView[] };
type Logs = { lines: Array<{ stream: string; line: string }> };

const onLinux = process.platform === 'linux';
// go-plugin's basic cookie, and its health service as the check.
const goPlugin = 'handshake: { cookieKey: BASIC_PLUGIN, cookieValue: hello }, health: { protocol: grpc, service: plugin }';

let dir: string;
const servers: Server[] = [];
beforeAll(() => {
  requireBuilt();
  dir = mkdtempSync(join(tmpdir(), 'hale-impostor-'));
});
afterEach(async () => {
  await stopAllHale();
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const getJson = async <T>(url: string): Promise<T> => {
  const response = await fetch(url);
  expect(response.status).toBe(200);
  return (await response.json()) as T;
};

const pluginOf = async (url: string, name: string): Promise<PluginView> => {
  const plugin = (await getJson<Status>(`${url}/plugins/status`)).plugins.find((p) => p.name === name);
  if (plugin === undefined) throw new Error(`no plugin ${name}`);
  return plugin;
};

const becomes = (plugin: string, to: string) => (line: LogLine) => line.event === 'transition' && line.plugin === plugin && line.to === to;
const startFailed = (plugin: string) => (line: LogLine) =>
  line.event === 'startFailed' && line.plugin === plugin && typeof line.reason === 'string' && line.reason.includes('the handshake named');

/** One plugin of the config; `extra` is more YAML for its flow mapping. */
type PluginLine = { name: string; script: string; env?: Record<string, string>; extra?: string };

const runHale = async (
  name: string,
  plugins: PluginLine[],
  grpc = '127.0.0.1:0',
  startTimeout = '3s',
): Promise<{ hale: HaleProcess; url: string }> => {
  const config = join(dir, `${name}.yaml`);
  const pluginLines = plugins.map((p) => {
    const env = Object.entries(p.env ?? {}).map(([key, value]) => `${key}: ${JSON.stringify(value)}`);
    return `  - { name: ${p.name}, command: node, args: [${fixture(p.script)}], env: { ${env.join(', ')} }${p.extra === undefined ? '' : `, ${p.extra}`} }`;
  });
  writeFileSync(
    config,
    [
      'api: { host: 127.0.0.1, port: 0 }',
      `grpc: { address: ${grpc} }`,
      `stateDir: ${join(dir, `${name}-state`)}`,
      `defaults: { checkInterval: 200ms, checkTimeout: 2s, startInterval: 50ms, startTimeout: ${startTimeout}, restartBackoff: 300ms, maxRestarts: 2, stopTimeout: 3s }`,
      'plugins:',
      ...pluginLines,
      '',
    ].join('\n'),
  );
  const hale = startHale(['run', '-c', config]);
  const url = String((await hale.line((l) => typeof l.api === 'string', 20_000)).api);
  return { hale, url };
};

/** A TCP server of the test's own on 127.0.0.1, counting the connections it gets. */
const listenOwn = async (): Promise<{ address: string; connections: () => number }> => {
  let connections = 0;
  const server = createServer((socket) => {
    connections += 1;
    socket.destroy();
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return { address: `127.0.0.1:${port}`, connections: () => connections };
};

describe.runIf(onLinux)('a handshake naming an address the plugin does not serve', () => {
  test("naming a sibling's unix socket fails the start with why; the sibling stays healthy on the same process and is never asked to shut down", async () => {
    const { hale, url } = await runHale('sibling', [
      { name: 'witness', script: 'witness-plugin.mjs' },
      { name: 'impostor', script: 'impostor-plugin.mjs', env: { IMPOSTOR_SIBLING: 'witness' } },
    ]);
    await hale.line(becomes('witness', 'healthy'), 60_000);
    const witness = await pluginOf(url, 'witness');
    const failed = await hale.line(startFailed('impostor'), 60_000);
    const reason = String(failed.reason);
    console.log(`the impostor's failed start: ${reason}`);
    expect(reason).toContain(`the handshake named ${witness.address}, which process `);
    expect(reason).toMatch(/of plugin impostor does not own; it is served by another process \(pid \d+ /);
    expect(reason).toContain(`pid ${witness.pid}`);

    // A stop of the impostor must not reach the witness.
    const stopped = await fetch(`${url}/plugins/impostor/stop`, { method: 'POST' });
    expect(stopped.status).toBeLessThan(300);
    await hale.line(becomes('impostor', 'stopped'), 20_000);
    // A few more checks of the witness, then look.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const after = await pluginOf(url, 'witness');
    expect(after).toMatchObject({ state: 'healthy', pid: witness.pid, restartCount: 0 });
    const impostor = await pluginOf(url, 'impostor');
    expect(impostor.state).not.toBe('healthy');
    expect(hale.lines.some(becomes('impostor', 'healthy'))).toBe(false);
    const logs = await getJson<Logs>(`${url}/plugins/witness/logs?tail=1000`);
    expect(logs.lines.filter((l) => l.line.includes('shutdown asked'))).toEqual([]);
  }, 150_000);

  test('naming a TCP port another process listens on fails the start, and hale never connects there', async () => {
    const own = await listenOwn();
    const { hale, url } = await runHale('tcp', [
      { name: 'impostor', script: 'impostor-plugin.mjs', env: { IMPOSTOR_ADDRESS: own.address } },
    ]);
    const failed = await hale.line(startFailed('impostor'), 60_000);
    expect(String(failed.reason)).toMatch(
      new RegExp(
        `the handshake named ${own.address}, which process \\d+ of plugin impostor does not own; it is served by another process \\(pid ${process.pid}, `,
      ),
    );
    const plugin = await pluginOf(url, 'impostor');
    expect(plugin.state).not.toBe('healthy');
    expect(own.connections()).toBe(0);
  }, 120_000);

  test("naming hale's own gRPC server is refused as well", async () => {
    // A free port for hale's gRPC health server, known before it starts.
    const probe = await listenOwn();
    await new Promise((resolve) => servers.pop()?.close(resolve));
    const { hale } = await runHale(
      'self',
      [{ name: 'impostor', script: 'impostor-plugin.mjs', env: { IMPOSTOR_ADDRESS: probe.address } }],
      probe.address,
    );
    const failed = await hale.line(startFailed('impostor'), 60_000);
    expect(String(failed.reason)).toMatch(new RegExp(`served by another process \\(pid ${hale.child.pid}, hale itself, `));
  }, 120_000);

  test('naming an address where nothing listens fails the start with that reason', async () => {
    const { hale } = await runHale('nothing', [
      { name: 'impostor', script: 'impostor-plugin.mjs', env: { IMPOSTOR_ADDRESS: `unix:${join(dir, 'nobody.sock')}` } },
    ]);
    const failed = await hale.line(startFailed('impostor'), 60_000);
    expect(String(failed.reason)).toContain(
      `the handshake named unix:${join(dir, 'nobody.sock')}, where nothing listens within startTimeout`,
    );
  }, 120_000);

  test('naming an address on another machine fails the start at once, without a connection', async () => {
    const { hale } = await runHale('remote', [
      { name: 'impostor', script: 'impostor-plugin.mjs', env: { IMPOSTOR_ADDRESS: '192.0.2.10:443' } },
    ]);
    const failed = await hale.line(startFailed('impostor'), 60_000);
    expect(String(failed.reason)).toContain('the handshake named 192.0.2.10:443, but 192.0.2.10 is not an address of this machine');
  }, 120_000);
});

describe.runIf(onLinux)("a handshake naming the plugin's own listener", () => {
  test('a server in the plugin’s own process group (a launcher’s child), one that left it with setsid (it carries the mark), a go-plugin on TCP and one on a unix socket all start', async () => {
    const { hale, url } = await runHale(
      'own',
      [
        { name: 'launcher', script: 'child-serves-plugin.mjs' },
        { name: 'daemon', script: 'child-serves-plugin.mjs', env: { CHILD_SETSID: '1' } },
        { name: 'gotcp', script: 'go-plugin.mjs', env: { GO_PLUGIN_TCP: '1' }, extra: goPlugin },
        { name: 'gounix', script: 'go-plugin.mjs', extra: goPlugin },
      ],
      '127.0.0.1:0',
      '30s',
    );
    await Promise.all(['launcher', 'daemon', 'gotcp', 'gounix'].map((name) => hale.line(becomes(name, 'healthy'), 60_000)));
    const gotcp = await pluginOf(url, 'gotcp');
    expect(gotcp.address).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(hale.lines.filter((l) => typeof l.reason === 'string' && l.reason.includes('the handshake named'))).toEqual([]);
  }, 120_000);
});
