import { afterEach, describe, expect, it } from 'vitest';
import { createApp } from '../../src/api/app.js';
import type { ApiBackend } from '../../src/api/backend.js';
import { startApiServer, type ApiServer } from '../../src/api/serve.js';
import { isHaleError } from '../../src/errors.js';
import { buildPluginStatus, buildSnapshot, createRecordingBackend, snapshotNow, type RecordingBackend } from '../helpers/status-builder.js';

const servers: ApiServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

const serve = async (backend: ApiBackend, options: { token?: string | null; onError?: (e: unknown) => void } = {}) => {
  const logged: Array<{ obj: object; msg: string }> = [];
  const app = createApp({
    backend,
    token: options.token ?? null,
    logger: { error: (obj, msg) => logged.push({ obj, msg }) },
    onError: options.onError,
  });
  const server = await startApiServer({ app, host: '127.0.0.1', port: 0 });
  servers.push(server);
  return { server, logged };
};

type Json = Record<string, unknown>;
const call = async (server: ApiServer, path: string, init?: RequestInit) => {
  const response = await fetch(`${server.url}${path}`, init);
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, body: JSON.parse(text) as Json };
};

/** greeter (critical, healthy) and flaky (non-critical, healthy). */
const twoPlugins = (): RecordingBackend =>
  createRecordingBackend(buildSnapshot([buildPluginStatus('greeter'), buildPluginStatus('flaky', { critical: false, command: 'node' })]));

const monitorFields = ['status', 'lastCheckTime', 'lastHealthyTime', 'failureCount', 'restartCount', 'responseTime', 'healthy'];
const haleFields = [
  'state',
  'reason',
  'since',
  'critical',
  'pid',
  'uptimeSeconds',
  'responseTimeMs',
  'message',
  'restarts',
  'nextRestartTime',
  'lastExit',
  'lastError',
  'components',
  'version',
  'ready',
];

