import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { isLive, listProcesses, readCommandLine } from '../../soak/proc.js';
import { readInstanceMark } from '../../src/containment/instance-mark.js';
import type { SupervisorEvent } from '../../src/model/events.js';
import { createSupervisor } from '../../src/supervisor/supervisor.js';
import { alive } from '../helpers/alive.js';
import { startHale, stopAllHale, type HaleProcess, type LogLine } from '../helpers/hale-process.js';
import { createMemoryLogger } from '../helpers/memory-log.js';
import { fixture, requireBuilt } from '../helpers/paths.js';
import { pluginConfig, supervisorConfig } from '../helpers/supervised.js';

// A stop at any moment of start-up ends everything started, and nothing is spawned once it has begun.

let dir: string;
let count = 0;

beforeAll(() => {
  requireBuilt();
  dir = mkdtempSync(join(tmpdir(), 'hale-start-stop-'));
});
afterEach(async () => {
  await stopAllHale();
  // Should a test fail, what it left is ended here: only processes whose command line names this file's folder.
  for (const pid of processesNaming(dir)) process.kill(pid, 'SIGKILL');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const slowPlugin = fixture('stubborn-plugin.mjs');

/** Live processes whose command line holds `marker` (every plugin of these tests has its folder among its args). */
const processesNaming = (marker: string): number[] =>
  listProcesses()
    .filter((stat) => isLive(stat) && stat.pid !== process.pid && readCommandLine(stat.pid).includes(marker))
    .map((stat) => stat.pid);

/** Polls until none of `pids` and nothing naming `marker` runs, at most `ms`; what still runs then. */
const leftAfter = async (pids: number[], marker: string, ms: number): Promise<number[]> => {
  const deadline = Date.now() + ms;
  const left = () => [...new Set([...pids.filter(alive), ...processesNaming(marker)])];
  while (left().length > 0 && Date.now() < deadline) await delay(20);
  return left();
};

const freshDir = (label: string): string => {
  count += 1;
  const path = join(dir, `${label}-${count}`);
  mkdirSync(path);
  return path;
};

const writeConfig = (home: string, plugins: number, handshakeMs: number): string => {
  const file = join(home, 'supervisor.yaml');
  const lines = [
    'api: { host: 127.0.0.1, port: 0 }',
    'grpc: { address: 127.0.0.1:0 }',
    'log: { level: debug }',
    `stateDir: ${join(home, 'state')}`,
    'defaults: { checkInterval: 1m, startInterval: 50ms, startTimeout: 30s, successThreshold: 1, stopTimeout: 2s }',
    'plugins:',
    ...Array.from({ length: plugins }, (_, i) =>
      [
        `  - name: slow-${i + 1}`,
        `    command: ${process.execPath}`,
        `    args: [${JSON.stringify(slowPlugin)}, --handshake-after, "${handshakeMs}", ${JSON.stringify(home)}]`,
      ].join('\n'),
    ),
    '',
  ];
  writeFileSync(file, lines.join('\n'));
  return file;
};

/** Live processes carrying the HALE_INSTANCE mark of the run that logged `runId` (none when it logged none). */
const markedBy = (hale: HaleProcess): number[] => {
  const runId = hale.lines.find((l) => typeof l.runId === 'string')?.runId;
  if (typeof runId !== 'string') return [];
  return listProcesses()
    .filter((stat) => isLive(stat) && readInstanceMark(stat.pid)?.runId === runId)
    .map((stat) => stat.pid);
};

const spawnedPids = (hale: HaleProcess): number[] =>
  hale.lines.filter((l) => l.event === 'spawned' && typeof l['pluginPid'] === 'number').map((l) => Number(l['pluginPid']));

const spawnedCount = (n: number) => {
  let seen = 0;
  return (line: LogLine) => line.event === 'spawned' && (seen += 1) >= n;
};

const exitWithin = async (hale: HaleProcess, ms: number) => Promise.race([hale.exited, delay(ms).then(() => null)]);

describe('hale run stopped by SIGTERM during start-up', () => {
  // Each moment: what to wait for before SIGTERM.
  const moments: Array<[string, ((hale: HaleProcess) => Promise<unknown>) | null]> = [
    ['at its first log line (the API is open, nothing started yet)', (hale) => hale.line(() => true, 15_000)],
    ['once the watchdog has started', (hale) => hale.line((l) => l.msg === 'watchdog started', 15_000)],
    ['once the first plugin is spawned', (hale) => hale.line((l) => l.event === 'spawned', 15_000)],
    ['mid-way through 10 plugins (5 spawned)', (hale) => hale.line(spawnedCount(5), 15_000)],
  ];

  test.each(moments)(
    '%s: every plugin process is gone, nothing is spawned after, exit 0',
    async (_label, before) => {
      const home = freshDir('run');
      const hale = startHale(['run', '-c', writeConfig(home, 10, 1_500)]);
      await before?.(hale);
      hale.child.kill('SIGTERM');
      const exit = await exitWithin(hale, 30_000);
      expect(exit, `hale did not exit in 30 s; its last lines: ${JSON.stringify(hale.lines.slice(-5))}`).not.toBeNull();
      // Plugins spawned after "stopped" may take a moment to show: look a little while.
      await delay(500);
      const spawned = spawnedPids(hale);
      expect(await leftAfter(spawned, home, 1_000), 'plugin processes left running').toEqual([]);
      expect(markedBy(hale), "processes with this run's mark left running").toEqual([]);
      expect(exit?.code, hale.stderr()).toBe(0);
      const stoppedAt = hale.lines.findIndex((l) => l.msg === 'stopped');
      expect(stoppedAt).toBeGreaterThanOrEqual(0);
      expect(
        hale.lines.slice(stoppedAt).filter((l) => l.event === 'spawned'),
        'spawned after "stopped"',
      ).toEqual([]);
    },
    60_000,
  );

  test('right at spawn: nothing is left whenever the signal lands; exit 0 once hale has its handlers', async () => {
    const home = freshDir('at-spawn');
    const hale = startHale(['run', '-c', writeConfig(home, 10, 1_500)]);
    hale.child.kill('SIGTERM');
    const exit = await exitWithin(hale, 30_000);
    expect(exit).not.toBeNull();
    await delay(500);
    expect(await leftAfter(spawnedPids(hale), home, 1_000)).toEqual([]);
    // Before node has run a line of hale, SIGTERM ends it as it ends any process: nothing was started then.
    if (exit?.signal !== 'SIGTERM') expect(exit?.code, hale.stderr()).toBe(0);
  }, 60_000);

  test('a second SIGTERM while stopping changes nothing: still exit 0, nothing left', async () => {
    const home = freshDir('twice');
    const hale = startHale(['run', '-c', writeConfig(home, 10, 1_500)]);
    await hale.line(spawnedCount(3), 15_000);
    hale.child.kill('SIGTERM');
    await hale.line((l) => typeof l.msg === 'string' && l.msg.startsWith('stopping every plugin'), 10_000);
    hale.child.kill('SIGTERM');
    const exit = await exitWithin(hale, 30_000);
    await delay(500);
    expect(await leftAfter(spawnedPids(hale), home, 1_000)).toEqual([]);
    expect(markedBy(hale)).toEqual([]);
    expect(exit?.code).toBe(0);
    expect(hale.lines.some((l) => typeof l.msg === 'string' && l.msg.includes('again: already stopping'))).toBe(true);
  }, 60_000);
});

describe('hale run sent SIGHUP during start-up', () => {
  test.each([
    ['at its first log line', (l: LogLine) => typeof l.api === 'string'],
    ['once the watchdog has started', (l: LogLine) => l.msg === 'watchdog started'],
  ])(
    '%s: the reload waits for the start, then applies; hale runs on',
    async (_label, moment) => {
      const home = freshDir('hup');
      const hale = startHale(['run', '-c', writeConfig(home, 3, 200)]);
      await hale.line(moment, 15_000);
      hale.child.kill('SIGHUP');
      const reloaded = await hale.line(
        (l) => l.event === 'reloaded' || (typeof l.msg === 'string' && l.msg.startsWith('reload refused')),
        15_000,
      );
      expect(reloaded).toMatchObject({ event: 'reloaded', unchanged: ['slow-1', 'slow-2', 'slow-3'] });
      await hale.line(spawnedCount(3), 15_000);
      expect(hale.child.exitCode).toBeNull();
      hale.child.kill('SIGTERM');
      expect((await exitWithin(hale, 30_000))?.code).toBe(0);
      await delay(300);
      expect(await leftAfter(spawnedPids(hale), home, 1_000)).toEqual([]);
      expect(spawnedPids(hale)).toHaveLength(3);
    },
    60_000,
  );
});

describe('the library: stop() called while start() is under way', () => {
  const supervised = (home: string, plugins: number) => {
    const configs = Array.from({ length: plugins }, (_, i) =>
      pluginConfig(`slow-${i + 1}`, [slowPlugin, '--handshake-after', '300', home], {
        startTimeout: 30_000,
        stopTimeout: 2_000,
        checkInterval: 60_000,
      }),
    );
    const { log } = createMemoryLogger('debug');
    const supervisor = createSupervisor(supervisorConfig(configs, join(home, 'state')), { log });
    const events: SupervisorEvent[] = [];
    supervisor.events.subscribe((event) => events.push(event));
    return { supervisor, events };
  };
  const pidsOf = (events: SupervisorEvent[]): number[] => events.flatMap((e) => (e.type === 'spawned' ? [e.pid] : []));

  test.each([0, 1, 5, 20, 60])(
    'stop() %i ms after start(), start not awaited: nothing runs once both have settled',
    async (afterMs) => {
      const home = freshDir('library');
      const { supervisor, events } = supervised(home, 6);
      const starting = supervisor.start();
      if (afterMs > 0) await delay(afterMs);
      const stopping = supervisor.stop('test');
      const [started] = await Promise.allSettled([starting, stopping]);
      expect(started.status).toBe('fulfilled');
      const stoppedAt = events.length;
      // Anything a late start step might still spawn would show within this while.
      await delay(800);
      expect(events.slice(stoppedAt).filter((e) => e.type === 'spawned')).toEqual([]);
      expect(await leftAfter(pidsOf(events), home, 1_000)).toEqual([]);
      expect(supervisor.snapshot().shuttingDown).toBe(true);
    },
    30_000,
  );

  test('start() after stop() starts nothing', async () => {
    const home = freshDir('library-late');
    const { supervisor, events } = supervised(home, 2);
    await supervisor.stop('test');
    await supervisor.start();
    await delay(500);
    expect(events.filter((e) => e.type === 'spawned')).toEqual([]);
    expect(processesNaming(home)).toEqual([]);
  });
});
