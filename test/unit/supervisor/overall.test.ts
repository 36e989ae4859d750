import { describe, expect, it } from 'vitest';
import type { PluginState } from '../../../src/model/plugin-state.js';
import { pluginStates } from '../../../src/model/plugin-state.js';
import {
  isReady,
  liveness,
  overallStatus,
  readiness,
  summarize,
  type OverallStatus,
  type PluginVerdictInput,
} from '../../../src/supervisor/overall.js';

const critical = (name: string, state: PluginState): PluginVerdictInput => ({ name, state, critical: true });
const optional = (name: string, state: PluginState): PluginVerdictInput => ({ name, state, critical: false });

describe('overallStatus', () => {
  const cases: Array<[string, PluginVerdictInput[], OverallStatus]> = [
    ['no plugins', [], 'healthy'],
    ['every plugin healthy', [critical('a', 'healthy'), optional('b', 'healthy')], 'healthy'],
    ['a critical plugin degraded', [critical('a', 'degraded'), optional('b', 'healthy')], 'degraded'],
    ['a non-critical plugin degraded', [critical('a', 'healthy'), optional('b', 'degraded')], 'degraded'],
    ['a non-critical plugin unhealthy', [critical('a', 'healthy'), optional('b', 'unhealthy')], 'degraded'],
    ['a non-critical plugin failed', [critical('a', 'healthy'), optional('b', 'failed')], 'degraded'],
    ['a non-critical plugin stopped', [optional('b', 'stopped')], 'degraded'],
    ['a non-critical plugin unknown', [optional('b', 'unknown')], 'degraded'],
    ['a critical plugin unknown', [critical('a', 'unknown'), optional('b', 'healthy')], 'unhealthy'],
    ['a critical plugin unhealthy', [critical('a', 'unhealthy')], 'unhealthy'],
    ['a critical plugin restarting', [critical('a', 'restarting')], 'unhealthy'],
    ['a critical plugin failed', [critical('a', 'failed')], 'unhealthy'],
    ['a critical plugin stopped', [critical('a', 'stopped')], 'unhealthy'],
    ['critical down outranks degraded', [critical('a', 'failed'), optional('b', 'degraded')], 'unhealthy'],
  ];
  it.each(cases)('%s → %s', (_name, plugins, expected) => {
    expect(overallStatus(plugins)).toBe(expected);
  });

  it.each([
    ['a critical dependency failing', [{ name: 'db', state: 'unhealthy', critical: true }], 'unhealthy'],
    ['a critical dependency not checked yet', [{ name: 'db', state: 'unknown', critical: true }], 'unhealthy'],
    ['a critical dependency degraded', [{ name: 'db', state: 'degraded', critical: true }], 'degraded'],
    ['a non-critical dependency failing', [{ name: 'db', state: 'unhealthy', critical: false }], 'degraded'],
    ['every dependency healthy', [{ name: 'db', state: 'healthy', critical: true }], 'healthy'],
  ] as const)('with healthy plugins and %s → %s', (_name, dependencies, expected) => {
    expect(overallStatus([critical('a', 'healthy')], dependencies)).toBe(expected);
  });

  it('is unhealthy for every critical state except healthy and degraded', () => {
    for (const state of pluginStates) {
      const expected = state === 'healthy' ? 'healthy' : state === 'degraded' ? 'degraded' : 'unhealthy';
      expect(overallStatus([critical('a', state)]), state).toBe(expected);
    }
  });
});

describe('isReady and readiness', () => {
  const cases: Array<[string, PluginVerdictInput[], boolean]> = [
    ['no plugins', [], true],
    ['critical healthy', [critical('a', 'healthy')], true],
    ['critical degraded', [critical('a', 'degraded')], true],
    ['critical unknown (still starting)', [critical('a', 'unknown')], false],
    ['critical restarting', [critical('a', 'restarting')], false],
    ['non-critical failed', [critical('a', 'healthy'), optional('b', 'failed')], true],
  ];
  it.each(cases)('%s → %s', (_name, plugins, expected) => {
    expect(isReady(plugins)).toBe(expected);
    expect(readiness({ shuttingDown: false, plugins }).ready).toBe(expected);
  });

  it('names the critical plugins that are not serving', () => {
    const result = readiness({
      shuttingDown: false,
      plugins: [critical('a', 'unhealthy'), critical('b', 'healthy'), optional('c', 'failed'), critical('d', 'unknown')],
    });
    expect(result).toEqual({
      ready: false,
      reason: 'critical plugins not serving: a (unhealthy), d (unknown)',
      notReady: [
        { name: 'a', state: 'unhealthy' },
        { name: 'd', state: 'unknown' },
      ],
      checksNotReady: [],
    });
  });

  it('names the critical dependencies that fail too; a non-critical one does not count', () => {
    const result = readiness({
      shuttingDown: false,
      plugins: [critical('a', 'healthy')],
      dependencies: [
        { name: 'db', state: 'unhealthy', critical: true },
        { name: 'cache', state: 'unhealthy', critical: false },
        { name: 'queue', state: 'degraded', critical: true },
      ],
    });
    expect(result).toEqual({
      ready: false,
      reason: 'critical checks failing: db (unhealthy)',
      notReady: [],
      checksNotReady: [{ name: 'db', state: 'unhealthy' }],
    });
  });

  it('is not ready while shutting down, even with every plugin healthy', () => {
    const result = readiness({ shuttingDown: true, plugins: [critical('a', 'healthy')] });
    expect(result.ready).toBe(false);
    expect(result.reason).toMatch(/shutting down/);
  });
});

describe('liveness', () => {
  const cases: Array<[string, boolean, PluginVerdictInput[], boolean]> = [
    ['running, no plugins', false, [], true],
    ['shutting down', true, [critical('a', 'healthy')], false],
    ['critical plugin failed', false, [critical('a', 'failed')], false],
    ['critical plugin unhealthy (still restarting)', false, [critical('a', 'unhealthy')], true],
    ['critical plugin restarting', false, [critical('a', 'restarting')], true],
    ['non-critical plugin failed', false, [optional('b', 'failed')], true],
  ];
  it.each(cases)('%s → alive %s', (_name, shuttingDown, plugins, alive) => {
    expect(liveness({ shuttingDown, plugins }).alive).toBe(alive);
  });

  it('says which critical plugins failed', () => {
    expect(liveness({ shuttingDown: false, plugins: [critical('a', 'failed')] }).reason).toBe(
      'critical plugin "a" has failed and is not restarted again',
    );
    expect(liveness({ shuttingDown: false, plugins: [critical('a', 'failed'), critical('b', 'failed')] }).reason).toBe(
      'critical plugins "a", "b" have failed and are not restarted again',
    );
  });
});

describe('summarize', () => {
  it('counts zero plugins as zeros', () => {
    expect(summarize([])).toEqual({
      totalPlugins: 0,
      healthyPlugins: 0,
      degradedPlugins: 0,
      unhealthyPlugins: 0,
      restartingPlugins: 0,
      failedPlugins: 0,
      unknownPlugins: 0,
      stoppedPlugins: 0,
    });
  });

  it('counts one plugin in each state once', () => {
    const plugins = pluginStates.map((state, i) => critical(`p${i}`, state));
    const summary = summarize(plugins);
    expect(summary).toEqual({
      totalPlugins: 7,
      healthyPlugins: 1,
      degradedPlugins: 1,
      unhealthyPlugins: 1,
      restartingPlugins: 1,
      failedPlugins: 1,
      unknownPlugins: 1,
      stoppedPlugins: 1,
    });
  });
});
