import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, test } from 'vitest';
import { findWatchdogMain, startWatchdog, type WatchdogStatus } from '../../../src/containment/watchdog.js';
import { createMemoryLogger } from '../../helpers/memory-log.js';

const root = mkdtempSync(join(tmpdir(), 'hale-watchdog-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('findWatchdogMain', () => {
  test('run from src/, it finds the compiled watchdog program in the build, beside the guard that spawns it', () => {
    const main = findWatchdogMain();
    expect(main).toBe(fileURLToPath(new URL('../../../dist/containment/watchdog-main.js', import.meta.url)));
    expect(readFileSync(main ?? '', 'utf8')).toContain("process.title = 'hale-watchdog'");
  });
});

describe('startWatchdog: it is never given up', () => {
  test('a watchdog that dies at once, every time, is started again and again, later each time up to the cap; its status says restarting meanwhile', async () => {
    // A watchdog program that dies as soon as it runs.
    const main = join(root, 'dies.mjs');
    writeFileSync(main, 'process.exit(3);\n');
    const { log, lines } = createMemoryLogger('debug');
    const statuses: WatchdogStatus[] = [];
    const watchdog = await startWatchdog({
      log,
      guarded: () => [],
      main,
      firstRetryMs: 20,
      maxRetryMs: 80,
      onStatus: (status) => statuses.push(status),
    });
    try {
      const deadline = Date.now() + 20_000;
      while (watchdog.status().restarts < 8 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(watchdog.status().restarts).toBeGreaterThanOrEqual(8);
      expect(lines.some((line) => String(line.msg).includes('going on without it'))).toBe(false);
      const restarting = statuses.filter((status) => status.state === 'restarting');
      expect(restarting.length).toBeGreaterThanOrEqual(8);
      // At once after the first death, then 20, 40, 80, 80… ms.
      expect(restarting[0]?.reason).toMatch(/died \(exit code 3\); starting another$/);
      expect(restarting.slice(1, 5).map((status) => /next try in (\d+) ms/.exec(status.reason)?.[1])).toEqual(['20', '40', '80', '80']);
      // Each death is seen between two starts: running and restarting alternate.
      expect(statuses.slice(0, 6).map((status) => status.state)).toEqual([
        'running',
        'restarting',
        'running',
        'restarting',
        'running',
        'restarting',
      ]);
    } finally {
      await watchdog.close();
    }
  });
});
