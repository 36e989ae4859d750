import { register as globalRegister } from 'prom-client';
import { afterEach, describe, expect, test } from 'vitest';
import { pluginStates, type PluginState } from '../../../src/model/plugin-state.js';
import { createMetrics, type HaleMetrics } from '../../../src/metrics/create-metrics.js';
import { createEventBus } from '../../../src/util/event-bus.js';
import type { SupervisorEvent } from '../../../src/model/events.js';
import type { PluginStatus, SupervisorSnapshot } from '../../../src/model/status.js';
import type { CheckRecord } from '../../../src/model/check-record.js';
import { buildPluginStatus, buildSnapshot, snapshotNow } from '../../helpers/status-builder.js';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const unescapeLabel = (raw: string): string => raw.replace(/\\(.)/g, (_match, char: string) => (char === 'n' ? '\n' : char));

const parseValue = (raw: string): number => {
  if (raw === '+Inf') return Number.POSITIVE_INFINITY;
  if (raw === '-Inf') return Number.NEGATIVE_INFINITY;
  const value = Number(raw);
  // prom-client writes NaN as "Nan"; Prometheus reads it case-insensitively.
  if (Number.isNaN(value) && raw.toLowerCase() !== 'nan') throw new Error(`not a sample value: ${raw}`);
  return value;
};

/** The samples of the Prometheus text format (comments skipped); a line that is not one throws. */
const parseExposition = (text: string): Sample[] =>
  text
    .split('\n')
    .filter((line) => line.trim() !== '' && !line.startsWith('#'))
    .map((line) => {
      const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+-?\d+)?$/.exec(line);
      if (match === null) throw new Error(`not a sample line: ${line}`);
      const [, name = '', body = '', value = ''] = match;
      const labels: Record<string, string> = {};
      let rest = body;
      while (rest !== '') {
        const pair = /^([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)",?/.exec(rest);
        if (pair === null) throw new Error(`bad labels in: ${line}`);
        labels[pair[1] ?? ''] = unescapeLabel(pair[2] ?? '');
        rest = rest.slice(pair[0].length);
      }
      return { name, labels, value: parseValue(value) };
    });

const sameLabels = (a: Record<string, string>, b: Record<string, string>): boolean =>
  Object.keys(a).length === Object.keys(b).length && Object.entries(b).every(([key, value]) => a[key] === value);

/** The value of the one sample with exactly these labels; undefined when there is none. */
const valueOf = (samples: Sample[], name: string, labels: Record<string, string> = {}): number | undefined => {
  const found = samples.filter((s) => s.name === name && sameLabels(s.labels, labels));
  if (found.length > 1) throw new Error(`${found.length} samples of ${name} ${JSON.stringify(labels)}`);
  return found[0]?.value;
};

const made: HaleMetrics[] = [];
afterEach(() => {
  for (const metrics of made.splice(0)) metrics.stop();
});

const setup = (plugins: PluginStatus[], overrides: Partial<SupervisorSnapshot> = {}) => {
  const bus = createEventBus<SupervisorEvent>((error) => {
    throw error;
  });
  const source = { current: buildSnapshot(plugins, overrides) };
  const metrics = createMetrics({ events: bus, snapshot: () => source.current });
  made.push(metrics);
  const scrape = async () => parseExposition((await metrics.render()).text);
  return { bus, source, metrics, scrape };
};

const transition = (plugin: string, from: PluginState, to: PluginState, restarts: number): SupervisorEvent => ({
  type: 'transition',
  plugin,
  from,
  to,
  reason: `${from} → ${to}`,
  at: snapshotNow,
  restarts,
  restartCount: restarts,
});

const exited = (plugin: string, expected: boolean): SupervisorEvent => ({
  type: 'exited',
  plugin,
  generation: 1,
  pid: 4242,
  code: null,
  signal: 'SIGKILL',
  expected,
  stderr: '',
  at: snapshotNow,
});

const check = (plugin: string, record: Partial<CheckRecord>): SupervisorEvent => ({
  type: 'check',
  plugin,
  generation: 1,
  check: { at: snapshotNow, outcome: 'pass', status: 'healthy', latencyMs: 10, message: 'ok', ...record },
});

const reloaded = (removed: string[]): SupervisorEvent => ({
  type: 'reloaded',
  added: [],
  removed,
  changed: [],
  unchanged: [],
  ignored: [],
  at: snapshotNow,
});

