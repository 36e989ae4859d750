import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { isLive, listProcesses, readCommandLine } from '../../soak/proc.js';
import type { PluginConfig } from '../../src/config/types.js';
import type { SupervisorEvent } from '../../src/model/events.js';
import { createSupervisor, type Supervisor } from '../../src/supervisor/supervisor.js';
import { createMemoryLogger } from '../helpers/memory-log.js';
import { fixture, flakyMain, requireBuilt } from '../helpers/paths.js';
import { pluginConfig, supervisorConfig } from '../helpers/supervised.js';

// The neighbours of a stop racing the start: reloads, restarts and requests racing the start, a stop, or each other.

let dir: string;
let count = 0;
const open: Supervisor[] = [];

beforeAll(() => {
  requireBuilt();
  dir = mkdtempSync(join(tmpdir(), 'hale-supervisor-races-'));
});
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.stop('test over')));
  for (const stat of listProcesses()) if (isLive(stat) && readCommandLine(stat.pid).includes(dir)) process.kill(stat.pid, 'SIGKILL');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const slow = (name: string, ms: number, overrides: Partial<PluginConfig> = {}): PluginConfig =>
  pluginConfig(name, [fixture('stubborn-plugin.mjs'), '--handshake-after', String(ms), dir], {
    critical: false,
    checkInterval: 200,
    ...overrides,
  });

const create = (plugins: PluginConfig[]) => {
  count += 1;
  const { log } = createMemoryLogger('silent');
  const config = supervisorConfig(plugins, join(dir, `state-${count}`));
  const supervisor = createSupervisor(config, { log });
  open.push(supervisor);
  const events: SupervisorEvent[] = [];
  supervisor.events.subscribe((event) => events.push(event));
  return { supervisor, config, events };
};

/** Live processes of this file's plugins. */
const running = (): number[] =>
  listProcesses()
    .filter((stat) => isLive(stat) && stat.pid !== process.pid && readCommandLine(stat.pid).includes(dir))
    .map((stat) => stat.pid);

const until = async (check: () => boolean, ms: number): Promise<boolean> => {
  const deadline = Date.now() + ms;
  while (!check() && Date.now() < deadline) await delay(20);
  return check();
};

const spawnsAfter = (events: SupervisorEvent[], from: number) => events.slice(from).filter((e) => e.type === 'spawned');

describe('races around start, stop and reload', () => {
  test('a reload asked for during start-up waits for it, then applies: one process per plugin', async () => {
    const { supervisor, config } = create([slow('a', 0), slow('b', 0)]);
    const starting = supervisor.start();
    const reloaded = supervisor.reload('test', { ...config, plugins: [slow('a', 0, { env: { CHANGED: '1' } }), slow('c', 0)] });
    await starting;
    expect(await reloaded).toMatchObject({ ok: true, added: ['c'], removed: ['b'], changed: ['a'] });
    const healthy = () => supervisor.snapshot().plugins.every((p) => p.state === 'healthy');
    expect(await until(healthy, 20_000)).toBe(true);
    const pids = supervisor.snapshot().plugins.map((p) => p.pid);
    expect(running().sort()).toEqual([...pids].sort());
  }, 40_000);

  test('a reload during the stop is refused, spawns nothing, and a reload under way when it began is waited for', async () => {
    const { supervisor, config, events } = create([slow('a', 0)]);
    await supervisor.start();
    expect(await until(() => supervisor.plugin('a')?.state === 'healthy', 20_000)).toBe(true);
    const underWay = supervisor.reload('test', { ...config, plugins: [slow('a', 0, { env: { CHANGED: '1' } }), slow('b', 0)] });
    // Under way: it has begun to stop the old "a".
    expect(await until(() => events.some((e) => e.type === 'transition' && e.reason === 'its config changed'), 10_000)).toBe(true);
    const stopping = supervisor.stop('test');
    const late = supervisor.reload('late', { ...config, plugins: [slow('c', 0)] });
    await stopping;
    const stoppedAt = events.length;
    expect(await underWay).toMatchObject({ ok: true });
    expect(await late).toMatchObject({ ok: false, code: 'shutting_down' });
    await delay(500);
    expect(spawnsAfter(events, stoppedAt)).toEqual([]);
    expect(running()).toEqual([]);
  }, 40_000);

  test('a restart scheduled after a crash never fires once the stop has begun', async () => {
    const crashing = pluginConfig('crashing', [flakyMain, '--crash-after', '300ms', '--fault-dir', dir], {
      critical: false,
      restartBackoff: 600,
      maxRestartBackoff: 600,
    });
    const { supervisor, events } = create([crashing]);
    await supervisor.start();
    const scheduled = () => events.some((e) => e.type === 'restartScheduled');
    expect(await until(scheduled, 20_000)).toBe(true);
    await supervisor.stop('test');
    const stoppedAt = events.length;
    await delay(1_200);
    expect(spawnsAfter(events, stoppedAt)).toEqual([]);
    expect(running()).toEqual([]);
  }, 40_000);

  test('a start and a restart asked for while a reload replaces the plugin go to its new runner: one process, the current one', async () => {
    // A stop that takes a while (no Shutdown RPC, SIGTERM after half the stopTimeout) widens the window.
    const { supervisor, config } = create([slow('a', 0, { stopTimeout: 600 })]);
    await supervisor.start();
    expect(await until(() => supervisor.plugin('a')?.state === 'healthy', 20_000)).toBe(true);
    for (let round = 1; round <= 4; round += 1) {
      const reloading = supervisor.reload('test', {
        ...config,
        plugins: [slow('a', 0, { stopTimeout: 600, env: { ROUND: String(round) } })],
      });
      // The reload retires the old runner at once, before any wait: these reach it retired.
      await delay(round * 5);
      const [started, restarted] = await Promise.all([
        supervisor.control('a', 'start', 'test'),
        supervisor.control('a', 'restart', 'test'),
      ]);
      expect(started.ok && restarted.ok).toBe(true);
      expect(await reloading).toMatchObject({ ok: true, changed: ['a'] });
    }
    expect(await until(() => supervisor.plugin('a')?.state === 'healthy', 20_000)).toBe(true);
    expect(await until(() => running().length === 1, 5_000)).toBe(true);
    expect(running()).toEqual([supervisor.plugin('a')?.pid]);
    // Generations go on counting across reloads: each process of a plugin has a number of its own.
    expect(supervisor.plugin('a')?.generation).toBeGreaterThan(4);
  }, 60_000);
  test("a configured plugin's logs and history asked for while hale starts are empty, not unknown; an unconfigured name is unknown", async () => {
    const { supervisor } = create([slow('a', 0)]);
    const empty = { plugin: 'a', lines: [], stats: { lines: 0, dropped: 0, truncated: 0 } };
    expect(supervisor.logs('a', 10)).toEqual(empty);
    const starting = supervisor.start();
    // The start's first step has not come back: no runner exists yet.
    expect(supervisor.phase).toBe('starting');
    expect(supervisor.logs('a', 10)).toEqual(empty);
    expect(supervisor.history('a', 10)).toMatchObject({ plugin: 'a', checks: [], transitions: [] });
    expect(supervisor.logs('b', 10)).toBeUndefined();
    expect(supervisor.history('b', 10)).toBeUndefined();
    await starting;
    expect(supervisor.logs('a', 10)?.plugin).toBe('a');
    expect(supervisor.logs('b', 10)).toBeUndefined();
    await supervisor.stop('test over');
    // Once stopped, the runners are still there to read.
    expect(supervisor.logs('a', 10)?.plugin).toBe('a');
  }, 30_000);
});
