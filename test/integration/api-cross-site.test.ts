import { afterEach, describe, expect, it } from 'vitest';
import type { ApiServer } from '../../src/api/serve.js';
import { errorCodeOf, sendRaw, serveApi, type RawRequest } from '../helpers/api-server.js';

const servers: ApiServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

const serve = async (options: Parameters<typeof serveApi>[0] = {}) => {
  const served = await serveApi(options);
  servers.push(served.server);
  return served;
};

/** Every route that changes state. */
const managementPaths = [
  '/plugins/greeter/restart',
  '/plugins/greeter/stop',
  '/plugins/greeter/start',
  '/plugins/greeter/signal?signal=SIGKILL',
  '/plugins/restart?plugin=greeter',
  '/config/reload',
];

/** What a web page on another origin can send without a preflight, and what it cannot hide. */
const attacks = (port: number): Array<[string, Omit<RawRequest, 'path'>]> => [
  ['a form post', { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'plugin=greeter' }],
  ['a multipart form post', { method: 'POST', headers: { 'Content-Type': 'multipart/form-data; boundary=x' }, body: '--x--\r\n' }],
  ['a no-cors text/plain post', { method: 'POST', headers: { 'Content-Type': 'text/plain;charset=UTF-8' }, body: '{"plugin":"greeter"}' }],
  ['Origin: http://evil.example', { method: 'POST', headers: { Origin: 'http://evil.example' } }],
  ['Sec-Fetch-Site: cross-site', { method: 'POST', headers: { 'Sec-Fetch-Site': 'cross-site' } }],
  ['Sec-Fetch-Site: same-site', { method: 'POST', headers: { 'Sec-Fetch-Site': 'same-site', Origin: `http://127.0.0.1:${port + 1}` } }],
  ['Origin of another loopback port', { method: 'POST', headers: { Origin: `http://127.0.0.1:${port === 65_535 ? 1 : port + 1}` } }],
  ['Origin: null (a sandboxed frame)', { method: 'POST', headers: { Origin: 'null' } }],
  [
    'a JSON post from a cross-site page',
    {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'Sec-Fetch-Site': 'cross-site', Origin: 'http://evil.example' },
      body: '{"plugin":"greeter"}',
    },
  ],
];

describe('a management route, with no token set', () => {
  it('refuses every cross-site request with 403 and an audit line, and changes nothing', async () => {
    const { server, backend, audit } = await serve({ token: null });
    for (const path of managementPaths) {
      for (const [what, attack] of attacks(server.port)) {
        const answer = await sendRaw(server.port, { path, ...attack });
        expect([path, what, answer.status]).toEqual([path, what, 403]);
        expect(['cross_site_request', 'form_content_type']).toContain(errorCodeOf(answer));
      }
    }
    expect(backend.requests).toEqual([]);
    const refusals = audit.filter((line) => line['status'] === 403);
    expect(refusals).toHaveLength(managementPaths.length * attacks(server.port).length);
    for (const line of refusals) {
      expect(line).toMatchObject({ audit: true, method: 'POST', outcome: 'refused', client: '127.0.0.1' });
      expect(['cross_site_request', 'form_content_type']).toContain(line['reason']);
    }
  });

  it('lets same-origin requests, the ones a browser sends from the dashboard, and header-less ones (curl, the CLI) through', async () => {
    const { server, backend } = await serve({ token: null });
    const self = `http://127.0.0.1:${server.port}`;
    const allowed: Array<Omit<RawRequest, 'path'>> = [
      { method: 'POST' },
      { method: 'POST', headers: { 'Sec-Fetch-Site': 'same-origin', Origin: self } },
      { method: 'POST', headers: { 'Sec-Fetch-Site': 'none' } },
      { method: 'POST', headers: { Origin: self } },
      { method: 'POST', headers: { Origin: `http://localhost:${server.port}`, Host: `localhost:${server.port}` } },
      { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"reason":"drill"}' },
    ];
    for (const request of allowed) {
      const answer = await sendRaw(server.port, { path: '/plugins/greeter/restart', ...request });
      expect([request, answer.status]).toEqual([request, 202]);
    }
    expect(backend.requests).toHaveLength(allowed.length);
    // What curl -X POST and the CLI's fetch send.
    expect((await fetch(`${self}/plugins/greeter/stop`, { method: 'POST' })).status).toBe(202);
    const reload = await fetch(`${self}/config/reload`, { method: 'POST' });
    expect(errorCodeOf({ status: reload.status, headers: {}, body: await reload.text() })).toBe('reload_unavailable');
  });

  it('lets an origin listed in api.corsOrigins through, but never a form', async () => {
    const { server, backend } = await serve({ token: null, security: { corsOrigins: ['https://dash.example.com'] } });
    const from = { Origin: 'https://dash.example.com', 'Sec-Fetch-Site': 'cross-site' };
    expect((await sendRaw(server.port, { method: 'POST', path: '/plugins/greeter/restart', headers: from })).status).toBe(202);
    const form = await sendRaw(server.port, {
      method: 'POST',
      path: '/plugins/restart',
      headers: { ...from, 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'plugin=greeter',
    });
    expect(form.status).toBe(403);
    expect(backend.requests).toHaveLength(1);
  });

  it('tells a curl user with -d what to send instead', async () => {
    const { server } = await serve({ token: null });
    const answer = await sendRaw(server.port, {
      method: 'POST',
      path: '/plugins/restart',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: '{"plugin":"greeter"}',
    });
    expect(answer.status).toBe(403);
    expect(answer.body).toMatch(/application\/json/);
  });
});

describe('a management route, with a token set', () => {
  it('refuses a cross-site request even when it carries the right token', async () => {
    const { server, backend } = await serve({ token: 's3cret' });
    const answer = await sendRaw(server.port, {
      method: 'POST',
      path: '/plugins/greeter/stop',
      headers: { Authorization: 'Bearer s3cret', Origin: 'http://evil.example' },
    });
    expect(answer.status).toBe(403);
    expect(backend.requests).toEqual([]);
    const right = await sendRaw(server.port, {
      method: 'POST',
      path: '/plugins/greeter/stop',
      headers: { Authorization: 'Bearer s3cret' },
    });
    expect(right.status).toBe(202);
  });
});

describe('reads', () => {
  it('stay open to a page on another origin only as far as CORS lets it read, which is not at all', async () => {
    const { server } = await serve({ token: null });
    const answer = await sendRaw(server.port, {
      path: '/plugins/status',
      headers: { Origin: 'http://evil.example', 'Sec-Fetch-Site': 'cross-site' },
    });
    expect(answer.status).toBe(200);
    expect(answer.headers['access-control-allow-origin']).toBeUndefined();
  });
});
