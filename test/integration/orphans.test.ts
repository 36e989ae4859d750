import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { createLogger } from '../../src/log.js';
import { readBootId, readStartTime } from '../../src/process/proc-stat.js';
import { openProcessGuard } from '../../src/containment/process-guard.js';
import { alive } from '../helpers/alive.js';
import { startHale, stopAllHale, type HaleProcess, type LogLine } from '../helpers/hale-process.js';
import { createMemoryLogger } from '../helpers/memory-log.js';
import { fixture, flakyMain, greeterMain, requireBuilt } from '../helpers/paths.js';

let dir: string;
let count = 0;
// Every process this file starts or learns of, ended by pid after each test if still there (and still
// the same process: same start time).
const started: Array<{ pid: number; startTime: string | null }> = [];
const spawned = {
  push: (...pids: number[]) => started.push(...pids.map((pid) => ({ pid, startTime: readStartTime(pid) }))),
};

beforeAll(() => {
  requireBuilt();
  dir = mkdtempSync(join(tmpdir(), 'hale-orphans-'));
});
afterEach(async () => {
  await stopAllHale();
  for (const { pid, startTime } of started.splice(0)) {
    if (startTime !== null && alive(pid) && readStartTime(pid) === startTime) process.kill(pid, 'SIGKILL');
  }
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const freshDir = (label: string): string => {
  count += 1;
  const path = join(dir, `${label}-${count}`);
  mkdirSync(path);
  return path;
};

/** Polls /proc every 10 ms, at most `ms`: the pids still running then. */
const stillAliveAfter = async (pids: number[], ms: number): Promise<number[]> => {
  const deadline = Date.now() + ms;
  while (pids.some(alive) && Date.now() < deadline) await delay(10);
  return pids.filter(alive);
};

const becomes = (plugin: string, to: string) => (line: LogLine) => line.event === 'transition' && line.plugin === plugin && line.to === to;

const writeConfig = (stateDir: string, plugins: string[]): string => {
  const file = join(freshDir('config'), 'supervisor.yaml');
  const lines = [
    'api: { host: 127.0.0.1, port: 0 }',
    'grpc: { address: 127.0.0.1:0 }',
    'log: { level: debug }',
    `stateDir: ${stateDir}`,
    'defaults: { checkInterval: 1m, startInterval: 50ms, successThreshold: 1, stopTimeout: 2s }',
    'plugins:',
    ...plugins.map((plugin) => `  - ${plugin}`),
    '',
  ];
  writeFileSync(file, lines.join('\n'));
  return file;
};

// SIGHUP, SIGINT and SIGTERM in /proc/PID/status's signal masks (bit N - 1 for signal N).
const hupIntTerm = (1n << 0n) | (1n << 1n) | (1n << 14n);

/** Whether `pid` ignores (the sh loop) or catches (the node program) SIGHUP, SIGINT and SIGTERM. */
const outlivesSignals = (pid: number): boolean => {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const mask = (name: string): bigint => BigInt(`0x${new RegExp(`^${name}:\\s*([0-9a-f]+)$`, 'm').exec(status)?.[1] ?? '0'}`);
  const ignored = (mask('SigIgn') & hupIntTerm) === hupIntTerm;
  // The node program catches them itself, and names itself once it does.
  return ignored || readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'hale-watchdog';
};

/** Resolves once the watchdog `pid` ignores the signals meant for hale (polled: no event tells). */
const watchdogReady = async (pid: number): Promise<void> => {
  const deadline = Date.now() + 5_000;
  while (Date.now() < deadline) {
    if (outlivesSignals(pid)) return;
    await delay(10);
  }
  throw new Error(`watchdog ${pid} did not set its signals aside within 5 s`);
};

const watchdogPid = async (hale: { line: HaleProcess['line'] }, after = 0): Promise<number> =>
  Number((await hale.line((l) => l.msg === 'watchdog started' && Number(l.watchdogPid) !== after)).watchdogPid);

interface PluginStatus {
  name: string;
  pid: number | null;
}

const pluginPids = async (hale: HaleProcess): Promise<Map<string, number>> => {
  const url = String((await hale.line((l) => typeof l.api === 'string')).api);
  const body = (await (await fetch(`${url}/plugins/status`)).json()) as { plugins: PluginStatus[] };
  // Ended after the test should it fail.
  spawned.push(...body.plugins.map((plugin) => plugin.pid ?? 0).filter((pid) => pid > 0));
  return new Map(body.plugins.map((plugin) => [plugin.name, plugin.pid ?? 0]));
};

/** A process the test starts itself, its JSON lines on stdout read as they come. */
const startNode = (args: string[], env: Record<string, string> = {}) => {
  const child = spawn(process.execPath, args, { detached: true, stdio: ['pipe', 'pipe', 'inherit'], env: { ...process.env, ...env } });
  if (child.pid !== undefined) spawned.push(child.pid);
  const lines: Array<Record<string, unknown>> = [];
  const waiters: Array<() => void> = [];
  createInterface({ input: child.stdout }).on('line', (text) => {
    lines.push(JSON.parse(text) as Record<string, unknown>);
    for (const wake of waiters.splice(0)) wake();
  });
  const line = async (match: (line: Record<string, unknown>) => boolean, timeoutMs = 10_000) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = lines.find(match);
      if (found !== undefined) return found;
      if (Date.now() >= deadline) throw new Error(`no matching line within ${timeoutMs} ms; lines: ${JSON.stringify(lines)}`);
      await Promise.race([new Promise<void>((resolve) => waiters.push(resolve)), delay(Math.max(1, deadline - Date.now()))]);
    }
  };
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return { child, pid: child.pid ?? 0, line, exited };
};

