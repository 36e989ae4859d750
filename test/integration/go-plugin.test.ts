import { statSync, existsSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { basename, dirname } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { afterEach, beforeAll, describe, expect, test } from 'vitest';
import type { PluginConfig } from '../../src/config/types.js';
import { createPluginClient, toTarget } from '../../src/grpc/plugin-client.js';
import { parseHandshakeLine } from '../../src/plugin/handshake.js';
import type { SupervisorEvent } from '../../src/model/events.js';
import { alive } from '../helpers/alive.js';
import { createHealthClient, type HealthClient } from '../helpers/health-client.js';
import { fixture, requireBuilt } from '../helpers/paths.js';
import { cleanUp, makeSocketDir, startPluginChild, within, type PluginChild } from '../helpers/plugin-child.js';
import { pluginConfig } from '../helpers/supervised.js';
import { useSupervisedSuite } from '../helpers/supervised-suite.js';

// go-plugin's server.go, word for word.
const notAPlugin =
  'This binary is a plugin. These are not meant to be executed directly.\n' +
  'Please execute the program that consumes these plugins, which will\n' +
  'load any plugins automatically\n';

const goPlugin = fixture('go-plugin.mjs');

/** A bare environment with go-plugin's basic cookie; `undefined` leaves a variable out. */
const goPluginEnv = (extra: Record<string, string | undefined>): Record<string, string> => {
  const env: Record<string, string | undefined> = { PATH: process.env.PATH ?? '/usr/bin:/bin', BASIC_PLUGIN: 'hello', ...extra };
  return Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined));
};

const startGoPlugin = (extra: Record<string, string | undefined> = {}): PluginChild =>
  startPluginChild(goPlugin, [], goPluginEnv({ PLUGIN_UNIX_SOCKET_DIR: makeSocketDir(), ...extra }));

/** The handshake line, as hale's parser reads it; a line hale refuses fails the test. */
const handshakeOf = async (plugin: PluginChild) => {
  const line = await within(plugin.firstLine, 10_000, 'the handshake line');
  const parsed = parseHandshakeLine(line);
  if (parsed.kind !== 'handshake')
    throw new Error(`hale refused ${JSON.stringify(line)}: ${parsed.kind === 'invalid' ? parsed.message : 'a log line'}`);
  return { line, fields: line.split('|'), ...parsed.handshake, target: toTarget(parsed.handshake.address) };
};

const hclogLines = (stderr: string): Array<Record<string, unknown>> =>
  stderr
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);

const exitOf = (plugin: PluginChild) => within(plugin.exited, 10_000, `exit of pid ${plugin.pid}`);

type Unary = (error: grpc.ServiceError | null) => void;
const passBytes = (bytes: Buffer): Buffer => bytes;

/** plugin.GRPCController/Shutdown as go-plugin's host calls it; resolves with the status it ended with. */
const callControllerShutdown = (target: string): Promise<grpc.status> => {
  const client = new grpc.Client(target, grpc.credentials.createInsecure());
  return new Promise<grpc.status>((resolve) => {
    const done: Unary = (error) => resolve(error === null ? grpc.status.OK : error.code);
    client.makeUnaryRequest(
      '/plugin.GRPCController/Shutdown',
      passBytes,
      passBytes,
      Buffer.alloc(0),
      { deadline: Date.now() + 5_000 },
      done,
    );
  }).finally(() => client.close());
};

type KvClient = grpc.Client & {
  Put(request: { key: string; value: Buffer }, options: grpc.CallOptions, callback: (error: grpc.ServiceError | null) => void): void;
  Get(
    request: { key: string },
    options: grpc.CallOptions,
    callback: (error: grpc.ServiceError | null, response: { value: Buffer }) => void,
  ): void;
};
const KV = (
  grpc.loadPackageDefinition(protoLoader.loadSync(fixture('proto/kv.proto'), { keepCase: true, defaults: true })) as unknown as {
    proto: { KV: new (target: string, credentials: grpc.ChannelCredentials) => KvClient };
  }
).proto.KV;

