import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { findHiddenProcesses, type ProcessRow } from '../../soak/invariant.js';
import { isLive, listProcesses, readCommandLine } from '../../soak/proc.js';
import { readInstanceMark } from '../../src/containment/instance-mark.js';
import { startHale, stopAllHale, type HaleProcess } from '../helpers/hale-process.js';
import { fixture, requireBuilt } from '../helpers/paths.js';

// A reload racing a manual start or restart of the plugin it replaces: no process of the plugin may hide.

let dir: string;

beforeAll(() => {
  requireBuilt();
  dir = mkdtempSync(join(tmpdir(), 'hale-reload-race-'));
});
afterEach(async () => {
  await stopAllHale();
  for (const stat of listProcesses()) if (isLive(stat) && readCommandLine(stat.pid).includes(dir)) process.kill(stat.pid, 'SIGKILL');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const rounds = 12;
const raceBudgetMs = 90_000;

const writeConfig = (file: string, round: number): void => {
  const plugin = (name: string, env: string) =>
    [
      `  - name: ${name}`,
      `    command: ${process.execPath}`,
      // The fixture does not know Shutdown: each stop goes on to SIGTERM, a window of some milliseconds.
      `    args: [${JSON.stringify(fixture('stubborn-plugin.mjs'))}, --handshake-after, "50", ${JSON.stringify(dir)}]`,
      `    env: { ROUND: "${env}" }`,
    ].join('\n');
  writeFileSync(
    file,
    [
      'api: { host: 127.0.0.1, port: 0, rateLimit: { perClient: 100000, perPlugin: 100000, window: 1m } }',
      'grpc: { enabled: false }',
      'log: { level: debug }',
      `stateDir: ${join(dir, `state-${file.length}`)}`,
      'defaults: { checkInterval: 200ms, startInterval: 50ms, startTimeout: 20s, successThreshold: 1, stopTimeout: 1s }',
      'plugins:',
      plugin('racer', String(round)),
      plugin('steady', 'always'),
      '',
    ].join('\n'),
  );
};

interface StatusBody {
  plugins: Array<ProcessRow & { state: string }>;
}

const readRows = async (url: string): Promise<StatusBody['plugins']> =>
  ((await (await fetch(`${url}/plugins/status`)).json()) as StatusBody).plugins.map((p) => ({ ...p, stopping: p.stopping ?? [] }));

const post = async (url: string, path: string): Promise<number> => {
  const response = await fetch(`${url}${path}`, { method: 'POST' });
  await response.body?.cancel();
  return response.status;
};

/** Two status reads around a /proc scan: what neither accounts for is hidden. */
const hiddenNow = async (hale: HaleProcess, url: string, knownGroups: Set<number>) => {
  const before = await readRows(url);
  for (const row of before) if (row.pid !== null) knownGroups.add(row.pid);
  const runId = hale.lines.find((l) => typeof l.runId === 'string')?.runId;
  const scan = { runId: typeof runId === 'string' ? runId : null, halePid: hale.child.pid ?? 0, knownGroups };
  const processes = listProcesses();
  const after = await readRows(url);
  return findHiddenProcesses({ ...scan, before, after, processes });
};

const until = async (check: () => Promise<boolean>, ms: number): Promise<boolean> => {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await delay(100);
  }
  return false;
};

describe('a reload racing POST /plugins/racer/start and /restart', () => {
  test(`${rounds} rounds: every live process of a plugin is the current generation, or one listed as stopping`, async () => {
    const file = join(dir, 'supervisor.yaml');
    writeConfig(file, 0);
    const hale = startHale(['run', '-c', file]);
    const url = String((await hale.line((l) => typeof l.api === 'string', 15_000)).api);
    const healthy = async () => (await readRows(url)).every((row) => row.state === 'healthy');
    expect(await until(healthy, 20_000)).toBe(true);
    const knownGroups = new Set<number>();
    const statuses: number[] = [];
    const hiddenDuring: unknown[] = [];
    const deadline = Date.now() + raceBudgetMs;
    for (let round = 1; round <= rounds && Date.now() < deadline; round += 1) {
      writeConfig(file, round);
      const stopsBefore = hale.lines.filter(
        (l) => l.event === 'transition' && l.plugin === 'racer' && l.reason === 'its config changed',
      ).length;
      const reloading = post(url, '/config/reload');
      // Into the window where the reload stops the old racer: once that stop is logged, or after a short random wait.
      if (round % 2 === 0) {
        await hale.line(
          (() => {
            let seen = 0;
            return (l) =>
              l.event === 'transition' && l.plugin === 'racer' && l.reason === 'its config changed' && (seen += 1) > stopsBefore;
          })(),
          10_000,
        );
      } else {
        await delay(round * 7);
      }
      const action = round % 4 < 2 ? 'start' : 'restart';
      const [reloaded, controlled] = await Promise.all([reloading, post(url, `/plugins/racer/${action}`)]);
      statuses.push(reloaded, controlled);
      hiddenDuring.push(...(await hiddenNow(hale, url, knownGroups)));
    }
    const settled = await until(healthy, 20_000);
    // Anything hidden stays hidden: one last look once all is quiet.
    const hidden = await hiddenNow(hale, url, knownGroups);
    expect(hidden, JSON.stringify(hidden, null, 2)).toEqual([]);
    expect(hiddenDuring).toEqual([]);
    expect(settled, JSON.stringify(await readRows(url))).toBe(true);
    expect(
      statuses.every((status) => [200, 202, 409].includes(status)),
      JSON.stringify(statuses),
    ).toBe(true);
    // Where hale marks its plugins, the scan judged them by their marks: the current ones carry this run's.
    const runId = hale.lines.find((l) => typeof l.runId === 'string')?.runId;
    if (typeof runId === 'string') {
      const marked = listProcesses().filter((s) => isLive(s) && readInstanceMark(s.pid)?.runId === runId);
      expect(marked.length).toBeGreaterThanOrEqual(2);
    }
    // Exactly the two plugins' current processes are hale's group-leading children.
    const rows = await readRows(url);
    const leaders = listProcesses().filter(
      (s) => isLive(s) && s.ppid === hale.child.pid && s.pgrp === s.pid && readCommandLine(s.pid).includes(dir),
    );
    expect(leaders.map((s) => s.pid).sort()).toEqual(rows.map((r) => r.pid).sort());
    hale.child.kill('SIGTERM');
    expect((await hale.exited).code).toBe(0);
  }, 180_000);
});
