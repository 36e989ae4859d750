import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import * as grpc from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import { isHaleError } from '../../src/errors.js';
import { maxWatchers, startHealthServer, type HealthServer } from '../../src/grpc/health-server.js';
import { createServingSource } from '../../src/supervisor/serving-status.js';
import type { ServingSource } from '../../src/grpc/serving-source.js';
import { createHealthClient, until, type HealthClient } from '../helpers/health-client.js';
import { repoRoot } from '../helpers/paths.js';
import { within } from '../helpers/plugin-child.js';
import { createServingSupervisor, type ServingSupervisor } from '../helpers/serving-supervisor.js';
import { buildPluginStatus } from '../helpers/status-builder.js';

const cleanups: Array<() => unknown> = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface Running {
  supervisor: ServingSupervisor;
  source: ServingSource;
  server: HealthServer;
  client: HealthClient;
}

const serve = async (supervisor: ServingSupervisor, address = '127.0.0.1:0'): Promise<Running> => {
  const source = createServingSource(supervisor);
  cleanups.push(() => source.close());
  const server = await startHealthServer({ address, source });
  cleanups.push(() => server.close());
  const client = createHealthClient(server.address);
  cleanups.push(() => client.close());
  return { supervisor, source, server, client };
};

const start = () => serve(createServingSupervisor([buildPluginStatus('greeter'), buildPluginStatus('flaky', { critical: false })]));

describe('the gRPC health server', () => {
  it('binds port 0 to a port of its own and answers Check for "" and each plugin', async () => {
    const { server, client } = await start();
    expect(server.address).toMatch(/^127\.0\.0\.1:[1-9]\d*$/);
    expect(await client.check('')).toEqual({ ok: true, status: 'SERVING' });
    expect(await client.check('greeter')).toEqual({ ok: true, status: 'SERVING' });
    expect(await client.check('flaky')).toEqual({ ok: true, status: 'SERVING' });
  });

  it('answers NOT_FOUND for an unknown name, naming it', async () => {
    const { client } = await start();
    const answer = await client.check('nope');
    expect(answer).toMatchObject({ ok: false, code: grpc.status.NOT_FOUND });
    expect(answer.ok ? '' : answer.details).toContain('"nope"');
  });

  it('"" follows readiness: a critical plugin down, not a non-critical one, and shutting down', async () => {
    const { supervisor, client } = await start();
    supervisor.transition('flaky', 'failed');
    expect(await client.check('flaky')).toEqual({ ok: true, status: 'NOT_SERVING' });
    expect(await client.check('')).toEqual({ ok: true, status: 'SERVING' });

    supervisor.transition('greeter', 'unhealthy');
    expect(await client.check('greeter')).toEqual({ ok: true, status: 'NOT_SERVING' });
    expect(await client.check('')).toEqual({ ok: true, status: 'NOT_SERVING' });

    supervisor.transition('greeter', 'degraded');
    expect(await client.check('')).toEqual({ ok: true, status: 'SERVING' });

    supervisor.stop();
    expect(await client.check('')).toEqual({ ok: true, status: 'NOT_SERVING' });
    expect(await client.check('greeter')).toEqual({ ok: true, status: 'SERVING' });
  });

  it('lists every known service', async () => {
    const { supervisor, client } = await start();
    supervisor.transition('flaky', 'restarting');
    expect(await client.list()).toEqual({ '': 'SERVING', greeter: 'SERVING', flaky: 'NOT_SERVING' });
  });

  it('Watch sends the status at once, then each change, never the same twice in a row', async () => {
    const { supervisor, client } = await start();
    const watch = client.watch('greeter');
    expect(await watch.next()).toBe('SERVING');
    supervisor.transition('greeter', 'unhealthy');
    expect(await watch.next()).toBe('NOT_SERVING');
    supervisor.transition('greeter', 'restarting');
    supervisor.check('greeter');
    supervisor.transition('greeter', 'unknown');
    supervisor.transition('greeter', 'degraded');
    expect(await watch.next()).toBe('SERVING');
    supervisor.transition('greeter', 'healthy');
    supervisor.transition('greeter', 'failed');
    expect(await watch.next()).toBe('NOT_SERVING');
    expect(watch.received).toEqual(['SERVING', 'NOT_SERVING', 'SERVING', 'NOT_SERVING']);
  });

  it('Watch of "" follows the supervisor', async () => {
    const { supervisor, client } = await start();
    const watch = client.watch('');
    expect(await watch.next()).toBe('SERVING');
    supervisor.transition('flaky', 'failed');
    supervisor.transition('greeter', 'unhealthy');
    expect(await watch.next()).toBe('NOT_SERVING');
    expect(watch.received).toEqual(['SERVING', 'NOT_SERVING']);
  });

  it('Watch of an unknown name gets SERVICE_UNKNOWN, stays open, and gets SERVING when a reload adds it', async () => {
    const { supervisor, client } = await start();
    const watch = client.watch('echo');
    expect(await watch.next()).toBe('SERVICE_UNKNOWN');
    supervisor.reload([buildPluginStatus('greeter'), buildPluginStatus('flaky', { critical: false }), buildPluginStatus('echo')]);
    expect(await watch.next()).toBe('SERVING');
    expect(await client.check('echo')).toEqual({ ok: true, status: 'SERVING' });
  });

  it('Watch of a plugin a reload removed gets SERVICE_UNKNOWN and stays open', async () => {
    const { supervisor, client } = await start();
    const watch = client.watch('flaky');
    expect(await watch.next()).toBe('SERVING');
    supervisor.reload([buildPluginStatus('greeter')]);
    expect(await watch.next()).toBe('SERVICE_UNKNOWN');
    expect((await client.check('flaky')).ok).toBe(false);
    supervisor.reload([buildPluginStatus('greeter'), buildPluginStatus('flaky', { state: 'unknown', critical: false })]);
    expect(await watch.next()).toBe('NOT_SERVING');
  });

  it('forgets a cancelled Watch at once', async () => {
    const { server, client } = await start();
    const watches = [client.watch('greeter'), client.watch(''), client.watch('nope')];
    for (const watch of watches) await watch.next();
    expect(server.watchers()).toBe(3);
    watches[0]?.cancel();
    await until('two watchers left', () => server.watchers() === 2);
    for (const watch of watches) watch.cancel();
    await until('no watcher left', () => server.watchers() === 0);
    expect((await watches[1]?.ended)?.code).toBe(grpc.status.CANCELLED);
  });

  it(`refuses Watch number ${maxWatchers + 1} with RESOURCE_EXHAUSTED, and takes one again once a slot is free`, async () => {
    const { server, client } = await start();
    const watches = Array.from({ length: maxWatchers }, () => client.watch('greeter'));
    await Promise.all(watches.map((watch) => watch.next(15_000)));
    expect(server.watchers()).toBe(maxWatchers);
    const refused = client.watch('greeter');
    expect((await within(refused.ended, 5_000, 'the refusal')).code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    watches[0]?.cancel();
    await until('a free slot', () => server.watchers() === maxWatchers - 1);
    const late = client.watch('greeter');
    expect(await late.next()).toBe('SERVING');
    for (const watch of [...watches, late]) watch.cancel();
    await until('no watcher left', () => server.watchers() === 0, 10_000);
  });

  it('close() ends every open Watch stream and stops the server', async () => {
    const { server, client } = await start();
    const watches = [client.watch('greeter'), client.watch('nope')];
    for (const watch of watches) await watch.next();
    await within(server.close(), 5_000, 'close()');
    for (const watch of watches) {
      const ended = await within(watch.ended, 5_000, 'the end of the Watch stream');
      expect(ended).toMatchObject({ code: grpc.status.UNAVAILABLE, details: 'the health service is closing' });
    }
    expect(server.watchers()).toBe(0);
    expect((await client.check('')).ok).toBe(false);
  });

  it('serves on a unix socket', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hale-health-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const address = `unix:${dir}/health.sock`;
    const { server, client } = await serve(createServingSupervisor([buildPluginStatus('greeter')]), address);
    expect(server.address).toBe(address);
    expect(await client.check('greeter')).toEqual({ ok: true, status: 'SERVING' });
  });

  it('rejects with listen_failed, naming the address, when the port is taken', async () => {
    const taken: Server = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise((resolve) => taken.close(resolve)));
    const port = (taken.address() as { port: number }).port;
    const source = createServingSource(createServingSupervisor([]));
    cleanups.push(() => source.close());
    const error: unknown = await startHealthServer({ address: `127.0.0.1:${port}`, source }).then(
      (server) => server.close().then(() => 'it bound'),
      (e: unknown) => e,
    );
    expect(isHaleError(error, 'listen_failed')).toBe(true);
    expect((error as Error).message).toMatch(new RegExp(`^cannot serve gRPC health on 127\\.0\\.0\\.1:${port}: listen EADDRINUSE`));
    expect((error as Error).cause).toBeInstanceOf(Error);
  });
});

