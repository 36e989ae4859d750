import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:http2';
import { createInterface } from 'node:readline';
import * as grpc from '@grpc/grpc-js';
import { HealthImplementation } from 'grpc-health-check';
import { afterEach, describe, expect, test } from 'vitest';
import { createHealthClient, type ServingStatus } from '../../../src/grpc/health-client.js';
import { createPluginClient, watchLimits, type CallFailure } from '../../../src/grpc/plugin-client.js';
import { toUnaryCall } from '../../../src/grpc/unary-call.js';
import { pluginService } from '../../../src/grpc/proto.js';
import type { HealthReport } from '../../../src/model/health-report.js';
import { fixture } from '../../helpers/paths.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const bindServer = async (server: grpc.Server): Promise<string> => {
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))),
  );
  cleanups.push(() => server.forceShutdown());
  return `127.0.0.1:${port}`;
};

/** A listener that records everything and lets a test await the end. */
const recordingListener = <T>() => {
  const values: T[] = [];
  const ends: CallFailure[] = [];
  let waiter: { count: number; resolve: () => void } | null = null;
  let resolveEnd: (failure: CallFailure) => void = () => {};
  const ended = new Promise<CallFailure>((resolve) => (resolveEnd = resolve));
  const record = (value: T): void => {
    values.push(value);
    if (waiter !== null && values.length >= waiter.count) waiter.resolve();
  };
  return {
    values,
    ends,
    ended,
    /** Resolves once `count` values have come. */
    valuesReach: (count: number) =>
      new Promise<void>((resolve) => {
        if (values.length >= count) resolve();
        else waiter = { count, resolve };
      }),
    report: (value: T) => record(value),
    status: (value: T) => record(value),
    end: (failure: CallFailure) => {
      ends.push(failure);
      resolveEnd(failure);
    },
  };
};

/** The fixture's node:http2 server in its own process; resolves with its port and a way to wait for a stream. */
const startSilentServer = async (mode: 'plain' | 'calm') => {
  const child: ChildProcess = spawn(process.execPath, [fixture('silent-http2-server.mjs'), mode], { stdio: ['ignore', 'pipe', 'inherit'] });
  cleanups.push(() => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    process.kill(child.pid!, 'SIGCONT');
    child.kill('SIGKILL');
  });
  const lines = createInterface({ input: child.stdout! });
  const waiting: ((line: string) => void)[] = [];
  lines.on('line', (line) => waiting.shift()?.(line));
  const nextLine = (): Promise<string> => new Promise((resolve) => waiting.push(resolve));
  const port = await nextLine();
  return { child, port, nextLine };
};