const opened: Array<{ close(): void }> = [];
const healthOf = (target: string): HealthClient => {
  const client = createHealthClient(target);
  opened.push(client);
  return client;
};

/** A port on 127.0.0.1 held by the test, so the plugin must take another of its range. */
const holdPort = async (): Promise<{ port: number; server: Server }> => {
  const server = createServer();
  opened.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return { port: address.port, server };
};

afterEach(async () => {
  for (const thing of opened.splice(0)) thing.close();
  await cleanUp();
});

describe('the go-plugin fixture, as a process', () => {
  test.each([
    ['no cookie at all', { BASIC_PLUGIN: undefined }],
    ['a wrong cookie value', { BASIC_PLUGIN: 'goodbye' }],
    ['the basic cookie where another key is expected', { GO_PLUGIN_COOKIE_KEY: 'VELERO_PLUGIN' }],
  ])('refuses to run with %s: go-plugin message on stderr, exit 1, no line', async (_, env) => {
    const plugin = startGoPlugin(env);
    expect(await exitOf(plugin)).toEqual({ code: 1, signal: null });
    expect(plugin.stderr()).toBe(notAPlugin);
    await expect(plugin.firstLine).rejects.toThrow(/before a line on stdout/);
  });

  test('its own cookie key and value let it start', async () => {
    const plugin = startGoPlugin({
      BASIC_PLUGIN: undefined,
      GO_PLUGIN_COOKIE_KEY: 'VELERO_PLUGIN',
      GO_PLUGIN_COOKIE_VALUE: 'v1',
      VELERO_PLUGIN: 'v1',
    });
    expect((await handshakeOf(plugin)).protocol).toBe('grpc');
  });

  test.each([
    { offered: '1', supports: undefined, picks: 1 },
    { offered: '1,2,3', supports: '2,3,4', picks: 3 },
    { offered: '3,1', supports: '1,2', picks: 1 },
    { offered: undefined, supports: '2,3', picks: 2 },
    // None in common: go-plugin's server answers with its lowest and leaves the refusal to the host.
    { offered: '5,6', supports: '1,2', picks: 1 },
  ])('PLUGIN_PROTOCOL_VERSIONS=$offered, supporting $supports: version $picks', async ({ offered, supports, picks }) => {
    const plugin = startGoPlugin({ PLUGIN_PROTOCOL_VERSIONS: offered, GO_PLUGIN_VERSIONS: supports });
    const handshake = await handshakeOf(plugin);
    expect(handshake.coreVersion).toBe(1);
    expect(handshake.appVersion).toBe(picks);
  });

  test('a version that is not a number is reported on stderr, as go-plugin does, and skipped', async () => {
    const plugin = startGoPlugin({ PLUGIN_PROTOCOL_VERSIONS: 'two,2', GO_PLUGIN_VERSIONS: '1,2' });
    expect((await handshakeOf(plugin)).appVersion).toBe(2);
    expect(plugin.stderr()).toContain('server sent invalid plugin version "two"');
  });

  test('plugin.Serve line: six fields, the sixth empty, a socket named plugin<digits> in PLUGIN_UNIX_SOCKET_DIR', async () => {
    const dir = makeSocketDir();
    const plugin = startGoPlugin({ PLUGIN_UNIX_SOCKET_DIR: dir });
    const handshake = await handshakeOf(plugin);
    expect(handshake.fields).toEqual(['1', '1', 'unix', handshake.address.address, 'grpc', '']);
    expect(handshake.address.network).toBe('unix');
    expect(dirname(handshake.address.address)).toBe(dir);
    expect(basename(handshake.address.address)).toMatch(/^plugin\d+$/);
    expect(statSync(handshake.address.address).isSocket()).toBe(true);
  });

  test('with AutoMTLS (GO_PLUGIN_CERT=1) the sixth field is a raw base64 certificate, and hale reads the line', async () => {
    const handshake = await handshakeOf(startGoPlugin({ GO_PLUGIN_CERT: '1' }));
    expect(handshake.fields).toHaveLength(6);
    expect(handshake.fields[5]).toMatch(/^[A-Za-z0-9+/]{16,}$/);
    expect(handshake.protocol).toBe('grpc');
  });

  test('the five fields of go-plugin docs/internals.md (a plugin in another language) are read too', async () => {
    const handshake = await handshakeOf(startGoPlugin({ GO_PLUGIN_LINE: 'docs' }));
    expect(handshake.fields).toEqual(['1', '1', 'unix', handshake.address.address, 'grpc']);
  });

  test('without PLUGIN_UNIX_SOCKET_DIR the socket goes in the temp dir, as os.CreateTemp("", …) puts it', async () => {
    const tmp = makeSocketDir();
    const handshake = await handshakeOf(startGoPlugin({ PLUGIN_UNIX_SOCKET_DIR: undefined, TMPDIR: tmp }));
    expect(dirname(handshake.address.address)).toBe(tmp);
  });

  test('on TCP it takes a free port of PLUGIN_MIN_PORT..PLUGIN_MAX_PORT on 127.0.0.1, and serves there', async () => {
    const held = await holdPort();
    const max = Math.min(held.port + 50, 65_535);
    const plugin = startGoPlugin({ GO_PLUGIN_TCP: '1', PLUGIN_MIN_PORT: String(held.port), PLUGIN_MAX_PORT: String(max) });
    const handshake = await handshakeOf(plugin);
    expect(handshake.fields[2]).toBe('tcp');
    const [host, port] = handshake.address.address.split(':');
    expect(host).toBe('127.0.0.1');
    expect(Number(port)).toBeGreaterThan(held.port);
    expect(Number(port)).toBeLessThanOrEqual(max);
    expect(await healthOf(handshake.target).check('plugin')).toEqual({ ok: true, status: 'SERVING' });
  });

  test('a bad port range: go-plugin logs "plugin init error" and, Serve having returned, exits 0', async () => {
    const plugin = startGoPlugin({ GO_PLUGIN_TCP: '1', PLUGIN_MIN_PORT: '20', PLUGIN_MAX_PORT: '10' });
    expect(await exitOf(plugin)).toEqual({ code: 0, signal: null });
    expect(hclogLines(plugin.stderr())).toContainEqual(
      expect.objectContaining({
        '@level': 'error',
        '@message': 'plugin init error',
        error: 'PLUGIN_MIN_PORT value of 20 is greater than PLUGIN_MAX_PORT value of 10',
      }),
    );
    await expect(plugin.firstLine).rejects.toThrow(/before a line on stdout/);
  });

  test('logs hclog JSON on stderr: @level, @message, @timestamp with microseconds', async () => {
    const plugin = startGoPlugin();
    await handshakeOf(plugin);
    await within(plugin.stderrLine('plugin started'), 5_000, 'the start log');
    const lines = hclogLines(plugin.stderr());
    expect(lines).toContainEqual(expect.objectContaining({ '@level': 'info', '@message': 'plugin started' }));
    expect(lines).toContainEqual(expect.objectContaining({ '@level': 'debug', '@message': 'plugin address', network: 'unix' }));
    for (const line of lines) expect(line['@timestamp']).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
  });

  test('grpc.health.v1: "plugin" and "" SERVING, others unknown; SIGUSR1 turns "plugin" NOT_SERVING', async () => {
    const plugin = startGoPlugin();
    const health = healthOf((await handshakeOf(plugin)).target);
    expect(await health.check('plugin')).toEqual({ ok: true, status: 'SERVING' });
    expect(await health.check('')).toEqual({ ok: true, status: 'SERVING' });
    expect(await health.check('hale')).toMatchObject({ ok: false, code: grpc.status.NOT_FOUND });
    plugin.child.kill('SIGUSR1');
    await within(plugin.stderrLine('NOT_SERVING'), 5_000, 'the SIGUSR1 log');
    expect(await health.check('plugin')).toEqual({ ok: true, status: 'NOT_SERVING' });
  });

  test('serves its own KV service', async () => {
    const kv = new KV((await handshakeOf(startGoPlugin())).target, grpc.credentials.createInsecure());
    opened.push(kv);
    const options = () => ({ deadline: Date.now() + 5_000 });
    await new Promise<void>((resolve, reject) =>
      kv.Put({ key: 'k', value: Buffer.from('v1') }, options(), (e) => (e ? reject(e) : resolve())),
    );
    const got = await new Promise<Buffer>((resolve, reject) =>
      kv.Get({ key: 'k' }, options(), (e, r) => (e ? reject(e) : resolve(r.value))),
    );
    expect(got.toString()).toBe('v1');
  });

  test('GRPCController/Shutdown: the server stops inside the call (the caller sees the connection drop), exit 0, socket gone', async () => {
    const plugin = startGoPlugin();
    const handshake = await handshakeOf(plugin);
    expect(await callControllerShutdown(handshake.target)).toBe(grpc.status.UNAVAILABLE);
    expect(await exitOf(plugin)).toEqual({ code: 0, signal: null });
    expect(existsSync(handshake.address.address)).toBe(false);
  });

  test("hale's client: GetInfo is UNIMPLEMENTED; Shutdown falls back to the controller and the plugin exits 0", async () => {
    const plugin = startGoPlugin();
    const client = createPluginClient((await handshakeOf(plugin)).address);
    opened.push(client);
    expect(await client.getInfo(5_000)).toMatchObject({ ok: false, kind: 'error', status: 'UNIMPLEMENTED' });
    expect(await client.shutdown('test', 5_000)).toEqual({ ok: true, value: undefined });
    expect(await exitOf(plugin)).toEqual({ code: 0, signal: null });
  });

  test('SIGINT is counted and ignored; SIGTERM ends it (Go default)', async () => {
    const plugin = startGoPlugin();
    const health = healthOf((await handshakeOf(plugin)).target);
    // As in Serve, interrupts are caught only after the line; "plugin started" comes after that.
    await within(plugin.stderrLine('plugin started'), 5_000, 'the start log');
    plugin.child.kill('SIGINT');
    await within(plugin.stderrLine('"count":1'), 5_000, 'the first interrupt');
    plugin.child.kill('SIGINT');
    await within(plugin.stderrLine('"count":2'), 5_000, 'the second interrupt');
    expect(await health.check('plugin')).toEqual({ ok: true, status: 'SERVING' });
    plugin.child.kill('SIGTERM');
    expect(await exitOf(plugin)).toEqual({ code: null, signal: 'SIGTERM' });
  });

  test('stdin closing changes nothing: go-plugin never reads it', async () => {
    const plugin = startGoPlugin();
    const health = healthOf((await handshakeOf(plugin)).target);
    plugin.child.stdin.end();
    expect(await health.check('plugin')).toEqual({ ok: true, status: 'SERVING' });
    expect(await health.check('plugin')).toEqual({ ok: true, status: 'SERVING' });
    expect(plugin.child.exitCode).toBeNull();
  });
});

