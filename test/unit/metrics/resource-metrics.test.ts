import { Registry } from 'prom-client';
import { describe, expect, test } from 'vitest';
import { registerResourceMetrics } from '../../../src/metrics/resource-metrics.js';
import type { ResourceUsage } from '../../../src/model/resources.js';

const usage = (cpuSeconds: number, memoryBytes: number): ResourceUsage => ({
  cpuSeconds,
  cpuPercent: 0,
  memoryBytes,
  processes: 1,
  sampledAt: 0,
  source: 'proc',
});

describe('resource metrics', () => {
  test('memory is the sample now; CPU seconds add up over generations, so a restart never takes the counter back', async () => {
    const registry = new Registry();
    let now = new Map<string, ResourceUsage | null>([
      ['a', usage(2, 1000)],
      ['b', null],
    ]);
    registerResourceMetrics(registry, () => now);
    const read = async () => (await registry.metrics()).split('\n').filter((line) => line.startsWith('hale_plugin_'));
    expect(await read()).toEqual([
      'hale_plugin_memory_bytes{plugin="a"} 1000',
      'hale_plugin_cpu_seconds_total{plugin="a"} 2',
      'hale_plugin_cpu_seconds_total{plugin="b"} 0',
    ]);
    now = new Map([['a', usage(5, 2000)]]);
    expect(await read()).toContain('hale_plugin_cpu_seconds_total{plugin="a"} 5');
    // Restarted: the new generation has used 1 s; the 5 s before stay counted.
    now = new Map([['a', usage(1, 500)]]);
    expect(await read()).toEqual(['hale_plugin_memory_bytes{plugin="a"} 500', 'hale_plugin_cpu_seconds_total{plugin="a"} 6']);
  });
});
