import { afterEach, describe, expect, it } from 'vitest';
import { createApp, type ApiSecurity } from '../../src/api/app.js';
import type { ApiBackend } from '../../src/api/backend.js';
import { createFastLane } from '../../src/api/fast-lane.js';
import { startApiServer, type ApiServer } from '../../src/api/serve.js';
import { buildPluginStatus, buildSnapshot, createRecordingBackend, type RecordingBackend } from '../helpers/status-builder.js';

const servers: ApiServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

const token = 'correct-horse-battery-staple';

interface Served {
  server: ApiServer;
  backend: RecordingBackend;
  audit: Array<Record<string, unknown>>;
}

const serve = async (options: { token?: string | null; security?: ApiSecurity; backend?: ApiBackend } = {}): Promise<Served> => {
  const backend = createRecordingBackend(
    buildSnapshot([buildPluginStatus('greeter', { envKeys: ['DB_PASSWORD'] }), buildPluginStatus('flaky', { critical: false })]),
  );
  const audit: Array<Record<string, unknown>> = [];
  const used = options.backend ?? backend;
  const app = createApp({
    backend: used,
    token: options.token === undefined ? token : options.token,
    logger: { error: () => {}, info: (obj) => audit.push(obj as Record<string, unknown>) },
    ...(options.security === undefined ? {} : { security: options.security }),
  });
  const server = await startApiServer({
    app,
    host: '127.0.0.1',
    port: 0,
    lane: createFastLane(used, { protectReads: options.security?.protectReads === true }),
  });
  servers.push(server);
  return { server, backend, audit };
};

const post = (server: ApiServer, path: string, headers: Record<string, string> = {}, body?: string) =>
  fetch(`${server.url}${path}`, { method: 'POST', headers, ...(body === undefined ? {} : { body }) });

const bearer = (value: string) => ({ Authorization: `Bearer ${value}` });

/** Every route that changes state, with the answer it gives when allowed. */
const managementRoutes: Array<[string, number, Record<string, string>?, string?]> = [
  ['/plugins/greeter/restart', 202],
  ['/plugins/greeter/stop', 202],
  ['/plugins/greeter/start', 202],
  ['/plugins/greeter/signal?signal=SIGUSR1', 200],
  ['/plugins/restart?plugin=greeter', 202],
  ['/plugins/restart', 202, { 'Content-Type': 'application/json' }, '{"plugin":"greeter"}'],
  ['/config/reload', 409],
];

describe('the management routes', () => {
  it.each(managementRoutes)(
    '%s: no token 401, a wrong one 401, the right one %i; refused ones change nothing',
    async (path, allowed, headers = {}, body) => {
      const { server, backend, audit } = await serve();
      const none = await post(server, path, headers, body);
      expect(none.status).toBe(401);
      expect(none.headers.get('www-authenticate')).toBe('Bearer realm="hale"');
      const wrong = await post(server, path, { ...headers, ...bearer('guess') }, body);
      expect(wrong.status).toBe(401);
      expect(wrong.headers.get('www-authenticate')).toMatch(/error="invalid_token"/);
      expect(backend.requests).toEqual([]);
      const right = await post(server, path, { ...headers, ...bearer(token) }, body);
      expect(right.status).toBe(allowed);

      // One audit line each: the route, the plugin, the client, the outcome, a fingerprint and never the token.
      expect(audit).toHaveLength(3);
      expect(audit.map((line) => [line['outcome'], line['status'], line['reason'] ?? null])).toEqual([
        ['refused', 401, 'unauthorized'],
        ['refused', 401, 'unauthorized'],
        ['allowed', allowed, null],
      ]);
      for (const line of audit) {
        expect(line).toMatchObject({ audit: true, method: 'POST', client: '127.0.0.1' });
        expect(String(line['route'])).toMatch(/^\/(plugins|config)\//);
      }
      // The plugin is named by the path or query; one named only in a body is known once the body is read.
      const named = path.startsWith('/config')
        ? [null, null, null]
        : body === undefined
          ? ['greeter', 'greeter', 'greeter']
          : [null, null, 'greeter'];
      expect(audit.map((line) => line['plugin'])).toEqual(named);
      expect(audit.map((line) => line['tokenFingerprint'])).toEqual([
        null,
        expect.stringMatching(/^sha256:[0-9a-f]{12}$/),
        expect.stringMatching(/^sha256:[0-9a-f]{12}$/),
      ]);
      expect(audit[1]?.['tokenFingerprint']).not.toBe(audit[2]?.['tokenFingerprint']);
      expect(JSON.stringify(audit)).not.toContain(token);
    },
  );

  it('limits each client, then each plugin, with 429 and Retry-After, and audits the refusals', async () => {
    const { server, audit } = await serve({ security: { rateLimit: { perClient: 3, perPlugin: 2, windowMs: 60_000 } } });
    const statuses: number[] = [];
    for (let i = 0; i < 2; i++) statuses.push((await post(server, '/plugins/greeter/restart', bearer(token))).status);
    const perPlugin = await post(server, '/plugins/greeter/restart', bearer(token));
    expect(perPlugin.status).toBe(429);
    expect(Number(perPlugin.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(((await perPlugin.json()) as { error: { code: string; message: string } }).error).toMatchObject({
      code: 'rate_limited',
      message: expect.stringMatching(/for "greeter"/),
    });
    // The client has used its 3 with the token; a fourth, for another plugin, is refused before the plugin is looked at.
    const perClient = await post(server, '/plugins/flaky/stop', bearer(token));
    expect(perClient.status).toBe(429);
    expect(((await perClient.json()) as { error: { message: string } }).error.message).toMatch(/from 127\.0\.0\.1/);
    // Requests without the token count apart: 3 refused with 401, then 429.
    const without: number[] = [];
    for (let i = 0; i < 4; i++) without.push((await post(server, '/plugins/flaky/stop')).status);
    expect(without).toEqual([401, 401, 401, 429]);
    expect(statuses).toEqual([202, 202]);
    expect(audit.map((line) => line['reason'] ?? 'allowed')).toEqual([
      'allowed',
      'allowed',
      'rate_limited_plugin',
      'rate_limited_client',
      'unauthorized',
      'unauthorized',
      'unauthorized',
      'rate_limited_failures',
    ]);
  });

  it('refuses a body over 16 KiB with 413, audited, whether its length is said or not', async () => {
    const { server, audit, backend } = await serve();
    const big = JSON.stringify({ plugin: 'greeter', pad: 'x'.repeat(20_000) });
    const said = await post(server, '/plugins/restart', { ...bearer(token), 'Content-Type': 'application/json' }, big);
    expect(said.status).toBe(413);
    const stream = new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode(big));
        controller.close();
      },
    });
    const unsaid = await fetch(`${server.url}/plugins/restart`, {
      method: 'POST',
      headers: { ...bearer(token), 'Content-Type': 'application/json' },
      body: stream,
      duplex: 'half',
    });
    expect(unsaid.status).toBe(413);
    expect(audit.map((line) => [line['status'], line['reason']])).toEqual([
      [413, 'payload_too_large'],
      [413, 'payload_too_large'],
    ]);
    expect(backend.requests).toEqual([]);
  });
});

