import { afterEach, describe, expect, it } from 'vitest';
import { createApp } from '../../src/api/app.js';
import type { PluginGraphBody } from '../../src/api/bodies.js';
import { startApiServer, type ApiServer } from '../../src/api/serve.js';
import { buildPluginStatus, buildSnapshot, createRecordingBackend } from '../helpers/status-builder.js';

const servers: ApiServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

const token = 'graph-s3cret';

const serve = async (protectReads: boolean) => {
  const backend = createRecordingBackend(
    buildSnapshot([
      buildPluginStatus('db', { state: 'unhealthy', critical: false }),
      buildPluginStatus('api', { dependsOn: ['db'], restartWith: ['db'] }),
      buildPluginStatus('web', { state: 'stopped', dependsOn: ['api', 'db'], waitingFor: [{ name: 'db', state: 'unhealthy' }] }),
      buildPluginStatus('solo'),
    ]),
  );
  const app = createApp({ backend, token, security: { protectReads } });
  const server = await startApiServer({ app, host: '127.0.0.1', port: 0 });
  servers.push(server);
  return server;
};

describe('GET /plugins/graph', () => {
  it('every plugin a node, with its state and readiness (a dependency down is not ready), an edge per dependsOn entry', async () => {
    const server = await serve(false);
    const response = await fetch(`${server.url}/plugins/graph`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as PluginGraphBody;
    expect(body.nodes).toEqual([
      { name: 'db', state: 'unhealthy', critical: false, ready: false },
      { name: 'api', state: 'healthy', critical: true, ready: false },
      { name: 'web', state: 'stopped', critical: true, ready: false, waitingFor: [{ name: 'db', state: 'unhealthy' }] },
      { name: 'solo', state: 'healthy', critical: true, ready: true },
    ]);
    expect(body.edges).toEqual([
      { from: 'api', to: 'db', kind: 'restartWith' },
      { from: 'web', to: 'api', kind: 'dependsOn' },
      { from: 'web', to: 'db', kind: 'dependsOn' },
    ]);
    const status = (await (await fetch(`${server.url}/plugins/status`)).json()) as { plugins: Array<{ name: string; ready: boolean }> };
    expect(status.plugins.map((p) => [p.name, p.ready])).toEqual([
      ['db', false],
      ['api', false],
      ['web', false],
      ['solo', true],
    ]);
  });

  it('is a read route: with protectReads it needs the token, like the others; other methods are a 405', async () => {
    const server = await serve(true);
    expect((await fetch(`${server.url}/plugins/graph`)).status).toBe(401);
    expect((await fetch(`${server.url}/plugins/graph`, { headers: { Authorization: `Bearer ${token}` } })).status).toBe(200);
    const post = await fetch(`${server.url}/plugins/graph`, { method: 'POST', headers: { Authorization: `Bearer ${token}` } });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
  });
});