describe('GET /health', () => {
  it('answers 200 healthy with the monitor-compatible body, plugin fields and supervisor facts', async () => {
    const { server } = await serve(twoPlugins());
    const { status, headers, body } = await call(server, '/health');
    expect(status).toBe(200);
    expect(headers.get('cache-control')).toBe('no-store');
    expect(headers.get('content-type')).toMatch(/^application\/json/);
    expect(Object.keys(body).sort()).toEqual(['plugins', 'status', 'summary', 'supervisor', 'timestamp', 'version']);
    expect(body).toMatchObject({ status: 'healthy', timestamp: '2024-01-15T10:30:00.000Z', version: '0.1.0-test' });
    expect(body['summary']).toEqual({
      totalPlugins: 2,
      healthyPlugins: 2,
      degradedPlugins: 0,
      unhealthyPlugins: 0,
      restartingPlugins: 0,
      failedPlugins: 0,
      unknownPlugins: 0,
      stoppedPlugins: 0,
    });
    expect(body['supervisor']).toEqual({
      pid: 999,
      uptimeSeconds: 120,
      eventLoopLag: { meanMs: 0.5, p99Ms: 2, maxMs: 4 },
      droppedLogLines: 0,
    });
    const plugins = body['plugins'] as Record<string, Json>;
    expect(Object.keys(plugins)).toEqual(['greeter', 'flaky']);
    const greeter = plugins['greeter'] ?? {};
    expect(Object.keys(greeter).sort()).toEqual([...monitorFields, ...haleFields].sort());
    expect(greeter).toMatchObject({
      status: 'healthy',
      state: 'healthy',
      healthy: true,
      lastCheckTime: '2024-01-15T10:29:45.000Z',
      lastHealthyTime: '2024-01-15T10:29:45.000Z',
      failureCount: 0,
      restartCount: 0,
      responseTime: '15ms',
      responseTimeMs: 15,
      since: '2024-01-15T10:29:00.000Z',
      critical: true,
      pid: 4242,
      uptimeSeconds: 90,
      version: '1.0.0',
      nextRestartTime: null,
      lastExit: null,
      components: [{ name: 'database', status: 'healthy', critical: true, latencyMs: 3, message: 'reachable' }],
    });
  });

  it('answers 200 "degraded" when a plugin is degraded or a non-critical one is down', async () => {
    const backend = createRecordingBackend(
      buildSnapshot([buildPluginStatus('greeter', { state: 'degraded' }), buildPluginStatus('flaky', { critical: false })]),
    );
    const { server } = await serve(backend);
    expect(await call(server, '/health')).toMatchObject({ status: 200, body: { status: 'degraded' } });

    backend.current = buildSnapshot([
      buildPluginStatus('greeter'),
      buildPluginStatus('flaky', { critical: false, state: 'failed', pid: null, startedAt: null }),
    ]);
    const { status, body } = await call(server, '/health');
    expect(status).toBe(200);
    expect(body['status']).toBe('degraded');
    expect((body['plugins'] as Record<string, Json>)['flaky']).toMatchObject({ healthy: false, uptimeSeconds: null, pid: null });
  });

  it('answers 503 unhealthy when a critical plugin is down, with the exit and the next restart', async () => {
    const backend = createRecordingBackend(
      buildSnapshot([
        buildPluginStatus('greeter', {
          state: 'unhealthy',
          reason: 'process exited with code 1',
          pid: null,
          startedAt: null,
          failureCount: 3,
          restartCount: 2,
          restarts: 1,
          nextRestartAt: snapshotNow + 5_000,
          lastExit: { at: snapshotNow - 1_000, code: 1, signal: null, stderr: 'panic: boom' },
          lastCheck: { at: snapshotNow - 2_000, outcome: 'fail', status: 'unknown', latencyMs: 1_200, message: 'deadline exceeded' },
        }),
      ]),
    );
    const { server } = await serve(backend);
    const { status, body } = await call(server, '/health');
    expect(status).toBe(503);
    expect(body['status']).toBe('unhealthy');
    expect((body['summary'] as Json)['unhealthyPlugins']).toBe(1);
    expect((body['plugins'] as Record<string, Json>)['greeter']).toMatchObject({
      status: 'unhealthy',
      healthy: false,
      reason: 'process exited with code 1',
      failureCount: 3,
      restartCount: 2,
      restarts: 1,
      responseTime: '1.2s',
      responseTimeMs: 1_200,
      nextRestartTime: '2024-01-15T10:30:05.000Z',
      lastExit: { time: '2024-01-15T10:29:59.000Z', code: 1, signal: null, stderr: 'panic: boom' },
    });
  });

  it('answers healthy with no plugins at all', async () => {
    const { server } = await serve(createRecordingBackend(buildSnapshot([])));
    const { status, body } = await call(server, '/health');
    expect(status).toBe(200);
    expect(body).toMatchObject({ status: 'healthy', plugins: {}, summary: { totalPlugins: 0 } });
  });

  it('gives "0s" and nulls for a plugin never checked', async () => {
    const backend = createRecordingBackend(
      buildSnapshot([buildPluginStatus('greeter', { state: 'unknown', lastCheck: null, lastHealthyAt: null, info: null })]),
    );
    const { server } = await serve(backend);
    const { body } = await call(server, '/health');
    expect((body['plugins'] as Record<string, Json>)['greeter']).toMatchObject({
      lastCheckTime: null,
      lastHealthyTime: null,
      responseTime: '0s',
      responseTimeMs: null,
      version: '',
    });
  });
});

describe('GET /health/liveness and /health/readiness', () => {
  it('are 200 when everything serves', async () => {
    const { server } = await serve(twoPlugins());
    const live = await call(server, '/health/liveness');
    expect(live).toMatchObject({ status: 200, body: { status: 'alive', alive: true } });
    expect(live.headers.get('cache-control')).toBe('no-store');
    const ready = await call(server, '/health/readiness');
    expect(ready).toMatchObject({ status: 200, body: { status: 'ready', ready: true, notReady: [] } });
  });

  it('readiness is 503 and names the critical plugins not serving; a non-critical one does not count', async () => {
    const backend = createRecordingBackend(
      buildSnapshot([buildPluginStatus('greeter', { state: 'unknown' }), buildPluginStatus('flaky', { critical: false, state: 'failed' })]),
    );
    const { server } = await serve(backend);
    const { status, body } = await call(server, '/health/readiness');
    expect(status).toBe(503);
    expect(body).toMatchObject({ status: 'not_ready', ready: false, notReady: [{ name: 'greeter', state: 'unknown' }] });
    expect(body['reason']).toContain('greeter (unknown)');
    expect((await call(server, '/health/liveness')).status).toBe(200);
  });

  it('liveness is 503 when a critical plugin has failed for good, and while shutting down', async () => {
    const backend = createRecordingBackend(buildSnapshot([buildPluginStatus('greeter', { state: 'failed' })]));
    const { server } = await serve(backend);
    const failed = await call(server, '/health/liveness');
    expect(failed).toMatchObject({ status: 503, body: { status: 'not_alive', alive: false } });
    expect(failed.body['reason']).toContain('"greeter"');

    backend.current = buildSnapshot([buildPluginStatus('greeter')], { shuttingDown: true });
    expect(await call(server, '/health/liveness')).toMatchObject({ status: 503, body: { alive: false } });
    expect(await call(server, '/health/readiness')).toMatchObject({ status: 503, body: { ready: false } });
  });
});

