import { connect } from 'node:net';
import { networkInterfaces } from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import type { ApiServer } from '../../src/api/serve.js';
import { errorCodeOf, sendRaw, serveApi } from '../helpers/api-server.js';

const servers: ApiServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

const serve = async (options: Parameters<typeof serveApi>[0] = {}) => {
  const served = await serveApi(options);
  servers.push(served.server);
  return served;
};

/** Read routes of the app and of the fast lane (which answers before the app sees a request). */
const readPaths = [
  '/health',
  '/health/liveness',
  '/health/readiness',
  '/liveness',
  '/health/greeter',
  '/plugins/status',
  '/plugins/health',
  '/plugins/greeter/logs',
  '/plugins/greeter/history',
  '/checks',
  '/metrics',
  '/events',
  '/',
  '/nope',
];

/** One of this machine's own addresses that is not loopback, if it has one. */
const machineAddress = (): { address: string; family: 'IPv4' | 'IPv6' } | null => {
  for (const infos of Object.values(networkInterfaces())) {
    for (const info of infos ?? []) if (!info.internal && info.family === 'IPv4') return { address: info.address, family: 'IPv4' };
  }
  return null;
};

/** An HTTP/1.0 request with no Host header at all, over a raw socket. */
const sendWithoutHost = (port: number, path: string): Promise<string> =>
  new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    let text = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (text += chunk));
    socket.on('end', () => resolve(text));
    socket.on('error', reject);
    socket.setTimeout(10_000, () => socket.destroy(new Error('no answer within 10 s')));
    socket.write(`GET ${path} HTTP/1.0\r\n\r\n`);
  });

describe('the Host header', () => {
  it('of another name is refused with 421 on every route, the fast lane too, with an audit line', async () => {
    const { server, audit } = await serve({ token: null });
    for (const host of [
      `attacker.example:${server.port}`,
      'attacker.example',
      `127.0.0.1.attacker.example:${server.port}`,
      `localhost.attacker.example`,
      '10.9.8.7',
      '[::2]:80',
    ]) {
      for (const path of readPaths) {
        for (const method of ['GET', 'HEAD']) {
          const answer = await sendRaw(server.port, { method, path, headers: { Host: host } });
          expect([host, method, path, answer.status]).toEqual([host, method, path, 421]);
          if (method === 'GET') expect(errorCodeOf(answer)).toBe('misdirected_host');
        }
      }
    }
    const posted = await sendRaw(server.port, { method: 'POST', path: '/plugins/greeter/stop', headers: { Host: 'attacker.example' } });
    expect(posted.status).toBe(421);
    const line = audit.find((entry) => entry['status'] === 421);
    expect(line).toMatchObject({
      audit: true,
      outcome: 'refused',
      reason: 'misdirected_host',
      client: '127.0.0.1',
      host: `attacker.example:${server.port}`,
    });
  });

  it('of a loopback name or address passes, whatever the port', async () => {
    const { server } = await serve({ token: null });
    for (const host of [
      `127.0.0.1:${server.port}`,
      '127.0.0.1',
      `localhost:${server.port}`,
      'LOCALHOST',
      'dash.localhost:9',
      '127.1.2.3:80',
      `[::1]:${server.port}`,
      'localhost.',
    ]) {
      for (const path of ['/health', '/health/liveness', '/plugins/status']) {
        const answer = await sendRaw(server.port, { path, headers: { Host: host } });
        expect([host, path, answer.status]).toEqual([host, path, 200]);
      }
    }
  });

  it('missing (HTTP/1.0) passes: no browser sends one', async () => {
    const { server } = await serve({ token: null });
    expect(await sendWithoutHost(server.port, '/health/liveness')).toMatch(/^HTTP\/1\.1 200/);
    expect(await sendWithoutHost(server.port, '/plugins/status')).toMatch(/^HTTP\/1\.1 200/);
  });

  it('of a name in api.allowedHosts passes', async () => {
    const { server } = await serve({ token: null, server: { allowedHosts: ['hale.internal', '10.0.0.9'] } });
    for (const host of ['hale.internal', `HALE.internal:${server.port}`, '10.0.0.9:8080']) {
      for (const path of ['/health', '/plugins/status'])
        expect((await sendRaw(server.port, { path, headers: { Host: host } })).status).toBe(200);
    }
    expect((await sendRaw(server.port, { path: '/health', headers: { Host: 'sub.hale.internal' } })).status).toBe(421);
  });

  it("of one of the machine's own addresses passes when hale listens on 0.0.0.0 (kubelet and Docker probes)", async () => {
    const own = machineAddress();
    const { server } = await serve({ token: null, host: '0.0.0.0' });
    const hosts = own === null ? [] : [own.address, `${own.address}:${server.port}`];
    for (const host of hosts) {
      for (const path of ['/health', '/health/readiness', '/plugins/status']) {
        const answer = await sendRaw(server.port, { path, headers: { Host: host } });
        expect([host, path, answer.status]).toEqual([host, path, 200]);
      }
    }
    expect((await sendRaw(server.port, { path: '/health', headers: { Host: 'attacker.example' } })).status).toBe(421);
  });

  it('of a machine address is refused when hale listens on loopback only', async () => {
    const own = machineAddress();
    const { server } = await serve({ token: null });
    if (own !== null) expect((await sendRaw(server.port, { path: '/health', headers: { Host: own.address } })).status).toBe(421);
  });
});
