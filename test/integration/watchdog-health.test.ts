import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import type { HealthBody } from '../../src/api/bodies.js';
import { alive } from '../helpers/alive.js';
import { startHale, stopAllHale } from '../helpers/hale-process.js';
import { fixture, requireBuilt } from '../helpers/paths.js';

// /health shows the watchdog as a non-critical component, and which containment is in force.

let dir: string;

beforeAll(() => {
  requireBuilt();
  dir = mkdtempSync(join(tmpdir(), 'hale-watchdog-health-'));
});
afterEach(() => stopAllHale());
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the watchdog in /health', () => {
  test('a component of kind watchdog, healthy while it runs; killed, it degrades /health (never unhealthy) until another runs', async () => {
    const file = join(dir, 'supervisor.yaml');
    writeFileSync(
      file,
      [
        'api: { host: 127.0.0.1, port: 0 }',
        'grpc: { enabled: false }',
        'log: { level: debug }',
        `stateDir: ${join(dir, 'state')}`,
        'defaults: { checkInterval: 200ms, startInterval: 50ms, successThreshold: 1 }',
        'plugins:',
        `  - name: one`,
        `    command: ${process.execPath}`,
        `    args: [${JSON.stringify(fixture('stubborn-plugin.mjs'))}, --handshake-after, "0"]`,
        '',
      ].join('\n'),
    );
    const hale = startHale(['run', '-c', file]);
    const url = String((await hale.line((l) => typeof l.api === 'string', 15_000)).api);
    const read = async (): Promise<HealthBody> => (await (await fetch(`${url}/health`)).json()) as HealthBody;
    const until = async (check: (body: HealthBody) => boolean, ms: number): Promise<HealthBody[]> => {
      const seen: HealthBody[] = [];
      const deadline = Date.now() + ms;
      while (Date.now() < deadline) {
        const body = await read();
        seen.push(body);
        if (check(body)) return seen;
        await delay(20);
      }
      throw new Error(`not within ${ms} ms; last: ${JSON.stringify(seen.at(-1))}`);
    };
    const first = (await until((b) => b.status === 'healthy' && b.components?.watchdog !== undefined, 20_000)).at(-1);
    expect(first?.components?.watchdog).toMatchObject({ status: 'healthy', kind: 'watchdog', critical: false, restarts: 0 });
    expect(['cgroup', 'process-group']).toContain(first?.containment);

    const watchdogPid = Number(
      (await hale.line((l) => l.msg === 'watchdog started' && typeof l.watchdogPid === 'number', 10_000)).watchdogPid,
    );
    expect(alive(watchdogPid)).toBe(true);
    process.kill(watchdogPid, 'SIGKILL');
    // Bounded: another watchdog runs again within 20 s; every answer meanwhile is healthy or degraded, never unhealthy.
    const during = await until(
      (b) => Number(b.components?.watchdog?.restarts ?? 0) >= 1 && b.components?.watchdog?.status === 'healthy',
      20_000,
    );
    expect(during.filter((b) => b.status === 'unhealthy')).toEqual([]);
    for (const body of during.filter((b) => b.components?.watchdog?.status === 'degraded')) expect(body.status).toBe('degraded');
    hale.child.kill('SIGTERM');
    expect((await hale.exited).code).toBe(0);
  }, 60_000);
});
