import { describe, expect, test } from 'vitest';
import type { PluginProcessBody, PluginsStatusBody } from '../../../src/api/bodies.js';
import { formatTopFrame } from '../../../src/commands/top-frame.js';

const plugin = (name: string, overrides: Partial<PluginProcessBody>): PluginProcessBody => ({
  name,
  version: '1.0.0',
  description: '',
  connected: true,
  executable: 'node',
  args: [],
  env: {},
  pid: 4242,
  generation: 1,
  stopping: [],
  state: 'healthy',
  critical: true,
  address: null,
  uptimeSeconds: 125,
  restartCount: 2,
  ready: true,
  readiness: null,
  resources: null,
  ...overrides,
});

const body = (plugins: PluginProcessBody[]): PluginsStatusBody => ({
  enabled: true,
  initialized: true,
  total: plugins.length,
  connected: plugins.length,
  plugins,
});

describe('formatTopFrame', () => {
  test('a line for the whole, then a row per plugin with its state, CPU, memory, processes, restarts and uptime', () => {
    const resources = {
      cpuSeconds: 3,
      cpuPercent: 12.46,
      memoryBytes: 150 * 2 ** 20,
      processes: 3,
      sampledAt: '2026-01-01T00:00:00.000Z',
      source: 'cgroup' as const,
    };
    const frame = formatTopFrame(
      body([
        plugin('greeter', { resources }),
        plugin('stopped-one', { state: 'stopped', pid: null, uptimeSeconds: null, restartCount: 0 }),
      ]),
      'http://127.0.0.1:8080',
      new Date('2026-01-01T09:41:07Z'),
      undefined,
    );
    expect(frame.split('\n')).toEqual([
      'hale top  http://127.0.0.1:8080  2 plugins  CPU 12.5%  MEM 150 MiB  09:41:07 UTC',
      '',
      'NAME         STATE    PID   CPU    MEM      PROCS  RESTARTS  UPTIME',
      'greeter      healthy  4242  12.5%  150 MiB  3      2         2m05s',
      'stopped-one  stopped  -     -      -        -      0         -',
    ]);
  });

  test('cuts lines to the terminal width', () => {
    const frame = formatTopFrame(body([plugin('a-plugin-with-a-long-name', {})]), 'http://127.0.0.1:8080', new Date(0), 30);
    for (const line of frame.split('\n')) expect(line.length).toBeLessThanOrEqual(30);
  });
});
