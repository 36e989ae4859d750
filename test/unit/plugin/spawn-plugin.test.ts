import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, test } from 'vitest';
import { currentRunId, formatInstanceMark, instanceMarkVariable } from '../../../src/containment/instance-mark.js';
import { readProcStat, isRunning } from '../../../src/process/proc-stat.js';
import { signalProcess } from '../../../src/process/run-process.js';
import { spawnPlugin, type PluginProcess } from '../../../src/plugin/spawn-plugin.js';
import { countTurns } from '../../helpers/count-turns.js';

const forker = fileURLToPath(new URL('../../fixtures/setsid-forker.mjs', import.meta.url));
const node = process.execPath;
const spawned: PluginProcess[] = [];
const forks: number[] = [];

afterEach(async () => {
  for (const pid of forks.splice(0)) signalProcess(pid, 'SIGKILL');
  for (const plugin of spawned.splice(0)) {
    plugin.signalGroup('SIGKILL');
    await plugin.exited;
  }
});

const isAlive = (pid: number): boolean => {
  const stat = readProcStat(pid);
  return stat !== null && isRunning(stat);
};

/** Waits, bounded, for `check` to hold; false when it never did. */
const waitFor = async (check: () => boolean, timeoutMs: number): Promise<boolean> => {
  const until = Date.now() + timeoutMs;
  for (let tries = 0; tries < 1_000 && Date.now() < until; tries++) {
    if (check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return check();
};

describe('spawnPlugin', () => {
  test.runIf(process.platform === 'linux')('a signal to the plugin reaches a fork in a session of its own, through the mark', async () => {
    const mark = formatInstanceMark({ runId: currentRunId, plugin: 'forker', generation: 1 });
    const result = await spawnPlugin({ command: node, args: [forker], cwd: '/', env: {}, containment: { mark, cgroup: null } });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const plugin = result.process;
    spawned.push(plugin);
    const [line] = (await once(plugin.stdout, 'data')) as [Buffer];
    const forkPid = Number(String(line).trim());
    forks.push(forkPid);
    expect(readProcStat(forkPid)?.pgid).not.toBe(plugin.pid);
    expect(plugin.groupAlive()).toBe(true);
    expect(plugin.signalGroup('SIGKILL')).toBe(true);
    await plugin.exited;
    expect(await waitFor(() => !isAlive(forkPid), 20_000)).toBe(true);
    expect(await waitFor(() => !plugin.groupAlive(), 20_000)).toBe(true);
  });

  test('the mark is the first variable of the plugin, and hale’s wins over one the config set', async () => {
    const mark = formatInstanceMark({ runId: currentRunId, plugin: 'env', generation: 2 });
    const result = await spawnPlugin({
      command: node,
      args: ['-e', 'process.stdout.write(JSON.stringify(Object.entries(process.env)))'],
      cwd: '/',
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', [instanceMarkVariable]: 'forged' },
      containment: { mark, cgroup: null },
    });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    spawned.push(result.process);
    let text = '';
    for await (const chunk of result.process.stdout) text += String(chunk);
    const entries = JSON.parse(text) as [string, string][];
    expect(entries[0]).toEqual([instanceMarkVariable, mark]);
    expect(entries.filter(([name]) => name === instanceMarkVariable)).toHaveLength(1);
  });

  test('spawns asked for together take an event-loop turn each, so what plugins already started sent is read between two', async () => {
    const counter = countTurns();
    const env = { PATH: process.env.PATH ?? '/usr/bin:/bin' };
    const turns = await Promise.all(
      [0, 1, 2, 3].map(async () => {
        const result = await spawnPlugin({ command: node, args: ['-e', ''], cwd: '/', env });
        if (result.ok) spawned.push(result.process);
        return counter.now();
      }),
    );
    counter.stop();
    expect(spawned).toHaveLength(4);
    // One turn for all four was a burst: hundreds of spawns blocked hale for their sum before any handshake was read.
    expect(new Set(turns).size).toBe(4);
  });

  test('a start called off while it waits for its turn spawns nothing', async () => {
    const env = { PATH: process.env.PATH ?? '/usr/bin:/bin' };
    const result = await spawnPlugin({ command: node, args: ['-e', ''], cwd: '/', env, signal: AbortSignal.abort() });
    expect(result).toMatchObject({ ok: false, code: 'ABORT_ERR' });
  });

  test('a command or a working directory that is not there is named as the config gave it, whatever launcher runs it', async () => {
    const env = { PATH: process.env.PATH ?? '/usr/bin:/bin' };
    expect(await spawnPlugin({ command: 'hale-no-such-plugin', args: [], cwd: '/', env })).toEqual({
      ok: false,
      code: 'ENOENT',
      message: 'command not found: hale-no-such-plugin (not on PATH)',
    });
    const missingCwd = '/hale-no-such-dir';
    expect(await spawnPlugin({ command: 'node', args: [], cwd: missingCwd, env })).toEqual({
      ok: false,
      code: 'ENOENT',
      message: `the working directory does not exist: ${missingCwd}`,
    });
  });
});
