import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { createLogger } from '../../src/log.js';
import { readBootId, readStartTime } from '../../src/state/proc-stat.js';
import { openProcessGuard } from '../../src/state/process-guard.js';
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

/** Resolves once the watchdog `pid` has its signal handlers: it names itself then (polled: no event tells). */
const watchdogReady = async (pid: number): Promise<void> => {
  const deadline = Date.now() + 5_000;
  while (Date.now() < deadline) {
    if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'hale-watchdog') return;
    await delay(10);
  }
  throw new Error(`watchdog ${pid} did not name itself within 5 s`);
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
const startNode = (args: string[]) => {
  const child = spawn(process.execPath, args, { detached: true, stdio: ['pipe', 'pipe', 'inherit'] });
  if (child.pid !== undefined) spawned.push(child.pid);
  const lines: Array<Record<string, unknown>> = [];
  const waiters: Array<() => void> = [];
  createInterface({ input: child.stdout as NonNullable<ChildProcess['stdout']> }).on('line', (text) => {
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

const groupOf = async (args: string[]) => {
  const leader = startNode([fixture('group-leader.mjs'), ...args]);
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
    const hale = startHale(['run', '-c', writeConfig(stateDir, [`{ name: stubborn, command: node, args: [${fixture('stubborn-plugin.mjs')}] }`])]);
    await hale.line(becomes('stubborn', 'healthy'));
    const pid = (await pluginPids(hale)).get('stubborn') ?? 0;
    const watchdog = await watchdogPid(hale);
    spawned.push(watchdog);
    // setpriv exec'd the plugin: the pid hale reports is the plugin's own.
    expect(readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')).toContain(fixture('stubborn-plugin.mjs'));
    // Both at once, so hale cannot start another watchdog: only the kernel is left to end the plugin.
    process.kill(watchdog, 'SIGKILL');
    hale.child.kill('SIGKILL');
    expect(await stillAliveAfter([pid, watchdog], 250)).toEqual([]);
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
  test('is ended at open: a live group, and the forks of a leader that is gone; a pid reused by another program is untouched', async () => {
    const stateDir = freshDir('state');
    const whole = await groupOf([]);
    const orphaned = await groupOf(['--leader-exits']);
    const orphanedSince = readStartTime(orphaned.leader);
    orphaned.stdin?.end();
    await orphaned.exited;
    const records = [
      { pid: whole.leader, startTime: readStartTime(whole.leader) },
      { pid: orphaned.leader, startTime: orphanedSince },
      // This very process under a start time it does not have: a pid that was reused since.
      { pid: process.pid, startTime: '1' },
    ];
    expect(records.map((record) => record.startTime)).not.toContain(null);
    expect(alive(orphaned.leader)).toBe(false);
    writeFileSync(join(stateDir, 'processes.json'), JSON.stringify({ bootId: readBootId(), groups: records }));

    const { log, lines } = createMemoryLogger('debug');
    const guard = await openProcessGuard({ stateDir, log });
    // Ended before open returns: SIGTERM is enough for these.
    expect([whole.leader, whole.child, orphaned.child].filter(alive)).toEqual([]);
    expect(alive(process.pid)).toBe(true);
    const ended = lines.find((l) => l.msg === 'ended plugin processes a previous run left behind');
    expect(ended?.pids).toEqual([whole.leader, whole.child, orphaned.child].sort((a, b) => a - b));
    expect(JSON.parse(readFileSync(join(stateDir, 'processes.json'), 'utf8'))).toEqual({ bootId: readBootId(), groups: [] });

    await guard.close();
    expect(existsSync(stateDir)).toBe(false);
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
    expect(second.lines.some((l) => l.level === 'fatal' && String(l.msg).includes(refusal))).toBe(true);
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
