import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { healthAnswer, readinessAnswer } from '../../src/api/health-answers.js';
import { createSupervisor } from '../../src/supervisor/supervisor.js';
import { startHale, stopAllHale } from '../helpers/hale-process.js';
import { createMemoryLogger } from '../helpers/memory-log.js';
import { fixture, requireBuilt } from '../helpers/paths.js';
import { pluginConfig, supervisorConfig } from '../helpers/supervised.js';

// Not ready until every plugin's first start has been tried and every critical one serves.

let dir: string;
const slowPlugin = fixture('stubborn-plugin.mjs');
const handshakeMs = 2_500;

beforeAll(() => {
  requireBuilt();
  dir = mkdtempSync(join(tmpdir(), 'hale-readiness-'));
});
afterEach(() => stopAllHale());
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const plugin = (name: string, ms: number, critical: boolean): string =>
  [
    `  - name: ${name}`,
    `    command: ${process.execPath}`,
    `    args: [${JSON.stringify(slowPlugin)}, --handshake-after, "${ms}"]`,
    `    critical: ${critical}`,
  ].join('\n');

interface Sample {
  atMs: number;
  readiness: number;
  reason: string;
  health: number;
  starting: unknown;
  initialized: boolean;
  listed: number;
}

describe('readiness of a real hale during start-up', () => {
  test('a critical plugin up at once, three non-critical ones slow to handshake: 503 "starting" until all are tried, then 200', async () => {
    const file = join(dir, 'supervisor.yaml');
    writeFileSync(
      file,
      [
        'api: { host: 127.0.0.1, port: 0 }',
        'grpc: { enabled: false }',
        'log: { level: debug }',
        `stateDir: ${join(dir, 'state')}`,
        'defaults: { checkInterval: 200ms, startInterval: 50ms, startTimeout: 20s, successThreshold: 1 }',
        'plugins:',
        plugin('fast', 0, true),
        plugin('slow-1', handshakeMs, false),
        plugin('slow-2', handshakeMs, false),
        plugin('slow-3', handshakeMs, false),
        '',
      ].join('\n'),
    );
    const hale = startHale(['run', '-c', file]);
    const url = String((await hale.line((l) => typeof l.api === 'string', 15_000)).api);
    const origin = Date.now();
    const samples: Sample[] = [];
    // Bounded: at most 30 s of samples, one every ~50 ms, until ready.
    while (Date.now() - origin < 30_000) {
      const ready = await fetch(`${url}/health/readiness`);
      const readyBody = (await ready.json()) as { reason: string };
      const health = await fetch(`${url}/health`);
      const healthBody = (await health.json()) as { starting?: unknown };
      const status = (await (await fetch(`${url}/plugins/status`)).json()) as { initialized: boolean; total: number };
      samples.push({
        atMs: Date.now() - origin,
        readiness: ready.status,
        reason: readyBody.reason,
        health: health.status,
        starting: healthBody.starting,
        initialized: status.initialized,
        listed: status.total,
      });
      if (ready.status === 200) break;
      await delay(50);
    }
    const last = samples.at(-1);
    expect(last?.readiness, JSON.stringify(samples.slice(-3))).toBe(200);
    expect(last?.initialized).toBe(true);
    // The slow plugins were spawned after the first sample: nothing can be ready sooner than their handshake.
    const early = samples.filter((s) => s.atMs < handshakeMs);
    expect(early.length).toBeGreaterThan(0);
    expect(
      early.filter((s) => s.readiness === 200),
      JSON.stringify(early),
    ).toEqual([]);
    expect(early.every((s) => !s.initialized)).toBe(true);
    expect(
      early.every((s) => /^starting: \d of 4 plugins have had their first start tried/.test(s.reason)),
      JSON.stringify(early.map((s) => s.reason)),
    ).toBe(true);
    expect(early.every((s) => s.starting !== undefined)).toBe(true);
    // Whatever moment shows no plugin listed yet is not ready, and not healthy either.
    for (const s of samples.filter((x) => x.listed === 0)) expect([s.readiness, s.health]).toEqual([503, 503]);
    hale.child.kill('SIGTERM');
    expect((await hale.exited).code).toBe(0);
  }, 60_000);
});

describe('the snapshot while start() is under way', () => {
  test('no plugin listed yet: phase starting, /health and /health/readiness 503 with "starting: 0 of 2"', async () => {
    const { log } = createMemoryLogger('silent');
    const configs = ['a', 'b'].map((name) => pluginConfig(name, [slowPlugin, '--handshake-after', '0'], { critical: false }));
    const supervisor = createSupervisor(supervisorConfig(configs, join(dir, 'lib-state')), { log });
    const starting = supervisor.start();
    const snapshot = supervisor.snapshot();
    expect(snapshot.plugins).toEqual([]);
    expect(snapshot.phase).toBe('starting');
    expect(readinessAnswer(snapshot)).toMatchObject({
      status: 503,
      body: { ready: false, reason: 'starting: 0 of 2 plugins have had their first start tried' },
    });
    expect(healthAnswer(snapshot)).toMatchObject({ status: 503, body: { status: 'unhealthy', starting: { tried: 0, total: 2 } } });
    await starting;
    await supervisor.stop('test');
  });
});
