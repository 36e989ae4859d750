import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import type { SupervisorConfig } from '../../src/config/types.js';
import { pluginStates, type PluginState } from '../../src/model/plugin-state.js';
import { parseFaults } from '../../plugins/flaky/faults.js';
import { isEvent, openEventStream, type OpenStream } from '../helpers/event-stream.js';
import { startHale, stopAllHale, type HaleProcess } from '../helpers/hale-process.js';
import { repoRoot, requireBuilt } from '../helpers/paths.js';

// As `npm run demo` names it: relative to the repo root, where the npm script runs.
const demoConfig = 'examples/demo/supervisor.yaml';
// The promise: every state within a minute; the test gives it a little more before it gives up.
const promisedMs = 60_000;
const deadlineMs = 75_000;
// The plugin the test stops by hand: no config key starts a plugin stopped.
const stopTarget = 'steady';

const demoEnvKeys = ['HALE_DEMO_PORT', 'HALE_DEMO_GRPC_ADDRESS', 'HALE_DEMO_STATE_DIR', 'HALE_API_TOKEN'];
const envWithoutDemoKeys = (): Record<string, string | undefined> =>
  Object.fromEntries(Object.entries(process.env).filter(([key]) => !demoEnvKeys.includes(key)));

const loadDemo = async (): Promise<SupervisorConfig> => {
  const result = await loadConfig(join(repoRoot, demoConfig), envWithoutDemoKeys());
  if (!result.ok) throw new Error(`${demoConfig}: ${JSON.stringify(result.issues)}`);
  return result.config;
};

beforeAll(() => requireBuilt());

describe(demoConfig, () => {
  test('is valid, listens where the README says, keeps its own state, and every plugin it runs exists with flags it knows', async () => {
    const config = await loadDemo();
    expect(config.api).toMatchObject({ host: '127.0.0.1', port: 8080, token: null });
    expect(config.grpc).toEqual({ enabled: true, address: '127.0.0.1:50051' });
    expect(config.stateDir).toBe(join(repoRoot, '.hale', 'demo'));
    expect(config.plugins.length).toBeGreaterThanOrEqual(8);
    expect(config.plugins.find((p) => p.name === 'greeter')?.critical).toBe(true);
    expect(config.plugins.find((p) => p.name === stopTarget)).toBeDefined();
    for (const plugin of config.plugins) {
      const [main = '', ...flags] = plugin.args;
      expect(existsSync(resolve(plugin.cwd, main)), `${plugin.name}: ${main} from ${plugin.cwd}`).toBe(true);
      // A flag flaky did not know would exit 78 and pass for a planned `failed`.
      if (main.includes('flaky'))
        expect(parseFaults(flags, {}), plugin.name).toMatchObject({ ok: true, faults: expect.any(Object) as unknown });
    }
  });
});

interface Seen {
  second: number;
  plugin: string;
}

interface Transition {
  plugin: string;
  from: PluginState;
  to: PluginState;
  at: number;
}

describe(`${demoConfig}, run for real`, () => {
  let dir: string;
  let hale: HaleProcess | undefined;
  let stream: OpenStream | undefined;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'hale-demo-'));
  });
  afterAll(async () => {
    stream?.close();
    if (hale !== undefined && hale.child.exitCode === null && hale.child.signalCode === null) {
      // A graceful stop first, so the hung plugin is SIGKILLed by hale; the SIGKILL of stopAllHale is the fallback.
      hale.child.kill('SIGTERM');
      await Promise.race([hale.exited, new Promise((done) => setTimeout(done, 15_000))]);
    }
    await stopAllHale();
    rmSync(dir, { recursive: true, force: true });
  }, 30_000);

  test(
    'shows every state within a minute of start (stopped by a POST /plugins/steady/stop)',
    async () => {
      // Every plugin but the one that exits at once must serve: none may fail on a mistake of the config.
      const served = (await loadDemo()).plugins.map((p) => p.name).filter((name) => name !== 'doomed');
      const startedAt = Date.now();
      hale = startHale(['run', '-c', demoConfig], {
        HALE_DEMO_PORT: '0',
        HALE_DEMO_GRPC_ADDRESS: '127.0.0.1:0',
        HALE_DEMO_STATE_DIR: join(dir, 'state'),
        HALE_API_TOKEN: '',
      });
      const url = String((await hale.line((l) => typeof l.api === 'string', 15_000)).api);
      // lastEventId=0: also the transitions made before the stream was open.
      stream = await openEventStream(`${url}/events?types=transition&lastEventId=0`);
      expect(stream.status).toBe(200);

      const first = new Map<PluginState, Seen>();
      const everHealthy = new Set<string>();
      let stopAnswer: Promise<number> | null = null;
      const until = startedAt + deadlineMs;
      // Bounded by time (the deadline) and by count: a minute of this demo is a few hundred transitions.
      const done = () => first.size === pluginStates.length && served.every((name) => everHealthy.has(name));
      for (let count = 0; count < 5_000 && !done(); count += 1) {
        const left = until - Date.now();
        if (left <= 0) break;
        const message = await stream.take(isEvent('transition'), left).catch(() => null);
        if (message === null) break;
        const event = JSON.parse(message.data) as Transition;
        if (!first.has(event.to)) first.set(event.to, { second: (event.at - startedAt) / 1_000, plugin: event.plugin });
        if (event.to === 'healthy') everHealthy.add(event.plugin);
        if (event.plugin === stopTarget && event.to === 'healthy' && stopAnswer === null) {
          stopAnswer = fetch(`${url}/plugins/${stopTarget}/stop`, { method: 'POST' }).then((answer) => answer.status);
        }
      }

      const table = pluginStates.map((state) => {
        const seen = first.get(state);
        const when = seen === undefined ? 'not seen' : `${seen.second.toFixed(1).padStart(5)} s  ${seen.plugin}`;
        return `  ${state.padEnd(11)} ${when}${state === 'stopped' ? ' (asked for by the test)' : ''}`;
      });
      console.log(`npm run demo, each state first entered (seconds after hale was spawned):\n${table.join('\n')}`);

      expect(stopAnswer === null ? null : await stopAnswer).toBe(202);
      expect([...first.keys()].sort()).toEqual([...pluginStates].sort());
      for (const [state, seen] of first) expect(seen.second, state).toBeLessThan(promisedMs / 1_000);
      expect(served.filter((name) => !everHealthy.has(name))).toEqual([]);
    },
    deadlineMs + 20_000,
  );
});
