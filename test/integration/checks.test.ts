import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter, once } from 'node:events';
import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createTcpServer, connect, type AddressInfo, type Server as TcpServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import * as grpc from '@grpc/grpc-js';
import { HealthImplementation, service as healthService } from 'grpc-health-check';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { maxOutputBytes } from '../../src/checks/exec-probe.js';
import { closeGrpcProbes, countGrpcProbes } from '../../src/checks/grpc-probe.js';
import { maxBodyBytes } from '../../src/checks/http-probe.js';
import type { ExecProbeSpec, ProbeOptions } from '../../src/checks/probe-spec.js';
import { runProbe } from '../../src/checks/run-probe.js';
import { runCommand } from '../../src/process/run-process.js';
import type { CheckRecord } from '../../src/model/check-record.js';
import { alive } from '../helpers/alive.js';
import { within } from '../helpers/plugin-child.js';

const cleanups: Array<() => unknown> = [];
afterAll(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A record as every check must make one: a time, a latency of 2 decimals, a failure exactly when it failed. */
const expectWellFormed = (record: CheckRecord, before: number): void => {
  expect(record.at).toBeGreaterThanOrEqual(before);
  expect(record.at).toBeLessThanOrEqual(Date.now());
  expect(record.latencyMs).toBeGreaterThanOrEqual(0);
  expect(Math.round(record.latencyMs * 100) / 100).toBe(record.latencyMs);
  expect(record.failure !== undefined).toBe(record.outcome === 'fail');
};

const check = async (spec: Parameters<typeof runProbe>[0], options: ProbeOptions): Promise<CheckRecord> => {
  const before = Date.now();
  const record = await runProbe(spec, options);
  expectWellFormed(record, before);
  return record;
};

/** A port on 127.0.0.1 that was free a moment ago and that nobody listens on now. */
const findClosedPort = async (): Promise<number> => {
  const server = createTcpServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  server.close();
  await once(server, 'close');
  return port;
};

// ---- the HTTP server: each path is a behaviour; it counts the requests of every path ----

const hugeBodyBytes = 64 * 1024 * 1024;

interface HttpTestServer {
  base: string;
  requests(path: string): number;
  /** 'request' (path) on every request, 'huge-closed' (bytes written) when a huge answer ends. */
  events: EventEmitter;
}

const sendText = (res: ServerResponse, status: number, body: string, type = 'text/plain'): void => {
  res.writeHead(status, { 'content-type': type });
  res.end(body);
};

const sendHuge = (res: ServerResponse, events: EventEmitter): void => {
  const chunk = Buffer.alloc(64 * 1024, 'x');
  let written = 0;
  res.on('close', () => events.emit('huge-closed', written));
  res.writeHead(200, { 'content-type': 'application/json' });
  const pump = (): void => {
    while (written < hugeBodyBytes) {
      written += chunk.length;
      if (!res.write(chunk)) {
        res.once('drain', pump);
        return;
      }
    }
    res.end();
  };
  pump();
};

const json = (value: unknown) => (res: ServerResponse) => sendText(res, 200, JSON.stringify(value), 'application/json');

const routes: Record<string, (res: ServerResponse, req: IncomingMessage, count: number, events: EventEmitter) => void> = {
  '/ok': (res) => sendText(res, 200, 'fine'),
  '/down': (res) => sendText(res, 503, 'database unreachable\n  retry later'),
  '/error-empty': (res) => sendText(res, 500, ''),
  '/redirect': (res) => {
    res.writeHead(302, { location: '/redirect-target' });
    res.end();
  },
  // Never answers; the server's close ends it.
  '/hang': () => undefined,
  // The slowness under test lives in the server.
  '/slow': (res) => {
    const timer = setTimeout(() => sendText(res, 200, 'late but fine'), 300);
    res.on('close', () => clearTimeout(timer));
  },
  '/token': (res, req) => (req.headers['x-token'] === 's3cret' ? sendText(res, 200, 'welcome') : sendText(res, 401, 'no token')),
  '/json/nested': json({ checks: { db: { state: 'UP' }, cache: { state: 'up' } } }),
  '/json/array': json({ checks: [{ name: 'db', status: 'Passing' }] }),
  '/json/degraded': json({ status: 'Warning' }),
  '/json/down': json({ status: 'DOWN' }),
  '/json/false': json({ healthy: false }),
  '/json/odd': json({ status: 'maybe' }),
  '/json/number': json({ status: 1 }),
  '/json/missing': json({ state: 'up' }),
  '/not-json': (res) => sendText(res, 200, 'hello there'),
  '/huge': (res, _req, _count, events) => sendHuge(res, events),
  '/huge-503': (res) => sendText(res, 503, 'E'.repeat(4 * 1024 * 1024)),
  // Fails twice, then passes: retries are counted by the server.
  '/flaky': (res, _req, count) => (count <= 2 ? sendText(res, 503, 'not yet') : sendText(res, 200, 'ok now')),
  '/always-503': (res) => sendText(res, 503, 'never'),
};

const startHttpServer = async (): Promise<HttpTestServer> => {
  const counts = new Map<string, number>();
  const events = new EventEmitter();
  const server = createHttpServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    // /flaky/<id>: one counter per test.
    const route = routes[path] ?? routes[path.slice(0, path.lastIndexOf('/'))];
    const count = (counts.get(path) ?? 0) + 1;
    counts.set(path, count);
    events.emit('request', path);
    if (route === undefined) sendText(res, 404, `no route ${path}`);
    else route(res, req, count, events);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  cleanups.push(async () => {
    server.closeAllConnections();
    server.close();
    await once(server, 'close');
  });
  const { port } = server.address() as AddressInfo;
  return { base: `http://127.0.0.1:${port}`, requests: (path) => counts.get(path) ?? 0, events };
};

// ---- the gRPC servers ----

type ScriptedAnswer = 'SERVING' | 'NOT_SERVING' | 'UNKNOWN' | 'SERVICE_UNKNOWN' | 'hang';

interface GrpcTestServer {
  address: string;
  calls(): number;
}

const bindGrpc = async (server: grpc.Server): Promise<string> => {
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound)));
  });
  cleanups.push(() => server.forceShutdown());
  return `127.0.0.1:${port}`;
};

