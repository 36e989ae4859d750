import { beforeAll, describe, expect, test } from 'vitest';
import type { SupervisorEvent } from '../../src/model/events.js';
import { alive } from '../helpers/alive.js';
import { flakyMain, requireBuilt } from '../helpers/paths.js';
import type { EventBus } from '../../src/util/event-bus.js';
import { pluginConfig } from '../helpers/supervised.js';
import { useSupervisedSuite } from '../helpers/supervised-suite.js';
import { waitForEvent } from '../helpers/wait-for-event.js';

// restart: and backoff: against real plugin processes (README, Restart policies).

type Transition = Extract<SupervisorEvent, { type: 'transition' }>;
type Scheduled = Extract<SupervisorEvent, { type: 'restartScheduled' }>;
const becomes =
  (plugin: string, to: Transition['to']) =>
  (event: SupervisorEvent): event is Transition =>
    event.type === 'transition' && event.plugin === plugin && event.to === to;
const becomesAgain =
  (plugin: string, to: Transition['to'], restartCount: number) =>
  (event: SupervisorEvent): event is Transition =>
    becomes(plugin, to)(event) && event.restartCount === restartCount;
const of = (events: SupervisorEvent[], plugin: string, type: SupervisorEvent['type']) =>
  events.filter((e) => e.type === type && e.plugin === plugin);

const { supervise } = useSupervisedSuite();

beforeAll(() => requireBuilt());

/** No process of `plugin` is spawned within `ms` from now: an automatic restart, the first being immediate, would be. */
const noSpawnWithin = async (supervised: { supervisor: { events: EventBus<SupervisorEvent> } }, plugin: string, ms: number) => {
  const spawned = waitForEvent<SupervisorEvent>(supervised.supervisor.events, (e) => e.type === 'spawned' && e.plugin === plugin, ms);
  await expect(spawned).rejects.toThrow();
};

describe('restart: never', () => {
  test('a crash (exit 3) leaves it failed, with why, no restart, and its process gone', async () => {
    const supervised = await supervise([
      pluginConfig('crash', [flakyMain, '--crash-after', '300ms', '--crash-code', '3'], { restart: 'never' }),
    ]);
    const { first, supervisor, events } = supervised;
    await first(becomes('crash', 'healthy'));
    const failed = await first(becomes('crash', 'failed'));
    expect(failed.from).toBe('healthy');
    expect(failed.reason).toBe('exit code 3; restart: never, so it is not restarted');
    expect(of(events, 'crash', 'restartScheduled')).toEqual([]);
    expect(supervisor.plugin('crash')).toMatchObject({
      state: 'failed',
      restartCount: 0,
      pid: null,
      nextRestartAt: null,
      lastExit: { code: 3 },
    });
    await noSpawnWithin(supervised, 'crash', 600);
  });

  test('death by SIGKILL leaves it failed; a manual start brings it back', async () => {
    const supervised = await supervise([pluginConfig('killed', [flakyMain], { restart: 'never' })]);
    const { first, supervisor } = supervised;
    await first(becomes('killed', 'healthy'));
    const pid = supervisor.plugin('killed')?.pid ?? -1;
    process.kill(pid, 'SIGKILL');
    const failed = await first(becomes('killed', 'failed'));
    expect(failed.reason).toBe('killed by SIGKILL; restart: never, so it is not restarted');
    expect(alive(pid)).toBe(false);
    // Manual starts and restarts always work, whatever the policy.
    expect(await supervisor.control('killed', 'start', 'test')).toMatchObject({ ok: true, accepted: true });
    await first(becomesAgain('killed', 'healthy', 1));
    expect(supervisor.plugin('killed')?.pid).not.toBe(pid);
  });

  test('failed health checks leave it failed and stop its process, never restarted', async () => {
    const supervised = await supervise([pluginConfig('sick', [flakyMain, '--unhealthy-after', '300ms'], { restart: 'never' })]);
    const { first, supervisor, events } = supervised;
    await first(becomes('sick', 'healthy'));
    const pid = supervisor.plugin('sick')?.pid ?? -1;
    const failed = await first(becomes('sick', 'failed'));
    expect(failed.reason).toMatch(/; restart: never, so it is not restarted$/);
    await first((e) => e.type === 'stopped' && e.plugin === 'sick' && e.pid === pid);
    expect(alive(pid)).toBe(false);
    expect(of(events, 'sick', 'restartScheduled')).toEqual([]);
    expect(supervisor.plugin('sick')).toMatchObject({ restartCount: 0, pid: null });
  });

  test('a clean exit (code 0) leaves it stopped, with a reason that says why', async () => {
    const supervised = await supervise([
      pluginConfig('done', [flakyMain, '--crash-after', '300ms', '--crash-code', '0'], { restart: 'never' }),
    ]);
    const { first, supervisor } = supervised;
    await first(becomes('done', 'healthy'));
    const stopped = await first(becomes('done', 'stopped'));
    expect(stopped.reason).toBe('exit code 0; a clean exit, and restart: never restarts only failures');
    expect(supervisor.plugin('done')).toMatchObject({ state: 'stopped', pid: null, restartCount: 0, lastExit: { code: 0 } });
    await noSpawnWithin(supervised, 'done', 600);
  });
});

