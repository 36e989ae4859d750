import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { PluginConfig } from '../../../src/config/types.js';
import { createEventBus } from '../../../src/util/event-bus.js';
import type { SupervisorEvent } from '../../../src/model/events.js';
import { PluginRunner } from '../../../src/supervisor/runner.js';
import { createFakeLauncher, createNoopGuard } from '../../helpers/fake-launcher.js';
import { createMemoryLogger } from '../../helpers/memory-log.js';
import { pluginConfig } from '../../helpers/supervised.js';

// The runner's part of restart policies and the exponential backoff, on a fake clock with fake processes.
const makeRunner = (overrides: Partial<PluginConfig>, draws: number[]) => {
  const bus = createEventBus<SupervisorEvent>();
  const events: SupervisorEvent[] = [];
  bus.subscribe((event) => events.push(event));
  const fake = createFakeLauncher([{ kind: 'up', afterMs: 10 }]);
  const { log } = createMemoryLogger('silent');
  let drawn = 0;
  const config = pluginConfig('fake', [], { checkInterval: 1_000, startInterval: 100, failureThreshold: 1, ...overrides });
  const runner = new PluginRunner(config, {
    bus,
    log,
    socketRoot: '/nonexistent',
    guard: createNoopGuard(),
    launcher: fake.launcher,
    // The check placement draws from it too; the sequence repeats, so every draw is one of these.
    random: () => draws[drawn++ % draws.length] ?? 0,
  });
  const delays = () => events.flatMap((event) => (event.type === 'restartScheduled' ? [event.delayMs] : []));
  return { runner, events, fake, delays };
};

describe('the runner with restart policies and backoff', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('exponential: draws the jitter for each event from its random source, and the waits double up to the cap', async () => {
    const { runner, fake, delays } = makeRunner(
      { backoff: 'exponential', restartBackoff: 1_000, maxRestartBackoff: 6_000, maxRestarts: 5 },
      [0.5],
    );
    fake.outcome = 'fail';
    runner.start('test');
    await vi.advanceTimersByTimeAsync(60_000);
    expect(runner.state).toBe('failed');
    // 0, then 1 s × 2^(n−1) less a tenth (draw 0.5 × 20 %), the cap's 6 s less its tenth; then the give-up tick.
    expect(delays()).toEqual([0, 900, 1_800, 3_600, 5_400, 0]);
    await runner.retire('done');
  });

  it('linear draws nothing for the backoff: the waits are restartBackoff × n whatever the source says', async () => {
    const { runner, fake, delays } = makeRunner({ restartBackoff: 1_000, maxRestartBackoff: 6_000, maxRestarts: 3 }, [0.99]);
    fake.outcome = 'fail';
    runner.start('test');
    await vi.advanceTimersByTimeAsync(60_000);
    expect(delays()).toEqual([0, 1_000, 2_000, 0]);
    await runner.retire('done');
  });

  it('restart: never makes failing checks a failed plugin whose process is stopped, with no restart timer', async () => {
    const { runner, fake, delays, events } = makeRunner({ restart: 'never' }, [0.5]);
    fake.outcome = 'fail';
    runner.start('test');
    await vi.advanceTimersByTimeAsync(5_000);
    expect(runner.state).toBe('failed');
    expect(runner.status()).toMatchObject({ restartCount: 0, nextRestartAt: null });
    expect(delays()).toEqual([]);
    expect(fake.processes).toHaveLength(1);
    expect(fake.stopped).toHaveLength(1);
    expect(events.filter((event) => event.type === 'spawned')).toHaveLength(1);
    await runner.retire('done');
  });
});