/** grpc-health-check's own implementation, as a real server runs it. */
const startStandardHealthServer = async (): Promise<string> => {
  const server = new grpc.Server();
  new HealthImplementation({ '': 'SERVING', plugin: 'SERVING', reports: 'NOT_SERVING' }).addToServer(server);
  return bindGrpc(server);
};

/** A Health service that answers its n-th Check with `script(n)`; 'hang' never answers. */
const startScriptedHealthServer = async (script: (call: number) => ScriptedAnswer): Promise<GrpcTestServer> => {
  let calls = 0;
  const server = new grpc.Server();
  server.addService(healthService, {
    check: (_call: unknown, callback: grpc.sendUnaryData<{ status: string }>) => {
      calls += 1;
      const answer = script(calls);
      if (answer !== 'hang') callback(null, { status: answer });
    },
  });
  return { address: await bindGrpc(server), calls: () => calls };
};

// ---- a listener that accepts nothing, so a TCP connect hangs ----

/** True when the socket connects within `ms`; a connect that does not come has no event to await. */
const connectsWithin = (socket: Socket, ms: number): Promise<boolean> =>
  new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    socket.once('connect', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });

/** A child process listening with a backlog of 1 whose event loop is blocked: once its queue is full, connects hang. */
const startStuckListener = async (): Promise<{ port: number; fillers: Socket[] }> => {
  const script = [
    "const server = require('node:net').createServer();",
    "server.listen({ host: '127.0.0.1', port: 0, backlog: 1 }, () => {",
    "  process.stdout.write(server.address().port + '\\n');",
    '  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);',
    '});',
  ].join('\n');
  const child: ChildProcess = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  cleanups.push(() => child.kill('SIGKILL'));
  const lines = createInterface({ input: child.stdout! });
  const [line] = (await within(once(lines, 'line'), 10_000, 'the stuck listener port')) as [string];
  const port = Number(line);
  // Fill the accept queue: connections open until one does not (bounded in count and time).
  const fillers: Socket[] = [];
  cleanups.push(() => fillers.forEach((socket) => socket.destroy()));
  for (let i = 0; i < 16; i += 1) {
    const socket = connect({ host: '127.0.0.1', port });
    socket.on('error', () => undefined);
    fillers.push(socket);
    if (!(await connectsWithin(socket, 1_000))) return { port, fillers };
  }
  throw new Error(`the stuck listener on ${port} kept accepting 16 connections`);
};

