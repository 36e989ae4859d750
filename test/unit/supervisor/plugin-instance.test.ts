import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ExitInfo } from '../../../src/process/run-process.js';
import { createPluginOutput } from '../../../src/plugin/output.js';
import { PluginInstance, type InstanceHooks } from '../../../src/supervisor/plugin-instance.js';
import { createFakeLauncher, createNoopGuard, type FakeStart } from '../../helpers/fake-launcher.js';
import { createMemoryLogger } from '../../helpers/memory-log.js';
import { pluginConfig } from '../../helpers/supervised.js';

type Heard =
  | { hook: 'spawned'; pid: number }
  | { hook: 'ready' }
  | { hook: 'startFailed'; reason: string; code: number | null }
  | { hook: 'exited'; exit: ExitInfo; expected: boolean; ready: boolean }
  | { hook: 'checked'; at: number; outcome: string }
  | { hook: 'stopped'; pid: number; stage: string };

// One generation on a fake clock, with a fake process: the hooks it calls are written down in order.
const makeInstance = (starts: FakeStart[] = [{ kind: 'up', afterMs: 10 }]) => {
  const fake = createFakeLauncher(starts);
  const { log } = createMemoryLogger('silent');
  const heard: Heard[] = [];
  const hooks: InstanceHooks = {
    spawned: (pid) => heard.push({ hook: 'spawned', pid }),
    ready: () => heard.push({ hook: 'ready' }),
    startFailed: (reason, code) => heard.push({ hook: 'startFailed', reason, code }),
    exited: (exit, { expected, ready }) => heard.push({ hook: 'exited', exit, expected, ready }),
    checked: (result) => heard.push({ hook: 'checked', at: result.check.at, outcome: result.check.outcome }),
    stopped: (pid, stage) => heard.push({ hook: 'stopped', pid, stage }),
  };
  const config = pluginConfig('fake', [], { checkInterval: 1_000, startInterval: 100 });
  const deps = {
    socketRoot: '/nonexistent',
    log,
    output: createPluginOutput({ log }),
    guard: createNoopGuard(),
    launcher: fake.launcher,
    random: () => 0.25,
  };
  const instance = new PluginInstance(config, 1, deps, hooks);
  return { instance, fake, heard, checks: () => heard.flatMap((h) => (h.hook === 'checked' ? [h.at] : [])) };
};

