import { describe, expect, it } from 'vitest';
import type { PluginClient } from '../../../src/grpc/plugin-client.js';
import type { HealthReport } from '../../../src/model/health-report.js';
import { runProbeWithReport } from '../../../src/checks/run-probe.js';

type Scripted = 'pass' | 'fail' | 'slow';

/** A plugin client whose HealthCheck answers from the list in turn, counting the questions. */
const scripted = (outcomes: Scripted[]) => {
  let asked = 0;
  const healthCheck = async () => {
    const outcome = outcomes[Math.min(asked, outcomes.length - 1)] ?? 'fail';
    asked += 1;
    if (outcome === 'slow') await new Promise((resolve) => setTimeout(resolve, 60));
    const value: HealthReport = {
      status: outcome === 'fail' ? 'unhealthy' : 'healthy',
      message: `answer ${asked}`,
      components: [{ name: 'db', status: 'healthy', critical: true, latencyMs: 1, message: `db at answer ${asked}` }],
    };
    return { ok: true as const, value };
  };
  const unused = () => Promise.resolve({ ok: false as const, kind: 'error' as const, message: 'not in this test' });
  const client: PluginClient = {
    target: 'unix:/nowhere',
    waitReady: unused,
    healthCheck,
    getInfo: unused,
    shutdown: unused,
    watchHealth: () => () => undefined,
    close: () => undefined,
  };
  return { client, asked: () => asked };
};

const ask = (client: PluginClient, options: { retries: number; retryDelayMs: number; signal?: AbortSignal; degradedLatency?: number }) =>
  runProbeWithReport({ protocol: 'plugin', client }, { timeoutMs: 1_000, ...options });

describe('the plugin protocol through runProbe: health.retries as for every protocol', () => {
  it('asks once with retries 0, and a failure counts at once', async () => {
    const plugin = scripted(['fail', 'pass']);
    const { check } = await ask(plugin.client, { retries: 0, retryDelayMs: 1 });
    expect(check).toMatchObject({ outcome: 'fail', failure: 'unhealthy', status: 'unhealthy', message: 'answer 1' });
    expect(plugin.asked()).toBe(1);
  });

  it('asks again after a failure and passes, saying how many attempts it took, with the last report', async () => {
    const plugin = scripted(['fail', 'pass']);
    const { check, report } = await ask(plugin.client, { retries: 2, retryDelayMs: 1 });
    expect(check).toMatchObject({ outcome: 'pass', message: 'answer 2 (2 attempts)' });
    expect(report?.components[0]?.message).toBe('db at answer 2');
    expect(plugin.asked()).toBe(2);
  });

  it('fails with the last answer after 1 + retries failed attempts, retryDelay apart', async () => {
    const plugin = scripted(['fail']);
    const started = Date.now();
    const { check, report } = await ask(plugin.client, { retries: 2, retryDelayMs: 50 });
    expect(check).toMatchObject({ outcome: 'fail', failure: 'unhealthy', message: 'answer 3 (3 attempts)' });
    expect(report?.message).toBe('answer 3');
    expect(plugin.asked()).toBe(3);
    expect(Date.now() - started).toBeGreaterThanOrEqual(95);
  });

  it('stops retrying once cancelled, and answers at once', async () => {
    const plugin = scripted(['fail']);
    const abort = new AbortController();
    setTimeout(() => abort.abort(), 20);
    const started = Date.now();
    const { check } = await ask(plugin.client, { retries: 10, retryDelayMs: 5_000, signal: abort.signal });
    expect(check.outcome).toBe('fail');
    expect(plugin.asked()).toBe(1);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('judges a slow HEALTHY answer by the same degradedLatency rule as the other protocols', async () => {
    const plugin = scripted(['slow']);
    const { check } = await ask(plugin.client, { retries: 0, retryDelayMs: 1, degradedLatency: 10 });
    expect(check.outcome).toBe('degraded');
    expect(check.status).toBe('healthy');
    expect(check.message).toMatch(/^answered in [\d.]+ ms, slower than degradedLatency \(10 ms\)$/);
  });
});
