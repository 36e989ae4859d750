import { mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import type { PluginsStatusBody } from '../../src/api/bodies.js';
import { startHale, stopAllHale, type LogLine } from '../helpers/hale-process.js';
import { runHaleCli } from '../helpers/run-to-end.js';
import { createHealthClient } from '../helpers/health-client.js';
import { hearSubject, type Heard } from '../helpers/nats-hale.js';
import { startNatsServer, stopAllNatsServers } from '../helpers/nats-server.js';
import { greeterMain, requireBuilt } from '../helpers/paths.js';
import { pluginConfig, startSupervised } from '../helpers/supervised.js';
import type { ReadinessConfig } from '../../src/config/types.js';

// A readiness: probe apart from health: (README, Readiness), on a real hale with a real plugin, gRPC and NATS:
// while the probe fails the plugin is not ready everywhere it shows, and it is never restarted for it.

let dir: string;
const connections: NatsConnection[] = [];

beforeAll(() => {
  requireBuilt();
  dir = mkdtempSync(join(tmpdir(), 'hale-readiness-probe-'));
});
afterEach(async () => {
  await Promise.all(connections.splice(0).map((nc) => nc.close()));
  await stopAllHale();
  await stopAllNatsServers();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A grpc probe of `service` at the plugin's own address, every 100 ms. */
const grpcProbe = (service: string): ReadinessConfig => ({
  intervalMs: 100,
  timeoutMs: 1_000,
  failureThreshold: 1,
  successThreshold: 1,
  check: { protocol: 'grpc', service, address: null, watch: false, retries: 0, retryDelayMs: 100 },
});

type ServiceInSummary = { name: string; ready?: boolean; state: string };
const webIn = (message: Heard): ServiceInSummary | undefined =>
  (message.body.services as ServiceInSummary[] | undefined)?.find((s) => s.name === 'web');
const verdict = (to: string) => (line: LogLine) => line.event === 'readiness' && line.plugin === 'web' && line.to === to;

describe('a failing readiness probe', () => {
  test('makes /health/readiness 503, gRPC "" NOT_SERVING and the NATS summary not ready, with no restart; all back when it passes', async () => {
    const flag = join(dir, 'web-ready');
    const nats = await startNatsServer();
    const file = join(dir, 'supervisor.yaml');
    writeFileSync(
      file,
      [
        'api: { host: 127.0.0.1, port: 0 }',
        "grpc: { address: '127.0.0.1:0' }",
        `stateDir: ${join(dir, 'state')}`,
        'defaults: { checkInterval: 200ms, startInterval: 50ms, successThreshold: 1 }',
        'plugins:',
        '  - name: web',
        `    command: ${process.execPath}`,
        `    args: [${JSON.stringify(greeterMain)}]`,
        // A real program as the probe: ready while the flag file is there.
        `    readiness: { protocol: exec, command: test, args: [-f, ${JSON.stringify(flag)}], interval: 150ms, failureThreshold: 2 }`,
        `nats: { servers: [${nats.url}], hubId: hub-r, summaryInterval: 10s }`,
        '',
      ].join('\n'),
    );
    const reader = await connect({ servers: nats.url });
    connections.push(reader);
    const summaries = await hearSubject(reader, 'hale.hub-r.health.summary');
    const hale = startHale(['run', '-c', file]);
    const url = String((await hale.line((l) => typeof l.api === 'string', 15_000)).api);
    const grpcAddress = String((await hale.line((l) => typeof l.grpc === 'string', 15_000)).grpc);
    const health = createHealthClient(grpcAddress);
    try {
      await hale.line((l) => l.event === 'transition' && l.plugin === 'web' && l.to === 'healthy', 15_000);
      await hale.line(verdict('failing'), 10_000);
      const status = async () => ((await (await fetch(`${url}/plugins/status`)).json()) as PluginsStatusBody).plugins[0];
      const readiness = async () => {
        const response = await fetch(`${url}/health/readiness`);
        return { status: response.status, body: (await response.json()) as { reason: string; notReady: unknown[] } };
      };

      // Healthy, but not ready: the probe fails.
      const before = await status();
      expect(before).toMatchObject({
        state: 'healthy',
        ready: false,
        restartCount: 0,
        readiness: { verdict: 'failing', protocol: 'exec' },
      });
      expect(before?.readiness?.lastCheck).toMatchObject({ outcome: 'fail' });
      const pid = before?.pid;
      expect(typeof pid).toBe('number');
      expect(await readiness()).toEqual({
        status: 503,
        body: expect.objectContaining({
          reason: 'critical plugins not ready: web (healthy)',
          notReady: [{ name: 'web', state: 'healthy' }],
        }),
      });
      expect(await health.check('')).toEqual({ ok: true, status: 'NOT_SERVING' });
      // The plugin's own service is its liveness: it serves.
      expect(await health.check('web')).toEqual({ ok: true, status: 'SERVING' });
      expect(webIn(await summaries.first((m) => webIn(m)?.state === 'healthy' && webIn(m)?.ready === false))).toMatchObject({
        ready: false,
      });
      const watch = health.watch('');
      expect(await watch.next()).toBe('NOT_SERVING');
      const shown = await runHaleCli(['status', 'web', '--url', url], { cwd: dir, timeoutMs: 10_000 });
      expect(shown.stdout).toMatch(/^ {2}ready: +no$/m);
      expect(shown.stdout).toMatch(
        /^ {2}readiness: +failing, \d+ in a row: exit code 1 \(exec test -f .*web-ready, last [\d.]+ ms, \d+(ms|s) ago\)$/m,
      );

      // The probe passes: ready everywhere, the same process.
      writeFileSync(flag, '');
      await hale.line(verdict('passing'), 10_000);
      expect(await watch.next()).toBe('SERVING');
      expect((await readiness()).status).toBe(200);
      expect(webIn(await summaries.first((m) => webIn(m)?.ready === true))).toMatchObject({ state: 'healthy', ready: true });
      expect(await status()).toMatchObject({ pid, ready: true, restartCount: 0, readiness: { verdict: 'passing', failureCount: 0 } });

      // Failing again: not ready again after failureThreshold probes, and still never restarted.
      unlinkSync(flag);
      const failing = hale.lines.filter(verdict('failing')).length;
      await hale.line((l) => verdict('failing')(l) && hale.lines.filter(verdict('failing')).length > failing, 10_000);
      expect(await watch.next()).toBe('NOT_SERVING');
      expect((await readiness()).status).toBe(503);
      const after = await status();
      expect(after).toMatchObject({ pid, state: 'healthy', ready: false, restartCount: 0, readiness: { verdict: 'failing' } });
      expect(after?.readiness?.failureCount).toBeGreaterThanOrEqual(2);
      expect(hale.lines.filter((l) => l.event === 'spawned' && l.plugin === 'web')).toHaveLength(1);
      watch.cancel();
    } finally {
      health.close();
    }
  }, 60_000);
});

describe('a grpc readiness probe', () => {
  test("asks grpc.health.v1 at the plugin's own address when it names none, and a service the plugin lacks is never ready", async () => {
    const { supervisor, first } = await startSupervised([
      pluginConfig('own', [greeterMain], { readiness: grpcProbe('plugin') }),
      pluginConfig('lacks', [greeterMain], { readiness: grpcProbe('no.such.Service') }),
    ]);
    try {
      await first((e) => e.type === 'readiness' && e.plugin === 'own' && e.to === 'passing');
      await first((e) => e.type === 'readiness' && e.plugin === 'lacks' && e.to === 'failing');
      expect(supervisor.plugin('own')).toMatchObject({ ready: true, readiness: { target: 'grpc (its own address) "plugin"' } });
      const lacks = supervisor.plugin('lacks');
      expect(lacks).toMatchObject({ state: 'healthy', ready: false, restartCount: 0, readiness: { verdict: 'failing' } });
      expect(lacks?.readiness?.lastCheck?.outcome).toBe('fail');
      expect(supervisor.snapshot().plugins.map((p) => [p.name, p.ready])).toEqual([
        ['own', true],
        ['lacks', false],
      ]);
    } finally {
      await supervisor.stop('test over');
    }
  });
});