const groupOf = async (args: string[], env: Record<string, string> = {}) => {
  const leader = startNode([fixture('group-leader.mjs'), ...args], env);
  const pids = await leader.line((l) => 'leader' in l);
  spawned.push(Number(pids.child));
  return { leader: Number(pids.leader), child: Number(pids.child), stdin: leader.child.stdin, exited: leader.exited };
};

describe('no plugin outlives hale', () => {
  test('hale SIGKILLed with 5 plugins (one forked a helper, two not on the SDK, one of them deaf to SIGTERM): within 1 s none of theirs remains, nor the watchdog', async () => {
    const stateDir = freshDir('state');
    const hale = startHale([
      'run',
      '-c',
      writeConfig(stateDir, [
        `{ name: greeter, command: node, args: [${greeterMain}] }`,
        `{ name: flaky, command: node, args: [${flakyMain}], critical: false }`,
        `{ name: forker, command: node, args: [${fixture('forking-plugin.mjs')}] }`,
        `{ name: stubborn, command: node, args: [${fixture('stubborn-plugin.mjs')}] }`,
        `{ name: deaf, command: node, args: [${fixture('stubborn-plugin.mjs')}, --ignore-sigterm] }`,
      ]),
    ]);
    const names = ['greeter', 'flaky', 'forker', 'stubborn', 'deaf'];
    await Promise.all(names.map((name) => hale.line(becomes(name, 'healthy'))));
    const pids = await pluginPids(hale);
    const helper = Number((await hale.line((l) => l.plugin === 'forker' && 'helperPid' in l)).helperPid);
    const theirs = [...names.map((name) => pids.get(name) ?? 0), helper];
    const watchdog = await watchdogPid(hale);
    spawned.push(helper, watchdog);
    expect(theirs.filter(alive)).toEqual(theirs);
    expect(alive(watchdog)).toBe(true);

    const killedAt = Date.now();
    hale.child.kill('SIGKILL');
    expect(await stillAliveAfter([...theirs, watchdog], 1_000)).toEqual([]);
    expect(Date.now() - killedAt).toBeLessThan(1_000);
    expect(await hale.exited).toEqual({ code: null, signal: 'SIGKILL' });
  });

  test('a plugin that ignores its stdin closing is ended by its parent-death signal alone, at once (the watchdog killed with hale)', async () => {
    const stateDir = freshDir('state');
    const hale = startHale([
      'run',
      '-c',
      writeConfig(stateDir, [`{ name: stubborn, command: node, args: [${fixture('stubborn-plugin.mjs')}] }`]),
    ]);
    await hale.line(becomes('stubborn', 'healthy'));
    const pid = (await pluginPids(hale)).get('stubborn') ?? 0;
    const watchdog = await watchdogPid(hale);
    spawned.push(watchdog);
    // setpriv exec'd the plugin: the pid hale reports is the plugin's own.
    expect(readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')).toContain(fixture('stubborn-plugin.mjs'));
    const cgroup = writableCgroup === null ? null : join(writableCgroup, cgroupOf(pid));
    // Both at once, so hale cannot start another watchdog: only the kernel is left to end the plugin.
    process.kill(watchdog, 'SIGKILL');
    hale.child.kill('SIGKILL');
    expect(await stillAliveAfter([pid, watchdog], 250)).toEqual([]);
    // Nobody was left to remove the plugin's cgroup (the next start on this state dir would): this test does.
    if (cgroup !== null && /\/hale-[0-9a-f]{16}\/stubborn-1$/.test(cgroup)) {
      const until = Date.now() + 2_000;
      while (existsSync(cgroup) && Date.now() < until) {
        try {
          rmdirSync(cgroup);
          rmdirSync(join(cgroup, '..'));
        } catch {
          await delay(10);
        }
      }
    }
  });

  test('the watchdog alone ends a process group that has no parent-death signal when its supervisor is SIGKILLed', async () => {
    const holder = startNode([fixture('guard-holder.mjs'), freshDir('state')]);
    const group = await holder.line((l) => 'leader' in l);
    const watchdog = Number((await holder.line((l) => l.msg === 'watchdog started')).watchdogPid);
    const theirs = [Number(group.leader), Number(group.child), watchdog];
    spawned.push(...theirs);
    expect(theirs.filter(alive)).toEqual(theirs);
    // A SIGTERM to the whole service (systemd stops a cgroup so) must not take the watchdog before hale.
    await watchdogReady(watchdog);
    process.kill(watchdog, 'SIGTERM');
    holder.child.kill('SIGKILL');
    expect(await stillAliveAfter(theirs, 1_000)).toEqual([]);
  });

  test('a watchdog that dies while its supervisor runs is replaced and told every group again', async () => {
    const holder = startNode([fixture('guard-holder.mjs'), freshDir('state')]);
    const group = await holder.line((l) => 'leader' in l);
    const first = Number((await holder.line((l) => l.msg === 'watchdog started')).watchdogPid);
    spawned.push(Number(group.leader), Number(group.child), first);
    process.kill(first, 'SIGKILL');
    await holder.line((l) => l.msg === 'the watchdog died; starting a new one' && l.watchdogPid === first);
    const second = Number((await holder.line((l) => l.msg === 'watchdog started' && l.watchdogPid !== first)).watchdogPid);
    spawned.push(second);
    holder.child.kill('SIGKILL');
    expect(await stillAliveAfter([Number(group.leader), Number(group.child), second], 1_000)).toEqual([]);
  });
});

describe('what a killed run left behind', () => {
  test('is ended at open: a live group, and the marked forks of a leader that is gone, and a marked process in a session of its own; a pid reused by another program is untouched', async () => {
    const stateDir = freshDir('state');
    const runId = randomBytes(8).toString('hex');
    const mark = { HALE_INSTANCE: `${runId}/orphan/1` };
    const whole = await groupOf([]);
    const orphaned = await groupOf(['--leader-exits'], mark);
    // A daemon a plugin of that run started: its own session and group, only the mark says whose it is.
    const daemon = startNode([fixture('idle-forever.mjs')], { HALE_INSTANCE: `${runId}/orphan/2` });
    const orphanedSince = readStartTime(orphaned.leader);
    orphaned.stdin?.end();
    await orphaned.exited;
    const records = [
      { pid: whole.leader, startTime: readStartTime(whole.leader), runId },
      { pid: orphaned.leader, startTime: orphanedSince, runId },
      // This very process under a start time it does not have: a pid that was reused since.
      { pid: process.pid, startTime: '1', runId },
    ];
    expect(records.map((record) => record.startTime)).not.toContain(null);
    expect(alive(orphaned.leader)).toBe(false);
    writeFileSync(join(stateDir, 'processes.json'), JSON.stringify({ bootId: readBootId(), groups: records }));

    const { log, lines } = createMemoryLogger('debug');
    const guard = await openProcessGuard({ stateDir, log });
    // Ended before open returns: SIGTERM is enough for these.
    expect([whole.leader, whole.child, orphaned.child, daemon.pid].filter(alive)).toEqual([]);
    expect(alive(process.pid)).toBe(true);
    const ended = lines.find((l) => l.msg === 'ended plugin processes a previous run left behind');
    expect(ended?.pids).toEqual([whole.leader, whole.child, orphaned.child, daemon.pid].sort((a, b) => a - b));
    expect(JSON.parse(readFileSync(join(stateDir, 'processes.json'), 'utf8'))).toMatchObject({ bootId: readBootId(), groups: [] });

    await guard.close();
    expect(existsSync(stateDir)).toBe(false);
  });

  test("leaves alone what it cannot prove is hale's: an unmarked process in the group of a recorded leader that is gone, and a process marked by another run", async () => {
    const stateDir = freshDir('state');
    const runId = randomBytes(8).toString('hex');
    // The recorded leader forked a child into its group and exited; the child is not marked (someone else's, as far as anyone can prove).
    const orphaned = await groupOf(['--leader-exits']);
    const since = readStartTime(orphaned.leader);
    orphaned.stdin?.end();
    await orphaned.exited;
    const stranger = startNode([fixture('idle-forever.mjs')], { HALE_INSTANCE: `${randomBytes(8).toString('hex')}/other/1` });
    writeFileSync(
      join(stateDir, 'processes.json'),
      JSON.stringify({ bootId: readBootId(), groups: [{ pid: orphaned.leader, startTime: since, runId }] }),
    );
    const { log, lines } = createMemoryLogger('debug');
    const guard = await openProcessGuard({ stateDir, log });
    expect(alive(orphaned.child)).toBe(true);
    expect(alive(stranger.pid)).toBe(true);
    expect(lines.find((l) => l.msg === 'ended plugin processes a previous run left behind')).toBeUndefined();
    await guard.close();
  });

  test('records from another boot end nothing, even where pid and start time match', async () => {
    const stateDir = freshDir('state');
    const group = await groupOf([]);
    const records = [{ pid: group.leader, startTime: readStartTime(group.leader) }];
    writeFileSync(join(stateDir, 'processes.json'), JSON.stringify({ bootId: 'a-previous-boot', groups: records }));
    const guard = await openProcessGuard({ stateDir, log: createLogger({ level: 'silent' }) });
    expect(alive(group.leader)).toBe(true);
    expect(JSON.parse(readFileSync(join(stateDir, 'processes.json'), 'utf8'))).toEqual({ bootId: readBootId(), groups: [] });
    await guard.close();
  });

  test('a records file that does not parse ends nothing and says so', async () => {
    const stateDir = freshDir('state');
    const group = await groupOf([]);
    writeFileSync(join(stateDir, 'processes.json'), `{"groups":[{"pid":${group.leader}`);
    const { log, lines } = createMemoryLogger('debug');
    const guard = await openProcessGuard({ stateDir, log });
    expect(alive(group.leader)).toBe(true);
    expect(lines.find((l) => String(l.msg).includes('do not parse'))).toMatchObject({ level: 'warn' });
    await guard.close();
  });
});

describe('the state dir lock', () => {
  test('a second hale on the same state dir exits non-zero and says why; once the first is SIGKILLed, a new one takes the lock over', async () => {
    const stateDir = freshDir('state');
    const config = writeConfig(stateDir, [`{ name: greeter, command: node, args: [${greeterMain}] }`]);
    const first = startHale(['run', '-c', config]);
    await first.line(becomes('greeter', 'healthy'));
    const greeter = (await pluginPids(first)).get('greeter') ?? 0;

    const second = startHale(['run', '-c', config]);
    expect((await second.exited).code).toBe(1);
    const refusal = `another hale (pid ${first.child.pid}) is running with the state dir ${stateDir}; stop it first or set another stateDir`;
    expect(second.stderr()).toContain(refusal);
    expect(alive(greeter)).toBe(true);

    first.child.kill('SIGKILL');
    expect(await stillAliveAfter([greeter], 1_000)).toEqual([]);
    expect(readdirSync(stateDir)).toContain('hale.lock');

    const third = startHale(['run', '-c', config]);
    await third.line(becomes('greeter', 'healthy'));
    third.child.kill('SIGTERM');
    expect(await third.exited).toEqual({ code: 0, signal: null });
    expect(existsSync(join(stateDir, 'hale.lock'))).toBe(false);
    expect(existsSync(join(stateDir, 'processes.json'))).toBe(false);
  });
});

/** Where cgroup v2 is mounted, when this process may make a cgroup under its own (and move a process into it). */
const writableCgroup = ((): string | null => {
  try {
    const mount = readFileSync('/proc/self/mountinfo', 'utf8')
      .split('\n')
      .map((line) => line.split(' '))
      .find((fields) => fields[fields.indexOf('-') + 1] === 'cgroup2')?.[4];
    const own = /^0::(.*)$/m.exec(readFileSync('/proc/self/cgroup', 'utf8'))?.[1];
    if (mount === undefined || own === undefined) return null;
    const trial = join(mount, own, `hale-test-trial-${process.pid}`);
    mkdirSync(trial);
    rmdirSync(trial);
    return join(mount, own);
  } catch {
    return null;
  }
})();

const sessionOf = (pid: number): number => {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[3]);
};
const cgroupOf = (pid: number): string => /^0::(.*)$/m.exec(readFileSync(`/proc/${pid}/cgroup`, 'utf8'))?.[1] ?? '';

