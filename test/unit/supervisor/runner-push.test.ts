import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { HealthWatch } from '../../../src/checks/health-feed.js';
import type { ProbeVerdict } from '../../../src/checks/probe-verdict.js';
import type { PluginConfig } from '../../../src/config/types.js';
import type { CallFailure } from '../../../src/grpc/plugin-client.js';
import { createEventBus } from '../../../src/util/event-bus.js';
import type { SupervisorEvent } from '../../../src/model/events.js';
import { PluginRunner } from '../../../src/supervisor/runner.js';
import { createFakeLauncher, createNoopGuard } from '../../helpers/fake-launcher.js';
import { createMemoryLogger } from '../../helpers/memory-log.js';
import { pluginConfig } from '../../helpers/supervised.js';

/** A health stream the test drives: what the plugin pushes, and how the stream ends. */
interface FakeStream {
  opened: number;
  cancelled: number;
  push(verdict: ProbeVerdict): void;
  end(failure: CallFailure): void;
}

const fakeStream = (): { watch: HealthWatch; stream: FakeStream } => {
  let listener: Parameters<HealthWatch>[0] | null = null;
  const stream: FakeStream = {
    opened: 0,
    cancelled: 0,
    push: (verdict) => listener?.heard(verdict),
    end: (failure) => {
      const current = listener;
      listener = null;
      current?.ended(failure);
    },
  };
  const watch: HealthWatch = (next) => {
    stream.opened += 1;
    listener = next;
    return () => {
      stream.cancelled += 1;
      if (listener === next) listener = null;
    };
  };
  return { watch, stream };
};

const healthy: ProbeVerdict = { outcome: 'pass', status: 'healthy', message: 'fine' };
const unhealthy: ProbeVerdict = { outcome: 'fail', failure: 'unhealthy', status: 'unhealthy', message: 'the database is gone' };
const unimplemented: CallFailure = { ok: false, kind: 'error', status: 'UNIMPLEMENTED', message: 'UNIMPLEMENTED: unknown method' };
const broken: CallFailure = { ok: false, kind: 'unavailable', message: 'no answer to a keepalive ping within 500 ms' };

