import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { ApiServer } from '../../src/api/serve.js';
import type { SupervisorEvent } from '../../src/model/events.js';
import { serveApi } from '../helpers/api-server.js';

const servers: ApiServer[] = [];
const sockets: Socket[] = [];
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

const serve = async (options: Parameters<typeof serveApi>[0] = {}) => {
  const served = await serveApi({ token: null, ...options });
  servers.push(served.server);
  return served;
};

const open = (port: number, localAddress?: string): Socket => {
  const socket = connect({ host: '127.0.0.1', port, ...(localAddress === undefined ? {} : { localAddress }) });
  sockets.push(socket);
  return socket;
};

/** Resolves with the ms from now until the server closes the socket, or null after `limitMs`. */
const timeUntilClosed = (socket: Socket, limitMs: number): Promise<number | null> =>
  new Promise((resolve) => {
    const started = performance.now();
    const timer = setTimeout(() => resolve(null), limitMs);
    socket.on('error', () => {});
    socket.once('close', () => {
      clearTimeout(timer);
      resolve(performance.now() - started);
    });
  });

/** Reads a socket (resumed) until its text matches, or `limitMs` pass. */
const readUntil = (socket: Socket, match: RegExp, limitMs: number): Promise<string> =>
  new Promise((resolve, reject) => {
    let text = '';
    const timer = setTimeout(
      () => reject(new Error(`no ${String(match)} within ${limitMs} ms; got ${JSON.stringify(text.slice(0, 200))}`)),
      limitMs,
    );
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      text += chunk;
      if (match.test(text)) {
        clearTimeout(timer);
        resolve(text);
      }
    });
  });

const askForEvents = (socket: Socket) => socket.write('GET /events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');

const bigTransition = (reason: string): SupervisorEvent => ({
  type: 'transition',
  plugin: 'greeter',
  from: 'healthy',
  to: 'degraded',
  reason,
  at: Date.now(),
  restarts: 0,
  restartCount: 0,
});

describe('a client trickling its request in', () => {
  it('is cut within 5 s and a little (the headers timeout), not 30', async () => {
    const { server } = await serve();
    const socket = open(server.port);
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.write('GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n');
    // One header byte a second: never a whole request, always some traffic.
    let sent = 0;
    const trickle = setInterval(() => {
      if (!socket.destroyed && sent < 40) socket.write(sent++ % 2 === 0 ? 'X' : '-');
    }, 1_000);
    const closedAfter = await timeUntilClosed(socket, 20_000);
    clearInterval(trickle);
    console.log(`a trickling client was cut after ${closedAfter === null ? 'more than 20 s' : `${(closedAfter / 1_000).toFixed(2)} s`}`);
    expect(closedAfter).not.toBeNull();
    expect(closedAfter).toBeGreaterThan(4_000);
    expect(closedAfter).toBeLessThan(7_500);
  });

  it('is cut within 5 s and a little when it sends nothing at all', async () => {
    const { server } = await serve();
    const socket = open(server.port);
    const closedAfter = await timeUntilClosed(socket, 20_000);
    console.log(`a silent client was cut after ${closedAfter === null ? 'more than 20 s' : `${(closedAfter / 1_000).toFixed(2)} s`}`);
    expect(closedAfter).not.toBeNull();
    expect(closedAfter).toBeLessThan(7_500);
  });
});

describe('a client trickling its body in', () => {
  it('is cut at the request timeout, not 30 s later', async () => {
    const { server } = await serve({ server: { requestTimeoutMs: 2_000 } });
    const socket = open(server.port);
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.write('POST /plugins/restart HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{');
    let sent = 0;
    const trickle = setInterval(() => {
      if (!socket.destroyed && sent++ < 40) socket.write(' ');
    }, 500);
    const closedAfter = await timeUntilClosed(socket, 20_000);
    clearInterval(trickle);
    console.log(
      `a client trickling its body was cut after ${closedAfter === null ? 'more than 20 s' : `${(closedAfter / 1_000).toFixed(2)} s`} (requestTimeout 2 s)`,
    );
    expect(closedAfter).not.toBeNull();
    expect(closedAfter).toBeLessThan(4_500);
  });
});

describe('event streams', () => {
  it('from one address that never read leave room for a reader from another address', async () => {
    const { server } = await serve();
    const deaf: Socket[] = [];
    for (let index = 0; index < 64; index++) {
      const socket = open(server.port);
      socket.pause();
      askForEvents(socket);
      deaf.push(socket);
    }
    // Give the server time to take all 64.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const reader = open(server.port, '127.0.0.2');
    askForEvents(reader);
    const text = await readUntil(reader, /event: hello/, 10_000);
    expect(text).toMatch(/^HTTP\/1\.1 200/);
  });

  it('refuses more streams from one address than its share, with 429', async () => {
    const { server } = await serve({ events: { maxClientsPerAddress: 2 } });
    for (let index = 0; index < 2; index++) {
      const socket = open(server.port);
      askForEvents(socket);
      await readUntil(socket, /event: hello/, 10_000);
    }
    const third = await fetch(`${server.url}/events`);
    expect(third.status).toBe(429);
    expect(((await third.json()) as { error: { code: string } }).error.code).toBe('too_many_streams');
  });

  it('cuts clients that stopped reading within seconds, and a new reader from their address gets in', async () => {
    const { server, backend } = await serve({ events: { maxClientsPerAddress: 4, stallMs: 2_000 } });
    const deaf: Socket[] = [];
    for (let index = 0; index < 4; index++) {
      const socket = open(server.port);
      askForEvents(socket);
      await readUntil(socket, /event: hello/, 10_000);
      socket.removeAllListeners('data');
      socket.pause();
      deaf.push(socket);
    }
    expect((await fetch(`${server.url}/events`)).status).toBe(429);
    // Enough to fill their socket buffers, well short of the 1,000 events that would overflow their queues.
    const big = 'x'.repeat(256 * 1024);
    const started = performance.now();
    for (let batch = 0; batch < 40; batch++) {
      backend.bus.publish(bigTransition(big));
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    // The server lets go of them: a new reader from the same address gets a place.
    let status = 429;
    for (let attempt = 0; attempt < 60 && status !== 200; attempt++) {
      const response = await fetch(`${server.url}/events`, { signal: AbortSignal.timeout(5_000) });
      status = response.status;
      await response.body?.cancel();
      if (status !== 200) await new Promise((resolve) => setTimeout(resolve, 250));
    }
    const seconds = (performance.now() - started) / 1_000;
    console.log(`a place for a new reader ${seconds.toFixed(1)} s after the first big event (stallMs 2 s)`);
    expect(status).toBe(200);
    expect(seconds).toBeLessThan(12);
    // The others are cut by the server's own sweep, stallMs after they stalled: once they read, they find
    // the end of their stream, far short of the 10 MB sent.
    await new Promise((resolve) => setTimeout(resolve, 4_000));
    const received = deaf.map(() => 0);
    const ends = deaf.map((socket, index) => {
      socket.on('data', (chunk: string) => (received[index] = (received[index] ?? 0) + chunk.length));
      return timeUntilClosed(socket, 15_000);
    });
    for (const socket of deaf) socket.resume();
    expect((await Promise.all(ends)).every((ms) => ms !== null)).toBe(true);
    for (const bytes of received) expect(bytes).toBeLessThan(40 * big.length);
  });
});