const post = async (hale: HaleProcess, path: string): Promise<number> => {
  const url = String((await hale.line((l) => typeof l.api === 'string')).api);
  return (await fetch(`${url}${path}`, { method: 'POST' })).status;
};

describe.each<{ containment: string; env: Record<string, string> }>([
  { containment: 'cgroup', env: {} },
  { containment: 'process-group', env: { HALE_CGROUP: 'off' } },
])('a daemonizing helper (its own session) goes with its plugin, containment $containment', ({ containment, env }) => {
  test.skipIf(containment === 'cgroup' && writableCgroup === null)('on restart, on stop, and when hale is SIGKILLed', async () => {
    const stateDir = freshDir('state');
    const hale = startHale(
      ['run', '-c', writeConfig(stateDir, [`{ name: daemonizer, command: node, args: [${fixture('daemonizing-plugin.mjs')}] }`])],
      env,
    );
    const helpers: number[] = [];
    const nextHelper = async (): Promise<number> => {
      const line = await hale.line((l) => l.plugin === 'daemonizer' && 'helperPid' in l && !helpers.includes(Number(l.helperPid)), 15_000);
      const pid = Number(line.helperPid);
      helpers.push(pid);
      spawned.push(pid);
      return pid;
    };
    await hale.line(becomes('daemonizer', 'healthy'));
    const first = await nextHelper();
    const plugin = (await pluginPids(hale)).get('daemonizer') ?? 0;
    expect(alive(first)).toBe(true);
    // What makes it a daemon: neither the plugin's session nor its group.
    expect(sessionOf(first)).not.toBe(sessionOf(plugin));
    if (containment === 'cgroup') expect(cgroupOf(first)).toMatch(/\/hale-[0-9a-f]{16}\/daemonizer-1$/);
    else expect(cgroupOf(first)).toBe(cgroupOf(process.pid));

    expect(await post(hale, '/plugins/daemonizer/restart')).toBe(202);
    const second = await nextHelper();
    expect(await stillAliveAfter([plugin, first], 2_000)).toEqual([]);

    expect(await post(hale, '/plugins/daemonizer/stop')).toBe(202);
    await hale.line(becomes('daemonizer', 'stopped'));
    expect(await stillAliveAfter([second], 2_000)).toEqual([]);

    expect(await post(hale, '/plugins/daemonizer/start')).toBe(202);
    const third = await nextHelper();
    const watchdog = await watchdogPid(hale);
    spawned.push(watchdog);
    await watchdogReady(watchdog);
    const runCgroup = containment === 'cgroup' ? join(writableCgroup ?? '', cgroupOf(third).split('/').slice(0, -1).join('/')) : null;
    hale.child.kill('SIGKILL');
    expect(await stillAliveAfter([third, watchdog], 3_000)).toEqual([]);
    if (runCgroup !== null) {
      // The watchdog removes the run's cgroup once it is empty.
      const deadline = Date.now() + 3_000;
      while (existsSync(runCgroup) && Date.now() < deadline) await delay(10);
      expect(existsSync(runCgroup)).toBe(false);
    }
  });
});

