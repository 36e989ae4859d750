import { describe, expect, test } from 'vitest';
import type { CheckOutcome } from '../../../src/model/plugin-state.js';
import type { ComponentHealth, HealthReport, HealthStatus } from '../../../src/model/health-report.js';
import { judgeReport } from '../../../src/checks/plugin-probe.js';

const report = (status: HealthStatus, message = '', components: ComponentHealth[] = []): HealthReport => ({
  status,
  message,
  components,
});

const component = (name: string, status: HealthStatus, critical: boolean): ComponentHealth => ({
  name,
  status,
  critical,
  latencyMs: 3,
  message: `${name} says ${status}`,
});

type Case = [name: string, report: HealthReport, latencyMs: number, degradedLatency: number | null, outcome: CheckOutcome, message: string];

const cases: Case[] = [
  ['HEALTHY passes with its message', report('healthy', 'all good'), 5, 100, 'pass', 'all good'],
  ['HEALTHY without a message passes with none', report('healthy'), 5, 100, 'pass', ''],
  ['DEGRADED is degraded with its message', report('degraded', 'cache cold'), 5, 100, 'degraded', 'cache cold'],
  ['DEGRADED without a message gets one', report('degraded'), 5, 100, 'degraded', 'the plugin reported DEGRADED'],
  ['UNHEALTHY fails with its message', report('unhealthy', 'db gone'), 5, 100, 'fail', 'db gone'],
  ['UNHEALTHY without a message gets one', report('unhealthy'), 5, 100, 'fail', 'the plugin reported UNHEALTHY'],
  ['UNKNOWN without a message gets one', report('unknown'), 5, 100, 'fail', 'the plugin reported UNKNOWN'],
  ['UNKNOWN fails with its message', report('unknown', 'warming up'), 5, 100, 'fail', 'warming up'],
  [
    'a critical component unhealthy fails, naming it',
    report('healthy', '', [component('db', 'unhealthy', true), component('cache', 'healthy', false)]),
    5,
    100,
    'fail',
    'critical component down: db',
  ],
  [
    'a critical component unknown fails, naming it and keeping the message',
    report('healthy', 'mostly fine', [component('queue', 'unknown', true)]),
    5,
    100,
    'fail',
    'critical component down: queue (mostly fine)',
  ],
  [
    'every critical component down is named',
    report('healthy', '', [
      component('db', 'unhealthy', true),
      component('cache', 'unhealthy', false),
      component('queue', 'unknown', true),
    ]),
    5,
    100,
    'fail',
    'critical component down: db, queue',
  ],
  [
    'a DEGRADED status with a critical component down fails',
    report('degraded', 'limping', [component('db', 'unhealthy', true)]),
    5,
    100,
    'fail',
    'critical component down: db (limping)',
  ],
  [
    'a non-critical component down is degraded, naming it',
    report('healthy', '', [component('db', 'healthy', true), component('cache', 'unhealthy', false)]),
    5,
    100,
    'degraded',
    'component impaired: cache',
  ],
  [
    'a non-critical component unknown is degraded, naming it',
    report('healthy', 'ok', [component('metrics', 'unknown', false)]),
    5,
    100,
    'degraded',
    'component impaired: metrics (ok)',
  ],
  [
    'a component degraded is degraded, naming it',
    report('healthy', '', [component('db', 'degraded', true), component('cache', 'healthy', false)]),
    5,
    100,
    'degraded',
    'component impaired: db',
  ],
  [
    'every impaired component is named',
    report('healthy', '', [component('a', 'degraded', false), component('b', 'healthy', true), component('c', 'unhealthy', false)]),
    5,
    100,
    'degraded',
    'component impaired: a, c',
  ],
  [
    'every component healthy passes',
    report('healthy', 'fine', [component('db', 'healthy', true), component('cache', 'healthy', false)]),
    5,
    100,
    'pass',
    'fine',
  ],
  [
    'a slow answer is degraded with the figures',
    report('healthy', 'fine'),
    250.5,
    100,
    'degraded',
    'answered in 250.5 ms, slower than degradedLatency (100 ms)',
  ],
  ['an answer exactly at degradedLatency passes', report('healthy', 'fine'), 100, 100, 'pass', 'fine'],
  ['null degradedLatency never degrades', report('healthy', 'fine'), 999_999, null, 'pass', 'fine'],
  ['a failing report stays failed however slow', report('unhealthy', 'db gone'), 5_000, 100, 'fail', 'db gone'],
  [
    'a component down outranks slowness in the message',
    report('healthy', '', [component('cache', 'unhealthy', false)]),
    5_000,
    100,
    'degraded',
    'component impaired: cache',
  ],
];

describe('judgeReport', () => {
  test.each(cases)('%s', (_name, given, latencyMs, degradedLatency, outcome, message) => {
    const { failure, ...judged } = judgeReport(given, latencyMs, degradedLatency);
    expect(judged).toEqual({ outcome, message });
    // A failure says why in one word; anything else carries none.
    const kind = outcome !== 'fail' ? undefined : message.startsWith('critical component down') ? 'critical_component' : 'unhealthy';
    expect(failure).toBe(kind);
  });
});