// ---- the tests ----

let http: HttpTestServer;
let closedPort: number;

beforeAll(async () => {
  http = await startHttpServer();
  closedPort = await findClosedPort();
});

afterEach(() => closeGrpcProbes());

const get = (path: string, field: string | null = null, headers: Record<string, string> = {}) =>
  ({ protocol: 'http', url: `${http.base}${path}`, field, headers }) as const;

describe('http checks against a real server', () => {
  test('a 200 passes as healthy with its status line', async () => {
    expect(await check(get('/ok'), { timeoutMs: 2_000 })).toMatchObject({ outcome: 'pass', status: 'healthy', message: 'HTTP 200 OK' });
  });

  test('a 503 fails with http_status and the start of the body', async () => {
    expect(await check(get('/down'), { timeoutMs: 2_000 })).toMatchObject({
      outcome: 'fail',
      failure: 'http_status',
      status: 'unhealthy',
      message: 'HTTP 503 Service Unavailable: database unreachable retry later',
    });
    expect((await check(get('/error-empty'), { timeoutMs: 2_000 })).message).toBe('HTTP 500 Internal Server Error');
  });

  test('a redirect is not followed: it fails', async () => {
    const record = await check(get('/redirect'), { timeoutMs: 2_000 });
    expect(record).toMatchObject({ outcome: 'fail', failure: 'http_status', message: 'HTTP 302 Found' });
    expect(http.requests('/redirect')).toBe(1);
    expect(http.requests('/redirect-target')).toBe(0);
  });

  test('the headers of the spec are sent', async () => {
    expect((await check(get('/token', null, { 'x-token': 's3cret' }), { timeoutMs: 2_000 })).outcome).toBe('pass');
    expect(await check(get('/token'), { timeoutMs: 2_000 })).toMatchObject({ outcome: 'fail', message: 'HTTP 401 Unauthorized: no token' });
  });

  test.each([
    ['a nested field', '/json/nested', 'checks.db.state', 'pass', 'healthy', 'checks.db.state is "UP"'],
    ['an array element', '/json/array', 'checks.0.status', 'pass', 'healthy', 'checks.0.status is "Passing"'],
    ['a degraded word', '/json/degraded', 'status', 'degraded', 'degraded', 'status is "Warning"'],
    ['an unhealthy word', '/json/down', 'status', 'fail', 'unhealthy', 'status is "DOWN"'],
    ['false', '/json/false', 'healthy', 'fail', 'unhealthy', 'healthy is false'],
  ] as const)('the JSON body decides: %s', async (_what, path, field, outcome, status, message) => {
    expect(await check(get(path, field), { timeoutMs: 2_000 })).toMatchObject({ outcome, status, message });
  });

  test.each([
    ['an odd word', '/json/odd', 'status', 'status is "maybe", not a health word'],
    ['a number', '/json/number', 'status', 'status is 1, not a health word'],
    ['a missing field', '/json/missing', 'status', 'no field status in the JSON body: the body has no "status"'],
    ['a missing nested field', '/json/nested', 'checks.queue.state', 'no field checks.queue.state in the JSON body: checks has no "queue"'],
    ['a body that is not JSON', '/not-json', 'status', 'HTTP 200 OK, but the body is not JSON ("hello there"): field status not read'],
  ])('a bad answer says what it found where: %s', async (_what, path, field, message) => {
    const record = await check(get(path, field), { timeoutMs: 2_000 });
    expect(record).toMatchObject({ outcome: 'fail', failure: 'bad_answer', status: 'unknown' });
    expect(record.message.startsWith(message)).toBe(true);
  });

  test('a huge body is read up to 64 KiB, then the reading stops', async () => {
    const closed = once(http.events, 'huge-closed') as Promise<[number]>;
    const record = await check(get('/huge', 'status'), { timeoutMs: 10_000 });
    expect(record).toMatchObject({ outcome: 'fail', failure: 'bad_answer' });
    expect(record.message).toContain('longer than 64 KiB');
    const [written] = await within(closed, 10_000, 'the huge answer to end');
    // The server could write only what the socket buffers held before the client let go.
    expect(written).toBeLessThan(hugeBodyBytes);
    expect(written).toBeGreaterThanOrEqual(maxBodyBytes);
  });

  test('a huge failing body gives its first 200 characters', async () => {
    const record = await check(get('/huge-503'), { timeoutMs: 10_000 });
    expect(record.message).toBe(`HTTP 503 Service Unavailable: ${'E'.repeat(200)}…`);
  });

  test('no answer in time is a deadline', async () => {
    expect(await check(get('/hang'), { timeoutMs: 300 })).toMatchObject({
      outcome: 'fail',
      failure: 'deadline',
      status: 'unknown',
      message: 'no answer within 300 ms',
    });
  });

  test('a refused connection is unavailable, naming host:port and the errno', async () => {
    const record = await check(
      { protocol: 'http', url: `http://127.0.0.1:${closedPort}/health`, field: null, headers: {} },
      { timeoutMs: 2_000 },
    );
    expect(record).toMatchObject({
      outcome: 'fail',
      failure: 'unavailable',
      status: 'unknown',
      message: `connection refused by 127.0.0.1:${closedPort} (ECONNREFUSED)`,
    });
  });

  test('a URL that is not http(s) is a failed record, not a throw', async () => {
    const record = await check({ protocol: 'http', url: 'ftp://127.0.0.1/x', field: null, headers: {} }, { timeoutMs: 500 });
    expect(record).toMatchObject({ outcome: 'fail', failure: 'unavailable', message: 'not an http:// or https:// URL: ftp://127.0.0.1/x' });
  });
});

