import { beforeAll, describe, expect, test } from 'vitest';
import type { SupervisorEvent } from '../../src/model/events.js';
import { flakyMain, requireBuilt } from '../helpers/paths.js';
import { pluginConfig } from '../helpers/supervised.js';
import { useSupervisedSuite } from '../helpers/supervised-suite.js';

beforeAll(requireBuilt);
const suite = useSupervisedSuite();

const becomes = (to: string) => (event: SupervisorEvent) => event.type === 'transition' && event.plugin === 'flaky' && event.to === to;

describe('degraded by latency', () => {
  test('a passing answer slower than degradedLatency turns the plugin degraded, and a quick one healthy again', async () => {
    const flaky = pluginConfig('flaky', [flakyMain, '--usr2-slow', '150', '--usr2-for', '1s'], {
      degradedLatency: 60,
      checkTimeout: 1_000,
      critical: false,
    });
    const { supervisor, first, events } = await suite.supervise([flaky]);
    await first(becomes('healthy'));
    const server = await suite.serveApi(supervisor);
    expect(supervisor.signal('flaky', 'SIGUSR2')).toMatchObject({ ok: true });

    const degraded = await first(becomes('degraded'));
    expect(degraded.type === 'transition' && degraded.reason).toMatch(/slower than degradedLatency \(60 ms\)/);
    const health = await fetch(`${server.url}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'degraded', plugins: { flaky: { state: 'degraded', healthy: true } } });

    // The spell ends after 1 s; the first quick answer brings it back.
    const recovered = await first((event) => becomes('healthy')(event) && events.indexOf(event) > events.indexOf(degraded));
    expect(recovered.type === 'transition' && recovered.from).toBe('degraded');
    const slow = events.filter((e) => e.type === 'check' && e.check.outcome === 'degraded');
    expect(slow.length).toBeGreaterThan(0);
    expect(slow.every((e) => e.type === 'check' && e.check.latencyMs > 60)).toBe(true);
    expect(supervisor.plugin('flaky')?.restartCount).toBe(0);
  });
});