describe('reads', () => {
  it('are open by default, and the env values of a plugin never leave, only its names', async () => {
    const { server } = await serve();
    const status = (await (await fetch(`${server.url}/plugins/status`)).json()) as {
      plugins: Array<{ name: string; env: Record<string, string> }>;
    };
    expect(status.plugins.find((p) => p.name === 'greeter')?.env).toEqual({ DB_PASSWORD: '[redacted]' });
  });

  it('need the token with protectReads, but liveness and readiness stay open for probes', async () => {
    const { server } = await serve({ security: { protectReads: true } });
    for (const path of [
      '/health',
      '/health/greeter',
      '/plugins/status',
      '/plugins/health',
      '/plugins/greeter/logs',
      '/plugins/greeter/history',
      '/events',
      '/operations/x',
    ]) {
      const response = await fetch(`${server.url}${path}`);
      expect([path, response.status]).toEqual([path, 401]);
    }
    for (const path of ['/health/liveness', '/health/readiness']) expect((await fetch(`${server.url}${path}`)).status).toBe(200);
    expect((await fetch(`${server.url}/health`, { headers: bearer(token) })).status).toBe(200);
    expect((await fetch(`${server.url}/plugins/status`, { headers: bearer(token) })).status).toBe(200);
  });
});

describe('browsers', () => {
  it('get no CORS headers by default, and security headers on every answer', async () => {
    const { server } = await serve();
    for (const path of ['/health', '/plugins/status', '/nope']) {
      const response = await fetch(`${server.url}${path}`, { headers: { Origin: 'https://evil.example' } });
      expect(response.headers.get('access-control-allow-origin')).toBeNull();
      expect(response.headers.get('x-frame-options')).toBe('DENY');
      expect(response.headers.get('content-security-policy')).toBe("default-src 'none'; frame-ancestors 'none'");
      expect(response.headers.get('referrer-policy')).toBe('no-referrer');
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    }
    const preflight = await fetch(`${server.url}/plugins/greeter/restart`, {
      method: 'OPTIONS',
      headers: { Origin: 'https://evil.example', 'Access-Control-Request-Method': 'POST' },
    });
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('from an allowed origin get CORS, with Authorization allowed; others get none', async () => {
    const { server } = await serve({ security: { corsOrigins: ['https://dash.example.com'] } });
    const preflight = await fetch(`${server.url}/plugins/greeter/restart`, {
      method: 'OPTIONS',
      headers: {
        Origin: 'https://dash.example.com',
        'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'authorization',
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('https://dash.example.com');
    expect(preflight.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('authorization');
    const other = await fetch(`${server.url}/health/readiness`, { headers: { Origin: 'https://evil.example' } });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('every request', () => {
  it('is answered 503 request_timeout when the work behind it does not finish in time', async () => {
    const stuck = createRecordingBackend(buildSnapshot([buildPluginStatus('greeter')]));
    stuck.control = () => new Promise(() => {});
    const { server } = await serve({ backend: stuck, security: { requestTimeoutMs: 200 } });
    const response = await post(server, '/plugins/greeter/restart', bearer(token));
    expect(response.status).toBe(503);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('request_timeout');
  });
});
