import { beforeAll, describe, expect, test, vi } from 'vitest';
import { readinessAnswer } from '../../src/api/health-answers.js';
import type { PluginConfig } from '../../src/config/types.js';
import type { SupervisorEvent } from '../../src/model/events.js';
import type { PluginState } from '../../src/model/plugin-state.js';
import { fixture, requireBuilt } from '../helpers/paths.js';
import { pluginConfig, supervisorConfig } from '../helpers/supervised.js';
import { useSupervisedSuite } from '../helpers/supervised-suite.js';

type Transition = Extract<SupervisorEvent, { type: 'transition' }>;
const becomes =
  (plugin: string, to: PluginState) =>
  (event: SupervisorEvent): event is Transition =>
    event.type === 'transition' && event.plugin === plugin && event.to === to;

const { supervise, superviseConfig } = useSupervisedSuite();

beforeAll(requireBuilt);

// Node plugins start in 0.3 s on an idle machine and in several seconds on two shared cores: every wait is an event's.
const wait = 45_000;
vi.setConfig({ testTimeout: 120_000 });

/** A plugin that serves only `delayMs` after it is spawned. */
const late = (name: string, delayMs: number, overrides: Partial<PluginConfig> = {}): PluginConfig =>
  pluginConfig(name, [fixture('late-plugin.mjs')], { env: { LATE_PLUGIN_DELAY_MS: String(delayMs) }, startTimeout: 20_000, ...overrides });

/** The index in `events` of the first that matches; -1 when none. */
const indexOf = (events: SupervisorEvent[], match: (event: SupervisorEvent) => boolean): number => events.findIndex(match);

const spawnedOf = (plugin: string) => (event: SupervisorEvent) => event.type === 'spawned' && event.plugin === plugin;

describe('dependsOn: start order', () => {
  test('a dependent spawns only after its dependency is healthy, and says meanwhile what it waits for', async () => {
    // The dependent first in the config: the order comes from the graph, not the list.
    const { supervisor, events, first } = await supervise([late('api', 0, { dependsOn: ['db'] }), late('db', 1_500)]);
    const waiting = await first((event) => event.type === 'waiting' && event.plugin === 'api', wait);
    expect(waiting).toMatchObject({ waitingFor: [{ name: 'db', state: 'unknown' }], reason: 'waiting for db (unknown)' });
    const held = supervisor.plugin('api');
    expect(held).toMatchObject({ state: 'stopped', pid: null, dependsOn: ['db'], waitingFor: [{ name: 'db', state: 'unknown' }] });
    expect(held?.reason).toBe('waiting for db (unknown)');
    expect(readinessAnswer(supervisor.snapshot()).status).toBe(503);

    await first(becomes('api', 'healthy'), wait);
    const dbSpawned = indexOf(events, spawnedOf('db'));
    const dbHealthy = indexOf(events, becomes('db', 'healthy'));
    const apiSpawned = indexOf(events, spawnedOf('api'));
    expect(dbSpawned).toBeGreaterThanOrEqual(0);
    expect(dbHealthy).toBeGreaterThan(dbSpawned);
    expect(apiSpawned).toBeGreaterThan(dbHealthy);
    expect(supervisor.plugin('api')?.waitingFor).toBeUndefined();
    expect((events[indexOf(events, becomes('api', 'unknown'))] as Transition).reason).toBe('supervisor started; db up');
    expect(readinessAnswer(supervisor.snapshot()).status).toBe(200);
  });

  test('a failed dependency keeps its dependents waiting, and they say so; start-up is still done', async () => {
    const { supervisor, first, events } = await supervise([
      pluginConfig('db', ['-e', 'process.exit(78)']),
      pluginConfig('api', [fixture('late-plugin.mjs')], { dependsOn: ['db'] }),
      pluginConfig('web', [fixture('late-plugin.mjs')], { dependsOn: ['api'] }),
    ]);
    await first(becomes('db', 'failed'), wait);
    await first((event) => event.type === 'waiting' && event.plugin === 'api' && event.waitingFor[0]?.state === 'failed', wait);
    expect(supervisor.plugin('api')).toMatchObject({ state: 'stopped', reason: 'waiting for db (failed)' });
    expect(supervisor.plugin('web')).toMatchObject({ state: 'stopped', waitingFor: [{ name: 'api', state: 'stopped' }] });
    expect(indexOf(events, spawnedOf('api'))).toBe(-1);
    expect(indexOf(events, spawnedOf('web'))).toBe(-1);
    expect(supervisor.snapshot().startup).toBeNull();
  });
});

