import { existsSync, lstatSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { protoPath as healthProtoPath } from 'grpc-health-check';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createPluginClient, type PluginAddress, type PluginClient } from '../../src/grpc/plugin-client.js';
import { startPluginServer, type PluginServer } from '../../src/grpc/plugin-server.js';
import { findService, loadProto } from '../../src/grpc/proto.js';
import { parseHandshakeLine } from '../../src/plugin/handshake.js';
import { readHealth } from '../../src/sdk/health-input.js';
import { maxUnixSocketPath } from '../../src/protocol.js';
import { greeterMain } from '../helpers/paths.js';
import { cleanUp, makeSocketDir, pluginEnv, startPluginChild, within, type PluginChild } from '../helpers/plugin-child.js';

const clients: Array<{ close: () => void }> = [];
const servers: PluginServer[] = [];

beforeAll(() => {
  if (!existsSync(greeterMain)) throw new Error(`${greeterMain} is missing: run \`npm run build\` first (npm test does)`);
});

afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  await Promise.all(servers.splice(0).map((server) => server.shutdown(500)));
  await cleanUp();
});

const addressOf = async (plugin: PluginChild): Promise<PluginAddress> => {
  const line = await within(plugin.firstLine, 10_000, 'the handshake line');
  const parsed = parseHandshakeLine(line);
  if (parsed.kind !== 'handshake') throw new Error(`not a handshake: ${line}`);
  return parsed.handshake.address;
};

const connect = (address: PluginAddress): PluginClient => {
  const client = createPluginClient(address);
  clients.push(client);
  return client;
};

const startGreeter = async (socketDir: string | null = makeSocketDir()) => {
  const plugin = startPluginChild(greeterMain, [], pluginEnv(socketDir));
  const address = await addressOf(plugin);
  return { plugin, address, client: connect(address) };
};

const target = ({ network, address }: PluginAddress): string => (network === 'unix' ? `unix:${address}` : address);

type Callback = (error: grpc.ServiceError | null, response: Record<string, unknown>) => void;
type UnaryMethod = (request: object, options: grpc.CallOptions, callback: Callback) => void;

// A plain grpc-js call, for the services PluginClient does not speak.
const callUnary = (Client: grpc.ServiceClientConstructor, address: PluginAddress, method: string, request: object) =>
  new Promise<{ ok: true; value: Record<string, unknown> } | { ok: false; error: grpc.ServiceError }>((resolve) => {
    const client = new Client(target(address), grpc.credentials.createInsecure());
    clients.push(client);
    const fn = client[method] as unknown as UnaryMethod;
    fn.call(client, request, { deadline: Date.now() + 5_000 }, (error, response) =>
      resolve(error ? { ok: false, error } : { ok: true, value: response }),
    );
  });

const greeterService = () => findService(loadProto('hale/example/greeter/v1/greeter.proto'), 'hale.example.greeter.v1.Greeter');
const healthService = () =>
  findService(loadProto('health/v1/health.proto', dirname(dirname(dirname(healthProtoPath)))), 'grpc.health.v1.Health');

describe('a plugin started without a supervisor', () => {
  it('exits 1 and says it is a hale plugin and how to run it', async () => {
    const plugin = startPluginChild(greeterMain, [], { PATH: process.env.PATH ?? '' });
    const exit = await within(plugin.exited, 10_000, 'exit');
    expect(exit.code).toBe(1);
    expect(plugin.stderr()).toContain('greeter is a hale plugin');
    expect(plugin.stderr()).toContain('supervisor.yaml');
    expect(plugin.stderr()).toContain('hale run');
    expect(plugin.stderr()).toContain('HALE_PLUGIN_MAGIC_COOKIE is not set');
    await expect(plugin.firstLine).rejects.toThrow(/before a line on stdout/);
  });

  it('exits 1 when the cookie has the wrong value', async () => {
    const plugin = startPluginChild(greeterMain, [], pluginEnv(null, { HALE_PLUGIN_MAGIC_COOKIE: 'someone-else' }));
    expect((await within(plugin.exited, 10_000, 'exit')).code).toBe(1);
    expect(plugin.stderr()).toContain('HALE_PLUGIN_MAGIC_COOKIE has the wrong value');
  });
});

