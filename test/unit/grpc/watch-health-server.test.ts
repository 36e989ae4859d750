import * as grpc from '@grpc/grpc-js';
import { afterEach, describe, expect, test } from 'vitest';
import { startPluginServer, type PluginServer } from '../../../src/grpc/plugin-server.js';
import { createPluginClient } from '../../../src/grpc/plugin-client.js';
import { createHealthWatches, toWatchInterval } from '../../../src/grpc/health-watch-call.js';
import { pluginServiceImplementation, toHealthCheckResponse } from '../../../src/grpc/plugin-service-server.js';
import { pluginService } from '../../../src/grpc/proto.js';
import { readHealth } from '../../../src/sdk/health-input.js';
import type { HealthReportInput } from '../../../src/sdk/types.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A plugin's health() that the test steers, counting its runs and resolving `nextRun` on each. */
const steeredHealth = (initial: HealthReportInput) => {
  let current: HealthReportInput | Error = initial;
  let runs = 0;
  let waiters: { count: number; resolve: () => void }[] = [];
  return {
    set: (next: HealthReportInput | Error) => void (current = next),
    runs: () => runs,
    /** Resolves once health() has run `count` times in all. */
    runsReach: (count: number) =>
      new Promise<void>((resolve) => {
        if (runs >= count) resolve();
        else waiters.push({ count, resolve });
      }),
    health: () => {
      runs += 1;
      waiters = waiters.filter((w) => (w.count <= runs ? (w.resolve(), false) : true));
      if (current instanceof Error) throw current;
      return current;
    },
  };
};

const startWith = async (health: () => HealthReportInput): Promise<PluginServer> => {
  const server = await startPluginServer({
    listen: [{ network: 'tcp', address: '127.0.0.1:0' }],
    handlers: { healthCheck: () => readHealth(health), getInfo: () => ({ name: 't', version: '1', description: '' }), shutdown: () => {} },
  });
  cleanups.push(() => server.shutdown(100));
  return server;
};

/** A plugin server whose health() takes `delayMs()` and always says the same words; counts its runs. */
const startTimedServer = async (delayMs: () => number) => {
  let runs = 0;
  let onRun: () => void = () => {};
  const server = await startPluginServer({
    listen: [{ network: 'tcp', address: '127.0.0.1:0' }],
    handlers: {
      healthCheck: async () => {
        const ms = delayMs();
        if (ms > 0) await new Promise((r) => setTimeout(r, ms));
        runs += 1;
        onRun();
        return { status: 'healthy', message: 'same words', components: [] };
      },
      getInfo: () => ({ name: 't', version: '1', description: '' }),
      shutdown: () => {},
    },
  });
  cleanups.push(() => server.shutdown(100));
  return {
    address: server.address.address,
    runs: () => runs,
    /** Resolves once health() has run `count` times in all. */
    runsReach: (count: number) => new Promise<void>((resolve) => (onRun = () => runs >= count && resolve())),
  };
};

/** A raw grpc-js WatchHealth stream that records every message as it comes. */
const openRawWatch = (target: string, intervalMs: number, slowAfterMs = 0) => {
  const Client = pluginService();
  const client = new Client(target, grpc.credentials.createInsecure());
  const messages: { status: string; message: string; latencyMs: number }[] = [];
  let onMessage: () => void = () => {};
  const call = (
    client.watchHealth as unknown as (r: object) => grpc.ClientReadableStream<{ status: string; message: string; latencyMs: number }>
  ).call(client, { intervalMs, slowAfterMs });
  call.on('data', (m: { status: string; message: string; latencyMs: number }) => {
    messages.push(m);
    onMessage();
  });
  call.on('error', () => {});
  const ended = new Promise<grpc.StatusObject>((resolve) => call.on('status', resolve));
  cleanups.push(() => client.close());
  return {
    messages,
    ended,
    cancel: () => call.cancel(),
    /** Resolves once `count` messages have come. */
    messagesReach: (count: number) =>
      new Promise<void>((resolve) => {
        const check = (): void => {
          if (messages.length >= count) resolve();
        };
        onMessage = check;
        check();
      }),
  };
};