// The runner on a fake clock, its plugin pushing through a stream the test drives.
const makeRunner = (overrides: Partial<PluginConfig> = {}) => {
  const bus = createEventBus<SupervisorEvent>();
  const events: SupervisorEvent[] = [];
  bus.subscribe((event) => events.push(event));
  const fake = createFakeLauncher([{ kind: 'up', afterMs: 10 }]);
  const { watch, stream } = fakeStream();
  fake.watch = watch;
  const { log } = createMemoryLogger('silent');
  const config = pluginConfig('pushing', [], {
    checkInterval: 1_000,
    checkTimeout: 500,
    startInterval: 100,
    successThreshold: 2,
    failureThreshold: 3,
    restartBackoff: 60_000,
    guardInterval: 10_000,
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
  const t0 = Date.now();
  // The polls: the fake's checks answer 'ok', what the stream pushes says 'fine'.
  const checksAt = () => events.flatMap((event) => (event.type === 'check' && event.check.message === 'ok' ? [event.check.at - t0] : []));
  const transitions = () =>
    events.flatMap((event) => (event.type === 'transition' ? [{ to: event.to, at: event.at - t0, reason: event.reason }] : []));
  return { runner, events, fake, stream, transitions, checksAt, t0 };
};

describe('a plugin that pushes its health (WatchHealth), on a fake clock', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('is healthy on its first pushed HEALTHY (successThreshold is met by a standing verdict), and is polled only every guardInterval', async () => {
    const { runner, fake, stream, transitions, checksAt } = makeRunner();
    runner.start('test');
    await vi.advanceTimersByTimeAsync(10);
    expect(stream.opened).toBe(1);
    // No poll while the stream opens.
    await vi.advanceTimersByTimeAsync(200);
    expect(checksAt()).toEqual([]);
    stream.push(healthy);
    expect(runner.state).toBe('healthy');
    expect(transitions().at(-1)).toMatchObject({ to: 'healthy', at: 210 });
    // Polls (the fake's 'ok' answers): none for a guardInterval, then one each guardInterval.
    await vi.advanceTimersByTimeAsync(9_999);
    expect(checksAt()).toEqual([]);
    // The guard's timer fires at 10 210; its poll runs on the next tick of the clock.
    await vi.advanceTimersByTimeAsync(20_002);
    expect(checksAt()).toEqual([10_211, 20_211, 30_211]);
    expect(fake.processes).toHaveLength(1);
    await runner.retire('done');
    expect(stream.cancelled).toBe(1);
  });

  it('a pushed UNHEALTHY is an unhealthy transition at once, with the plugin message, whatever failureThreshold says', async () => {
    const { runner, stream, transitions, fake } = makeRunner({ failureThreshold: 5 });
    runner.start('test');
    await vi.advanceTimersByTimeAsync(10);
    stream.push(healthy);
    await vi.advanceTimersByTimeAsync(3_000);
    stream.push(unhealthy);
    expect(runner.state).toBe('unhealthy');
    expect(transitions().at(-1)).toEqual({ to: 'unhealthy', at: 3_010, reason: 'the plugin pushed: the database is gone' });
    await vi.advanceTimersByTimeAsync(0);
    expect(fake.stopped).toHaveLength(1);
    await runner.retire('done');
  });

  it('a plugin without WatchHealth (UNIMPLEMENTED) is polled as before: startInterval until healthy, then checkInterval, and counts no failure for it', async () => {
    const { runner, stream, checksAt, transitions } = makeRunner();
    runner.start('test');
    await vi.advanceTimersByTimeAsync(10);
    stream.end(unimplemented);
    await vi.advanceTimersByTimeAsync(1);
    // successThreshold 2 at startInterval 100: polled at once, then 100 ms later.
    await vi.advanceTimersByTimeAsync(100);
    expect(runner.state).toBe('healthy');
    await vi.advanceTimersByTimeAsync(2_600);
    expect(checksAt()).toEqual([10, 110, 610, 1_610, 2_610]);
    expect(transitions().map((t) => t.to)).toEqual(['unknown', 'healthy']);
    expect(stream.opened).toBe(1);
    await runner.retire('done');
  });

  it('a stream that breaks is one failed check; polls begin at the break and follow at checkInterval, and after a passing poll and a guardInterval it opens again', async () => {
    const { runner, stream, events, t0 } = makeRunner();
    runner.start('test');
    await vi.advanceTimersByTimeAsync(10);
    stream.push(healthy);
    await vi.advanceTimersByTimeAsync(1_000);
    stream.end(broken);
    // It counts 50 ms later: an exit, had the process died, would have been seen first.
    await vi.advanceTimersByTimeAsync(49);
    expect(events.filter((event) => event.type === 'check' && event.check.outcome === 'fail')).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    const failures = events.flatMap((event) => (event.type === 'check' && event.check.outcome === 'fail' ? [event.check] : []));
    expect(failures).toHaveLength(1);
    expect(failures[0]?.message).toBe('the health stream broke: no answer to a keepalive ping within 500 ms');
    // One failure of three: still healthy, and polled.
    expect(runner.state).toBe('healthy');
    await vi.advanceTimersByTimeAsync(1);
    const polls = () => events.flatMap((event) => (event.type === 'check' && event.check.message === 'ok' ? [event.check.at - t0] : []));
    // The first poll began at the break (a hung plugin's next failure is then a checkTimeout after it), and is heard after it.
    expect(polls()).toEqual([1_010]);
    const checks = events.flatMap((event) => (event.type === 'check' ? [event.check.outcome] : []));
    expect(checks.slice(-2)).toEqual(['fail', 'pass']);
    // The polls pass; once a guardInterval has gone by since the break, the next passing poll opens the stream again.
    await vi.advanceTimersByTimeAsync(9_000);
    expect(stream.opened).toBe(1);
    await vi.advanceTimersByTimeAsync(1_600);
    expect(stream.opened).toBe(2);
    const pollsBefore = polls().length;
    stream.push(healthy);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(polls().length).toBe(pollsBefore);
    await runner.retire('done');
  });

  it('a stream broken by the process dying counts no failed check: the exit, seen within the grace, is the reason', async () => {
    const { runner, stream, fake, events, transitions } = makeRunner({ failureThreshold: 1 });
    runner.start('test');
    await vi.advanceTimersByTimeAsync(10);
    stream.push(healthy);
    stream.end(broken);
    await vi.advanceTimersByTimeAsync(3);
    fake.processes[0]?.exit(null, 'SIGKILL');
    await vi.advanceTimersByTimeAsync(100);
    expect(events.filter((event) => event.type === 'check' && event.check.outcome === 'fail')).toHaveLength(0);
    expect(transitions().find((t) => t.to === 'unhealthy')?.reason).toBe('killed by SIGKILL');
    await runner.retire('done');
  });

  it('a stream with no first status within checkTimeout is given up for polls', async () => {
    const { runner, stream, events, t0 } = makeRunner();
    runner.start('test');
    await vi.advanceTimersByTimeAsync(10);
    await vi.advanceTimersByTimeAsync(501);
    expect(stream.cancelled).toBe(1);
    const polls = events.flatMap((event) => (event.type === 'check' ? [event.check.at - t0] : []));
    expect(polls).toEqual([511]);
    await vi.advanceTimersByTimeAsync(100);
    expect(runner.state).toBe('healthy');
    await runner.retire('done');
  });

  it('the guard poll catches a plugin whose stream says healthy while its HealthCheck fails: failureThreshold guard polls in a row make it unhealthy', async () => {
    const { runner, stream, fake, transitions } = makeRunner({ failureThreshold: 2 });
    runner.start('test');
    await vi.advanceTimersByTimeAsync(10);
    stream.push(healthy);
    fake.outcome = 'fail';
    await vi.advanceTimersByTimeAsync(10_001);
    expect(runner.state).toBe('healthy');
    await vi.advanceTimersByTimeAsync(10_000);
    expect(runner.state).toBe('unhealthy');
    expect(transitions().at(-1)).toMatchObject({ to: 'unhealthy', at: 20_011 });
    await runner.retire('done');
  });
});