describe('createMetrics: gauges read from the snapshot', () => {
  test('hale_plugin_state is 1 for the current state and 0 for the six others', async () => {
    const { scrape } = setup([buildPluginStatus('greeter'), buildPluginStatus('flaky', { state: 'restarting' })]);
    const samples = await scrape();
    for (const state of pluginStates) {
      expect(valueOf(samples, 'hale_plugin_state', { plugin: 'greeter', state }), state).toBe(state === 'healthy' ? 1 : 0);
      expect(valueOf(samples, 'hale_plugin_state', { plugin: 'flaky', state }), state).toBe(state === 'restarting' ? 1 : 0);
    }
    expect(samples.filter((s) => s.name === 'hale_plugin_state')).toHaveLength(14);
  });

  test.each<[PluginState, number]>([
    ['healthy', 1],
    ['degraded', 1],
    ['unknown', 0],
    ['unhealthy', 0],
    ['restarting', 0],
    ['failed', 0],
    ['stopped', 0],
  ])('hale_plugin_up of a %s plugin is %i', async (state, up) => {
    const { scrape } = setup([buildPluginStatus('greeter', { state })]);
    expect(valueOf(await scrape(), 'hale_plugin_up', { plugin: 'greeter' })).toBe(up);
  });

  test('backoff counts down to the pending restart, never below 0, and is 0 with none pending', async () => {
    const { scrape } = setup([
      buildPluginStatus('waiting', { state: 'unhealthy', nextRestartAt: snapshotNow + 5_000 }),
      buildPluginStatus('overdue', { state: 'unhealthy', nextRestartAt: snapshotNow - 2_000 }),
      buildPluginStatus('greeter'),
    ]);
    const samples = await scrape();
    expect(valueOf(samples, 'hale_plugin_restart_backoff_seconds', { plugin: 'waiting' })).toBe(5);
    expect(valueOf(samples, 'hale_plugin_restart_backoff_seconds', { plugin: 'overdue' })).toBe(0);
    expect(valueOf(samples, 'hale_plugin_restart_backoff_seconds', { plugin: 'greeter' })).toBe(0);
  });

  test('the last exit code: the code itself, 128 + the signal number, absent for a plugin that never exited', async () => {
    const { scrape } = setup([
      buildPluginStatus('killed', { lastExit: { at: snapshotNow, code: null, signal: 'SIGKILL', stderr: '' } }),
      buildPluginStatus('terminated', { lastExit: { at: snapshotNow, code: null, signal: 'SIGTERM', stderr: '' } }),
      buildPluginStatus('exited', { lastExit: { at: snapshotNow, code: 3, signal: null, stderr: 'boom' } }),
      buildPluginStatus('fresh', { lastExit: null }),
    ]);
    const samples = await scrape();
    expect(valueOf(samples, 'hale_plugin_last_exit_code', { plugin: 'killed' })).toBe(137);
    expect(valueOf(samples, 'hale_plugin_last_exit_code', { plugin: 'terminated' })).toBe(143);
    expect(valueOf(samples, 'hale_plugin_last_exit_code', { plugin: 'exited' })).toBe(3);
    expect(samples.filter((s) => s.name === 'hale_plugin_last_exit_code' && s.labels['plugin'] === 'fresh')).toEqual([]);
  });

  test('uptime is the time since the process became ready, 0 when none runs', async () => {
    const { scrape } = setup([
      buildPluginStatus('greeter', { startedAt: snapshotNow - 90_500 }),
      buildPluginStatus('down', { state: 'unhealthy', startedAt: null, pid: null }),
    ]);
    const samples = await scrape();
    expect(valueOf(samples, 'hale_plugin_uptime_seconds', { plugin: 'greeter' })).toBe(90.5);
    expect(valueOf(samples, 'hale_plugin_uptime_seconds', { plugin: 'down' })).toBe(0);
  });

  test("hale's event-loop lag is prom-client's default nodejs_eventloop_lag_* only, not a hale_ gauge beside it", async () => {
    const { scrape } = setup([]);
    const names = new Set((await scrape()).map((s) => s.name));
    for (const stat of ['mean', 'p99', 'max']) expect(names).toContain(`nodejs_eventloop_lag_${stat}_seconds`);
    expect(names).not.toContain('hale_event_loop_lag_seconds');
  });

  test('a scrape follows the snapshot: a state change shows at the next scrape', async () => {
    const { source, scrape } = setup([buildPluginStatus('greeter')]);
    expect(valueOf(await scrape(), 'hale_plugin_up', { plugin: 'greeter' })).toBe(1);
    source.current = buildSnapshot([buildPluginStatus('greeter', { state: 'failed' })]);
    const samples = await scrape();
    expect(valueOf(samples, 'hale_plugin_up', { plugin: 'greeter' })).toBe(0);
    expect(valueOf(samples, 'hale_plugin_state', { plugin: 'greeter', state: 'failed' })).toBe(1);
  });
});

