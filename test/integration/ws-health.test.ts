import { connect, type Socket } from 'node:net';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { ApiServer } from '../../src/api/serve.js';
import { buildWsProtocols } from '../../src/api/ws-protocol.js';
import type { SupervisorEvent } from '../../src/model/events.js';
import { serveApi, type ServeApiOptions } from '../helpers/api-server.js';
import { mustOpenWs, openWs, type WsReader } from '../helpers/ws-client.js';

const servers: ApiServer[] = [];
const readers: WsReader[] = [];
afterEach(async () => {
  for (const reader of readers.splice(0)) reader.socket.terminate();
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

const serve = async (options: ServeApiOptions = {}) => {
  const served = await serveApi({ token: null, ...options });
  servers.push(served.server);
  const ws = (query = '') => `ws://127.0.0.1:${served.server.port}/ws/health${query}`;
  return { ...served, ws };
};

const open = async (...args: Parameters<typeof mustOpenWs>): Promise<WsReader> => {
  const reader = await mustOpenWs(...args);
  readers.push(reader);
  return reader;
};

const transition = (plugin: string, reason: string): SupervisorEvent => ({
  type: 'transition',
  plugin,
  from: 'healthy',
  to: 'unhealthy',
  reason,
  at: Date.now(),
  restarts: 0,
  restartCount: 0,
});

const failedCheck = (plugin: string): SupervisorEvent => ({
  type: 'check',
  plugin,
  generation: 1,
  check: { at: Date.now(), outcome: 'fail', failure: 'deadline', status: 'unknown', latencyMs: 3, message: 'no answer' },
});

const isTransition = (reason: string) => (m: { type: string; reason?: unknown }) => m.type === 'transition' && m.reason === reason;

describe('GET /ws/health', () => {
  it('sends a hello, then each event as one JSON message with its id and type, as /events does', async () => {
    const { ws, backend } = await serve();
    const reader = await open(ws());
    expect(reader.socket.protocol).toBe('');
    const hello = await reader.first((m) => m.type === 'hello');
    expect(hello).toMatchObject({ type: 'hello', filter: { plugins: null, types: null, checks: 'failed' } });
    backend.bus.publish(transition('greeter', 'one'));
    backend.bus.publish(transition('flaky', 'two'));
    const one = await reader.first(isTransition('one'));
    const two = await reader.first(isTransition('two'));
    expect(one).toMatchObject({ type: 'transition', plugin: 'greeter', from: 'healthy', to: 'unhealthy' });
    expect(two.id).toBe((one.id ?? 0) + 1);
    expect(one.id).toBe(Number(hello.lastId) + 1);
  });

  it('takes the filters of /events: only the plugins and types asked for, failed checks unless checks=all', async () => {
    const { ws, backend } = await serve();
    const narrow = await open(ws('?plugin=greeter&types=transition,check'));
    const all = await open(ws('?checks=all&types=check'));
    await Promise.all([narrow.first((m) => m.type === 'hello'), all.first((m) => m.type === 'hello')]);
    backend.bus.publish(transition('flaky', 'flaky-down'));
    backend.bus.publish(failedCheck('flaky'));
    backend.bus.publish(failedCheck('greeter'));
    backend.bus.publish({ type: 'spawned', plugin: 'greeter', generation: 2, pid: 42, at: Date.now() });
    backend.bus.publish(transition('greeter', 'last'));
    await narrow.first(isTransition('last'));
    expect(narrow.messages.map((m) => `${m.type}:${typeof m.plugin === 'string' ? m.plugin : ''}`)).toEqual([
      'hello:',
      'check:greeter',
      'transition:greeter',
    ]);
    await all.first((m) => m.type === 'check' && m.plugin === 'greeter');
    expect(all.messages.filter((m) => m.type !== 'hello').map((m) => `${m.type}:${typeof m.plugin === 'string' ? m.plugin : ''}`)).toEqual([
      'check:flaky',
      'check:greeter',
    ]);

    const bad = await openWs(ws('?types=nope'));
    expect(bad).toMatchObject({ ok: false, status: 400 });
    const badId = await openWs(ws('?lastEventId=12abc'));
    expect(badId).toMatchObject({ ok: false, status: 400 });
  });

  it('resumes by ?lastEventId: what came while it was away, none twice', async () => {
    const { ws, backend } = await serve();
    const first = await open(ws('?types=transition'));
    await first.first((m) => m.type === 'hello');
    backend.bus.publish(transition('greeter', 'a'));
    const seen = await first.first(isTransition('a'));
    first.socket.close();
    await first.closed;
    for (const reason of ['b', 'c']) backend.bus.publish(transition('greeter', reason));
    const again = await open(ws(`?types=transition&lastEventId=${String(seen.id)}`));
    await again.first(isTransition('c'));
    backend.bus.publish(transition('greeter', 'd'));
    await again.first(isTransition('d'));
    expect(again.messages.map((m) => (m.type === 'transition' ? m.reason : m.type))).toEqual(['hello', 'b', 'c', 'd']);
  });

  it('is refused without the token when reads need it; takes Authorization or the token as a subprotocol', async () => {
    const { ws } = await serve({ token: 's3cret', security: { protectReads: true } });
    expect(await openWs(ws())).toMatchObject({ ok: false, status: 401 });
    expect(await openWs(ws(), { headers: { Authorization: 'Bearer wrong' } })).toMatchObject({ ok: false, status: 401 });
    expect(await openWs(ws(), { protocols: buildWsProtocols('wrong') })).toMatchObject({ ok: false, status: 401 });
    // Never from the URL, where proxies log it.
    expect(await openWs(ws('?token=s3cret'))).toMatchObject({ ok: false, status: 401 });
    // Without hale.events beside it the handshake offers no protocol hale answers, and a browser would fail it.
    const byHeader = await open(ws(), { headers: { Authorization: 'Bearer s3cret' } });
    await byHeader.first((m) => m.type === 'hello');
    const byProtocol = await open(ws(), { protocols: buildWsProtocols('s3cret') });
    // The token's protocol is never echoed: that would put the token in the answer.
    expect(byProtocol.socket.protocol).toBe('hale.events');
    await byProtocol.first((m) => m.type === 'hello');
  });

  it("refuses a page of another origin (cross-site WebSocket hijacking) but hale's own and api.corsOrigins", async () => {
    const { ws, server, audit } = await serve({ security: { corsOrigins: ['https://ops.example'] } });
    expect(await openWs(ws(), { headers: { Origin: 'https://evil.example' } })).toMatchObject({ ok: false, status: 403 });
    expect(await openWs(ws(), { headers: { Origin: 'https://evil.example', 'Sec-Fetch-Site': 'cross-site' } })).toMatchObject({
      ok: false,
      status: 403,
    });
    expect(await openWs(ws(), { headers: { Origin: `http://localhost:${server.port}` } })).toMatchObject({ ok: false, status: 403 });
    expect(audit.some((line) => line.reason === 'cross_site_request' && line.origin === 'https://evil.example')).toBe(true);
    const own = await open(ws(), { headers: { Origin: `http://127.0.0.1:${server.port}` } });
    await own.first((m) => m.type === 'hello');
    const trusted = await open(ws(), { headers: { Origin: 'https://ops.example', 'Sec-Fetch-Site': 'cross-site' } });
    await trusted.first((m) => m.type === 'hello');
  });

  it('answers a Host that is not hale 421, a plain GET 426, and an Upgrade elsewhere 404', async () => {
    const { ws, server } = await serve();
    expect(await openWs(ws(), { headers: { Host: 'attacker.example' } })).toMatchObject({ ok: false, status: 421 });
    const plain = await fetch(`${server.url}/ws/health`);
    expect(plain.status).toBe(426);
    expect(((await plain.json()) as { error: { code: string } }).error.code).toBe('upgrade_required');
    expect(await openWs(`ws://127.0.0.1:${server.port}/events`)).toMatchObject({ ok: false, status: 404 });
    // The server is none the worse for them.
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
  });

  it('shares the cap of /events: past it 503, and a closed socket gives its place back', async () => {
    const { ws, server } = await serve({ events: { maxClients: 2 } });
    const sse = await fetch(`${server.url}/events`);
    expect(sse.status).toBe(200);
    const one = await open(ws());
    await one.first((m) => m.type === 'hello');
    const refused = await openWs(ws());
    expect(refused).toMatchObject({ ok: false, status: 503 });
    await sse.body?.cancel();
    one.socket.close();
    await one.closed;
    // The places come back as the server sees the two go; bounded tries, no fixed sleep.
    let opened: Awaited<ReturnType<typeof openWs>> = refused;
    for (let attempt = 0; attempt < 40 && !opened.ok; attempt++) {
      opened = await openWs(ws());
      if (!opened.ok) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(opened.ok).toBe(true);
    if (opened.ok) readers.push(opened.reader);
  });

  it("refuses more from one address than its share with 429, while another address's still get in", async () => {
    const { ws } = await serve({ events: { maxClients: 4, maxClientsPerAddress: 2 } });
    for (let index = 0; index < 2; index++) await (await open(ws())).first((m) => m.type === 'hello');
    expect(await openWs(ws())).toMatchObject({ ok: false, status: 429 });
    const other = await open(ws(), { localAddress: '127.0.0.2' });
    await other.first((m) => m.type === 'hello');
  });

  it('takes exactly the cap of many handshakes at once, and refuses the rest', async () => {
    const { ws } = await serve({ events: { maxClients: 3, maxClientsPerAddress: 3 } });
    const outcomes = await Promise.all(Array.from({ length: 10 }, () => openWs(ws())));
    for (const outcome of outcomes) if (outcome.ok) readers.push(outcome.reader);
    expect(outcomes.filter((o) => o.ok)).toHaveLength(3);
    expect(outcomes.filter((o) => !o.ok).map((o) => (o.ok ? 0 : o.status))).toEqual(Array.from({ length: 7 }, () => 503));
  });

  it('gives the place back of a handshake ws refuses (a bad key) and of a client gone mid-handshake', async () => {
    const { ws, server } = await serve({ events: { maxClients: 1 } });
    const raw = (key: string): Promise<{ socket: Socket; answer: string }> =>
      new Promise((resolve, reject) => {
        const socket = connect({ host: '127.0.0.1', port: server.port });
        let answer = '';
        socket.setEncoding('utf8');
        socket.on('data', (chunk: string) => (answer += chunk));
        socket.on('error', reject);
        socket.once('connect', () => {
          socket.write(
            `GET /ws/health HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
          );
          resolve({ socket, answer: '' });
        });
        socket.once('close', () => resolve({ socket, answer }));
      });
    const opensWithin = async (): Promise<boolean> => {
      for (let attempt = 0; attempt < 40; attempt++) {
        const opened = await openWs(ws());
        if (opened.ok) {
          opened.reader.socket.terminate();
          await opened.reader.closed;
          return true;
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      return false;
    };
    const badKey = await raw('not-a-key');
    await new Promise((resolve) => badKey.socket.once('close', resolve));
    expect(await opensWithin()).toBe(true);
    // A well-formed handshake whose client is gone before it reads the answer.
    const gone = await raw('dGhlIHNhbXBsZSBub25jZQ==');
    gone.socket.destroy();
    expect(await opensWithin()).toBe(true);
  });

  it('closes a client that leaves too much unread with 1013 and a reason, long before all was sent', async () => {
    const maxBufferedBytes = 256 * 1024;
    const { ws, backend } = await serve({ events: { maxBufferedBytes, overflowGraceMs: 20_000 } });
    const slow = await open(ws('?types=transition'));
    await slow.first((m) => m.type === 'hello');
    slow.socket.pause();
    const big = 'x'.repeat(64 * 1024);
    const sent = 400;
    for (let index = 0; index < sent; index++) {
      backend.bus.publish(transition('greeter', `${index}:${big}`));
      if (index % 10 === 9) await new Promise((resolve) => setImmediate(resolve));
    }
    slow.socket.resume();
    const closed = await Promise.race([slow.closed, new Promise<null>((resolve) => setTimeout(() => resolve(null), 15_000))]);
    expect(closed).toMatchObject({ code: 1013, reason: expect.stringMatching(/too slow.*lastEventId/) });
    const got = slow.messages.filter((m) => m.type === 'transition').length;
    console.log(`a slow WebSocket client got ${got} of ${sent} 64 KiB events before its 1013 (bound 256 KiB)`);
    expect(got).toBeLessThan(sent);
  });

  it('sends a large replay, and a live event past the bound, to a reader that keeps up, without calling it slow', async () => {
    const { ws, backend } = await serve({ events: { maxBufferedBytes: 256 * 1024 } });
    const big = 'y'.repeat(8 * 1024);
    for (let index = 0; index < 1_000; index++) backend.bus.publish(transition('greeter', `${index}:${big}`));
    const reader = await open(ws('?types=transition&lastEventId=0'));
    // 8 MB of replay, then one live event behind it.
    await reader.first((m) => m.type === 'transition' && String(m.reason).startsWith('999:'), 20_000);
    // A live event larger than the bound on its own still reaches a reader that keeps up.
    backend.bus.publish(transition('greeter', `live:${'z'.repeat(300 * 1024)}`));
    await reader.first((m) => m.type === 'transition' && String(m.reason).startsWith('live:'));
    const reasons = reader.messages.filter((m) => m.type === 'transition').map((m) => String(m.reason).split(':')[0]);
    expect(reasons).toEqual([...Array.from({ length: 1_000 }, (_, index) => String(index)), 'live']);
    expect(reader.socket.readyState).toBe(WebSocket.OPEN);
  });

  it('ignores what a client says, and ends the connection for a message past 4 KiB (1009)', async () => {
    const { ws, backend } = await serve();
    const chatty = await open(ws('?types=transition'));
    await chatty.first((m) => m.type === 'hello');
    chatty.socket.send('hello there');
    backend.bus.publish(transition('greeter', 'after-chat'));
    await chatty.first(isTransition('after-chat'));
    chatty.socket.send('x'.repeat(64 * 1024));
    expect((await chatty.closed).code).toBe(1009);
  });

  it('answers hostile handshakes (any query, protocols, origins) with an open socket or a 4xx, never a 5xx', async () => {
    const { ws, server, audit } = await serve({ token: 's3cret', security: { protectReads: true } });
    const text = fc.string({ maxLength: 30 });
    const handshake = fc.record({
      query: fc
        .array(
          fc.tuple(
            fc.constantFrom('plugin', 'types', 'checks', 'lastEventId', 'x'),
            fc.oneof(text, fc.constantFrom('greeter', 'transition', '0', 'all')),
          ),
          {
            maxLength: 4,
          },
        )
        .map((pairs) => (pairs.length === 0 ? '' : `?${pairs.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&')}`)),
      protocols: fc.array(
        fc.oneof(
          fc.constantFrom('hale.events', ...buildWsProtocols('s3cret'), 'hale.token.', 'hale.token.!!'),
          fc.stringMatching(/^[a-z.]{1,12}$/),
        ),
        {
          maxLength: 3,
        },
      ),
      origin: fc.option(fc.constantFrom(`http://127.0.0.1:${server.port}`, 'https://evil.example', 'null', 'garbage'), { nil: undefined }),
    });
    const statuses = new Set<number>();
    await fc.assert(
      fc.asyncProperty(handshake, async ({ query, protocols, origin }) => {
        // Offered protocols without hale.events: hale answers with none, and the client (as a browser would) gives up.
        const outcome = await openWs(ws(query), {
          protocols: [...new Set(protocols)],
          ...(origin === undefined ? {} : { headers: { Origin: origin } }),
        }).catch((error: unknown) => {
          expect(String(error)).toMatch(/no subprotocol/);
          return null;
        });
        if (outcome === null) {
          statuses.add(0);
          return;
        }
        if (outcome.ok) {
          statuses.add(101);
          outcome.reader.socket.terminate();
          await outcome.reader.closed;
          return;
        }
        statuses.add(outcome.status);
        expect(outcome.status).toBeGreaterThanOrEqual(400);
        expect(outcome.status).toBeLessThan(500);
      }),
      { numRuns: 60, seed: 19 },
    );
    console.log(`hostile handshakes answered: ${[...statuses].sort().join(', ')} (0: the client gave up, offered no hale.events)`);
    expect(statuses.has(101)).toBe(true);
    expect(audit.some((line) => line.status === 500)).toBe(false);
    expect((await fetch(`${server.url}/health/liveness`)).status).toBe(200);
  });

  it('is closed cleanly, 1001, when the server closes', async () => {
    const { ws, server } = await serve();
    const reader = await open(ws());
    await reader.first((m) => m.type === 'hello');
    const started = performance.now();
    await server.close();
    expect(await reader.closed).toEqual({ code: 1001, reason: 'hale is stopping' });
    // Told at once, not cut after the grace (that would be 1006): a bound that catches a hang, not a timing.
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(reader.socket.readyState).toBe(WebSocket.CLOSED);
  });
});