describe('restart: on-failure', () => {
  test('a crash (exit 1) is restarted', async () => {
    const supervised = await supervise([
      pluginConfig('worker', [flakyMain, '--crash-after', '400ms', '--crash-code', '1'], { restart: 'on-failure', maxRestarts: 3 }),
    ]);
    const { first, supervisor, events } = supervised;
    const restarted = await first(becomesAgain('worker', 'healthy', 1));
    expect(restarted.restarts).toBe(1);
    expect(of(events, 'worker', 'exited')).toMatchObject([{ code: 1, expected: false }]);
    expect(supervisor.plugin('worker')?.state).toBe('healthy');
  });

  test('death by a signal is a failure: restarted', async () => {
    const supervised = await supervise([pluginConfig('signalled', [flakyMain], { restart: 'on-failure' })]);
    const { first, supervisor } = supervised;
    await first(becomes('signalled', 'healthy'));
    process.kill(supervisor.plugin('signalled')?.pid ?? -1, 'SIGKILL');
    const back = await first(becomesAgain('signalled', 'healthy', 1));
    expect(back.restarts).toBe(1);
  });

  test('a clean exit is not restarted: stopped, no restart scheduled', async () => {
    const supervised = await supervise([
      pluginConfig('batch', [flakyMain, '--crash-after', '300ms', '--crash-code', '0'], { restart: 'on-failure' }),
    ]);
    const { first, supervisor, events } = supervised;
    const stopped = await first(becomes('batch', 'stopped'));
    expect(stopped.from).toBe('healthy');
    expect(stopped.reason).toBe('exit code 0; a clean exit, and restart: on-failure restarts only failures');
    expect(of(events, 'batch', 'restartScheduled')).toEqual([]);
    expect(supervisor.plugin('batch')).toMatchObject({ state: 'stopped', nextRestartAt: null, restartCount: 0 });
    await noSpawnWithin(supervised, 'batch', 600);
  });
});

describe('backoff: exponential', () => {
  test('a plugin that keeps crashing waits longer each time, never past the cap (one real run)', async () => {
    const jitter = 0.5;
    const supervised = await supervise(
      [
        pluginConfig('crashy', [flakyMain, '--crash-after', '100ms'], {
          backoff: 'exponential',
          restartBackoff: 200,
          maxRestartBackoff: 1_000,
          maxRestarts: 5,
        }),
      ],
      { random: () => jitter },
    );
    const { first, events } = supervised;
    await first(becomes('crashy', 'failed'), 20_000);
    const delays = (of(events, 'crashy', 'restartScheduled') as Scheduled[]).map((e) => e.delayMs);
    // 0, then 200 × 2^(n−1) less jitter × 20 %, the cap 1 s less its 10 %; then the give-up tick.
    expect(delays).toEqual([0, 180, 360, 720, 900, 0]);
    // The real gaps from each crash to the next spawn: each at least its delay, and they grow.
    const exits = of(events, 'crashy', 'exited').map((e) => (e as { at: number }).at);
    const spawns = of(events, 'crashy', 'spawned').map((e) => (e as { at: number }).at);
    const gaps = exits.slice(0, 5).map((at, i) => (spawns[i + 1] ?? Number.NaN) - at);
    for (const [i, gap] of gaps.entries()) expect(gap).toBeGreaterThanOrEqual((delays[i] ?? 0) - 5);
    expect(gaps[4]).toBeGreaterThan(gaps[1] ?? Infinity);
    expect(gaps[3]).toBeGreaterThan(gaps[0] ?? Infinity);
  });
});