describe('WatchHealth in the SDK', () => {
  test('interval_ms: 0 is 1 s, and the rest is held between 100 ms and 1 h', () => {
    expect([toWatchInterval(0), toWatchInterval(undefined), toWatchInterval(5), toWatchInterval(250), toWatchInterval(2 ** 32)]).toEqual([
      1_000, 1_000, 100, 250, 3_600_000,
    ]);
  });

  test('the current status at once, then only changes: a latency-only change sends nothing', async () => {
    const steer = steeredHealth({ status: 'healthy', components: [{ name: 'db', status: 'healthy', latencyMs: 1 }] });
    const server = await startWith(steer.health);
    const started = performance.now();
    const watch = openRawWatch(server.address.address, 100);
    await watch.messagesReach(1);
    // The first answer does not wait for an interval.
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(watch.messages[0]?.status).toBe('HEALTHY');

    steer.set({ status: 'healthy', components: [{ name: 'db', status: 'healthy', latencyMs: 50 }] });
    await steer.runsReach(steer.runs() + 3);
    expect(watch.messages).toHaveLength(1);

    steer.set({ status: 'unhealthy', message: 'db down' });
    await watch.messagesReach(2);
    expect(watch.messages[1]).toMatchObject({ status: 'UNHEALTHY', message: 'db down' });
    await steer.runsReach(steer.runs() + 2);
    expect(watch.messages).toHaveLength(2);

    steer.set(new Error('boom'));
    await watch.messagesReach(3);
    expect(watch.messages[2]).toMatchObject({ status: 'UNHEALTHY', message: 'health() failed: boom' });
  });

  test('slow_after_ms: a run slower than it is news, and so is the next quick one; every message says how long its run took', async () => {
    let delayMs = 0;
    const timed = await startTimedServer(() => delayMs);
    const watch = openRawWatch(timed.address, 100, 80);
    await watch.messagesReach(1);
    expect(watch.messages[0]?.latencyMs).toBeLessThan(80);
    await timed.runsReach(timed.runs() + 2);
    expect(watch.messages).toHaveLength(1);

    delayMs = 150;
    await watch.messagesReach(2);
    expect(watch.messages[1]).toMatchObject({ status: 'HEALTHY', message: 'same words' });
    expect(watch.messages[1]?.latencyMs).toBeGreaterThanOrEqual(140);
    // Slow again is no news.
    await timed.runsReach(timed.runs() + 2);
    expect(watch.messages).toHaveLength(2);

    delayMs = 0;
    await watch.messagesReach(3);
    expect(watch.messages[2]?.latencyMs).toBeLessThan(80);
  });

  test('without slow_after_ms a slow run is no news', async () => {
    const timed = await startTimedServer(() => (timed.runs() === 0 ? 0 : 150));
    const watch = openRawWatch(timed.address, 100);
    await timed.runsReach(4);
    expect(watch.messages).toHaveLength(1);
  });

  test('a slow health() delays the next run, never overlaps it', async () => {
    let running = 0;
    let most = 0;
    let runs = 0;
    let reachedThree: () => void = () => {};
    const three = new Promise<void>((resolve) => (reachedThree = resolve));
    const server = await startPluginServer({
      listen: [{ network: 'tcp', address: '127.0.0.1:0' }],
      handlers: {
        healthCheck: async () => {
          running += 1;
          most = Math.max(most, running);
          await new Promise((r) => setTimeout(r, 250));
          running -= 1;
          runs += 1;
          if (runs === 3) reachedThree();
          return { status: 'healthy', message: '', components: [] };
        },
        getInfo: () => ({ name: 't', version: '1', description: '' }),
        shutdown: () => {},
      },
    });
    cleanups.push(() => server.shutdown(100));
    openRawWatch(server.address.address, 100);
    await three;
    expect(most).toBe(1);
  });

  test('two streams each get their own first message, and HealthCheck still answers', async () => {
    const steer = steeredHealth({ status: 'degraded', message: 'warming' });
    const server = await startWith(steer.health);
    const first = openRawWatch(server.address.address, 100);
    await first.messagesReach(1);
    const second = openRawWatch(server.address.address, 100);
    await second.messagesReach(1);
    expect([first.messages[0]?.status, second.messages[0]?.status]).toEqual(['DEGRADED', 'DEGRADED']);
    const client = createPluginClient(server.address);
    cleanups.push(() => client.close());
    expect(await client.healthCheck(2_000)).toMatchObject({ ok: true, value: { status: 'degraded', message: 'warming' } });
  });

  test("a cancelled stream stops the plugin's timer: no more health() runs", async () => {
    const steer = steeredHealth({ status: 'healthy' });
    const watches = createHealthWatches(() => readHealth(steer.health), toHealthCheckResponse);
    const server = new grpc.Server();
    const handlers = {
      healthCheck: () => readHealth(steer.health),
      getInfo: () => ({ name: 't', version: '1', description: '' }),
      shutdown: () => {},
    };
    server.addService(pluginService().service, pluginServiceImplementation(handlers, watches));
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))),
    );
    cleanups.push(() => server.forceShutdown());
    const watch = openRawWatch(`127.0.0.1:${port}`, 100);
    await steer.runsReach(3);
    expect(watches.openCount()).toBe(1);
    watch.cancel();
    // The server hears the cancel within a few turns; bounded in count and time.
    for (let i = 0; i < 200 && watches.openCount() > 0; i += 1) await new Promise((r) => setTimeout(r, 5));
    expect(watches.openCount()).toBe(0);
    const runsAtCancel = steer.runs();
    // Three intervals with no run: the timer is gone (a live one would have run three times).
    await new Promise((r) => setTimeout(r, 350));
    expect(steer.runs()).toBe(runsAtCancel);
  });

  test('a graceful stop with open streams finishes promptly, and each stream ends once, cleanly', async () => {
    const steer = steeredHealth({ status: 'healthy' });
    const server = await startWith(steer.health);
    const client = createPluginClient(server.address);
    cleanups.push(() => client.close());
    const ends: unknown[] = [];
    const reports: string[] = [];
    const ended = new Promise<void>((resolve) => {
      client.watchHealth(100, {
        report: (r) => reports.push(r.status),
        end: (failure) => {
          ends.push(failure);
          resolve();
        },
      });
    });
    const raw = openRawWatch(server.address.address, 100);
    await raw.messagesReach(1);
    await steer.runsReach(3);
    expect(reports).toEqual(['healthy']);
    const started = performance.now();
    await server.shutdown(5_000);
    const tookMs = performance.now() - started;
    await ended;
    expect(tookMs).toBeLessThan(1_000);
    expect((await raw.ended).code).toBe(grpc.status.OK);
    expect(ends).toEqual([{ ok: false, kind: 'unavailable', message: 'the plugin ended its health stream' }]);
    await new Promise((r) => setTimeout(r, 50));
    expect(ends).toHaveLength(1);
  });
});