describe('GET /health/:plugin', () => {
  it('answers one plugin: 200 when serving, 503 otherwise, 404 for an unknown name', async () => {
    const backend = createRecordingBackend(
      buildSnapshot([
        buildPluginStatus('greeter'),
        buildPluginStatus('slow', { state: 'degraded' }),
        buildPluginStatus('flaky', { critical: false, state: 'restarting' }),
      ]),
    );
    const { server } = await serve(backend);
    const greeter = await call(server, '/health/greeter');
    expect(greeter.status).toBe(200);
    expect(greeter.headers.get('cache-control')).toBe('no-store');
    expect(greeter.body).toMatchObject({ name: 'greeter', status: 'healthy', healthy: true, responseTime: '15ms' });
    expect(await call(server, '/health/slow')).toMatchObject({ status: 200, body: { status: 'degraded', healthy: true } });
    expect(await call(server, '/health/flaky')).toMatchObject({ status: 503, body: { status: 'restarting', healthy: false } });
    const unknown = await call(server, '/health/nope');
    expect(unknown).toMatchObject({ status: 404, body: { error: { code: 'plugin_not_found' } } });
    expect((unknown.body['error'] as Json)['message']).toContain('"nope"');
  });
});

describe('GET /plugins/status and /plugins/health', () => {
  it('status lists every plugin with the monitor-compatible fields', async () => {
    const backend = createRecordingBackend(
      buildSnapshot([
        buildPluginStatus('greeter'),
        buildPluginStatus('flaky', { critical: false, state: 'restarting', connected: false, pid: null, info: null }),
      ]),
    );
    const { server } = await serve(backend);
    const { status, body } = await call(server, '/plugins/status');
    expect(status).toBe(200);
    expect(body).toMatchObject({ enabled: true, initialized: true, total: 2, connected: 1 });
    const plugins = body['plugins'] as Json[];
    expect(plugins[0]).toMatchObject({
      name: 'greeter',
      version: '1.0.0',
      description: 'the greeter plugin',
      connected: true,
      executable: '/opt/plugins/greeter',
      pid: 4242,
      state: 'healthy',
    });
    expect(plugins[1]).toMatchObject({ name: 'flaky', version: '', description: '', connected: false, pid: null, state: 'restarting' });
  });

  it('status is not initialized while a plugin was never started', async () => {
    const backend = createRecordingBackend(buildSnapshot([buildPluginStatus('greeter', { state: 'stopped', generation: 0 })]));
    const { server } = await serve(backend);
    expect((await call(server, '/plugins/status')).body['initialized']).toBe(false);
  });

  it('health gives each plugin with components and recent checks', async () => {
    const { server } = await serve(twoPlugins());
    const { status, body } = await call(server, '/plugins/health');
    expect(status).toBe(200);
    expect(body).toMatchObject({ status: 'healthy', timestamp: '2024-01-15T10:30:00.000Z', summary: { totalPlugins: 2 } });
    const greeter = (body['plugins'] as Record<string, Json>)['greeter'] ?? {};
    expect(greeter).toMatchObject({ name: 'greeter', status: 'healthy', failureCount: 0, components: [{ name: 'database' }] });
    expect(greeter['recentChecks']).toEqual([
      { time: '2024-01-15T10:29:15.000Z', outcome: 'pass', status: 'healthy', responseTime: '12ms', responseTimeMs: 12, message: 'ok' },
      { time: '2024-01-15T10:29:45.000Z', outcome: 'pass', status: 'healthy', responseTime: '15ms', responseTimeMs: 15, message: 'ok' },
    ]);
  });
});

