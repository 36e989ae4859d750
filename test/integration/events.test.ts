import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp } from '../../src/api/app.js';
import type { EventRouteOptions } from '../../src/api/routes/events.js';
import { startApiServer, type ApiServer } from '../../src/api/serve.js';
import type { SupervisorEvent } from '../../src/model/events.js';
import type { PluginState } from '../../src/model/plugin-state.js';
import { isEvent, openEventStream, type OpenStream } from '../helpers/event-stream.js';
import { buildPluginStatus, buildSnapshot, createRecordingBackend, type RecordingBackend } from '../helpers/status-builder.js';

const servers: ApiServer[] = [];
const streams: OpenStream[] = [];
afterEach(async () => {
  for (const stream of streams.splice(0)) stream.close();
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

const serve = async (events: Omit<EventRouteOptions, 'backend'> = {}) => {
  const backend = createRecordingBackend(buildSnapshot([buildPluginStatus('greeter'), buildPluginStatus('flaky')]));
  const server = await startApiServer({ app: createApp({ backend, token: null, events }), host: '127.0.0.1', port: 0 });
  servers.push(server);
  return { backend, server };
};

const open = async (url: string, headers: Record<string, string> = {}) => {
  const stream = await openEventStream(url, headers);
  streams.push(stream);
  return stream;
};

const transition = (plugin: string, from: PluginState, to: PluginState, reason = 'test'): SupervisorEvent => ({
  type: 'transition',
  plugin,
  from,
  to,
  reason,
  at: Date.now(),
  restarts: 0,
  restartCount: 0,
});

const check = (plugin: string, outcome: 'pass' | 'fail'): SupervisorEvent => ({
  type: 'check',
  plugin,
  generation: 1,
  check: {
    at: Date.now(),
    outcome,
    status: outcome === 'pass' ? 'healthy' : 'unknown',
    latencyMs: 1.5,
    message: outcome === 'pass' ? '' : 'no answer',
  },
});

const publish = (backend: RecordingBackend, ...events: SupervisorEvent[]) => {
  for (const event of events) backend.bus.publish(event);
};

/** Reads a raw socket until the server closes it, `done` says enough, or 10 s pass. */
const readUntilClosed = (socket: Socket, done: (text: string) => boolean = () => false): Promise<{ text: string; closed: boolean }> =>
  new Promise((resolve) => {
    let text = '';
    const finish = (closed: boolean) => {
      clearTimeout(timer);
      resolve({ text, closed });
    };
    const timer = setTimeout(() => finish(false), 10_000);
    socket.setEncoding('utf8').on('data', (chunk: string) => {
      text += chunk;
      if (done(text)) finish(false);
    });
    socket.once('close', () => finish(true));
    socket.resume();
  });

const dataOf = (message: { data: string }) => JSON.parse(message.data) as Record<string, unknown>;

describe('GET /events', () => {
  it('says hello, then sends every event typed and numbered; passing checks only with checks=all', async () => {
    const { backend, server } = await serve();
    const stream = await open(`${server.url}/events`);
    expect(stream.status).toBe(200);
    expect(stream.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const hello = await stream.take((m) => m.event === 'hello');
    expect(hello.retry).toBe(2000);
    expect(dataOf(hello)).toMatchObject({ lastId: 0, firstId: 1 });

    const everything = await open(`${server.url}/events?checks=all`);
    await everything.take((m) => m.event === 'hello');
    publish(
      backend,
      transition('greeter', 'healthy', 'unhealthy'),
      check('greeter', 'pass'),
      check('greeter', 'fail'),
      transition('greeter', 'unhealthy', 'restarting'),
    );

    const seen = [await stream.take(isEvent()), await stream.take(isEvent()), await stream.take(isEvent())];
    expect(seen.map((m) => [m.event, m.id])).toEqual([
      ['transition', '1'],
      ['check', '3'],
      ['transition', '4'],
    ]);
    expect(dataOf(seen[0] as { data: string })).toMatchObject({
      id: 1,
      type: 'transition',
      plugin: 'greeter',
      from: 'healthy',
      to: 'unhealthy',
    });
    expect(dataOf(seen[1] as { data: string })).toMatchObject({ check: { outcome: 'fail' } });
    const all = [
      await everything.take(isEvent()),
      await everything.take(isEvent()),
      await everything.take(isEvent()),
      await everything.take(isEvent()),
    ];
    expect(all.map((m) => m.id)).toEqual(['1', '2', '3', '4']);
  });

  it('replays what a reconnecting client missed after its Last-Event-ID, and says when some is gone', async () => {
    const { backend, server } = await serve();
    publish(backend, ...['a', 'b', 'c', 'd', 'e'].map((reason) => transition('greeter', 'healthy', 'degraded', reason)));
    const resumed = await open(`${server.url}/events`, { 'Last-Event-ID': '2' });
    await resumed.take((m) => m.event === 'hello');
    const replayed = [await resumed.take(isEvent()), await resumed.take(isEvent()), await resumed.take(isEvent())];
    expect(replayed.map((m) => m.id)).toEqual(['3', '4', '5']);
    expect(resumed.messages.some((m) => m.event === 'gap')).toBe(false);
    publish(backend, transition('greeter', 'degraded', 'healthy', 'f'));
    expect((await resumed.take(isEvent())).id).toBe('6');

    // An id newer than any this run gave came from another run: the client is told it missed some.
    const foreign = await open(`${server.url}/events?lastEventId=99`);
    const gap = await foreign.take(isEvent());
    expect(gap.event).toBe('gap');
    expect(dataOf(gap)).toMatchObject({ lastEventId: 99 });
  });

  it('says gap when the window no longer holds what came after Last-Event-ID, then sends what it holds', async () => {
    const { backend, server } = await serve();
    // The test backend's log holds the last 1,000.
    publish(backend, ...Array.from({ length: 1_005 }, (_, i) => transition('greeter', 'healthy', 'degraded', `r${i}`)));
    const stream = await open(`${server.url}/events`, { 'Last-Event-ID': '3' });
    expect((await stream.take(isEvent())).event).toBe('gap');
    const first = await stream.take(isEvent());
    expect(first.id).toBe('6');
  });

  it('filters by plugin and type; plugin-less events pass a plugin filter', async () => {
    const { backend, server } = await serve();
    const stream = await open(`${server.url}/events?plugin=flaky&types=transition,reloaded`);
    const hello = await stream.take((m) => m.event === 'hello');
    expect(dataOf(hello)).toMatchObject({ filter: { plugins: ['flaky'], types: ['transition', 'reloaded'], checks: 'failed' } });
    publish(backend, transition('greeter', 'healthy', 'unhealthy'), check('flaky', 'fail'), transition('flaky', 'healthy', 'degraded'), {
      type: 'reloaded',
      added: [],
      removed: [],
      changed: ['flaky'],
      unchanged: ['greeter'],
      ignored: [],
      at: Date.now(),
    });
    const [first, second] = [await stream.take(isEvent()), await stream.take(isEvent())];
    expect([first.event, dataOf(first)['plugin']]).toEqual(['transition', 'flaky']);
    expect(second.event).toBe('reloaded');
  });

  it.each([
    ['/events?types=transition,nope', 400, 'invalid_event_filter', /unknown event type "nope"/],
    ['/events?plugin=Bad%20Name', 400, 'invalid_event_filter', /not a plugin name/],
    ['/events?checks=some', 400, 'invalid_event_filter', /checks must be/],
    ['/events?lastEventId=12abc', 400, 'invalid_event_id', /Last-Event-ID/],
  ])('answers %s with %i %s', async (path, status, code, message) => {
    const { server } = await serve();
    const response = await fetch(`${server.url}${path}`);
    expect(response.status).toBe(status);
    const body = (await response.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe(code);
    expect(body.error.message).toMatch(message);
  });

  it('answers 405 for POST and 503 past the limit of open streams', async () => {
    const { server } = await serve({ maxClients: 2 });
    expect((await fetch(`${server.url}/events`, { method: 'POST' })).status).toBe(405);
    const [a, b] = [await open(`${server.url}/events`), await open(`${server.url}/events`)];
    await Promise.all([a.take(), b.take()]);
    const refused = await fetch(`${server.url}/events`);
    expect(refused.status).toBe(503);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('too_many_streams');
    a.close();
    await a.ended;
    // The slot is given back once the server has seen the client go.
    let reopened = 503;
    for (let attempt = 0; attempt < 50 && reopened === 503; attempt++) {
      const response = await fetch(`${server.url}/events`, { signal: AbortSignal.timeout(2_000) });
      reopened = response.status;
      await response.body?.cancel();
      if (reopened === 503) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(reopened).toBe(200);
  });

  it('sends a heartbeat comment while nothing happens', async () => {
    const { server } = await serve({ heartbeatMs: 50 });
    const stream = await open(`${server.url}/events`);
    const beat = await stream.take((m) => m.comment !== null);
    expect(beat.comment).toMatch(/^heartbeat \d{4}-\d\d-\d\dT/);
  });

  it('ends the stream when the supervisor begins to stop, after telling it so', async () => {
    const { backend, server } = await serve();
    const stream = await open(`${server.url}/events`);
    await stream.take((m) => m.event === 'hello');
    publish(backend, { type: 'supervisor', phase: 'stopping', reason: 'SIGTERM', at: Date.now() });
    const last = await stream.take(isEvent());
    expect([last.event, dataOf(last)['phase']]).toEqual(['supervisor', 'stopping']);
    await stream.ended;
  });

  it('cuts off a client that reads nothing, and keeps serving the others', async () => {
    const { backend, server } = await serve({ maxQueue: 50, overflowGraceMs: 200, maxClients: 3 });
    const reader = await open(`${server.url}/events`);
    await reader.take((m) => m.event === 'hello');
    // A raw socket that asks for the stream and reads nothing, until the test lets it.
    const { port } = new URL(server.url);
    const deaf = connect(Number(port), '127.0.0.1');
    deaf.pause();
    deaf.write('GET /events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    const opened = await open(`${server.url}/events`);
    await opened.take((m) => m.event === 'hello');
    // Three streams open: a fourth is refused until the deaf one is dropped.
    expect((await fetch(`${server.url}/events`)).status).toBe(503);
    opened.close();

    // Events of 64 KiB, ten at a time: the deaf client's socket buffers fill and it falls more than 50 behind;
    // the reader, which reads, keeps up.
    const big = 'x'.repeat(64 * 1024);
    const count = 400;
    let received = 0;
    for (let batch = 0; batch < count / 10; batch++) {
      publish(backend, ...Array.from({ length: 10 }, () => transition('greeter', 'healthy', 'degraded', big)));
      for (let i = 0; i < 10; i++) await reader.take(isEvent('transition'), 10_000);
      received += 10;
    }
    expect(received).toBe(count);
    expect(reader.messages.some((m) => m.event === 'overflow')).toBe(false);

    // The server lets go of the deaf stream: its slot comes back.
    let status = 503;
    for (let attempt = 0; attempt < 100 && status === 503; attempt++) {
      const response = await fetch(`${server.url}/events`, { signal: AbortSignal.timeout(2_000) });
      status = response.status;
      await response.body?.cancel();
      if (status === 503) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(status).toBe(200);

    // It is cut off: once it reads, it finds what it had been sent, far short of every event, then the end.
    const { text, closed } = await readUntilClosed(deaf);
    expect(closed).toBe(true);
    expect(text.split('event: transition').length - 1).toBeLessThan(count);
  });

  it('tells a client that fell behind, once it reads again, and ends its stream', async () => {
    const { backend, server } = await serve({ maxQueue: 20, overflowGraceMs: 10_000 });
    const { port } = new URL(server.url);
    const slow = connect(Number(port), '127.0.0.1');
    slow.pause();
    slow.write('GET /events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    const watcher = await open(`${server.url}/events?types=transition`);
    await watcher.take((m) => m.event === 'hello');
    const big = 'x'.repeat(64 * 1024);
    for (let batch = 0; batch < 40; batch++) {
      publish(backend, ...Array.from({ length: 10 }, () => transition('greeter', 'healthy', 'degraded', big)));
      for (let i = 0; i < 10; i++) await watcher.take(isEvent('transition'), 10_000);
    }
    slow.resume();
    const { text } = await readUntilClosed(slow, (sofar) => sofar.endsWith('0\r\n\r\n'));
    slow.destroy();
    expect(text).toContain('event: overflow');
    expect(text).toContain('fell 20 events behind');
    expect(text.split('event: transition').length - 1).toBeLessThan(400);
    // The chunked body ends right after the notice.
    expect(text.slice(text.lastIndexOf('event: overflow'))).toMatch(/\r\n0\r\n\r\n$/);
  });
});
