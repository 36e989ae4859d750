import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { PluginConfig } from '../../../src/config/types.js';
import { createEventBus } from '../../../src/util/event-bus.js';
import type { SupervisorEvent } from '../../../src/model/events.js';
import { PluginRunner } from '../../../src/supervisor/runner.js';
import { createFakeLauncher, createNoopGuard, type FakeLauncher, type FakeStart } from '../../helpers/fake-launcher.js';
import { createMemoryLogger } from '../../helpers/memory-log.js';
import { pluginConfig } from '../../helpers/supervised.js';

// The runner on a fake clock with fake processes: every timing below is exact, and nothing is spawned.
const makeRunner = (overrides: Partial<PluginConfig> = {}, starts?: FakeStart[]) => {
  const bus = createEventBus<SupervisorEvent>();
  const events: SupervisorEvent[] = [];
  bus.subscribe((event) => events.push(event));
  const fake: FakeLauncher = createFakeLauncher(starts);
  const { log } = createMemoryLogger('silent');
  const config = pluginConfig('fake', [], {
    checkInterval: 1_000,
    startInterval: 100,
    restartBackoff: 500,
    maxRestartBackoff: 10_000,
    ...overrides,
  });
  const runner = new PluginRunner(config, {
    bus,
    log,
    socketRoot: '/nonexistent',
    guard: createNoopGuard(),
    launcher: fake.launcher,
    random: () => 0.5,
  });
  const transitions = () => events.flatMap((event) => (event.type === 'transition' ? [{ to: event.to, at: event.at }] : []));
  return { runner, events, fake, transitions };
};