describe('retries, latency and cancellation', () => {
  test('a server that fails twice passes with retries 2, after 3 counted attempts', async () => {
    const record = await check(get('/flaky/a'), { timeoutMs: 2_000, retries: 2, retryDelayMs: 10 });
    expect(record).toMatchObject({ outcome: 'pass', message: 'HTTP 200 OK (3 attempts)' });
    expect(http.requests('/flaky/a')).toBe(3);
  });

  test('the same server fails with retries 1, after 2 attempts, with the last attempt’s record', async () => {
    const record = await check(get('/flaky/b'), { timeoutMs: 2_000, retries: 1, retryDelayMs: 10 });
    expect(record).toMatchObject({
      outcome: 'fail',
      failure: 'http_status',
      message: 'HTTP 503 Service Unavailable: not yet (2 attempts)',
    });
    expect(http.requests('/flaky/b')).toBe(2);
  });

  test('retries 0 makes one attempt, whose message says nothing of attempts', async () => {
    const record = await check(get('/flaky/c'), { timeoutMs: 2_000, retries: 0 });
    expect(record.message).toBe('HTTP 503 Service Unavailable: not yet');
    expect(http.requests('/flaky/c')).toBe(1);
  });

  test('a refused TCP connection counts its attempts', async () => {
    const record = await check(
      { protocol: 'tcp', host: '127.0.0.1', port: closedPort },
      { timeoutMs: 1_000, retries: 2, retryDelayMs: 10 },
    );
    expect(record.message).toBe(`connection refused by 127.0.0.1:${closedPort} (3 attempts)`);
  });

  test('a pass slower than degradedLatency is degraded; within it, a pass', async () => {
    const slow = await check(get('/slow'), { timeoutMs: 5_000, degradedLatency: 100 });
    expect(slow).toMatchObject({ outcome: 'degraded', status: 'healthy' });
    expect(slow.message).toMatch(/^answered in \d+(\.\d+)? ms, slower than degradedLatency \(100 ms\)$/);
    expect(slow.latencyMs).toBeGreaterThan(100);
    expect((await check(get('/slow'), { timeoutMs: 5_000, degradedLatency: 60_000 })).outcome).toBe('pass');
  });

  test('a signal aborted before the check: cancelled, and nothing is asked', async () => {
    const record = await check(get('/flaky/d'), { timeoutMs: 2_000, signal: AbortSignal.abort() });
    expect(record).toMatchObject({ outcome: 'fail', failure: 'unavailable', status: 'unknown', message: 'check cancelled' });
    expect(http.requests('/flaky/d')).toBe(0);
  });

  test('a signal aborted during an attempt ends the check at once, long before its deadline', async () => {
    const controller = new AbortController();
    const asked = once(http.events, 'request');
    const pending = check(get('/hang'), { timeoutMs: 25_000, retries: 3, signal: controller.signal });
    await asked;
    controller.abort();
    expect(await within(pending, 5_000, 'the cancelled check')).toMatchObject({
      outcome: 'fail',
      failure: 'unavailable',
      message: 'check cancelled',
    });
  });

  test('a signal aborted between attempts makes no further attempt', async () => {
    const controller = new AbortController();
    const asked = once(http.events, 'request');
    const pending = check(get('/always-503/e'), { timeoutMs: 2_000, retries: 5, retryDelayMs: 20_000, signal: controller.signal });
    await asked;
    controller.abort();
    expect(await within(pending, 5_000, 'the cancelled check')).toMatchObject({ message: 'check cancelled' });
    expect(http.requests('/always-503/e')).toBe(1);
  });
});