describe('createMetrics: counters and histograms fed by events', () => {
  test('restarts are counted by cause after a sequence of events', async () => {
    const { bus, scrape } = setup([buildPluginStatus('greeter')]);
    // A crash, then failed checks, then a restart by hand.
    bus.publish(exited('greeter', false));
    bus.publish(transition('greeter', 'healthy', 'unhealthy', 0));
    bus.publish(transition('greeter', 'unhealthy', 'restarting', 1));
    bus.publish(transition('greeter', 'restarting', 'unknown', 1));
    bus.publish(check('greeter', { outcome: 'fail', failure: 'deadline' }));
    bus.publish(transition('greeter', 'unknown', 'unhealthy', 1));
    bus.publish(transition('greeter', 'unhealthy', 'restarting', 2));
    bus.publish(transition('greeter', 'restarting', 'unknown', 2));
    bus.publish(transition('greeter', 'unknown', 'healthy', 2));
    bus.publish(transition('greeter', 'healthy', 'restarting', 2));
    const samples = await scrape();
    const restarts = (reason: string) => valueOf(samples, 'hale_plugin_restarts_total', { plugin: 'greeter', reason });
    expect(restarts('crash')).toBe(1);
    expect(restarts('unhealthy')).toBe(1);
    expect(restarts('manual')).toBe(1);
    expect(restarts('start_failed')).toBe(0);
  });

  test('every series of a plugin in the snapshot starts at 0, so increase() sees the first event', async () => {
    const { scrape } = setup([buildPluginStatus('greeter')]);
    const samples = await scrape();
    for (const reason of ['crash', 'unhealthy', 'start_failed', 'manual']) {
      expect(valueOf(samples, 'hale_plugin_restarts_total', { plugin: 'greeter', reason }), reason).toBe(0);
    }
    for (const reason of ['deadline', 'unavailable', 'rpc_error', 'unhealthy', 'critical_component', 'unknown']) {
      expect(valueOf(samples, 'hale_health_check_failures_total', { plugin: 'greeter', reason }), reason).toBe(0);
    }
    expect(valueOf(samples, 'hale_health_check_duration_seconds_count', { plugin: 'greeter' })).toBe(0);
  });

  test('check durations go to the histogram in seconds, with the buckets asked for', async () => {
    const { bus, scrape } = setup([buildPluginStatus('greeter')]);
    bus.publish(check('greeter', { latencyMs: 15 }));
    bus.publish(check('greeter', { latencyMs: 3_000, outcome: 'fail', failure: 'deadline' }));
    bus.publish(check('greeter', { latencyMs: 12_000, outcome: 'fail', failure: 'deadline' }));
    const samples = await scrape();
    const bucket = (le: string) => valueOf(samples, 'hale_health_check_duration_seconds_bucket', { plugin: 'greeter', le });
    expect(
      samples
        .filter((s) => s.name === 'hale_health_check_duration_seconds_bucket' && s.labels['plugin'] === 'greeter')
        .map((s) => s.labels['le']),
    ).toEqual(['0.001', '0.0025', '0.005', '0.01', '0.025', '0.05', '0.1', '0.25', '0.5', '1', '2.5', '5', '10', '+Inf']);
    expect(bucket('0.01')).toBe(0);
    expect(bucket('0.025')).toBe(1);
    expect(bucket('2.5')).toBe(1);
    expect(bucket('5')).toBe(2);
    expect(bucket('10')).toBe(2);
    expect(bucket('+Inf')).toBe(3);
    expect(valueOf(samples, 'hale_health_check_duration_seconds_count', { plugin: 'greeter' })).toBe(3);
    expect(valueOf(samples, 'hale_health_check_duration_seconds_sum', { plugin: 'greeter' })).toBeCloseTo(15.015, 9);
  });

  test('failed checks are counted by reason, unknown when the check names none; passes are not', async () => {
    const { bus, scrape } = setup([buildPluginStatus('greeter')]);
    bus.publish(check('greeter', { outcome: 'fail', failure: 'rpc_error' }));
    bus.publish(check('greeter', { outcome: 'fail', failure: 'rpc_error' }));
    bus.publish(check('greeter', { outcome: 'fail', failure: 'critical_component' }));
    bus.publish(check('greeter', { outcome: 'fail' }));
    bus.publish(check('greeter', { outcome: 'degraded' }));
    bus.publish(check('greeter', { outcome: 'pass' }));
    const samples = await scrape();
    const failures = (reason: string) => valueOf(samples, 'hale_health_check_failures_total', { plugin: 'greeter', reason });
    expect(failures('rpc_error')).toBe(2);
    expect(failures('critical_component')).toBe(1);
    expect(failures('unknown')).toBe(1);
    expect(failures('deadline')).toBe(0);
    expect(valueOf(samples, 'hale_health_check_duration_seconds_count', { plugin: 'greeter' })).toBe(6);
  });

  test('a plugin removed by a reload disappears from every per-plugin metric; the others keep their counts', async () => {
    const { bus, source, scrape } = setup([buildPluginStatus('greeter'), buildPluginStatus('flaky')]);
    for (const plugin of ['greeter', 'flaky']) {
      bus.publish(check(plugin, { outcome: 'fail', failure: 'unavailable' }));
      bus.publish(transition(plugin, 'healthy', 'restarting', 0));
    }
    const before = await scrape();
    expect(before.some((s) => s.labels['plugin'] === 'flaky')).toBe(true);

    source.current = buildSnapshot([buildPluginStatus('greeter')]);
    bus.publish(reloaded(['flaky']));
    const after = await scrape();
    expect(after.filter((s) => s.labels['plugin'] === 'flaky')).toEqual([]);
    expect(valueOf(after, 'hale_plugin_restarts_total', { plugin: 'greeter', reason: 'manual' })).toBe(1);
    expect(valueOf(after, 'hale_health_check_failures_total', { plugin: 'greeter', reason: 'unavailable' })).toBe(1);
  });

  test('a plugin added back after its removal starts from zero', async () => {
    const { bus, source, scrape } = setup([buildPluginStatus('flaky')]);
    bus.publish(check('flaky', { latencyMs: 100 }));
    bus.publish(transition('flaky', 'healthy', 'restarting', 0));
    source.current = buildSnapshot([]);
    bus.publish(reloaded(['flaky']));
    await scrape();
    source.current = buildSnapshot([buildPluginStatus('flaky')]);
    const samples = await scrape();
    expect(valueOf(samples, 'hale_plugin_restarts_total', { plugin: 'flaky', reason: 'manual' })).toBe(0);
    expect(valueOf(samples, 'hale_health_check_duration_seconds_count', { plugin: 'flaky' })).toBe(0);
  });

  test('stop() ends the counting: events after it change nothing', async () => {
    const { bus, metrics, scrape } = setup([buildPluginStatus('greeter')]);
    bus.publish(transition('greeter', 'healthy', 'restarting', 0));
    metrics.stop();
    bus.publish(transition('greeter', 'healthy', 'restarting', 0));
    expect(valueOf(await scrape(), 'hale_plugin_restarts_total', { plugin: 'greeter', reason: 'manual' })).toBe(1);
  });
});

