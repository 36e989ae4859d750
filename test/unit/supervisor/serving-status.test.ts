import { describe, expect, it } from 'vitest';
import { pluginStates, type PluginState } from '../../../src/model/plugin-state.js';
import { createServingSource, diffServingStatuses, servingStatuses } from '../../../src/supervisor/serving-status.js';
import type { ServingChange, ServingSource, ServingStatus } from '../../../src/grpc/serving-source.js';
import { createServingSupervisor } from '../../helpers/serving-supervisor.js';
import { buildPluginStatus, buildSnapshot } from '../../helpers/status-builder.js';

// The source computes a microtask after an event; this resolves after that one.
const settle = () => new Promise<void>((resolve) => queueMicrotask(resolve));

const record = (source: ServingSource) => {
  const batches: ServingChange[][] = [];
  source.subscribe((changes) => batches.push(changes));
  return batches;
};

const statusesOf = (map: ReadonlyMap<string, ServingStatus>) => Object.fromEntries(map);

describe('servingStatuses', () => {
  const expected: Record<PluginState, ServingStatus> = {
    unknown: 'NOT_SERVING',
    healthy: 'SERVING',
    degraded: 'SERVING',
    unhealthy: 'NOT_SERVING',
    restarting: 'NOT_SERVING',
    failed: 'NOT_SERVING',
    stopped: 'NOT_SERVING',
  };

  it.each(pluginStates)('a plugin %s is %s by its name', (state) => {
    const statuses = servingStatuses(buildSnapshot([buildPluginStatus('greeter', { state, critical: false })]));
    expect(statuses.get('greeter')).toBe(expected[state]);
  });

  it.each(pluginStates)('"" follows readiness with a critical plugin %s', (state) => {
    const statuses = servingStatuses(
      buildSnapshot([buildPluginStatus('greeter', { state }), buildPluginStatus('flaky', { critical: false })]),
    );
    expect(statuses.get('')).toBe(expected[state]);
  });

  it('"" serves while only a non-critical plugin is down, and with no plugins at all', () => {
    const down = buildSnapshot([buildPluginStatus('greeter'), buildPluginStatus('flaky', { state: 'failed', critical: false })]);
    expect(statusesOf(servingStatuses(down))).toEqual({ '': 'SERVING', greeter: 'SERVING', flaky: 'NOT_SERVING' });
    expect(statusesOf(servingStatuses(buildSnapshot([])))).toEqual({ '': 'SERVING' });
  });

  it('"" does not serve while the supervisor shuts down, however its plugins are', () => {
    const statuses = servingStatuses(buildSnapshot([buildPluginStatus('greeter')], { shuttingDown: true }));
    expect(statusesOf(statuses)).toEqual({ '': 'NOT_SERVING', greeter: 'SERVING' });
  });
});

describe('diffServingStatuses', () => {
  it('names what was added, changed and removed, and nothing that stayed', () => {
    const before = new Map<string, ServingStatus>([
      ['', 'SERVING'],
      ['a', 'SERVING'],
      ['b', 'SERVING'],
      ['gone', 'NOT_SERVING'],
    ]);
    const after = new Map<string, ServingStatus>([
      ['', 'SERVING'],
      ['a', 'NOT_SERVING'],
      ['b', 'SERVING'],
      ['new', 'SERVING'],
    ]);
    expect(diffServingStatuses(before, after)).toEqual([
      { service: 'a', status: 'NOT_SERVING' },
      { service: 'new', status: 'SERVING' },
      { service: 'gone', status: 'SERVICE_UNKNOWN' },
    ]);
    expect(diffServingStatuses(after, after)).toEqual([]);
  });
});