describe('tcp checks', () => {
  test('a listening port passes, and the connection is closed at once', async () => {
    const server: TcpServer = createTcpServer();
    const closed = new Promise<void>((resolve) => server.on('connection', (socket) => socket.on('close', () => resolve())));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    cleanups.push(() => server.close());
    const { port } = server.address() as AddressInfo;
    expect(await check({ protocol: 'tcp', host: '127.0.0.1', port }, { timeoutMs: 2_000 })).toMatchObject({
      outcome: 'pass',
      status: 'healthy',
      message: `connected to 127.0.0.1:${port}`,
    });
    await within(closed, 5_000, 'the check’s connection to close');
  });

  test('a port nobody listens on is refused: unavailable', async () => {
    expect(await check({ protocol: 'tcp', host: '127.0.0.1', port: closedPort }, { timeoutMs: 2_000 })).toMatchObject({
      outcome: 'fail',
      failure: 'unavailable',
      status: 'unknown',
      message: `connection refused by 127.0.0.1:${closedPort}`,
    });
  });

  test('a connection that does not open in time is a deadline', async () => {
    const { port } = await startStuckListener();
    expect(await check({ protocol: 'tcp', host: '127.0.0.1', port }, { timeoutMs: 300 })).toMatchObject({
      outcome: 'fail',
      failure: 'deadline',
      message: `no connection to 127.0.0.1:${port} within 300 ms`,
    });
  });

  test('a port out of range is a failed record, not a throw', async () => {
    expect(await check({ protocol: 'tcp', host: '127.0.0.1', port: 70_000 }, { timeoutMs: 300 })).toMatchObject({
      failure: 'unavailable',
      message: 'not a TCP port: 70000 (for 127.0.0.1)',
    });
  });
});

