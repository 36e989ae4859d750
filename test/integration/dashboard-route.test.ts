import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp } from '../../src/api/app.js';
import { loadDashboardAssets } from '../../src/api/dashboard-assets.js';
import { startApiServer, type ApiServer } from '../../src/api/serve.js';
import { buildPluginStatus, buildSnapshot, createRecordingBackend } from '../helpers/status-builder.js';

const servers: ApiServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

const serve = async (options: { dashboard?: ReturnType<typeof loadDashboardAssets>; protectReads?: boolean } = {}) => {
  const backend = createRecordingBackend(buildSnapshot([buildPluginStatus('greeter')]));
  const app = createApp({
    backend,
    token: 's3cret',
    security: { protectReads: options.protectReads ?? false },
    ...(options.dashboard === undefined ? {} : { dashboard: options.dashboard }),
  });
  const server = await startApiServer({ app, host: '127.0.0.1', port: 0 });
  servers.push(server);
  return server;
};

describe('GET / (the dashboard)', () => {
  it('serves the built page and its modules with a policy of this origin only', async () => {
    const server = await serve();
    const page = await fetch(`${server.url}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const policy = page.headers.get('content-security-policy') ?? '';
    expect(policy).toContain("script-src 'self'");
    expect(policy).toContain("connect-src 'self'");
    expect(policy).toContain("frame-ancestors 'none'");
    expect(page.headers.get('x-frame-options')).toBe('DENY');
    const html = await page.text();
    expect(html).toContain('src="/dashboard/main.js"');
    // Nothing from the internet: every script and style is this origin's.
    expect(html).not.toMatch(/(src|href)="https?:/);
    const script = await fetch(`${server.url}/dashboard/main.js`);
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(await script.text()).toContain('openEventFeed');
  });

  it('answers 404 for a file it does not have, also one that tries to climb out', async () => {
    const server = await serve();
    for (const path of ['/dashboard/nope.js', '/dashboard/..%2F..%2Fpackage.json', '/dashboard/%2e%2e%2fcli.js']) {
      const answer = await fetch(`${server.url}${path}`);
      expect(answer.status, path).toBe(404);
      expect(((await answer.json()) as { error: { code: string } }).error.code).toBe('not_found');
    }
  });

  it('says how to build it when the build has no dashboard, as a 503 and not a crash', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'hale-dash-'));
    const server = await serve({ dashboard: loadDashboardAssets(null) });
    const answer = await fetch(`${server.url}/`);
    expect(answer.status).toBe(503);
    expect(await answer.json()).toMatchObject({
      error: { code: 'dashboard_unavailable', message: expect.stringContaining('npm run build') },
    });
    writeFileSync(join(empty, 'index.html'), '<p>mine</p>');
    writeFileSync(join(empty, 'notes.txt'), 'not served');
    const own = await serve({ dashboard: loadDashboardAssets(empty) });
    expect(await (await fetch(`${own.url}/`)).text()).toBe('<p>mine</p>');
    expect((await fetch(`${own.url}/dashboard/notes.txt`)).status).toBe(404);
    rmSync(empty, { recursive: true, force: true });
  });

  it('loads without the token under protectReads (it holds no data), while what it reads needs it', async () => {
    const server = await serve({ protectReads: true });
    expect((await fetch(`${server.url}/`)).status).toBe(200);
    expect((await fetch(`${server.url}/dashboard/main.js`)).status).toBe(200);
    expect((await fetch(`${server.url}/plugins/health`)).status).toBe(401);
    expect((await fetch(`${server.url}/plugins/health`, { headers: { Authorization: 'Bearer s3cret' } })).status).toBe(200);
  });

  it('refuses a POST to the page', async () => {
    const server = await serve();
    expect((await fetch(`${server.url}/`, { method: 'POST' })).status).toBe(405);
  });
});