describe('createServingSource', () => {
  const start = () => {
    const supervisor = createServingSupervisor([buildPluginStatus('greeter'), buildPluginStatus('flaky', { critical: false })]);
    const source = createServingSource(supervisor);
    return { supervisor, source, batches: record(source) };
  };

  it('starts from the snapshot', () => {
    const { source } = start();
    expect(statusesOf(source.current())).toEqual({ '': 'SERVING', greeter: 'SERVING', flaky: 'SERVING' });
  });

  it('reports a transition that changes serving, with what it does to ""', async () => {
    const { supervisor, source, batches } = start();
    supervisor.transition('greeter', 'unhealthy');
    await settle();
    expect(batches).toEqual([
      [
        { service: '', status: 'NOT_SERVING' },
        { service: 'greeter', status: 'NOT_SERVING' },
      ],
    ]);
    expect(statusesOf(source.current())).toEqual({ '': 'NOT_SERVING', greeter: 'NOT_SERVING', flaky: 'SERVING' });

    supervisor.transition('flaky', 'unhealthy');
    await settle();
    expect(batches.at(-1)).toEqual([{ service: 'flaky', status: 'NOT_SERVING' }]);
  });

  it('reports nothing for a transition that leaves serving as it was', async () => {
    const { supervisor, batches } = start();
    supervisor.transition('greeter', 'degraded');
    await settle();
    supervisor.transition('greeter', 'unhealthy');
    supervisor.transition('greeter', 'restarting');
    await settle();
    expect(batches).toEqual([
      [
        { service: '', status: 'NOT_SERVING' },
        { service: 'greeter', status: 'NOT_SERVING' },
      ],
    ]);
  });

  it('does not compute again on a check', async () => {
    const supervisor = createServingSupervisor([buildPluginStatus('greeter')]);
    let reads = 0;
    const source = createServingSource({
      events: supervisor.events,
      snapshot: () => {
        reads += 1;
        return supervisor.snapshot();
      },
    });
    const batches = record(source);
    const readsAtStart = reads;
    for (let i = 0; i < 5; i += 1) supervisor.check('greeter');
    await settle();
    expect(reads).toBe(readsAtStart);
    supervisor.transition('greeter', 'unhealthy');
    await settle();
    expect(reads).toBe(readsAtStart + 1);
    expect(batches).toHaveLength(1);
  });

  it('turns a plugin a reload removed into SERVICE_UNKNOWN and reports one it added', async () => {
    const { supervisor, source, batches } = start();
    supervisor.reload([buildPluginStatus('greeter'), buildPluginStatus('echo', { state: 'unknown', critical: false })]);
    await settle();
    expect(batches).toEqual([
      [
        { service: 'echo', status: 'NOT_SERVING' },
        { service: 'flaky', status: 'SERVICE_UNKNOWN' },
      ],
    ]);
    expect(statusesOf(source.current())).toEqual({ '': 'SERVING', greeter: 'SERVING', echo: 'NOT_SERVING' });

    supervisor.transition('echo', 'healthy');
    await settle();
    expect(batches.at(-1)).toEqual([{ service: 'echo', status: 'SERVING' }]);
  });

  it('shows no blip while a reload rebuilds the plugin list', async () => {
    const supervisor = createServingSupervisor([buildPluginStatus('greeter'), buildPluginStatus('flaky', { critical: false })]);
    // What applyReload does: clear the list, start each runner (its transition published at once), then say reloaded.
    let plugins = supervisor.snapshot().plugins;
    const source = createServingSource({
      events: supervisor.events,
      snapshot: () => ({ ...supervisor.snapshot(), plugins }),
    });
    const batches = record(source);
    plugins = [buildPluginStatus('echo', { state: 'restarting', critical: false })];
    supervisor.events.publish({
      type: 'transition',
      plugin: 'echo',
      from: 'stopped',
      to: 'restarting',
      reason: 'started',
      at: 0,
      restarts: 0,
      restartCount: 0,
    });
    plugins = [...plugins, buildPluginStatus('greeter'), buildPluginStatus('flaky', { critical: false })];
    supervisor.events.publish({
      type: 'reloaded',
      added: ['echo'],
      removed: [],
      changed: [],
      unchanged: ['greeter', 'flaky'],
      ignored: [],
      at: 0,
    });
    await settle();
    expect(batches).toEqual([[{ service: 'echo', status: 'NOT_SERVING' }]]);
  });

  it('says "" is NOT_SERVING once the supervisor is stopping, even before the snapshot says so', async () => {
    const supervisor = createServingSupervisor([buildPluginStatus('greeter')]);
    // The real supervisor publishes `stopping` and only then marks itself; this one never does.
    const source = createServingSource({ events: supervisor.events, snapshot: () => ({ ...supervisor.snapshot(), shuttingDown: false }) });
    const batches = record(source);
    supervisor.stop();
    await settle();
    expect(batches).toEqual([[{ service: '', status: 'NOT_SERVING' }]]);
    supervisor.transition('greeter', 'degraded');
    await settle();
    expect(source.current().get('')).toBe('NOT_SERVING');
  });

  it('keeps reporting to the other listeners when one throws, and says so', async () => {
    const supervisor = createServingSupervisor([buildPluginStatus('greeter')]);
    const errors: unknown[] = [];
    const source = createServingSource(supervisor, { onListenerError: (error) => errors.push(error) });
    source.subscribe(() => {
      throw new Error('listener broke');
    });
    const batches = record(source);
    supervisor.transition('greeter', 'failed');
    await settle();
    expect(batches).toHaveLength(1);
    expect(errors).toEqual([new Error('listener broke')]);
  });

  it('calls no listener after unsubscribe or close', async () => {
    const { supervisor, source, batches } = start();
    const other: ServingChange[][] = [];
    const off = source.subscribe((changes) => other.push(changes));
    off();
    supervisor.transition('greeter', 'unhealthy');
    await settle();
    expect(other).toEqual([]);
    expect(batches).toHaveLength(1);
    source.close();
    supervisor.transition('greeter', 'healthy');
    await settle();
    expect(batches).toHaveLength(1);
    expect(source.current().get('greeter')).toBe('NOT_SERVING');
  });
});