describe("a plugin's pushed health, as hale reads it", () => {
  test('UNIMPLEMENTED from a server that serves only HealthCheck: an error that says so', async () => {
    const server = new grpc.Server();
    server.addService(pluginService().service, { HealthCheck: toUnaryCall(() => ({ status: 'HEALTHY' })) });
    const target = await bindServer(server);
    const client = createPluginClient({ network: 'tcp', address: target });
    cleanups.push(() => client.close());
    const listener = recordingListener<HealthReport>();
    client.watchHealth(1_000, listener);
    const end = await listener.ended;
    expect(end).toMatchObject({ ok: false, kind: 'error', status: 'UNIMPLEMENTED' });
    expect(await client.healthCheck(2_000)).toMatchObject({ ok: true, value: { status: 'healthy' } });
    expect(listener.ends).toHaveLength(1);
  });

  test('a flood of 2,000 messages reaches the listener as a bounded number of reports, the texts cut as for HealthCheck', async () => {
    const total = 2_000;
    const server = new grpc.Server();
    server.addService(pluginService().service, {
      WatchHealth: (call: grpc.ServerWritableStream<unknown, object>) => {
        let i = 0;
        const pump = (): void => {
          while (i < total) {
            i += 1;
            if (!call.write({ status: i === total ? 'DEGRADED' : 'HEALTHY', message: `${i}${'x'.repeat(2_000)}` })) {
              call.once('drain', pump);
              return;
            }
          }
          call.end();
        };
        pump();
      },
    });
    const target = await bindServer(server);
    const client = createPluginClient({ network: 'tcp', address: target });
    cleanups.push(() => client.close());
    const listener = recordingListener<HealthReport>();
    const started = performance.now();
    client.watchHealth(100, listener);
    const end = await listener.ended;
    const elapsedMs = performance.now() - started;
    console.log(`flood: ${total} messages in ${Math.round(elapsedMs)} ms, ${listener.values.length} reports delivered`);
    expect(end).toEqual({ ok: false, kind: 'unavailable', message: 'the plugin ended its health stream' });
    // At most one report per minGapMs, whatever the plugin sends.
    expect(listener.values.length).toBeLessThanOrEqual(Math.ceil(elapsedMs / watchLimits.minGapMs) + 5);
    expect(listener.values.length).toBeLessThan(total / 10);
    // The latest is what is delivered: the stream's last message comes last.
    expect(listener.values.at(-1)?.status).toBe('degraded');
    expect(Buffer.byteLength(listener.values[0]?.message ?? '')).toBeLessThanOrEqual(1_024 + 3);
  });

  test('a pushed change reaches the listener in well under 5 ms (same process: write to report)', async () => {
    const count = 40;
    const server = new grpc.Server();
    server.addService(pluginService().service, {
      WatchHealth: (call: grpc.ServerWritableStream<unknown, object>) => {
        let i = 0;
        const next = (): void => {
          i += 1;
          if (i > count) return void call.end();
          call.write({ status: i % 2 === 0 ? 'HEALTHY' : 'UNHEALTHY', message: String(performance.now()) });
          setTimeout(next, 25);
        };
        next();
      },
    });
    const target = await bindServer(server);
    const client = createPluginClient({ network: 'tcp', address: target });
    cleanups.push(() => client.close());
    const latencies: number[] = [];
    const listener = recordingListener<HealthReport>();
    client.watchHealth(100, { report: (r) => latencies.push(performance.now() - Number(r.message)), end: listener.end });
    await listener.ended;
    expect(latencies).toHaveLength(count);
    // The first message also pays for the connection and the call's start.
    latencies.shift();
    latencies.sort((a, b) => a - b);
    const at = (q: number): number => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? Infinity;
    console.log(`push latency over ${latencies.length} changes: p50 ${at(0.5).toFixed(2)} ms, p99 ${at(0.99).toFixed(2)} ms`);
    expect(at(0.5)).toBeLessThan(5);
  });

  test('keepalive: a SIGSTOPped peer ends the stream within about a ping time and timeout; without keepalive, it does not', async () => {
    const peer = await startSilentServer('plain');
    const target = { network: 'tcp' as const, address: `127.0.0.1:${peer.port}` };
    const withPings = createPluginClient(target, { keepalive: { timeMs: 200, timeoutMs: 200 } });
    const withoutPings = createPluginClient(target);
    cleanups.push(
      () => withPings.close(),
      () => withoutPings.close(),
    );
    const pinged = recordingListener<HealthReport>();
    const unpinged = recordingListener<HealthReport>();
    withPings.watchHealth(1_000, pinged);
    await peer.nextLine();
    withoutPings.watchHealth(1_000, unpinged);
    await peer.nextLine();
    process.kill(peer.child.pid!, 'SIGSTOP');
    const stoppedAt = performance.now();
    const end = await Promise.race([pinged.ended, new Promise((r) => setTimeout(() => r('no end within 2 s'), 2_000))]);
    const tookMs = performance.now() - stoppedAt;
    console.log(`keepalive {timeMs: 200, timeoutMs: 200}: SIGSTOP → end in ${Math.round(tookMs)} ms`);
    expect(end).toEqual({
      ok: false,
      kind: 'unavailable',
      message: 'the connection dropped: no answer to a keepalive ping within 200ms, or the peer closed it',
    });
    // A ping is due within timeMs, and unanswered after timeoutMs more.
    expect(tookMs).toBeLessThan(1_000);
    expect(unpinged.ends).toEqual([]);
    process.kill(peer.child.pid!, 'SIGCONT');
  });

  test('keepalive: a peer that answers a PING with GOAWAY too_many_pings ends the stream with that reason', async () => {
    const peer = await startSilentServer('calm');
    const client = createPluginClient(
      { network: 'tcp', address: `127.0.0.1:${peer.port}` },
      { keepalive: { timeMs: 200, timeoutMs: 200 } },
    );
    cleanups.push(() => client.close());
    const listener = recordingListener<HealthReport>();
    client.watchHealth(1_000, listener);
    expect(await listener.ended).toMatchObject({ ok: false, kind: 'unavailable', reason: 'too_many_pings' });
  });

  test('keepalive pings go out only while a stream is open (permit_without_calls 0)', async () => {
    const server = createServer();
    let pings = 0;
    server.on('session', (session) => session.on('ping', () => (pings += 1)));
    server.on('stream', (stream) => stream.respond({ ':status': 200, 'content-type': 'application/grpc' }));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise((resolve) => server.close(resolve)));
    const { port } = server.address() as { port: number };
    const client = createPluginClient({ network: 'tcp', address: `127.0.0.1:${port}` }, { keepalive: { timeMs: 200, timeoutMs: 1_000 } });
    cleanups.push(() => client.close());
    const window = (): Promise<void> => new Promise((r) => setTimeout(r, 1_000));

    expect(await client.waitReady(2_000)).toEqual({ ok: true, value: undefined });
    await window();
    const idle = pings;
    const cancel = client.watchHealth(1_000, recordingListener<HealthReport>());
    await window();
    const open = pings - idle;
    cancel();
    await window();
    const afterCancel = pings - idle - open;
    console.log(`pings in 1 s with timeMs 200: connected without a call ${idle}, stream open ${open}, after cancel ${afterCancel}`);
    expect(idle).toBe(0);
    expect(open).toBeGreaterThanOrEqual(3);
    expect(open).toBeLessThanOrEqual(6);
    expect(afterCancel).toBeLessThanOrEqual(1);
  });

  test('grpc.health.v1 Watch: the current status, then changes, then one end when the server stops', async () => {
    const server = new grpc.Server();
    const health = new HealthImplementation({ plugin: 'SERVING' });
    health.addToServer(server);
    const target = await bindServer(server);
    const client = createHealthClient(target, { keepalive: { timeMs: 1_000, timeoutMs: 1_000 } });
    cleanups.push(() => client.close());
    const listener = recordingListener<ServingStatus>();
    client.watch('plugin', listener);
    await listener.valuesReach(1);
    health.setStatus('plugin', 'NOT_SERVING');
    await listener.valuesReach(2);
    expect(listener.values).toEqual(['SERVING', 'NOT_SERVING']);
    const unknown = recordingListener<ServingStatus>();
    const cancelUnknown = client.watch('nope', unknown);
    await unknown.valuesReach(1);
    expect(unknown.values).toEqual(['SERVICE_UNKNOWN']);
    // A cancelled watch hears nothing more, not even the end of the server.
    cancelUnknown();
    server.forceShutdown();
    const end = await listener.ended;
    expect(end).toEqual({ ok: false, kind: 'unavailable', message: 'the server ended its Watch stream (cancelled)' });
    await new Promise((r) => setTimeout(r, 50));
    expect(listener.ends).toHaveLength(1);
    expect(unknown.ends).toEqual([]);
  });
});
