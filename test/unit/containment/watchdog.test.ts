import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, test } from 'vitest';
import { findWatchdogMain, findWatchdogScript, startWatchdog, type WatchdogStatus } from '../../../src/containment/watchdog.js';
import { createMemoryLogger } from '../../helpers/memory-log.js';

const root = mkdtempSync(join(tmpdir(), 'hale-watchdog-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** The watchdog's pid, from the guard's log line. */
const startedPid = (lines: Array<Record<string, unknown>>): number =>
  Number(lines.find((line) => line.msg === 'watchdog started')?.watchdogPid);

describe('findWatchdogMain', () => {
  test('run from src/, it finds the compiled watchdog program in the build, beside the guard that spawns it', () => {
    const main = findWatchdogMain();
    expect(main).toBe(fileURLToPath(new URL('../../../dist/containment/watchdog-main.js', import.meta.url)));
    expect(readFileSync(main ?? '', 'utf8')).toContain("process.title = 'hale-watchdog'");
  });

  test('run from src/, the sh loop that idles is the one beside the guard (sh needs no build); the build copies it into dist/', () => {
    const script = findWatchdogScript();
    expect(script).toBe(fileURLToPath(new URL('../../../src/containment/hale-watchdog.sh', import.meta.url)));
    expect(readFileSync(fileURLToPath(new URL('../../../dist/containment/hale-watchdog.sh', import.meta.url)), 'utf8')).toBe(
      readFileSync(script ?? '', 'utf8'),
    );
  });
});

describe('startWatchdog: what runs', () => {
  test('a sh loop, the node program given as what it runs at the end', async () => {
    const { log, lines } = createMemoryLogger('debug');
    const watchdog = await startWatchdog({ log, guarded: () => [] });
    try {
      const pid = startedPid(lines);
      expect(readFileSync(`/proc/${pid}/comm`, 'utf8').trim()).toBe('sh');
      const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      expect(args.slice(0, 4)).toEqual(['/bin/sh', findWatchdogScript(), process.execPath, findWatchdogMain()]);
    } finally {
      await watchdog.close();
    }
  });

  test('without a shell, the node program itself, said so once', async () => {
    const { log, lines } = createMemoryLogger('debug');
    const watchdog = await startWatchdog({ log, guarded: () => [], shell: join(root, 'no-such-sh') });
    try {
      const args = readFileSync(`/proc/${startedPid(lines)}/cmdline`, 'utf8').split('\0');
      expect(args.slice(0, 2)).toEqual([process.execPath, findWatchdogMain()]);
      const warnings = lines.filter((line) => line.msg === 'the watchdog runs as a whole node process instead of a sh loop');
      expect(warnings).toHaveLength(1);
      expect(warnings[0]?.reason).toContain('no-such-sh');
    } finally {
      await watchdog.close();
    }
  });
});

describe('startWatchdog: it is never given up', () => {
  test('a watchdog that dies at once, every time, is started again and again, later each time up to the cap; its status says restarting meanwhile', async () => {
    // A watchdog that dies as soon as it runs.
    const script = join(root, 'dies.sh');
    writeFileSync(script, 'exit 3\n');
    const { log, lines } = createMemoryLogger('debug');
    const statuses: WatchdogStatus[] = [];
    const watchdog = await startWatchdog({
      log,
      guarded: () => [],
      script,
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