describe('the handshake', () => {
  it('names a unix socket <name>-<pid>.sock in the socket dir', async () => {
    const socketDir = makeSocketDir();
    const plugin = startPluginChild(greeterMain, [], pluginEnv(socketDir));
    const line = await within(plugin.firstLine, 10_000, 'the handshake line');
    const socketPath = join(socketDir, `greeter-${plugin.pid}.sock`);
    expect(line).toBe(`1|1|unix|${socketPath}|grpc`);
    expect(lstatSync(socketPath).isSocket()).toBe(true);
  });

  it('falls back to 127.0.0.1 over TCP when the socket dir is unset', async () => {
    const { plugin, address, client } = await startGreeter(null);
    expect(await within(plugin.firstLine, 1_000, 'line')).toMatch(/^1\|1\|tcp\|127\.0\.0\.1:\d+\|grpc$/);
    expect(address.network).toBe('tcp');
    expect(plugin.stderr()).toContain('HALE_PLUGIN_SOCKET_DIR is not set');
    expect((await client.healthCheck(5_000)).ok).toBe(true);
  });

  it('falls back to TCP when the socket dir does not exist', async () => {
    const { address } = await startGreeter(join(makeSocketDir(), 'missing'));
    expect(address.network).toBe('tcp');
  });

  it('falls back to TCP when the socket path would be too long for a unix socket', async () => {
    const deep = join(makeSocketDir(), 'd'.repeat(maxUnixSocketPath));
    mkdirSync(deep, { mode: 0o700 });
    const { plugin, address, client } = await startGreeter(deep);
    expect(address.network).toBe('tcp');
    expect(plugin.stderr()).toContain('more than the 107 a unix socket allows');
    expect((await client.getInfo(5_000)).ok).toBe(true);
  });
});

describe('a serving plugin', () => {
  it('answers HealthCheck healthy with its component, GetInfo, and its own SayHello', async () => {
    const { address, client } = await startGreeter();
    const first = await client.healthCheck(5_000);
    expect(first).toEqual({
      ok: true,
      value: {
        status: 'healthy',
        message: '',
        components: [{ name: 'greetings', status: 'healthy', critical: false, latencyMs: 0, message: '0 greetings served' }],
      },
    });
    expect(await client.getInfo(5_000)).toEqual({
      ok: true,
      value: { name: 'greeter', version: '1.0.0', description: expect.stringContaining('Says hello') as unknown },
    });

    const Greeter = greeterService();
    expect(await callUnary(Greeter, address, 'sayHello', { name: 'Ada' })).toEqual({
      ok: true,
      value: { message: 'Hello, Ada!', count: 1 },
    });
    expect(await callUnary(Greeter, address, 'sayHello', { name: '' })).toEqual({
      ok: true,
      value: { message: 'Hello, world!', count: 2 },
    });
    const after = await client.healthCheck(5_000);
    expect(after.ok && after.value.components[0]?.message).toBe('2 greetings served');
  });

  it('answers grpc.health.v1 Check SERVING for "" and "plugin", NOT_FOUND for others', async () => {
    const { address } = await startGreeter();
    const Health = healthService();
    expect(await callUnary(Health, address, 'check', { service: '' })).toEqual({ ok: true, value: { status: 'SERVING' } });
    expect(await callUnary(Health, address, 'check', { service: 'plugin' })).toEqual({ ok: true, value: { status: 'SERVING' } });
    const other = await callUnary(Health, address, 'check', { service: 'nope' });
    expect(other.ok ? null : other.error.code).toBe(grpc.status.NOT_FOUND);
  });
});