describe('exec checks', () => {
  const node = (code: string, extra: Partial<ExecProbeSpec> = {}): ExecProbeSpec => ({
    protocol: 'exec',
    command: process.execPath,
    args: ['-e', code],
    cwd: process.cwd(),
    env: {},
    ...extra,
  });

  test('exit 0 passes with its first line', async () => {
    expect(await check(node('console.log("\\n  accepting connections  \\nmore")'), { timeoutMs: 10_000 })).toMatchObject({
      outcome: 'pass',
      status: 'healthy',
      message: 'accepting connections',
    });
  });

  test('exit 3 fails with exit_code and the first line of stderr', async () => {
    expect(await check(node('console.error("disk full"); process.exit(3)'), { timeoutMs: 10_000 })).toMatchObject({
      outcome: 'fail',
      failure: 'exit_code',
      status: 'unhealthy',
      message: 'exit code 3: disk full',
    });
  });

  test('the spec’s env is added, cwd is used, and arguments never meet a shell', async () => {
    const dir = realpathSync(mkdtempSync(join(tmpdir(), 'hale-exec-check-')));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const code = 'console.log([process.env.CHECK_WORD, process.cwd(), process.argv[1], typeof process.env.PATH].join("|"))';
    const spec = node(code, { args: ['-e', code, '$(echo no); echo shell'], cwd: dir, env: { CHECK_WORD: 'hello' } });
    expect((await check(spec, { timeoutMs: 10_000 })).message).toBe(`hello|${dir}|$(echo no); echo shell|string`);
  });

  test('a hang is killed at the timeout: a deadline, and the process is gone', async () => {
    const record = await check(node('console.log(process.pid); setInterval(() => {}, 1_000)'), { timeoutMs: 3_000 });
    expect(record).toMatchObject({ outcome: 'fail', failure: 'deadline', status: 'unknown' });
    const pid = Number(/killed: (\d+)$/.exec(record.message)?.[1]);
    expect(record.message).toBe(`no exit within 3000 ms, killed: ${pid}`);
    expect(alive(pid)).toBe(false);
  });

  test('a missing command is unavailable, saying so', async () => {
    const record = await check(node('', { command: 'hale-no-such-command', args: [] }), { timeoutMs: 2_000 });
    expect(record).toMatchObject({ outcome: 'fail', failure: 'unavailable', status: 'unknown' });
    expect(record.message).toMatch(/^command not found: hale-no-such-command/);
  });

  test('a flood of output is read to its end (the command is not cut off) and kept to 16 KiB', async () => {
    const flood = 'process.stdout.write("y".repeat(4 * 1024 * 1024)); process.stderr.write("z".repeat(1024 * 1024))';
    const record = await check(node(flood), { timeoutMs: 10_000 });
    expect(record).toMatchObject({ outcome: 'pass', message: `${'y'.repeat(200)}…` });
    const result = await runCommand({
      command: process.execPath,
      args: ['-e', flood],
      cwd: process.cwd(),
      env: {},
      timeoutMs: 10_000,
      maxOutputBytes,
    });
    expect(result).toMatchObject({ ok: true, code: 0, signal: null, timedOut: false });
    expect(result.ok && [result.stdout, result.stderr]).toEqual(['y'.repeat(maxOutputBytes), 'z'.repeat(maxOutputBytes)]);
  });
});

