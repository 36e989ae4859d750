import { describe, expect, it } from 'vitest';
import { formatDuration, formatLatency } from '../../../dashboard/src/format.js';
import { applyEvent, sparkPoints, viewFromBody } from '../../../dashboard/src/plugin-view.js';
import { sparkPath } from '../../../dashboard/src/spark-path.js';
import type { PluginBody } from '../../../dashboard/src/types.js';

const body = (overrides: Partial<PluginBody> = {}): PluginBody => ({
  state: 'healthy',
  reason: 'checks pass',
  since: '2026-01-01T00:00:00.000Z',
  critical: true,
  pid: 42,
  uptimeSeconds: 10,
  responseTimeMs: 3,
  message: 'ok',
  restarts: 0,
  restartCount: 1,
  nextRestartTime: null,
  lastError: null,
  components: [],
  version: '1.0.0',
  ...overrides,
});

describe('the dashboard view of a plugin', () => {
  it('takes uptime from the answer time and keeps the sparkline when the body has no checks', () => {
    const now = Date.parse('2026-01-01T00:01:00.000Z');
    const first = viewFromBody(
      'greeter',
      body({
        recentChecks: [
          { time: '', outcome: 'pass', responseTimeMs: 2, message: '' },
          { time: '', outcome: 'fail', responseTimeMs: 9, message: '' },
        ],
      }),
      now,
      undefined,
    );
    expect(first.startedAt).toBe(now - 10_000);
    expect(first.latencies).toEqual([
      { ms: 2, failed: false },
      { ms: 9, failed: true },
    ]);
    const second = viewFromBody('greeter', body({ pid: null, uptimeSeconds: null }), now, first);
    expect(second.startedAt).toBeNull();
    expect(second.latencies).toBe(first.latencies);
  });

  it('follows transitions, checks, spawns and exits, and keeps at most sparkPoints latencies', () => {
    const view = viewFromBody('flaky', body(), 0, undefined);
    applyEvent(view, {
      type: 'transition',
      id: 1,
      plugin: 'flaky',
      from: 'healthy',
      to: 'unhealthy',
      reason: 'killed by SIGKILL',
      at: 5,
      restarts: 1,
      restartCount: 2,
    });
    expect(view).toMatchObject({ state: 'unhealthy', reason: 'killed by SIGKILL', since: 5, restartCount: 2 });
    applyEvent(view, {
      type: 'exited',
      id: 2,
      plugin: 'flaky',
      generation: 1,
      pid: 42,
      code: null,
      signal: 'SIGKILL',
      expected: false,
      stderr: '',
      at: 6,
    });
    expect(view).toMatchObject({ pid: null, startedAt: null, message: 'exited: SIGKILL' });
    applyEvent(view, { type: 'spawned', id: 3, plugin: 'flaky', generation: 2, pid: 43, at: 7 });
    expect(view).toMatchObject({ pid: 43, startedAt: 7 });
    for (let i = 0; i < sparkPoints + 5; i++) {
      applyEvent(view, {
        type: 'check',
        id: 10 + i,
        plugin: 'flaky',
        generation: 2,
        check: { at: i, outcome: 'pass', status: 'healthy', latencyMs: i, message: 'fine' },
      });
    }
    expect(view.latencies).toHaveLength(sparkPoints);
    expect(view.latencies.at(-1)).toEqual({ ms: sparkPoints + 4, failed: false });
    expect(applyEvent(view, { type: 'reloaded', id: 99, added: [], removed: [], changed: [], unchanged: [], ignored: [], at: 0 })).toBe(
      false,
    );
  });
});

describe('the dashboard formats', () => {
  it('draws the highest latency at the top and a single one as a flat line', () => {
    expect(sparkPath([1, 3, 2])).toBe('0.0,27.0 60.0,1.0 120.0,14.0');
    expect(sparkPath([5])).toBe('0.0,14.0 120,14.0');
    expect(sparkPath([])).toBe('');
  });

  it('reads durations and latencies the way a person does', () => {
    expect(formatDuration(42_400)).toBe('42s');
    expect(formatDuration(185_000)).toBe('3m 05s');
    expect(formatDuration(2 * 3_600_000 + 600_000)).toBe('2h 10m');
    expect(formatDuration(-5)).toBe('0s');
    expect(formatLatency(null)).toBe('–');
    expect(formatLatency(0.44)).toBe('0.4 ms');
    expect(formatLatency(1_530)).toBe('1.53 s');
  });
});
