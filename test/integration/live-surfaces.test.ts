import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { createHealthClient } from '../helpers/health-client.js';
import { isEvent, openEventStream } from '../helpers/event-stream.js';
import { startHale, stopAllHale, type LogLine } from '../helpers/hale-process.js';
import { greeterMain, requireBuilt } from '../helpers/paths.js';

let dir: string;
beforeAll(() => {
  requireBuilt();
  dir = mkdtempSync(join(tmpdir(), 'hale-live-'));
});
afterEach(stopAllHale);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const becomes = (plugin: string, to: string) => (line: LogLine) => line.event === 'transition' && line.plugin === plugin && line.to === to;

/** The value of one sample in Prometheus text, or undefined. */
const sample = (text: string, name: string, labels: string): number | undefined => {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}}`));
  return line === undefined ? undefined : Number(line.split(' ').at(-1));
};

describe('hale run, watched as it happens', () => {
  test('a crash shows on gRPC health Watch, on /events and in /metrics; "" follows readiness', async () => {
    const file = join(dir, 'live.yaml');
    writeFileSync(
      file,
      [
        'api: { host: 127.0.0.1, port: 0 }',
        'grpc: { address: 127.0.0.1:0 }',
        `stateDir: ${join(dir, 'state')}`,
        'defaults: { checkInterval: 200ms, checkTimeout: 500ms, startInterval: 50ms, successThreshold: 1, restartBackoff: 300ms }',
        'plugins:',
        `  - { name: greeter, command: node, args: [${greeterMain}] }`,
        '',
      ].join('\n'),
    );
    const hale = startHale(['run', '-c', file]);
    const url = String((await hale.line((l) => typeof l.api === 'string')).api);
    const grpcAddress = String((await hale.line((l) => typeof l.grpc === 'string')).grpc);
    await hale.line(becomes('greeter', 'healthy'));

    const health = createHealthClient(grpcAddress);
    try {
      expect(await health.check('')).toEqual({ ok: true, status: 'SERVING' });
      expect(await health.check('greeter')).toEqual({ ok: true, status: 'SERVING' });
      expect(await health.check('nope')).toMatchObject({ ok: false, code: 5 });
      const watch = health.watch('greeter');
      expect(await watch.next()).toBe('SERVING');
      const events = await openEventStream(`${url}/events?types=transition`);
      await events.take((m) => m.event === 'hello');

      const pid = ((await (await fetch(`${url}/plugins/status`)).json()) as { plugins: Array<{ pid: number }> }).plugins[0]?.pid ?? 0;
      process.kill(pid, 'SIGKILL');
      expect(await watch.next()).toBe('NOT_SERVING');
      expect(await watch.next()).toBe('SERVING');
      const path: string[] = [];
      while (path.at(-1) !== 'healthy')
        path.push(String((JSON.parse((await events.take(isEvent('transition'))).data) as { to: string }).to));
      expect(path).toEqual(['unhealthy', 'restarting', 'unknown', 'healthy']);
      events.close();

      const metrics = await fetch(`${url}/metrics`);
      expect(metrics.status).toBe(200);
      const text = await metrics.text();
      expect(sample(text, 'hale_plugin_up', 'plugin="greeter"')).toBe(1);
      expect(sample(text, 'hale_plugin_state', 'plugin="greeter",state="healthy"')).toBe(1);
      expect(sample(text, 'hale_plugin_restarts_total', 'plugin="greeter",reason="crash"')).toBe(1);
      expect(sample(text, 'hale_plugin_last_exit_code', 'plugin="greeter"')).toBe(137);
      expect(text).toMatch(/^process_resident_memory_bytes \d+/m);

      // While hale stops, "" turns NOT_SERVING before the stream ends.
      const whole = health.watch('');
      expect(await whole.next()).toBe('SERVING');
      hale.child.kill('SIGTERM');
      expect(await whole.next()).toBe('NOT_SERVING');
      expect(await hale.exited).toEqual({ code: 0, signal: null });
      expect((await whole.ended).code).not.toBe(0);
    } finally {
      health.close();
    }
  });
});