type Transition = Extract<SupervisorEvent, { type: 'transition' }>;
const becomes =
  (to: Transition['to']) =>
  (event: SupervisorEvent): event is Transition =>
    event.type === 'transition' && event.plugin === 'go-plugin' && event.to === to;
const isReady = (event: SupervisorEvent): event is Extract<SupervisorEvent, { type: 'ready' }> =>
  event.type === 'ready' && event.plugin === 'go-plugin';

/** The fixture as a go-plugin host would run it: its cookie, go-plugin's health service and its versions. */
const goPluginConfig = (overrides: Partial<PluginConfig> = {}): PluginConfig =>
  pluginConfig('go-plugin', [goPlugin], {
    handshake: { cookieKey: 'BASIC_PLUGIN', cookieValue: 'hello', protocolVersions: [1], minPort: 10_000, maxPort: 25_000 },
    health: { protocol: 'grpc', service: 'plugin', address: null, watch: false, retries: 0, retryDelayMs: 100 },
    ...overrides,
  });

describe('hale supervising a go-plugin plugin', () => {
  const { supervise } = useSupervisedSuite();
  beforeAll(requireBuilt);

  test('starts it on a socket in its dir, healthy by grpc.health.v1 "plugin", GetInfo missing said at info', async () => {
    const { supervisor, first, logLines } = await supervise([goPluginConfig()]);
    const ready = await first(isReady);
    expect(ready.address).toMatch(/^unix:\/.+\/plugin\d+$/);
    await first(becomes('healthy'));
    expect(supervisor.plugin('go-plugin')).toMatchObject({ state: 'healthy', info: null });
    const about = logLines.filter((line) => String(line.msg).includes('GetInfo'));
    expect(about).toEqual([
      expect.objectContaining({ level: 'info', msg: 'the plugin has no GetInfo (not a hale plugin); it runs without a name and version' }),
    ]);
  });

  test('the staged stop ends with the controller: stage graceful, exit code 0, not SIGTERM', async () => {
    const { supervisor, events, first } = await supervise([goPluginConfig({ stopTimeout: 4_000 })]);
    await first(becomes('healthy'));
    const pid = supervisor.plugin('go-plugin')?.pid ?? 0;
    await supervisor.stop('test');
    expect(events.find((e) => e.type === 'stopped')).toMatchObject({ stage: 'graceful', pid });
    expect(supervisor.plugin('go-plugin')).toMatchObject({ state: 'stopped', lastExit: { code: 0, signal: null } });
    expect(alive(pid)).toBe(false);
  });

  test('hale offers its protocol versions and the plugin picks the highest it shares', async () => {
    const { supervisor, first } = await supervise([
      goPluginConfig({
        handshake: { cookieKey: 'BASIC_PLUGIN', cookieValue: 'hello', protocolVersions: [1, 2], minPort: 10_000, maxPort: 25_000 },
        env: { GO_PLUGIN_VERSIONS: '2,3' },
      }),
    ]);
    await first(becomes('healthy'));
    const started = supervisor.logs('go-plugin', 100)?.lines.find((entry) => entry.line.includes('plugin started'));
    expect(JSON.parse(started?.line ?? '{}')).toMatchObject({ version: 2 });
  });

  test('a plugin that shares no version with hale answers with one hale did not offer; the start fails and says so', async () => {
    const { first } = await supervise([
      goPluginConfig({
        handshake: { cookieKey: 'BASIC_PLUGIN', cookieValue: 'hello', protocolVersions: [1, 2], minPort: 10_000, maxPort: 25_000 },
        env: { GO_PLUGIN_VERSIONS: '3' },
        maxRestarts: 0,
      }),
    ]);
    const failed = await first(
      (e): e is Extract<SupervisorEvent, { type: 'startFailed' }> => e.type === 'startFailed' && e.plugin === 'go-plugin',
    );
    expect(failed.reason).toMatch(/the plugin speaks app protocol version 3; hale offers 1, 2 \(handshake\.protocolVersions\)/);
  });

  test('on TCP it listens in the handshake port range hale gives it', async () => {
    const held = await holdPort();
    const range = { minPort: held.port, maxPort: Math.min(held.port + 50, 65_535) };
    const { first } = await supervise([
      goPluginConfig({
        handshake: { cookieKey: 'BASIC_PLUGIN', cookieValue: 'hello', protocolVersions: [1], ...range },
        env: { GO_PLUGIN_TCP: '1' },
      }),
    ]);
    const ready = await first(isReady);
    const port = Number(ready.address?.split(':')[1]);
    expect(ready.address).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(port).toBeGreaterThan(range.minPort);
    expect(port).toBeLessThanOrEqual(range.maxPort);
    await first(becomes('healthy'));
  });

  test('NOT_SERVING is a failed check: SIGUSR1 makes it unhealthy, and hale restarts it', async () => {
    const { supervisor, first } = await supervise([goPluginConfig()]);
    await first(becomes('healthy'));
    expect(supervisor.signal('go-plugin', 'SIGUSR1')).toMatchObject({ ok: true });
    await first(becomes('unhealthy'));
    await first(becomes('restarting'));
  });
});
