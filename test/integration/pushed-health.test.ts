import { beforeAll, describe, expect, test } from 'vitest';
import { pushLimits } from '../../src/checks/push-damper.js';
import type { SupervisorEvent } from '../../src/model/events.js';
import { fixture, flakyMain, requireBuilt } from '../helpers/paths.js';
import { pluginConfig } from '../helpers/supervised.js';
import { useSupervisedSuite } from '../helpers/supervised-suite.js';

beforeAll(requireBuilt);
const suite = useSupervisedSuite();

const becomes = (plugin: string, to: string) => (event: SupervisorEvent) =>
  event.type === 'transition' && event.plugin === plugin && event.to === to;
const checksOf = (events: SupervisorEvent[], plugin: string) =>
  events.flatMap((event) => (event.type === 'check' && event.plugin === plugin ? [event] : []));

describe('pushed health, with real plugin processes', () => {
  test('an SDK plugin pushes its UNHEALTHY: one unhealthy transition with its message, no vote of failureThreshold, and no polls meanwhile', async () => {
    const flaky = pluginConfig('flaky', [flakyMain], { checkInterval: 100, failureThreshold: 5, successThreshold: 3, critical: false });
    const { supervisor, first, events } = await suite.supervise([flaky]);
    await first(becomes('flaky', 'healthy'));
    // successThreshold 3 was met by the first pushed HEALTHY, not by three polls.
    expect(checksOf(events, 'flaky').filter((event) => event.pushed !== true)).toHaveLength(0);
    expect(supervisor.signal('flaky', 'SIGUSR1')).toMatchObject({ ok: true });
    const unhealthy = await first(becomes('flaky', 'unhealthy'));
    expect(unhealthy.type === 'transition' && unhealthy.reason).toMatch(/^the plugin pushed: /);
    const generation1 = checksOf(events, 'flaky').filter((event) => event.generation === 1);
    expect(generation1.filter((event) => event.check.outcome === 'fail')).toHaveLength(1);
    expect(generation1.every((event) => event.pushed === true)).toBe(true);
  });

  test('a pushing plugin whose health check turns slow is seen degraded by degradedLatency, then healthy again, without a poll', async () => {
    const flaky = pluginConfig('flaky', [flakyMain, '--usr2-slow', '150', '--usr2-for', '1s'], {
      checkInterval: 100,
      checkTimeout: 1_000,
      degradedLatency: 60,
      guardInterval: 60_000,
      critical: false,
    });
    const { supervisor, first, events } = await suite.supervise([flaky]);
    await first(becomes('flaky', 'healthy'));
    expect(supervisor.signal('flaky', 'SIGUSR2')).toMatchObject({ ok: true });
    const degraded = await first(becomes('flaky', 'degraded'));
    expect(degraded.type === 'transition' && degraded.reason).toMatch(/slower than degradedLatency \(60 ms\)/);
    const slow = checksOf(events, 'flaky').find((event) => event.check.outcome === 'degraded');
    expect(slow?.pushed).toBe(true);
    expect(slow?.check.latencyMs).toBeGreaterThanOrEqual(140);
    await first((event) => event.type === 'transition' && event.plugin === 'flaky' && event.from === 'degraded' && event.to === 'healthy');
    expect(checksOf(events, 'flaky').filter((event) => event.pushed !== true)).toHaveLength(0);
  });

  test('a plugin whose stream says HEALTHY while its HealthCheck says UNHEALTHY is caught by the guard poll', async () => {
    const liar = pluginConfig('liar', [fixture('pushing-liar-plugin.mjs')], {
      checkInterval: 100,
      guardInterval: 300,
      failureThreshold: 2,
      critical: false,
    });
    const { first, events } = await suite.supervise([liar]);
    await first(becomes('liar', 'healthy'));
    const unhealthy = await first(becomes('liar', 'unhealthy'));
    expect(unhealthy.type === 'transition' && unhealthy.reason).toBe('2 consecutive failed health checks, the last: the truth');
    const polls = checksOf(events, 'liar').filter((event) => event.pushed !== true);
    expect(polls.map((event) => event.check.message)).toEqual(['the truth', 'the truth']);
  });

  test('a plugin that floods its stream is heard once a second past a burst, and hale answers meanwhile', async () => {
    const flood = pluginConfig('flood', [fixture('pushing-liar-plugin.mjs')], {
      env: { LIAR_FLOOD: '1' },
      checkInterval: 60_000,
      guardInterval: 60_000,
      critical: false,
    });
    const { supervisor, first, events } = await suite.supervise([flood]);
    await first(becomes('flood', 'degraded'));
    const server = await suite.serveApi(supervisor);
    const since = performance.now();
    const heardBefore = checksOf(events, 'flood').length;
    // Ten requests of the API one after the other while the flood goes on: each is answered.
    for (let i = 0; i < 10; i++) {
      const answer = await fetch(`${server.url}/plugins/status`);
      expect(answer.status).toBe(200);
      await answer.arrayBuffer();
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
    const seconds = (performance.now() - since) / 1000;
    const heard = checksOf(events, 'flood').length - heardBefore;
    // Past its first burst, a flooding stream is heard once a second (the latest), whatever the plugin writes:
    // so are its transitions, and the journal lines and events they cost.
    expect(heard).toBeGreaterThan(0);
    expect(heard).toBeLessThanOrEqual(pushLimits.burst + Math.ceil(seconds) + 1);
    const transitions = events.filter((event) => event.type === 'transition' && event.plugin === 'flood');
    expect(transitions.length).toBeLessThanOrEqual(pushLimits.burst + Math.ceil(seconds) + 3);
    expect(supervisor.plugin('flood')?.restartCount).toBe(0);
  });

  test('a plugin without WatchHealth (UNIMPLEMENTED) is polled every checkInterval, and counts no failure for it', async () => {
    const light = pluginConfig('light', [`${fixture('../../bench/fixtures/light-plugin.mjs')}`], {
      env: { HALE_BENCH_PUSH: '0' },
      checkInterval: 100,
      critical: false,
    });
    const { first, events } = await suite.supervise([light]);
    await first(becomes('light', 'healthy'));
    await first(() => checksOf(events, 'light').length >= 5);
    const checks = checksOf(events, 'light');
    expect(checks.every((event) => event.pushed !== true && event.check.outcome === 'pass')).toBe(true);
  });
});
