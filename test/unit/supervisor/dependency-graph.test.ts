import { describe, expect, test } from 'vitest';
import { diffConfigs } from '../../../src/config/diff.js';
import { parseConfigText } from '../../../src/config/load.js';
import type { SupervisorConfig } from '../../../src/config/types.js';
import type { PluginStatus } from '../../../src/model/status.js';
import { dependenciesDownOf, dependenciesUp, describeWait, readyWithDependencies } from '../../../src/supervisor/dependency-readiness.js';
import { withGraph } from '../../../src/supervisor/graph-status.js';
import { isReady, readiness } from '../../../src/supervisor/overall.js';
import { restartWithClosure } from '../../../src/supervisor/restart-with.js';
import { retireInOrder, stopOrder } from '../../../src/supervisor/stop-order.js';

const node = (name: string, dependsOn: string[] = [], restartWith: string[] = []) => ({ name, dependsOn, restartWith });

describe('stopOrder', () => {
  test('dependents before what they depend on, config order otherwise', () => {
    expect(stopOrder([node('db'), node('cache'), node('api', ['db', 'cache']), node('web', ['api'])])).toEqual([
      'web',
      'api',
      'db',
      'cache',
    ]);
  });

  test('a diamond stops its top first and its bottom last', () => {
    const order = stopOrder([node('base'), node('left', ['base']), node('right', ['base']), node('top', ['left', 'right'])]);
    expect(order[0]).toBe('top');
    expect(order.at(-1)).toBe('base');
  });

  test('a cycle (only in a config built by hand) still lists every plugin once', () => {
    expect(stopOrder([node('a', ['b']), node('b', ['a']), node('c')]).sort()).toEqual(['a', 'b', 'c']);
  });

  test('a chain of 2,000 is ordered without recursion', () => {
    const chain = Array.from({ length: 2_000 }, (_, i) => node(`p${i}`, i === 0 ? [] : [`p${i - 1}`]));
    const order = stopOrder(chain);
    expect(order[0]).toBe('p1999');
    expect(order.at(-1)).toBe('p0');
  });
});

describe('retireInOrder', () => {
  test('asks each to stop only once its dependents have finished stopping; unrelated ones at once', async () => {
    const log: string[] = [];
    const finish = new Map<string, () => void>();
    const runners = new Map(['db', 'api', 'web', 'solo'].map((name) => [name, name]));
    const done = retireInOrder(runners, [node('db'), node('api', ['db']), node('web', ['api']), node('solo')], (name) => {
      log.push(`stop ${name}`);
      return new Promise<void>((resolve) => finish.set(name, () => (log.push(`gone ${name}`), resolve())));
    });
    const settle = () => new Promise((resolve) => setImmediate(resolve));
    await settle();
    expect(log).toEqual(['stop web', 'stop solo']);
    finish.get('web')?.();
    await settle();
    expect(log).toEqual(['stop web', 'stop solo', 'gone web', 'stop api']);
    finish.get('api')?.();
    await settle();
    expect(log.at(-1)).toBe('stop db');
    finish.get('db')?.();
    finish.get('solo')?.();
    await done;
  });
});

describe('restartWithClosure', () => {
  test('those that restart with it, and theirs in turn, never the plugin itself', () => {
    const plugins = [node('db'), node('api', ['db'], ['db']), node('web', ['api'], ['api']), node('cron', ['db'])];
    expect(restartWithClosure('db', plugins)).toEqual(['api', 'web']);
    expect(restartWithClosure('api', plugins)).toEqual(['web']);
    expect(restartWithClosure('cron', plugins)).toEqual([]);
  });
});

describe('dependency readiness', () => {
  test('up means healthy or degraded; none is up', () => {
    expect(dependenciesUp([])).toBe(true);
    expect(
      dependenciesUp([
        { name: 'a', state: 'healthy' },
        { name: 'b', state: 'degraded' },
      ]),
    ).toBe(true);
    for (const state of ['unknown', 'unhealthy', 'restarting', 'failed', 'stopped'] as const)
      expect(dependenciesUp([{ name: 'a', state }])).toBe(false);
  });

  test('ready = own readiness && dependencies up', () => {
    expect(readyWithDependencies(true, [])).toBe(true);
    expect(readyWithDependencies(false, [])).toBe(false);
    expect(readyWithDependencies(true, ['db'])).toBe(false);
    const downOf = dependenciesDownOf([
      { name: 'db', state: 'failed' },
      { name: 'cache', state: 'degraded' },
    ]);
    expect(downOf({ dependsOn: ['db', 'cache', 'gone'] })).toEqual(['db', 'gone']);
    expect(downOf({})).toEqual([]);
  });

  test('the words name only the dependencies down', () => {
    const states = [
      { name: 'db', state: 'healthy' as const },
      { name: 'gone', state: 'stopped' as const },
    ];
    expect(describeWait(states)).toBe('waiting for gone (stopped)');
  });

  test('/health/readiness: a serving critical plugin whose dependency is down is not ready, and says why', () => {
    const answer = readiness({
      shuttingDown: false,
      plugins: [
        { name: 'db', state: 'unhealthy', critical: false },
        { name: 'api', state: 'healthy', critical: true, dependsOn: ['db'] },
      ],
    });
    expect(answer.ready).toBe(false);
    expect(answer.notReady).toEqual([{ name: 'api', state: 'healthy', dependenciesDown: ['db'] }]);
    expect(answer.reason).toBe('critical plugins not ready: api (healthy; depends on db, not up)');
    const up = readiness({
      shuttingDown: false,
      plugins: [
        { name: 'db', state: 'degraded', critical: false },
        { name: 'api', state: 'healthy', critical: true, dependsOn: ['db'] },
      ],
    });
    expect(up.ready).toBe(true);
    expect(
      isReady([
        { name: 'db', state: 'failed', critical: false },
        { name: 'api', state: 'healthy', critical: true, dependsOn: ['db'] },
      ]),
    ).toBe(false);
  });
});

describe('withGraph', () => {
  const status = { name: 'api', state: 'stopped', reason: 'not started yet' } as PluginStatus;

  test('adds the graph, and what a held start waits for, in its reason too', () => {
    const shown = withGraph(status, { dependsOn: ['db'], restartWith: ['db'] }, [{ name: 'db', state: 'unknown' }]);
    expect(shown).toMatchObject({
      reason: 'waiting for db (unknown)',
      dependsOn: ['db'],
      restartWith: ['db'],
      waitingFor: [{ name: 'db', state: 'unknown' }],
    });
  });

  test('a plugin outside the graph is shown as it was, with no new fields', () => {
    expect(withGraph(status, { dependsOn: [], restartWith: [] }, undefined)).toBe(status);
  });
});

describe('a reload and the graph', () => {
  const parse = (text: string): SupervisorConfig => {
    const result = parseConfigText(text, { file: '/etc/hale/supervisor.yaml', env: {}, baseDir: '/etc/hale' });
    if (!result.ok) throw new Error(JSON.stringify(result.issues));
    return result.config;
  };

  test('a changed dependsOn or restartWith alone leaves the plugin unchanged', () => {
    const before = parse('plugins: [{name: db, command: x}, {name: api, command: y}]');
    const after = parse('plugins: [{name: db, command: x}, {name: api, command: y, dependsOn: [db], restartWith: [db]}]');
    expect(diffConfigs(before, after)).toMatchObject({ changed: [], unchanged: ['db', 'api'] });
  });
});