describe('POST /plugins/restart', () => {
  it('answers 202 and asks the backend once, by the query parameter', async () => {
    const backend = twoPlugins();
    const { server } = await serve(backend);
    const { status, body } = await call(server, '/plugins/restart?plugin=greeter', { method: 'POST' });
    expect(status).toBe(202);
    expect(body).toMatchObject({ plugin: 'greeter', state: 'restarting' });
    expect(typeof body['message']).toBe('string');
    expect(backend.requests).toHaveLength(1);
    expect(backend.requests[0]?.name).toBe('greeter');
  });

  it('takes the name from a JSON body; a form body, which any web page can post, is refused', async () => {
    const backend = twoPlugins();
    const { server } = await serve(backend);
    const json = await call(server, '/plugins/restart', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ plugin: 'flaky' }),
    });
    expect(json).toMatchObject({ status: 202, body: { plugin: 'flaky' } });
    const form = await call(server, '/plugins/restart', {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'plugin=greeter',
    });
    expect(form).toMatchObject({ status: 403, body: { error: { code: 'form_content_type' } } });
    expect(backend.requests.map((r) => r.name)).toEqual(['flaky']);
  });

  const badRequests: Array<[string, string, RequestInit, string]> = [
    ['no name at all', '/plugins/restart', { method: 'POST' }, 'missing_plugin'],
    ['an empty name', '/plugins/restart?plugin=', { method: 'POST' }, 'missing_plugin'],
    ['an upper-case name', '/plugins/restart?plugin=Greeter', { method: 'POST' }, 'invalid_plugin_name'],
    ['a path as name', '/plugins/restart?plugin=..%2Fetc', { method: 'POST' }, 'invalid_plugin_name'],
    ['a 64-character name', `/plugins/restart?plugin=${'a'.repeat(64)}`, { method: 'POST' }, 'invalid_plugin_name'],
    [
      'malformed JSON',
      '/plugins/restart',
      { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"plugin":' },
      'invalid_json',
    ],
    [
      'a JSON array',
      '/plugins/restart',
      { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '["greeter"]' },
      'invalid_body',
    ],
    [
      'a JSON number as name',
      '/plugins/restart',
      { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"plugin":7}' },
      'invalid_body',
    ],
    [
      'JSON without plugin',
      '/plugins/restart',
      { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' },
      'missing_plugin',
    ],
  ];
  it.each(badRequests)('answers 400 for %s and asks nothing', async (_name, path, init, code) => {
    const backend = twoPlugins();
    const { server } = await serve(backend);
    const { status, body } = await call(server, path, init);
    expect(status).toBe(400);
    expect(body).toMatchObject({ error: { code } });
    expect(typeof (body['error'] as Json)['message']).toBe('string');
    expect(backend.requests).toEqual([]);
  });

  it('answers 413 for a huge body', async () => {
    const backend = twoPlugins();
    const { server } = await serve(backend);
    const body = JSON.stringify({ plugin: 'greeter', pad: 'x'.repeat(20_000) });
    const answer = await call(server, '/plugins/restart', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body });
    expect(answer).toMatchObject({ status: 413, body: { error: { code: 'payload_too_large' } } });
    expect(backend.requests).toEqual([]);
  });

  it('answers 404 for an unknown plugin', async () => {
    const backend = twoPlugins();
    const { server } = await serve(backend);
    const { status, body } = await call(server, '/plugins/restart?plugin=nope', { method: 'POST' });
    expect(status).toBe(404);
    expect(body).toMatchObject({ error: { code: 'plugin_not_found' } });
  });

  it('answers 503 while the supervisor shuts down', async () => {
    const backend = twoPlugins();
    backend.control = async () => ({ ok: false, code: 'shutting_down', message: 'the supervisor is shutting down' });
    const { server } = await serve(backend);
    const { status, body } = await call(server, '/plugins/restart?plugin=greeter', { method: 'POST' });
    expect(status).toBe(503);
    expect(body).toEqual({ error: { code: 'shutting_down', message: 'the supervisor is shutting down' } });
  });

  it('answers 405 with Allow for GET', async () => {
    const backend = twoPlugins();
    const { server } = await serve(backend);
    const { status, headers, body } = await call(server, '/plugins/restart?plugin=greeter');
    expect(status).toBe(405);
    expect(headers.get('allow')).toBe('POST');
    expect(body).toMatchObject({ error: { code: 'method_not_allowed' } });
    expect(backend.requests).toEqual([]);
  });

  it('needs the bearer token when one is set', async () => {
    const backend = twoPlugins();
    const { server } = await serve(backend, { token: 's3cret-token' });
    const path = '/plugins/restart?plugin=greeter';

    const without = await call(server, path, { method: 'POST' });
    expect(without).toMatchObject({ status: 401, body: { error: { code: 'unauthorized' } } });
    expect(without.headers.get('www-authenticate')).toMatch(/^Bearer/);

    const wrong = await call(server, path, { method: 'POST', headers: { Authorization: 'Bearer not-the-token' } });
    expect(wrong).toMatchObject({ status: 401, body: { error: { code: 'unauthorized' } } });
    expect(wrong.headers.get('www-authenticate')).toContain('invalid_token');
    expect(backend.requests).toEqual([]);

    const right = await call(server, path, { method: 'POST', headers: { Authorization: 'Bearer s3cret-token' } });
    expect(right).toMatchObject({ status: 202, body: { plugin: 'greeter' } });
    expect(backend.requests.map((r) => r.name)).toEqual(['greeter']);

    // Reading status needs no token.
    expect((await call(server, '/plugins/status')).status).toBe(200);
  });
});