describe('createMetrics: the registry', () => {
  test("prom-client's default metrics are in hale's registry, and nothing is in the global one", async () => {
    const { metrics, scrape } = setup([buildPluginStatus('greeter')]);
    const names = new Set((await scrape()).map((s) => s.name));
    expect(names).toContain('process_cpu_user_seconds_total');
    expect(names).toContain('nodejs_heap_size_used_bytes');
    expect([...names].some((name) => name.startsWith('nodejs_eventloop_lag'))).toBe(true);
    expect(metrics.registry).not.toBe(globalRegister);
    expect(await globalRegister.metrics()).not.toMatch(/^hale_/m);
  });

  test('the content type is the registry’s, and the text has no hale_ metric beyond the list', async () => {
    const { metrics } = setup([buildPluginStatus('greeter', { lastExit: { at: 0, code: 1, signal: null, stderr: '' } })]);
    const { contentType, text } = await metrics.render();
    expect(contentType).toBe(metrics.registry.contentType);
    const haleNames = new Set(
      parseExposition(text)
        .map((s) => s.name)
        .filter((name) => name.startsWith('hale_')),
    );
    expect([...haleNames].sort()).toEqual(
      [
        'hale_health_check_duration_seconds_bucket',
        'hale_health_check_duration_seconds_count',
        'hale_health_check_duration_seconds_sum',
        'hale_health_check_failures_total',
        'hale_plugin_last_exit_code',
        'hale_plugin_restart_backoff_seconds',
        'hale_plugin_restarts_total',
        'hale_plugin_state',
        'hale_plugin_up',
        'hale_plugin_uptime_seconds',
      ].sort(),
    );
  });

  test('one scrape takes one snapshot', async () => {
    let taken = 0;
    const counting = createMetrics({
      events: createEventBus<SupervisorEvent>(),
      snapshot: () => {
        taken += 1;
        return buildSnapshot([buildPluginStatus('greeter')]);
      },
    });
    made.push(counting);
    await counting.render();
    expect(taken).toBe(1);
  });
});