describe('examples/watch-client.ts', () => {
  const runWatchClient = (address: string, service: string) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'examples/watch-client.ts', address, service], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.once('exit', (code, signal) => resolve({ code, signal })),
    );
    cleanups.push(async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    });
    const lines: string[] = [];
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    let wake = () => {};
    createInterface({ input: child.stdout }).on('line', (line) => {
      lines.push(line);
      wake();
    });
    const line = (count: number, timeoutMs = 15_000): Promise<string> =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(
          () =>
            reject(
              new Error(
                `watch-client printed ${lines.length} lines, not ${count}, within ${timeoutMs} ms: ${JSON.stringify(lines)}\nstderr: ${stderr}`,
              ),
            ),
          timeoutMs,
        );
        wake = () => {
          const found = lines[count - 1];
          if (found === undefined) return;
          clearTimeout(timer);
          resolve(found);
        };
        wake();
      });
    return { child, lines, line, exited };
  };

  it('prints each change, watches again after the server went away, and exits 0 on SIGTERM', async () => {
    const supervisor = createServingSupervisor([buildPluginStatus('greeter'), buildPluginStatus('flaky', { critical: false })]);
    const { server } = await serve(supervisor);
    const client = runWatchClient(server.address, 'greeter');
    expect(await client.line(1)).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z greeter SERVING$/);

    supervisor.transition('flaky', 'failed');
    supervisor.transition('greeter', 'unhealthy');
    expect(await client.line(2)).toMatch(/Z greeter NOT_SERVING$/);
    supervisor.transition('greeter', 'healthy');
    expect(await client.line(3)).toMatch(/Z greeter SERVING$/);

    // A new server on the same port, where greeter is down: the client finds it and says so.
    await server.close();
    const again = createServingSupervisor([buildPluginStatus('greeter', { state: 'restarting' })]);
    await serve(again, server.address);
    expect(await client.line(4)).toMatch(/Z greeter NOT_SERVING$/);

    client.child.kill('SIGTERM');
    expect(await within(client.exited, 10_000, 'the exit of watch-client')).toEqual({ code: 0, signal: null });
    expect(client.lines).toHaveLength(4);
  });

  it('exits 0 on SIGINT too', async () => {
    const { server } = await start();
    const client = runWatchClient(server.address, '');
    expect(await client.line(1)).toMatch(/Z "" SERVING$/);
    client.child.kill('SIGINT');
    expect(await within(client.exited, 10_000, 'the exit of watch-client')).toEqual({ code: 0, signal: null });
  });
});
