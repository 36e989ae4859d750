import { describe, expect, it } from 'vitest';
import { formatClock } from '../../../dashboard/src/format.js';
import { readLogLine } from '../../../dashboard/src/log-line.js';
import { applyEvent, viewFromBody } from '../../../dashboard/src/plugin-view.js';
import type { PluginBody } from '../../../dashboard/src/types.js';

const body = (overrides: Partial<PluginBody> = {}): PluginBody => ({
  state: 'healthy',
  reason: 'checks pass',
  since: '2026-01-01T00:00:00.000Z',
  critical: true,
  pid: 42,
  uptimeSeconds: 10,
  responseTimeMs: 3,
  message: 'cache warm',
  restarts: 0,
  restartCount: 0,
  nextRestartTime: null,
  lastError: null,
  components: [{ name: 'db', status: 'healthy', critical: true, latencyMs: 1, message: '' }],
  version: '1.0.0',
  ...overrides,
});

describe('a stopped plugin in the dashboard', () => {
  it('drops its last latency, message and components on the transition to stopped, and ignores a late check and exit', () => {
    const view = viewFromBody('greeter', body(), 0, undefined);
    applyEvent(view, {
      type: 'transition',
      id: 1,
      plugin: 'greeter',
      from: 'healthy',
      to: 'stopped',
      reason: 'stop requested over the HTTP API',
      at: 5,
      restarts: 0,
      restartCount: 0,
    });
    expect(view).toMatchObject({ state: 'stopped', latencyMs: null, message: '', components: [] });
    expect(
      applyEvent(view, {
        type: 'check',
        id: 2,
        plugin: 'greeter',
        generation: 1,
        check: { at: 6, outcome: 'pass', status: 'healthy', latencyMs: 4, message: 'late' },
      }),
    ).toBe(false);
    applyEvent(view, {
      type: 'exited',
      id: 3,
      plugin: 'greeter',
      generation: 1,
      pid: 42,
      code: 0,
      signal: null,
      expected: true,
      stderr: '',
      at: 7,
    });
    expect(view).toMatchObject({ latencyMs: null, message: '', pid: null });
  });

  it('shows none of them from a full read either', () => {
    expect(viewFromBody('greeter', body({ state: 'stopped', pid: null, uptimeSeconds: null }), 0, undefined)).toMatchObject({
      latencyMs: null,
      message: '',
      components: [],
    });
  });
});

describe('a line of the log tail', () => {
  const at = '2026-01-01T10:00:00.000Z';
  const clock = formatClock(Date.parse(at));

  it('a pino line: its own time, its level, its message; the raw line kept', () => {
    const line = JSON.stringify({ level: 40, time: Date.parse(at) + 2_000, pid: 7, msg: 'cache cold', keys: 0 });
    expect(readLogLine({ at, stream: 'stderr', line })).toEqual({
      level: 'warn',
      text: `${formatClock(Date.parse(at) + 2_000)} WARN  cache cold`,
      raw: `${clock} err ${line}`,
    });
  });

  it('a go-plugin line: @level, @message, @timestamp', () => {
    const line = JSON.stringify({ '@level': 'error', '@message': 'upstream gone', '@timestamp': at });
    expect(readLogLine({ at, stream: 'stderr', line })).toMatchObject({ level: 'error', text: `${clock} ERROR upstream gone` });
  });

  it('plain text and JSON that is not a log line: the time read and the stream', () => {
    expect(readLogLine({ at, stream: 'stdout', line: 'listening' })).toEqual({
      level: 'out',
      text: `${clock} out listening`,
      raw: `${clock} out listening`,
    });
    expect(readLogLine({ at, stream: 'stdout', line: '{"rows":3}' })).toMatchObject({ level: 'out', text: `${clock} out {"rows":3}` });
    expect(readLogLine({ at, stream: 'stderr', line: '{not json' })).toMatchObject({ level: 'err', text: `${clock} err {not json` });
  });
});