describe('the watchdog is never given up', () => {
  test('killed four times in quick succession it is started again each time, the guard saying restarting in between; then the supervisor SIGKILLed still takes the group with it', async () => {
    const holder = startNode([fixture('guard-holder.mjs'), freshDir('state')]);
    const group = await holder.line((l) => 'leader' in l);
    spawned.push(Number(group.leader), Number(group.child));
    let watchdog = Number((await holder.line((l) => l.msg === 'watchdog started')).watchdogPid);
    spawned.push(watchdog);
    const seen = [watchdog];
    for (let kill = 1; kill <= 4; kill += 1) {
      await watchdogReady(watchdog);
      process.kill(watchdog, 'SIGKILL');
      const restarting = await holder.line(
        (l) => l.msg === 'guard health' && l.watchdog === 'restarting' && Number(l.restarts) === kill - 1,
        10_000,
      );
      expect(restarting).toMatchObject({ watchdog: 'restarting' });
      watchdog = Number(
        (await holder.line((l) => l.msg === 'watchdog started' && !seen.includes(Number(l.watchdogPid)), 40_000)).watchdogPid,
      );
      seen.push(watchdog);
      spawned.push(watchdog);
      await holder.line((l) => l.msg === 'guard health' && l.watchdog === 'running' && Number(l.restarts) === kill, 10_000);
    }
    await watchdogReady(watchdog);
    holder.child.kill('SIGKILL');
    expect(await stillAliveAfter([Number(group.leader), Number(group.child), watchdog], 2_000)).toEqual([]);
  }, 90_000);
});