describe('grpc checks', () => {
  test('SERVING passes, for "" and for a named service', async () => {
    const address = await startStandardHealthServer();
    expect(await check({ protocol: 'grpc', address, service: 'plugin' }, { timeoutMs: 2_000 })).toMatchObject({
      outcome: 'pass',
      status: 'healthy',
      message: 'service "plugin" is SERVING',
    });
    expect((await check({ protocol: 'grpc', address, service: '' }, { timeoutMs: 2_000 })).message).toBe('the server is SERVING');
    expect(countGrpcProbes()).toBe(1);
  });

  test('NOT_SERVING fails with not_serving (unlike go-plugin)', async () => {
    const address = await startStandardHealthServer();
    expect(await check({ protocol: 'grpc', address, service: 'reports' }, { timeoutMs: 2_000 })).toMatchObject({
      outcome: 'fail',
      failure: 'not_serving',
      status: 'unhealthy',
      message: 'service "reports" is NOT_SERVING',
    });
  });

  test('an unknown service (NOT_FOUND) is an RPC error naming it', async () => {
    const address = await startStandardHealthServer();
    const record = await check({ protocol: 'grpc', address, service: 'nope' }, { timeoutMs: 2_000 });
    expect(record).toMatchObject({ outcome: 'fail', failure: 'rpc_error', status: 'unknown' });
    expect(record.message).toMatch(/^NOT_FOUND: service "nope" is not registered/);
  });

  test.each(['UNKNOWN', 'SERVICE_UNKNOWN'] as const)('%s fails with not_serving', async (status) => {
    const { address } = await startScriptedHealthServer(() => status);
    expect(await check({ protocol: 'grpc', address, service: 'plugin' }, { timeoutMs: 2_000 })).toMatchObject({
      outcome: 'fail',
      failure: 'not_serving',
      message: `service "plugin" is ${status}`,
    });
  });

  test('a server that never answers is a deadline', async () => {
    const { address } = await startScriptedHealthServer(() => 'hang');
    expect(await check({ protocol: 'grpc', address, service: 'plugin' }, { timeoutMs: 300 })).toMatchObject({
      outcome: 'fail',
      failure: 'deadline',
      message: 'no answer within 300 ms',
    });
  });

  test('retries: NOT_SERVING twice then SERVING passes with retries 2 and fails with retries 1', async () => {
    const first = await startScriptedHealthServer((n) => (n <= 2 ? 'NOT_SERVING' : 'SERVING'));
    const passed = await check(
      { protocol: 'grpc', address: first.address, service: 'plugin' },
      { timeoutMs: 2_000, retries: 2, retryDelayMs: 10 },
    );
    expect(passed).toMatchObject({ outcome: 'pass', message: 'service "plugin" is SERVING (3 attempts)' });
    expect(first.calls()).toBe(3);
    const second = await startScriptedHealthServer((n) => (n <= 2 ? 'NOT_SERVING' : 'SERVING'));
    const failed = await check(
      { protocol: 'grpc', address: second.address, service: 'plugin' },
      { timeoutMs: 2_000, retries: 1, retryDelayMs: 10 },
    );
    expect(failed).toMatchObject({ outcome: 'fail', failure: 'not_serving', message: 'service "plugin" is NOT_SERVING (2 attempts)' });
    expect(second.calls()).toBe(2);
  });

  test('nobody listening is unavailable, and no channel is kept per attempt', async () => {
    const address = `127.0.0.1:${closedPort}`;
    const record = await check({ protocol: 'grpc', address, service: '' }, { timeoutMs: 2_000, retries: 3, retryDelayMs: 10 });
    expect(record).toMatchObject({ outcome: 'fail', failure: 'unavailable', status: 'unknown' });
    expect(record.message).toMatch(new RegExp(`^${address}: unavailable: .* \\(4 attempts\\)$`));
    expect(countGrpcProbes()).toBe(0);
  });

  test('one channel per address, closed by closeGrpcProbes', async () => {
    const a = await startStandardHealthServer();
    const b = await startStandardHealthServer();
    for (let i = 0; i < 3; i += 1) {
      await check({ protocol: 'grpc', address: a, service: 'plugin' }, { timeoutMs: 2_000 });
      await check({ protocol: 'grpc', address: b, service: '' }, { timeoutMs: 2_000 });
    }
    expect(countGrpcProbes()).toBe(2);
    closeGrpcProbes();
    expect(countGrpcProbes()).toBe(0);
    expect((await check({ protocol: 'grpc', address: a, service: 'plugin' }, { timeoutMs: 2_000 })).outcome).toBe('pass');
  });

  test('a target grpc-js cannot parse is a failed record, not a throw', async () => {
    const record = await check({ protocol: 'grpc', address: '', service: '' }, { timeoutMs: 500 });
    expect(record).toMatchObject({ outcome: 'fail', failure: 'unavailable' });
    expect(record.message).toMatch(/^not a gRPC address: "" \(/);
  });
});
