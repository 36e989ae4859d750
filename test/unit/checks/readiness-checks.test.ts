import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { noTarget } from '../../../src/checks/create-probe.js';
import { startReadinessChecks } from '../../../src/checks/readiness-checks.js';
import type { ReadinessConfig } from '../../../src/config/types.js';
import type { CheckRecord } from '../../../src/model/check-record.js';
import { createTimerWheel } from '../../../src/util/timer-wheel.js';

// The readiness probe on a wheel of its own, against a real TCP listener.

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

const listen = async (): Promise<{ server: Server; port: number }> => {
  const server = createServer((socket) => socket.destroy());
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return { server, port: address.port };
};

/** Resolves with the `n`-th record heard (1-based), or rejects after `timeoutMs`. */
const recorder = () => {
  const heard: CheckRecord[] = [];
  const waiters: Array<{ n: number; resolve: (record: CheckRecord) => void }> = [];
  return {
    heard,
    hear: (record: CheckRecord) => {
      heard.push(record);
      for (const waiter of waiters.filter((w) => w.n === heard.length)) waiter.resolve(record);
    },
    nth: (n: number, timeoutMs = 5_000) =>
      new Promise<CheckRecord>((resolve, reject) => {
        const found = heard[n - 1];
        if (found !== undefined) return resolve(found);
        const timer = setTimeout(
          () => reject(new Error(`record ${n} not heard within ${timeoutMs} ms (${heard.length} heard)`)),
          timeoutMs,
        );
        waiters.push({ n, resolve: (record) => (clearTimeout(timer), resolve(record)) });
      }),
  };
};

const probeOf = (port: number): ReadinessConfig => ({
  intervalMs: 100,
  timeoutMs: 500,
  failureThreshold: 1,
  successThreshold: 1,
  check: { protocol: 'tcp', host: '127.0.0.1', port, retries: 0, retryDelayMs: 100 },
});

describe('startReadinessChecks', () => {
  it('probes at once and then every interval, hears a listener close, and leaves nothing on the wheel once ended', async () => {
    const { server, port } = await listen();
    const wheel = createTimerWheel({ slotMs: 10 });
    const abort = new AbortController();
    const records = recorder();
    const schedule = startReadinessChecks(probeOf(port), noTarget, { signal: abort.signal, heard: records.hear, random: () => 0.5, wheel });
    expect((await records.nth(1)).outcome).toBe('pass');
    expect((await records.nth(2)).outcome).toBe('pass');
    await new Promise((resolve) => server.close(resolve));
    servers.splice(servers.indexOf(server), 1);
    // The next probe after the close fails: connection refused.
    const failed = await records.nth(4);
    expect(failed.outcome).toBe('fail');
    schedule.every(null);
    abort.abort();
    expect(wheel.size).toBe(0);
    const count = records.heard.length;
    // Ended: nothing more is heard, even when an answer was in flight.
    await expect(records.nth(count + 1, 400)).rejects.toThrow(/not heard/);
  });

  it('gives its deadline to the probe: a listener that never answers an HTTP request fails it within the timeout', async () => {
    // Holds every connection open and silent; they are ended with the test, so the listener can close.
    const held: Socket[] = [];
    const server = createServer((socket) => void held.push(socket));
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    const wheel = createTimerWheel({ slotMs: 10 });
    const abort = new AbortController();
    const records = recorder();
    const config: ReadinessConfig = {
      ...probeOf(address.port),
      timeoutMs: 200,
      check: { protocol: 'http', url: `http://127.0.0.1:${address.port}/ready`, field: null, headers: {}, retries: 0, retryDelayMs: 100 },
    };
    const started = Date.now();
    const schedule = startReadinessChecks(config, noTarget, { signal: abort.signal, heard: records.hear, wheel });
    const first = await records.nth(1);
    expect(first.outcome).toBe('fail');
    expect(Date.now() - started).toBeLessThan(2_000);
    schedule.every(null);
    abort.abort();
    for (const socket of held) socket.destroy();
  });
});