describe('dependsOn: stop order', () => {
  test("the supervisor's stop goes dependents first, each fully stopped before the next is asked", async () => {
    const { supervisor, events, first } = await supervise([
      late('db', 0),
      late('api', 0, { dependsOn: ['db'] }),
      late('web', 0, { dependsOn: ['api'] }),
      late('solo', 0),
    ]);
    await Promise.all(['db', 'api', 'web', 'solo'].map((name) => first(becomes(name, 'healthy'), wait)));
    const from = events.length;
    await supervisor.stop('test: reverse order');
    const after = events.slice(from);
    const asked = (plugin: string) => indexOf(after, becomes(plugin, 'stopped'));
    const gone = (plugin: string) => indexOf(after, (event) => event.type === 'stopped' && event.plugin === plugin);
    for (const name of ['db', 'api', 'web', 'solo']) expect(gone(name)).toBeGreaterThan(asked(name));
    expect(asked('api')).toBeGreaterThan(gone('web'));
    expect(asked('db')).toBeGreaterThan(gone('api'));
    // Nothing depends on solo: it is asked with the first.
    expect(asked('solo')).toBeLessThan(gone('web'));
  });
});

describe('restartWith', () => {
  test('a restart of a dependency stops those that restart with it and starts them once it is healthy again; others keep running', async () => {
    const { supervisor, events, first } = await supervise([
      late('db', 300),
      late('api', 0, { dependsOn: ['db'], restartWith: ['db'] }),
      late('web', 0, { dependsOn: ['api'], restartWith: ['api'] }),
      late('cron', 0, { dependsOn: ['db'] }),
    ]);
    await Promise.all(['db', 'api', 'web', 'cron'].map((name) => first(becomes(name, 'healthy'), wait)));
    const pids = { api: supervisor.plugin('api')?.pid, web: supervisor.plugin('web')?.pid, cron: supervisor.plugin('cron')?.pid };
    const from = events.length;
    const answer = await supervisor.control('db', 'restart', 'test: restart db');
    expect(answer.ok).toBe(true);
    const webBack = (event: SupervisorEvent, i: number) => i >= from && becomes('web', 'healthy')(event);
    await first((event) => webBack(event, events.indexOf(event)), wait);
    const after = events.slice(from);
    const dbHealthy = indexOf(after, becomes('db', 'healthy'));
    const apiStopped = after.find(becomes('api', 'stopped'));
    expect(apiStopped?.reason).toBe('restarted with db');
    expect(after.find(becomes('web', 'stopped'))?.reason).toBe('restarted with db');
    expect(indexOf(after, spawnedOf('api'))).toBeGreaterThan(dbHealthy);
    expect(indexOf(after, spawnedOf('web'))).toBeGreaterThan(indexOf(after, becomes('api', 'healthy')));
    expect(supervisor.plugin('api')?.pid).not.toBe(pids.api);
    expect(supervisor.plugin('web')?.pid).not.toBe(pids.web);
    // cron depends on db but did not ask to restart with it.
    expect(indexOf(after, spawnedOf('cron'))).toBe(-1);
    expect(supervisor.plugin('cron')?.pid).toBe(pids.cron);
  });

  test('a crash of a dependency cycles its restartWith dependents too', async () => {
    const { supervisor, events, first } = await supervise([late('db', 0), late('api', 0, { dependsOn: ['db'], restartWith: ['db'] })]);
    await Promise.all(['db', 'api'].map((name) => first(becomes(name, 'healthy'), wait)));
    const from = events.length;
    expect(supervisor.signal('db', 'SIGKILL').ok).toBe(true);
    await first((event) => events.indexOf(event) >= from && becomes('api', 'healthy')(event), wait);
    const after = events.slice(from);
    expect(after.find(becomes('api', 'stopped'))?.reason).toBe('restarted with db');
    expect(indexOf(after, spawnedOf('api'))).toBeGreaterThan(indexOf(after, becomes('db', 'healthy')));
  });
});