describe('errors', () => {
  it('answers JSON 404 for an unknown route and 405 for other methods on known ones', async () => {
    const { server } = await serve(twoPlugins());
    expect(await call(server, '/nope')).toMatchObject({ status: 404, body: { error: { code: 'not_found' } } });
    const post = await call(server, '/health', { method: 'POST' });
    expect(post).toMatchObject({ status: 405, body: { error: { code: 'method_not_allowed' } } });
    expect(post.headers.get('allow')).toBe('GET, HEAD');
    expect((await call(server, '/plugins/status', { method: 'DELETE' })).status).toBe(405);
  });

  it('answers 500 with a generic message when the backend throws, and logs the real error', async () => {
    const secret = new Error('boom at /work/main/src/secret-place.ts:12:3');
    const backend: ApiBackend = {
      ...createRecordingBackend(buildSnapshot([])),
      snapshot: () => {
        throw secret;
      },
    };
    const seen: unknown[] = [];
    const { server, logged } = await serve(backend, { onError: (error) => seen.push(error) });
    for (const path of ['/health', '/plugins/status', '/health/greeter']) {
      const { status, headers, text, body } = await call(server, path);
      expect(status).toBe(500);
      expect(headers.get('content-type')).toMatch(/^application\/json/);
      expect(body).toMatchObject({ error: { code: 'internal_error' } });
      expect(text).not.toContain('boom');
      expect(text).not.toContain('/work/');
      expect(text).not.toContain('.ts');
      expect(text).not.toMatch(/\bat /);
    }
    expect(seen).toEqual([secret, secret, secret]);
    expect(logged).toHaveLength(3);
    expect(logged[0]?.obj).toMatchObject({ err: secret, path: '/health' });
  });
});

describe('startApiServer', () => {
  it('rejects with listen_failed naming host:port when the port is taken', async () => {
    const { server } = await serve(twoPlugins());
    const app = createApp({ backend: twoPlugins(), token: null });
    const attempt = startApiServer({ app, host: '127.0.0.1', port: server.port });
    await expect(attempt).rejects.toSatisfy((error: unknown) => isHaleError(error, 'listen_failed'));
    await expect(attempt).rejects.toThrow(`127.0.0.1:${server.port}`);
    await expect(attempt).rejects.toThrow(/EADDRINUSE/);
  });

  it('closes promptly although the client keeps its connection alive', async () => {
    const server = await startApiServer({ app: createApp({ backend: twoPlugins(), token: null }), host: '127.0.0.1', port: 0 });
    expect((await fetch(`${server.url}/health`, { headers: { Connection: 'keep-alive' } })).status).toBe(200);
    const started = performance.now();
    // The grace timer (1 s) would also end it; an idle connection must not need it.
    await server.close();
    expect(performance.now() - started).toBeLessThan(900);
    await expect(fetch(`${server.url}/health`)).rejects.toThrow();
  });

  it('ends a keep-alive connection as soon as an answer in flight at close is sent', async () => {
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    let arrived: () => void = () => {};
    const requestArrived = new Promise<void>((resolve) => (arrived = resolve));
    const app = {
      fetch: async () => {
        arrived();
        await held;
        return new Response('{}', { headers: { 'Content-Type': 'application/json' } });
      },
    };
    const server = await startApiServer({ app, host: '127.0.0.1', port: 0, closeGraceMs: 5_000 });
    const answer = fetch(`${server.url}/slow`);
    await requestArrived;
    const started = performance.now();
    const closed = server.close();
    release();
    expect((await answer).status).toBe(200);
    await closed;
    // Without ending it, the connection would hold close() for keepAliveTimeout (5 s).
    expect(performance.now() - started).toBeLessThan(2_000);
  });
});
