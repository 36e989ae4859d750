import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHale, stopAllHale, type HaleProcess } from '../helpers/hale-process.js';
import { errorCodeOf, sendRaw } from '../helpers/api-server.js';
import { greeterMain, requireBuilt } from '../helpers/paths.js';

let dir: string;
let hale: HaleProcess;
let port: number;

beforeAll(async () => {
  requireBuilt();
  dir = mkdtempSync(join(tmpdir(), 'hale-api-defences-'));
  const file = join(dir, 'supervisor.yaml');
  writeFileSync(
    file,
    [
      'api: { host: 127.0.0.1, port: 0, allowedHosts: [hale.internal] }',
      'grpc: { enabled: false }',
      `stateDir: ${join(dir, 'state')}`,
      'defaults: { checkInterval: 300ms, checkTimeout: 1s, startInterval: 50ms, successThreshold: 1, restartBackoff: 0s, stopTimeout: 2s }',
      'plugins:',
      `  - { name: greeter, command: node, args: [${greeterMain}] }`,
      '',
    ].join('\n'),
  );
  hale = startHale(['run', '-c', file]);
  port = Number(new URL(String((await hale.line((l) => typeof l.api === 'string')).api)).port);
  await hale.line((l) => l.event === 'transition' && l.plugin === 'greeter' && l.to === 'healthy', 20_000);
});
afterAll(async () => {
  await stopAllHale();
  rmSync(dir, { recursive: true, force: true });
});

describe('a real hale run, stock settings and no token', () => {
  it("answers 421 to another site's Host, the fast lane too, and logs an audit line", async () => {
    for (const path of ['/health', '/health/readiness', '/plugins/status', '/plugins/greeter/logs']) {
      const answer = await sendRaw(port, { path, headers: { Host: `attacker.example:${port}` } });
      expect([path, answer.status, errorCodeOf(answer)]).toEqual([path, 421, 'misdirected_host']);
    }
    const line = await hale.line((l) => l['audit'] === true && l['reason'] === 'misdirected_host');
    expect(line).toMatchObject({ status: 421, outcome: 'refused', client: '127.0.0.1', host: `attacker.example:${port}` });
  });

  it('answers for a name in api.allowedHosts', async () => {
    expect((await sendRaw(port, { path: '/plugins/status', headers: { Host: `hale.internal:${port}` } })).status).toBe(200);
  });

  it('refuses a stop from a web page, and lets curl stop and start', async () => {
    const attack = await sendRaw(port, { method: 'POST', path: '/plugins/greeter/stop', headers: { Origin: 'http://evil.example' } });
    expect(attack.status).toBe(403);
    const form = await sendRaw(port, {
      method: 'POST',
      path: '/plugins/greeter/signal?signal=SIGKILL',
      headers: { 'Content-Type': 'text/plain' },
      body: 'x',
    });
    expect(form.status).toBe(403);
    const refusal = await hale.line((l) => l['audit'] === true && l['reason'] === 'cross_site_request');
    expect(refusal).toMatchObject({ status: 403, origin: 'http://evil.example', path: '/plugins/greeter/stop' });
    const status = JSON.parse((await sendRaw(port, { path: '/plugins/status' })).body) as {
      plugins: Array<{ name: string; state: string }>;
    };
    expect(status.plugins.find((p) => p.name === 'greeter')?.state).toBe('healthy');
    // What `curl -X POST` sends.
    expect(
      (await sendRaw(port, { method: 'POST', path: '/plugins/greeter/stop', headers: { Accept: '*/*', 'User-Agent': 'curl/8.5.0' } }))
        .status,
    ).toBe(202);
    expect(
      (await sendRaw(port, { method: 'POST', path: '/plugins/greeter/start', headers: { Accept: '*/*', 'User-Agent': 'curl/8.5.0' } }))
        .status,
    ).toBe(202);
  });
});
