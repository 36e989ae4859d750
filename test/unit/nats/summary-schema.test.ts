import { describe, expect, it } from 'vitest';
import { pluginStates } from '../../../src/model/plugin-state.js';
import { healthSummarySchema, heardSummarySchema } from '../../../src/nats/summary-schema.js';
import { buildSummary } from '../../../src/nats/summary.js';
import { buildPluginStatus, buildSnapshot } from '../../helpers/status-builder.js';

/** Every state a plugin can be in, one plugin each: the summary's every word. */
const everyState = () =>
  buildSummary(
    buildSnapshot(pluginStates.map((state, i) => buildPluginStatus(`p${i}`, { state, pid: state === 'stopped' ? null : 100 + i }))),
    'web-1',
    10_000,
  );

describe('the summary schema', () => {
  it('holds what hale writes, as it writes it, whatever state its plugins are in', () => {
    const summary = everyState();
    expect(healthSummarySchema.parse(summary)).toEqual(summary);
    expect(heardSummarySchema.parse(summary)).toEqual(summary);
  });

  it('is what a reader accepts, loosened only where other hubs may differ', () => {
    const summary = everyState();
    const { shutting_down: _gone, ...olderHale } = summary.hale;
    const { checks: _none, ...noChecks } = summary;
    const newer = {
      ...noChecks,
      hale: { ...olderHale, build: 'abc' },
      services: [{ ...summary.services[0], state: 'draining', weight: 3 }],
      region: 'eu-west',
    };
    expect(healthSummarySchema.safeParse(newer).success).toBe(false);
    // Fields and words this hale does not know are kept as sent.
    expect(heardSummarySchema.parse(newer)).toEqual(newer);
  });

  it('refuses in the reader what no hub sends: a bad status, a negative latency, no hub_id', () => {
    const summary = everyState();
    const service = summary.services[0];
    expect(heardSummarySchema.safeParse({ ...summary, services: [{ ...service, status: 'sideways' }] }).success).toBe(false);
    expect(heardSummarySchema.safeParse({ ...summary, services: [{ ...service, latency_ms: -1 }] }).success).toBe(false);
    expect(heardSummarySchema.safeParse({ ...summary, hub_id: '' }).success).toBe(false);
  });
});
