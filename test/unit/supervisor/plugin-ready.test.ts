import { describe, expect, it } from 'vitest';
import type { ReadinessConfig } from '../../../src/config/types.js';
import type { CheckRecord } from '../../../src/model/check-record.js';
import { pluginStates } from '../../../src/model/plugin-state.js';
import { healthSummarySchema, heardSummarySchema } from '../../../src/nats/summary-schema.js';
import { buildSummary } from '../../../src/nats/summary.js';
import { isReady, readiness } from '../../../src/supervisor/overall.js';
import { isPluginReady } from '../../../src/supervisor/plugin-ready.js';
import { hearReadiness, initialReadiness, toReadinessStatus } from '../../../src/supervisor/readiness-memory.js';
import { servingStatuses } from '../../../src/supervisor/serving-status.js';
import { buildPluginStatus, buildSnapshot } from '../../helpers/status-builder.js';

// A plugin's own readiness (README, Readiness) and everything that follows it.

const probe: ReadinessConfig = {
  intervalMs: 1_000,
  timeoutMs: 500,
  failureThreshold: 2,
  successThreshold: 2,
  check: { protocol: 'tcp', host: '127.0.0.1', port: 8080, retries: 0, retryDelayMs: 100 },
};
const pass = (at: number): CheckRecord => ({ at, outcome: 'pass', status: 'healthy', latencyMs: 1, message: '' });
const fail = (at: number): CheckRecord => ({
  at,
  outcome: 'fail',
  status: 'unknown',
  latencyMs: 1,
  message: 'connection refused',
  failure: 'unavailable',
});

describe('isPluginReady', () => {
  it.each(pluginStates)('without a probe, a plugin %s is ready only while it serves', (state) => {
    expect(isPluginReady({ state, readiness: null })).toBe(state === 'healthy' || state === 'degraded');
  });

  it.each(['unknown', 'passing', 'failing'] as const)('with a probe %s, a healthy plugin is ready only when it passes', (verdict) => {
    expect(isPluginReady({ state: 'healthy', readiness: { verdict } })).toBe(verdict === 'passing');
    expect(isPluginReady({ state: 'degraded', readiness: { verdict } })).toBe(verdict === 'passing');
    // A passing probe never makes a plugin that does not serve ready.
    expect(isPluginReady({ state: 'unhealthy', readiness: { verdict } })).toBe(false);
  });
});

describe('the readiness memory', () => {
  it('is unknown (not ready) until successThreshold passes in a row, failing after failureThreshold failures in a row', () => {
    let memory = initialReadiness(0);
    expect(toReadinessStatus(memory, probe)).toMatchObject({ verdict: 'unknown', lastCheck: null, target: 'tcp 127.0.0.1:8080' });
    memory = hearReadiness(memory, pass(1), probe, 1);
    expect(toReadinessStatus(memory, probe).verdict).toBe('unknown');
    memory = hearReadiness(memory, pass(2), probe, 2);
    expect(toReadinessStatus(memory, probe)).toMatchObject({ verdict: 'passing', since: 2, failureCount: 0 });
    memory = hearReadiness(memory, fail(3), probe, 3);
    expect(toReadinessStatus(memory, probe)).toMatchObject({ verdict: 'passing', failureCount: 1, lastCheck: { outcome: 'fail' } });
    memory = hearReadiness(memory, fail(4), probe, 4);
    expect(toReadinessStatus(memory, probe)).toMatchObject({ verdict: 'failing', since: 4, reason: 'connection refused', failureCount: 2 });
    // One pass is not enough to be ready again with successThreshold 2.
    memory = hearReadiness(memory, pass(5), probe, 5);
    expect(toReadinessStatus(memory, probe).verdict).toBe('failing');
  });
});

describe('readiness of the supervisor with plugin readiness', () => {
  const serving = { name: 'web', state: 'healthy' as const, critical: true };

  it('is 503-worthy while a critical plugin that serves is not ready, and says so apart from the ones down', () => {
    const verdict = readiness({
      shuttingDown: false,
      plugins: [
        { ...serving, ready: false },
        { name: 'db', state: 'failed', critical: true },
      ],
    });
    expect(verdict).toMatchObject({
      ready: false,
      notReady: [
        { name: 'web', state: 'healthy' },
        { name: 'db', state: 'failed' },
      ],
    });
    expect(verdict.reason).toBe('critical plugins not serving: db (failed); critical plugins not ready: web (healthy)');
    expect(isReady([{ ...serving, ready: false }])).toBe(false);
  });

  it('ignores a non-critical plugin that is not ready, and treats an absent ready flag as the old rule', () => {
    expect(readiness({ shuttingDown: false, plugins: [{ ...serving, critical: false, ready: false }] }).ready).toBe(true);
    expect(readiness({ shuttingDown: false, plugins: [serving] }).ready).toBe(true);
    expect(isReady([serving, { name: 'x', state: 'unknown', critical: true }])).toBe(false);
  });

  it('drives gRPC "" and leaves the plugin\'s own service to its liveness', () => {
    const statuses = servingStatuses(buildSnapshot([buildPluginStatus('web', { state: 'healthy', ready: false })]));
    expect(Object.fromEntries(statuses)).toEqual({ '': 'NOT_SERVING', web: 'SERVING' });
    const ready = servingStatuses(buildSnapshot([buildPluginStatus('web', { state: 'healthy', ready: true })]));
    expect(ready.get('')).toBe('SERVING');
  });
});

describe('ready in the NATS summary', () => {
  it('is written for every plugin and check, and a summary from a hub before it still reads', () => {
    const summary = buildSummary(
      buildSnapshot([buildPluginStatus('web', { state: 'healthy', ready: false }), buildPluginStatus('api', { state: 'degraded' })]),
      'hub-a',
      10_000,
    );
    expect(summary.services.map((s) => [s.name, s.ready])).toEqual([
      ['web', false],
      ['api', true],
    ]);
    expect(healthSummarySchema.parse(summary)).toEqual(summary);
    const older = { ...summary, services: summary.services.map(({ ready: _left, ...rest }) => rest) };
    expect(heardSummarySchema.parse(older)).toEqual(older);
    expect(healthSummarySchema.safeParse(older).success).toBe(true);
    expect(heardSummarySchema.safeParse({ ...summary, services: [{ ...summary.services[0], ready: 'yes' }] }).success).toBe(false);
  });
});