describe('stopping', () => {
  it('answers Shutdown, then exits 0 and removes its socket file', async () => {
    const { plugin, address, client } = await startGreeter();
    expect(existsSync(address.address)).toBe(true);
    expect(await client.shutdown('test is over', 5_000)).toEqual({ ok: true, value: undefined });
    expect(await within(plugin.exited, 10_000, 'exit')).toEqual({ code: 0, signal: null });
    expect(existsSync(address.address)).toBe(false);
    expect(plugin.stderr()).toContain('stopping: Shutdown RPC: test is over');
  });

  it('exits 0 on SIGTERM and removes its socket file', async () => {
    const { plugin, address } = await startGreeter();
    plugin.child.kill('SIGTERM');
    expect(await within(plugin.exited, 10_000, 'exit')).toEqual({ code: 0, signal: null });
    expect(existsSync(address.address)).toBe(false);
  });

  it('exits 0 when its stdin closes (the supervisor is gone)', async () => {
    const { plugin, address } = await startGreeter();
    plugin.child.stdin.end();
    expect(await within(plugin.exited, 10_000, 'exit')).toEqual({ code: 0, signal: null });
    expect(existsSync(address.address)).toBe(false);
    expect(plugin.stderr()).toContain('stdin closed');
  });
});

describe('the server side, in process', () => {
  const start = async (handlers: Partial<Parameters<typeof startPluginServer>[0]['handlers']>, throwing = false) => {
    const server = await startPluginServer({
      listen: [{ network: 'tcp', address: '127.0.0.1:0' }],
      handlers: {
        healthCheck: () => readHealth(undefined),
        getInfo: () => ({ name: 'x', version: '0', description: '' }),
        shutdown: () => undefined,
        ...handlers,
      },
      services: throwing
        ? [
            {
              protoFile: 'hale/example/greeter/v1/greeter.proto',
              service: 'hale.example.greeter.v1.Greeter',
              handlers: { sayHello: () => Promise.reject(new Error('greeting failed: no words left')) },
            },
          ]
        : [],
    });
    servers.push(server);
    return server;
  };

  it("reports a health() that throws as UNHEALTHY with the error's message", async () => {
    const server = await start({
      healthCheck: () =>
        readHealth(() => {
          throw new Error('database unreachable');
        }),
    });
    const health = await connect(server.address).healthCheck(5_000);
    expect(health).toEqual({ ok: true, value: { status: 'unhealthy', message: 'health() failed: database unreachable', components: [] } });
  });

  it('reports a health() that returns nonsense as UNHEALTHY saying so', async () => {
    const server = await start({ healthCheck: () => readHealth(() => ({ status: 'fine' })) });
    const health = await connect(server.address).healthCheck(5_000);
    expect(health.ok && health.value.status).toBe('unhealthy');
    expect(health.ok && health.value.message).toContain('no valid status');
  });

  it('answers a throwing handler of an extra service with UNKNOWN and its message, and keeps serving', async () => {
    const server = await start({}, true);
    const failed = await callUnary(greeterService(), server.address, 'sayHello', { name: 'x' });
    expect(failed.ok ? null : [failed.error.code, failed.error.details]).toEqual([grpc.status.UNKNOWN, 'greeting failed: no words left']);
    expect((await connect(server.address).healthCheck(5_000)).ok).toBe(true);
  });

  it('refuses a handler for a method the service does not have', async () => {
    await expect(
      startPluginServer({
        listen: [{ network: 'tcp', address: '127.0.0.1:0' }],
        handlers: {
          healthCheck: () => readHealth(undefined),
          getInfo: () => ({ name: 'x', version: '0', description: '' }),
          shutdown: () => undefined,
        },
        services: [
          {
            protoFile: 'hale/example/greeter/v1/greeter.proto',
            service: 'hale.example.greeter.v1.Greeter',
            handlers: { SayGoodbye: () => ({}) },
          },
        ],
      }),
    ).rejects.toThrow(/no method SayGoodbye \(it has: SayHello\)/);
  });

  it('falls back to the next address when one does not bind, and reports NOT_SERVING once told', async () => {
    const server = await startPluginServer({
      listen: [
        { network: 'unix', address: join(makeSocketDir(), 'missing', 'p.sock') },
        { network: 'tcp', address: '127.0.0.1:0' },
      ],
      handlers: {
        healthCheck: () => readHealth(undefined),
        getInfo: () => ({ name: 'x', version: '0', description: '' }),
        shutdown: () => undefined,
      },
    });
    servers.push(server);
    expect(server.address.network).toBe('tcp');
    expect(server.bindFailures).toHaveLength(1);
    server.setServing(false);
    expect(await callUnary(healthService(), server.address, 'check', { service: 'plugin' })).toEqual({
      ok: true,
      value: { status: 'NOT_SERVING' },
    });
  });
});