describe('restartWith follows a stop too', () => {
  test('a dependency stopped by hand takes those that restart with it along, and its start brings them back', async () => {
    const { supervisor, events, first } = await supervise([
      late('db', 0, { critical: false }),
      late('api', 0, { dependsOn: ['db'], restartWith: ['db'] }),
      late('cron', 0, { dependsOn: ['db'] }),
    ]);
    await Promise.all(['db', 'api', 'cron'].map((name) => first(becomes(name, 'healthy'), wait)));
    const cronPid = supervisor.plugin('cron')?.pid;
    const from = events.length;
    await supervisor.control('db', 'stop', 'test: db down');
    await first((event) => event.type === 'waiting' && event.plugin === 'api' && event.waitingFor[0]?.state === 'stopped', wait);
    expect(supervisor.plugin('api')).toMatchObject({ state: 'stopped', pid: null, reason: 'waiting for db (stopped)' });
    expect(events.slice(from).find(becomes('api', 'stopped'))?.reason).toBe('stopped with db');
    expect(supervisor.plugin('cron')).toMatchObject({ state: 'healthy', pid: cronPid });
    await supervisor.control('db', 'start', 'test: db back');
    await first((event) => events.indexOf(event) >= from && becomes('api', 'healthy')(event), wait);
    const after = events.slice(from);
    expect(indexOf(after, spawnedOf('api'))).toBeGreaterThan(indexOf(after, becomes('db', 'healthy')));
    expect(supervisor.plugin('cron')?.pid).toBe(cronPid);
  });

  test("a reload that changes a dependency's config restarts those that restart with it, after it", async () => {
    const config = supervisorConfig([
      late('db', 0),
      late('api', 0, { dependsOn: ['db'], restartWith: ['db'] }),
      late('cron', 0, { dependsOn: ['db'] }),
    ]);
    const { supervisor, events, first } = await superviseConfig(config);
    await Promise.all(['db', 'api', 'cron'].map((name) => first(becomes(name, 'healthy'), wait)));
    const pids = { api: supervisor.plugin('api')?.pid, cron: supervisor.plugin('cron')?.pid };
    const from = events.length;
    const next = { ...config, plugins: config.plugins.map((p) => (p.name === 'db' ? { ...p, env: { ...p.env, CHANGED: '1' } } : p)) };
    expect(await supervisor.reload('test: db changed', next)).toMatchObject({ ok: true, changed: ['db'], unchanged: ['api', 'cron'] });
    await first((event) => events.indexOf(event) >= from && becomes('api', 'healthy')(event), wait);
    const after = events.slice(from);
    expect(indexOf(after, spawnedOf('api'))).toBeGreaterThan(indexOf(after, becomes('db', 'healthy')));
    expect(supervisor.plugin('api')?.pid).not.toBe(pids.api);
    expect(supervisor.plugin('cron')?.pid).toBe(pids.cron);
  });
});

describe('readiness follows dependencies', () => {
  test('a healthy plugin whose dependency is stopped is not ready (503), with no restart of it', async () => {
    const { supervisor, events, first } = await supervise([late('db', 0, { critical: false }), late('api', 0, { dependsOn: ['db'] })]);
    await Promise.all(['db', 'api'].map((name) => first(becomes(name, 'healthy'), wait)));
    expect(readinessAnswer(supervisor.snapshot()).status).toBe(200);
    const pid = supervisor.plugin('api')?.pid;
    await supervisor.control('db', 'stop', 'test: db down');
    await first(becomes('db', 'stopped'), wait);
    const answer = readinessAnswer(supervisor.snapshot());
    expect(answer.status).toBe(503);
    expect(answer.body.notReady).toEqual([{ name: 'api', state: 'healthy', dependenciesDown: ['db'] }]);
    expect(supervisor.plugin('api')).toMatchObject({ state: 'healthy', pid });
    expect(events.filter(becomes('api', 'stopped'))).toEqual([]);
  });
});

describe('a reload that changes the graph', () => {
  test('applies it without restarting plugins whose own config did not change; one made to depend on a down plugin is not killed', async () => {
    const config = supervisorConfig([late('db', 0, { critical: false }), late('api', 0), late('web', 0)]);
    const { supervisor, events, first } = await superviseConfig(config);
    await Promise.all(['db', 'api', 'web'].map((name) => first(becomes(name, 'healthy'), wait)));
    await supervisor.control('db', 'stop', 'test: db down');
    await first(becomes('db', 'stopped'), wait);
    const pids = { api: supervisor.plugin('api')?.pid, web: supervisor.plugin('web')?.pid };
    const from = events.length;
    const next = {
      ...config,
      plugins: [
        late('db', 0, { critical: false }),
        late('api', 0, { dependsOn: ['db'], restartWith: ['db'] }),
        late('web', 0, { dependsOn: ['api'] }),
        late('fresh', 0, { dependsOn: ['db'] }),
      ],
    };
    const result = await supervisor.reload('test: new graph', next);
    expect(result).toMatchObject({ ok: true, added: ['fresh'], changed: [], unchanged: ['db', 'api', 'web'] });
    expect(supervisor.plugin('api')).toMatchObject({ state: 'healthy', pid: pids.api, dependsOn: ['db'], restartWith: ['db'] });
    expect(supervisor.plugin('web')).toMatchObject({ state: 'healthy', pid: pids.web });
    // The new plugin is held: its dependency was stopped by hand.
    await first((event) => event.type === 'waiting' && event.plugin === 'fresh', wait);
    expect(supervisor.plugin('fresh')).toMatchObject({ state: 'stopped', waitingFor: [{ name: 'db', state: 'stopped' }] });
    expect(readinessAnswer(supervisor.snapshot()).body.notReady.map((p) => p.name)).toEqual(['api', 'fresh']);
    // db back: the held plugin starts, and the graph now in force cycles nothing that was running.
    await supervisor.control('db', 'start', 'test: db back');
    await first((event) => events.indexOf(event) >= from && becomes('fresh', 'healthy')(event), wait);
    expect(supervisor.plugin('api')?.pid).toBe(pids.api);
    expect(events.slice(from).filter((event) => event.type === 'spawned' && event.plugin !== 'db' && event.plugin !== 'fresh')).toEqual([]);
  });
});