describe.skipIf(writableCgroup === null)('a cgroup a killed run left behind', () => {
  test("is killed and removed at the next open; a cgroup the records name outside hale's is not touched", async () => {
    const stateDir = freshDir('state');
    const runId = randomBytes(8).toString('hex');
    const base = writableCgroup ?? '';
    const runDir = join(base, `hale-${runId}`);
    const pluginDir = join(runDir, 'lost-3');
    mkdirSync(pluginDir, { recursive: true });
    // A process in that cgroup, in a session of its own and without any mark: only the cgroup says whose it is.
    const inside = spawn('/bin/sh', ['-c', 'echo 0 > "$1/cgroup.procs" && exec sleep 600', 'sh', pluginDir], {
      detached: true,
      stdio: 'ignore',
    });
    const pid = inside.pid ?? 0;
    spawned.push(pid);
    const deadline = Date.now() + 5_000;
    while (!cgroupOf(pid).endsWith('/lost-3') && Date.now() < deadline) await delay(10);
    expect(cgroupOf(pid)).toMatch(/\/lost-3$/);
    // A stranger's cgroup, named by a forged record: never ours to kill.
    const strangerDir = join(base, `not-hale-${runId}`);
    mkdirSync(strangerDir);
    const stranger = spawn('/bin/sh', ['-c', 'echo 0 > "$1/cgroup.procs" && exec sleep 600', 'sh', strangerDir], {
      detached: true,
      stdio: 'ignore',
    });
    spawned.push(stranger.pid ?? 0);
    try {
      while (!cgroupOf(stranger.pid ?? 0).startsWith(`/not-hale-`) && Date.now() < deadline) await delay(10);
      writeFileSync(
        join(stateDir, 'processes.json'),
        JSON.stringify({
          bootId: readBootId(),
          groups: [
            { pid: 999_999_9, startTime: '1', runId, cgroup: pluginDir },
            { pid: 999_999_8, startTime: '1', runId, cgroup: strangerDir },
          ],
        }),
      );
      const { log } = createMemoryLogger('debug');
      const guard = await openProcessGuard({ stateDir, log });
      expect(alive(pid)).toBe(false);
      expect(existsSync(runDir)).toBe(false);
      expect(alive(stranger.pid ?? 0)).toBe(true);
      await guard.close();
    } finally {
      if (stranger.pid !== undefined && alive(stranger.pid)) process.kill(stranger.pid, 'SIGKILL');
      const until = Date.now() + 2_000;
      while (existsSync(strangerDir) && Date.now() < until) {
        try {
          rmdirSync(strangerDir);
        } catch {
          await delay(10);
        }
      }
    }
  });
});
