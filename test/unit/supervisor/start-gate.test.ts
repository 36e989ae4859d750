import { describe, expect, it } from 'vitest';
import type { SupervisorEvent } from '../../../src/model/events.js';
import type { PluginState } from '../../../src/model/plugin-state.js';
import type { PluginRunner } from '../../../src/supervisor/runner.js';
import { createStartGate } from '../../../src/supervisor/start-gate.js';
import { createEventBus } from '../../../src/util/event-bus.js';
import { createMemoryLogger } from '../../helpers/memory-log.js';

/** A runner that is only its state: `start` moves it to unknown and publishes the transition, as the real one does. */
interface StubRunner {
  name: string;
  state: PluginState;
  retired: boolean;
  starts: string[];
  start(reason: string): void;
}

const setUp = (graph: Array<{ name: string; dependsOn: string[] }>) => {
  const events = createEventBus<SupervisorEvent>();
  const seen: SupervisorEvent[] = [];
  events.subscribe((event) => seen.push(event));
  const runners = new Map<string, PluginRunner>();
  const move = (runner: StubRunner, to: PluginState, reason = 'test') => {
    const from = runner.state;
    runner.state = to;
    events.publish({ type: 'transition', plugin: runner.name, from, to, reason, at: 0, restarts: 0, restartCount: 0 });
  };
  const stub = (name: string): StubRunner => {
    const runner: StubRunner = {
      name,
      state: 'stopped',
      retired: false,
      starts: [],
      start: (reason) => {
        runner.starts.push(reason);
        move(runner, 'unknown', reason);
      },
    };
    runners.set(name, runner as unknown as PluginRunner);
    return runner;
  };
  const stubs = new Map(graph.map((plugin) => [plugin.name, stub(plugin.name)]));
  const { log } = createMemoryLogger('silent');
  const gate = createStartGate({ runners, graph: () => graph, events, log });
  const get = (name: string) => stubs.get(name) as StubRunner;
  const asRunner = (name: string) => get(name) as unknown as PluginRunner;
  const waits = () => seen.flatMap((event) => (event.type === 'waiting' ? [`${event.plugin}: ${event.reason}`] : []));
  // The gate looks again after the transition's delivery (a microtask).
  const settle = () => new Promise<void>((resolve) => setImmediate(resolve));
  return { gate, runners, get, asRunner, move, waits, settle };
};

describe('the start gate', () => {
  it('holds a start until every dependency is healthy or degraded, saying what it waits for once per change', async () => {
    const { gate, get, asRunner, move, waits, settle } = setUp([
      { name: 'db', dependsOn: [] },
      { name: 'cache', dependsOn: [] },
      { name: 'api', dependsOn: ['db', 'cache'] },
    ]);
    gate.request(asRunner('api'), 'supervisor started');
    expect(get('api').starts).toEqual([]);
    expect(gate.waitingFor('api')).toEqual([
      { name: 'db', state: 'stopped' },
      { name: 'cache', state: 'stopped' },
    ]);
    move(get('db'), 'healthy');
    await settle();
    move(get('db'), 'healthy');
    await settle();
    expect(waits()).toEqual(['api: waiting for db (stopped), cache (stopped)', 'api: waiting for cache (stopped)']);
    move(get('cache'), 'degraded');
    await settle();
    expect(get('api').starts).toEqual(['supervisor started; db, cache up']);
    expect(gate.waitingFor('api')).toBeUndefined();
  });

  it('while held, requests are judged at release, dependencies first', () => {
    const { gate, get, asRunner, waits } = setUp([
      { name: 'api', dependsOn: ['db'] },
      { name: 'db', dependsOn: [] },
    ]);
    gate.hold();
    gate.request(asRunner('api'), 'supervisor started');
    gate.request(asRunner('db'), 'supervisor started');
    expect(get('db').starts).toEqual([]);
    expect(gate.waitingFor('api')).toBeUndefined();
    gate.release();
    expect(get('db').starts).toEqual(['supervisor started']);
    // db was started before api was looked at: api waits for a starting db, not a stopped one.
    expect(waits()).toEqual(['api: waiting for db (unknown)']);
  });

  it('never starts a runner that was retired, replaced, cancelled, or after close', async () => {
    const { gate, get, runners, asRunner, move, settle } = setUp([
      { name: 'db', dependsOn: [] },
      { name: 'a', dependsOn: ['db'] },
      { name: 'b', dependsOn: ['db'] },
      { name: 'c', dependsOn: ['db'] },
      { name: 'd', dependsOn: ['db'] },
    ]);
    for (const name of ['a', 'b', 'c', 'd']) gate.request(asRunner(name), 'test');
    get('a').retired = true;
    runners.set('b', { ...get('b'), start: () => undefined } as unknown as PluginRunner);
    gate.cancel('c');
    move(get('db'), 'healthy');
    await settle();
    expect([get('a').starts, get('b').starts, get('c').starts]).toEqual([[], [], []]);
    expect(get('d').starts).toEqual(['test; db up']);
    move(get('db'), 'unhealthy');
    gate.request(asRunner('d'), 'again');
    gate.close();
    move(get('db'), 'healthy');
    await settle();
    expect(get('d').starts).toEqual(['test; db up']);
  });

  it('a plugin started some other way (by hand) is no longer held', async () => {
    const { gate, get, asRunner, move, settle } = setUp([
      { name: 'db', dependsOn: [] },
      { name: 'api', dependsOn: ['db'] },
    ]);
    gate.request(asRunner('api'), 'test');
    move(get('api'), 'unknown', 'start requested by hand');
    await settle();
    expect(gate.waitingFor('api')).toBeUndefined();
    move(get('db'), 'healthy');
    await settle();
    expect(get('api').starts).toEqual([]);
  });
});