describe('the plugin runner on a fake clock', () => {
  let t0 = 0;
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
    t0 = Date.now();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('first start: spawns one process, is unknown until its first check passes, then healthy and checked every checkInterval', async () => {
    const { runner, events, fake, transitions } = makeRunner({}, [{ kind: 'up', afterMs: 40 }]);
    runner.start('test');
    expect(runner.state).toBe('unknown');
    await vi.advanceTimersByTimeAsync(39);
    expect(fake.processes).toHaveLength(1);
    expect(runner.status().connected).toBe(false);
    expect(events.some((event) => event.type === 'ready')).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(runner.status().connected).toBe(true);
    // The first check runs as soon as the start is over: a timer of 0, which Node (and the fake clock) make 1 ms.
    await vi.advanceTimersByTimeAsync(1);
    expect(runner.state).toBe('healthy');
    const status = runner.status();
    expect(status).toMatchObject({ pid: 1_000, generation: 1, connected: true, startedAt: t0 + 40, restartCount: 0 });
    expect(transitions()).toEqual([
      { to: 'unknown', at: t0 },
      { to: 'healthy', at: t0 + 41 },
    ]);
    const checksAt = () => events.flatMap((event) => (event.type === 'check' ? [event.check.at - t0] : []));
    // The steady cadence's first wait is placed within the interval (random 0.5), then one each checkInterval.
    await vi.advanceTimersByTimeAsync(3_000);
    expect(checksAt()).toEqual([41, 541, 1_541, 2_541]);
    await runner.retire('done');
    expect(fake.stopped).toHaveLength(1);
  });

  it('failing checks make it unhealthy; each automatic restart waits restartBackoff longer (linear), and after maxRestarts it is failed', async () => {
    const { runner, events, fake, transitions } = makeRunner({ failureThreshold: 2, maxRestarts: 3 }, [{ kind: 'up', afterMs: 10 }]);
    fake.outcome = 'fail';
    runner.start('test');
    await vi.advanceTimersByTimeAsync(20_000);
    expect(runner.state).toBe('failed');
    const delays = events.flatMap((event) => (event.type === 'restartScheduled' ? [event.delayMs] : []));
    // restartDelay(n) = restartBackoff × n, the first at once; with no restart left the due timer fires at once.
    expect(delays).toEqual([0, 500, 1_000, 0]);
    const states = transitions().map(({ to }) => to);
    // A restarted process that is up waits in unknown for its first verdict.
    expect(states).toEqual([
      'unknown',
      'unhealthy',
      ...Array.from({ length: 3 }, () => ['restarting', 'unknown', 'unhealthy']).flat(),
      'failed',
    ]);
    // Each restart comes exactly its delay after the unhealthy before it (a delay of 0 is Node's 1 ms).
    const timeline = transitions();
    const gaps = timeline.flatMap((step, index) => (step.to === 'restarting' ? [step.at - (timeline[index - 1]?.at ?? 0)] : []));
    expect(gaps).toEqual([1, 500, 1_000]);
    expect(fake.processes).toHaveLength(4);
    expect(fake.processes.every((process) => process.exitInfo() !== null)).toBe(true);
    expect(runner.status()).toMatchObject({ pid: null, connected: false, restarts: 3, restartCount: 3, nextRestartAt: null });
    await runner.retire('done');
  });

  it('a manual stop stops the process and keeps it stopped; a manual start brings up a new generation', async () => {
    const { runner, fake } = makeRunner();
    runner.start('test');
    await vi.advanceTimersByTimeAsync(50);
    expect(runner.state).toBe('healthy');
    const stop = runner.control('stop', 'by hand');
    expect(stop).toMatchObject({ accepted: true, coalesced: false });
    expect(runner.state).toBe('stopped');
    await vi.advanceTimersByTimeAsync(10);
    expect(stop?.operation.status).toBe('succeeded');
    expect(fake.stopped).toEqual([fake.processes[0]]);
    expect(fake.processes[0]?.exitInfo()).toEqual({ code: null, signal: 'SIGTERM' });
    // Nothing restarts a plugin stopped by hand.
    await vi.advanceTimersByTimeAsync(10_000);
    expect(fake.processes).toHaveLength(1);
    expect(runner.control('stop', 'again')).toMatchObject({ accepted: false });
    const start = runner.control('start', 'by hand');
    expect(start).toMatchObject({ accepted: true });
    await vi.advanceTimersByTimeAsync(50);
    expect(runner.state).toBe('healthy');
    expect(start?.operation.status).toBe('succeeded');
    expect(runner.status()).toMatchObject({ generation: 2, pid: 1_001, restartCount: 0 });
    await runner.retire('done');
  });

  it('a process that exits during its start fails the start: unhealthy, restarted at once, and up on the next try', async () => {
    const { runner, events, fake, transitions } = makeRunner({}, [
      { kind: 'exit', afterMs: 30, code: 1 },
      { kind: 'up', afterMs: 10 },
    ]);
    runner.start('test');
    await vi.advanceTimersByTimeAsync(30);
    expect(events.find((event) => event.type === 'startFailed')).toMatchObject({
      generation: 1,
      reason: 'exited with code 1 before the handshake',
    });
    await vi.advanceTimersByTimeAsync(20);
    expect(transitions().map(({ to }) => to)).toEqual(['unknown', 'unhealthy', 'restarting', 'unknown', 'healthy']);
    expect(runner.status()).toMatchObject({ generation: 2, pid: 1_001, restarts: 1, lastError: 'exited with code 1 before the handshake' });
    expect(runner.status().lastExit).toMatchObject({ code: 1, at: t0 + 30 });
    // Its exit before the handshake is the failed start, not a crash of its own.
    expect(events.filter((event) => event.type === 'exited')).toHaveLength(1);
    expect(fake.processes).toHaveLength(2);
    await runner.retire('done');
  });

  it('an exit code in noRestartExitCodes during the start makes it failed at once, never restarted', async () => {
    const { runner, fake } = makeRunner({}, [{ kind: 'exit', afterMs: 30, code: 78 }]);
    runner.start('test');
    await vi.advanceTimersByTimeAsync(5_000);
    expect(runner.state).toBe('failed');
    expect(fake.processes).toHaveLength(1);
    await runner.retire('done');
  });

  it('a crash of a healthy process is restarted; a stop while a start hangs spawns nothing more', async () => {
    const { runner, fake } = makeRunner({}, [{ kind: 'up', afterMs: 10 }, { kind: 'hang' }]);
    runner.start('test');
    await vi.advanceTimersByTimeAsync(20);
    expect(runner.state).toBe('healthy');
    fake.processes[0]?.exit(3);
    await vi.advanceTimersByTimeAsync(5);
    expect(runner.state).toBe('restarting');
    expect(fake.processes).toHaveLength(2);
    await runner.retire('done');
    expect(runner.state).toBe('stopped');
    expect(fake.stopped).toContain(fake.processes[1]);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(fake.processes).toHaveLength(2);
  });
});