describe('a plugin instance on a fake clock', () => {
  let t0 = 0;
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
    t0 = Date.now();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('goes pending → starting → up → stopping, and reports spawn, ready and stop', async () => {
    const { instance, fake, heard } = makeInstance([{ kind: 'up', afterMs: 20 }]);
    expect(instance.phase).toBe('pending');
    void instance.launch(Promise.resolve());
    await vi.advanceTimersByTimeAsync(1);
    expect(instance.phase).toBe('starting');
    expect(instance).toMatchObject({ pid: 1_000, groupId: 1_000, connected: false });
    await vi.advanceTimersByTimeAsync(20);
    expect(instance.phase).toBe('up');
    expect(instance.connected).toBe(true);
    const stopped = instance.stop('test');
    expect(instance.phase).toBe('stopping');
    expect(instance.connected).toBe(false);
    // Stopping twice is one stop.
    expect(instance.stop('again')).toBe(stopped);
    await stopped;
    expect(fake.stopped).toHaveLength(1);
    expect(instance.pid).toBeNull();
    expect(heard.map((h) => h.hook)).toEqual(['spawned', 'ready', 'exited', 'stopped']);
    expect(heard[2]).toMatchObject({ expected: true, ready: true });
  });

  it('checks at once, then every interval (the steady one placed within it), and stops checking on null', async () => {
    const { instance, checks } = makeInstance();
    void instance.launch(Promise.resolve());
    await vi.advanceTimersByTimeAsync(10);
    instance.checkEvery(100);
    await vi.advanceTimersByTimeAsync(1);
    expect(checks()).toEqual([t0 + 10]);
    await vi.advanceTimersByTimeAsync(200);
    expect(checks().map((at) => at - t0)).toEqual([10, 110, 210]);
    // The steady cadence: its first wait is a random part of it (0.25), then whole intervals.
    instance.checkEvery(1_000);
    await vi.advanceTimersByTimeAsync(2_500);
    expect(checks().map((at) => at - t0)).toEqual([10, 110, 210, 310, 560, 1_560, 2_560]);
    instance.checkEvery(null);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(checks()).toHaveLength(7);
    await instance.stop('test');
  });

  it('drops the answer of a check that was in flight when checks were turned off, and resumes when turned on again', async () => {
    const { instance, fake, heard, checks } = makeInstance();
    const answer = fake.launcher.probe;
    // Each answer takes 50 ms.
    fake.launcher.probe = (...args) => {
      const ask = answer(...args);
      return async () => {
        await new Promise((resolve) => setTimeout(resolve, 50));
        return ask();
      };
    };
    void instance.launch(Promise.resolve());
    await vi.advanceTimersByTimeAsync(10);
    instance.checkEvery(100);
    await vi.advanceTimersByTimeAsync(20);
    instance.checkEvery(null);
    await vi.advanceTimersByTimeAsync(100);
    expect(checks()).toEqual([]);
    instance.checkEvery(100);
    await vi.advanceTimersByTimeAsync(1);
    // A check in flight is never doubled: the next comes when one is due.
    await vi.advanceTimersByTimeAsync(60);
    expect(checks().length).toBe(1);
    await instance.stop('test');
    await vi.advanceTimersByTimeAsync(1_000);
    expect(checks().length).toBe(1);
    expect(heard.filter((h) => h.hook === 'exited')).toEqual([
      { hook: 'exited', exit: { code: null, signal: 'SIGTERM' }, expected: true, ready: true },
    ]);
  });

  it('an exit while up is reported as unexpected, after a start; checks stop', async () => {
    const { instance, fake, heard, checks } = makeInstance();
    void instance.launch(Promise.resolve());
    await vi.advanceTimersByTimeAsync(10);
    instance.checkEvery(100);
    await vi.advanceTimersByTimeAsync(1);
    fake.processes[0]?.exit(2);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(checks()).toHaveLength(1);
    expect(heard.at(-1)).toEqual({ hook: 'exited', exit: { code: 2, signal: null }, expected: false, ready: true });
    expect(instance.pid).toBeNull();
    expect(instance.groupId).toBe(1_000);
    await instance.stop('test');
    expect(heard.at(-1)).toMatchObject({ hook: 'stopped', stage: 'exited' });
  });

  it('an exit during the start fails the start with its code; the exit is not one of a started process', async () => {
    const { instance, heard } = makeInstance([{ kind: 'exit', afterMs: 30, code: 1 }]);
    void instance.launch(Promise.resolve());
    await vi.advanceTimersByTimeAsync(30);
    expect(heard).toEqual([
      { hook: 'spawned', pid: 1_000 },
      { hook: 'exited', exit: { code: 1, signal: null }, expected: false, ready: false },
      { hook: 'startFailed', reason: 'exited with code 1 before the handshake', code: 1 },
    ]);
    expect(instance.phase).toBe('starting');
    await instance.stop('start failed');
    expect(heard.at(-1)).toMatchObject({ hook: 'stopped', stage: 'exited' });
  });

  it('a stop during the start takes the process spawned meanwhile; a stop before the launch spawns nothing', async () => {
    const hanging = makeInstance([{ kind: 'hang' }]);
    void hanging.instance.launch(Promise.resolve());
    await vi.advanceTimersByTimeAsync(5);
    await hanging.instance.stop('test');
    expect(hanging.fake.stopped).toEqual(hanging.fake.processes);
    expect(hanging.heard.map((h) => h.hook)).toEqual(['spawned', 'exited', 'stopped']);
    expect(hanging.heard.some((h) => h.hook === 'startFailed')).toBe(false);

    let previousGone: () => void = () => {};
    const never = makeInstance();
    void never.instance.launch(new Promise((resolve) => (previousGone = () => resolve())));
    const stopped = never.instance.stop('test');
    previousGone();
    await stopped;
    await vi.advanceTimersByTimeAsync(1_000);
    expect(never.fake.processes).toHaveLength(0);
    expect(never.heard).toEqual([]);
  });
});
