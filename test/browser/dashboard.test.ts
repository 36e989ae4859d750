import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  launchChromium,
  recordStates,
  saveConsoleLog,
  saveScreenshot,
  statesSeen,
  waitInPage,
  watchPage,
  type PageWatch,
} from '../helpers/browser.js';
import { startHale, stopAllHale, type HaleProcess, type LogLine } from '../helpers/hale-process.js';
import { flakyMain, greeterMain, requireBuilt } from '../helpers/paths.js';

const token = 'dashboard-test-token';
const plugins = ['greeter', 'flaky'] as const;
const stepTimeout = 60_000;
const settle = 15_000;

let dir: string;
let file: string;
let port: number;
let hale: HaleProcess;
let browser: Browser | undefined;
const contexts: BrowserContext[] = [];
const watches = new Map<string, PageWatch>();
const took: Record<string, number> = {};
let page: Page;
let watch: PageWatch;
let reloads = 0;
let failedStep: string | null = null;

/** A port that was free a moment ago: the supervisor restart must come back on the same one. */
const pickFreePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });

const becomes = (plugin: string, to: string) => (line: LogLine) => line.event === 'transition' && line.plugin === plugin && line.to === to;

/** Starts hale on the config file and waits for its API and both plugins healthy. */
const startSupervisor = async (): Promise<HaleProcess> => {
  const started = startHale(['run', '-c', file]);
  await started.line((l) => typeof l.api === 'string', settle);
  await Promise.all(plugins.map((name) => started.line(becomes(name, 'healthy'), settle)));
  return started;
};

// Expressions run in the page, over the dashboard's DOM contract only.
const rowOf = (name: string) => `document.querySelector('tr.plugin[data-plugin="${name}"]')`;
const pidIn = (name: string) => `(${rowOf(name)}?.querySelector('td.pid')?.textContent ?? '').trim()`;
const healthyWithNewPid = (name: string, oldPid: string) =>
  `${rowOf(name)}?.dataset.state === 'healthy' && /^\\d+$/.test(${pidIn(name)}) && ${pidIn(name)} !== ${JSON.stringify(oldPid)}`;
const streamIs = (state: string) => `document.querySelector('#stream')?.dataset.state === '${state}'`;
const noticeIs = (kind: string, pattern: RegExp, not = '') =>
  `(() => { const n = document.querySelector('#notice'); const t = (n?.textContent ?? '').trim(); return n?.dataset.kind === '${kind}' && ${pattern.toString()}.test(t) && t !== ${JSON.stringify(not)}; })()`;
const dialogOpen = `document.querySelector('#token-dialog')?.open === true`;

const readPid = async (on: Page, name: string): Promise<string> => String(await on.evaluate(pidIn(name)));
const readNotice = async (on: Page): Promise<string> => ((await on.locator('#notice').textContent()) ?? '').trim();
const readRestarts = async (on: Page, name: string): Promise<number> =>
  Number(((await on.locator(`tr.plugin[data-plugin="${name}"] td.restarts`).textContent()) ?? '').trim());
const countTimeline = (on: Page, name: string): Promise<number> => on.locator(`#timeline li[data-plugin="${name}"]`).count();

/** A page in a fresh context (its own sessionStorage), recording states and console lines. */
const openDashboard = async (name: string): Promise<{ page: Page; watch: PageWatch }> => {
  if (browser === undefined) throw new Error('chromium did not start');
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  contexts.push(context);
  await recordStates(context);
  const opened = await context.newPage();
  const watched = watchPage(opened);
  watches.set(name, watched);
  await opened.goto(`http://127.0.0.1:${port}/`, { timeout: settle });
  return { page: opened, watch: watched };
};

/** Runs one step, timed; after a failed step the later ones say so instead of failing on its leftovers. */
const step = (name: string, body: () => Promise<void>) => async () => {
  if (failedStep !== null) throw new Error(`not run: step "${failedStep}" failed`);
  const start = Date.now();
  try {
    await body();
  } catch (error) {
    failedStep = name;
    throw error;
  } finally {
    took[name] = Date.now() - start;
  }
};

/** Answers the token dialog with TEXT. */
const answerToken = async (on: Page, watched: PageWatch, text: string): Promise<void> => {
  await waitInPage(on, watched, dialogOpen, 5_000, 'dialog#token-dialog to open');
  await on.locator('#token-input').fill(text);
  await on.locator('#token-save').click();
};

beforeAll(async () => {
  requireBuilt();
  dir = mkdtempSync(join(tmpdir(), 'hale-dashboard-'));
  file = join(dir, 'supervisor.yaml');
  port = await pickFreePort();
  writeFileSync(
    file,
    [
      `api: { host: 127.0.0.1, port: ${port}, token: ${token} }`,
      'grpc: { enabled: false }',
      `stateDir: ${join(dir, 'state')}`,
      'defaults: { checkInterval: 200ms, checkTimeout: 1s, startInterval: 100ms, successThreshold: 1, failureThreshold: 1, restartBackoff: 100ms, maxRestartBackoff: 1s, maxRestarts: 20, stopTimeout: 2s }',
      'plugins:',
      `  - { name: greeter, command: node, args: [${greeterMain}] }`,
      `  - { name: flaky, command: node, args: [${flakyMain}], critical: false }`,
      '',
    ].join('\n'),
  );
  const start = Date.now();
  [hale, browser] = await Promise.all([startSupervisor(), launchChromium()]);
  took['setup: hale healthy and chromium launched'] = Date.now() - start;
});

afterAll(async () => {
  saveConsoleLog(watches);
  for (const context of contexts) await context.close().catch(() => undefined);
  await browser?.close().catch(() => undefined);
  await stopAllHale();
  rmSync(dir, { recursive: true, force: true });
  console.info(`dashboard steps (ms): ${JSON.stringify(took)}`);
});

describe('the dashboard in chromium', () => {
  test(
    '1: loads and shows every plugin healthy over a live stream',
    step('1 load', async () => {
      ({ page, watch } = await openDashboard('main page'));
      page.on('framenavigated', (frame) => {
        if (frame === page.mainFrame()) reloads += 1;
      });
      const allHealthy = plugins.map((name) => `${rowOf(name)}?.dataset.state === 'healthy'`).join(' && ');
      await waitInPage(page, watch, `${allHealthy} && ${streamIs('live')}`, settle, 'both rows healthy and #stream live');
      await waitInPage(page, watch, `document.querySelector('#overall')?.dataset.status === 'healthy'`, 5_000, '#overall healthy');
      // Each row's CPU and memory come from /plugins/status, read while the page is visible.
      const cellOf = (name: string, cell: string) => `(${rowOf(name)}?.querySelector('td.${cell}')?.textContent ?? '')`;
      const resourcesShown = plugins.map(
        (name) => `/^[\\d.]+%$/.test(${cellOf(name, 'cpu')}) && /^[\\d.]+ MiB$/.test(${cellOf(name, 'mem')})`,
      );
      await waitInPage(page, watch, resourcesShown.join(' && '), 5_000, 'CPU and memory cells filled in');
      expect(await page.locator('#overall').textContent()).toContain('healthy');
      expect(await page.locator('#stream').textContent()).toContain('live');
      for (const name of plugins)
        expect(await page.locator(`tr.plugin[data-plugin="${name}"] td.state`).textContent()).toContain('healthy');
      await saveScreenshot(page, '1-loaded');
    }),
    stepTimeout,
  );

  test(
    '2: a SIGKILL from the page turns the row unhealthy, then healthy with a new pid, without a reload',
    step('2 SIGKILL', async () => {
      const oldPid = await readPid(page, 'flaky');
      const seenBefore = (await statesSeen(page, 'flaky')).length;
      const row = page.locator('tr.plugin[data-plugin="flaky"]');
      await row.locator('select[data-role="signal"]').selectOption('SIGKILL');
      await row.locator('button[data-action="signal"]').click();
      await answerToken(page, watch, token);
      await saveScreenshot(page, '2a-token-given');
      const leftHealthy = `(${rowOf('flaky')}?.dataset.state ?? 'healthy') !== 'healthy' || ((window.__haleSeen || {}).flaky || []).slice(${seenBefore}).some((s) => s !== 'healthy')`;
      await waitInPage(page, watch, leftHealthy, 10_000, 'the flaky row to leave healthy after SIGKILL');
      await saveScreenshot(page, '2b-killed');
      await waitInPage(
        page,
        watch,
        healthyWithNewPid('flaky', oldPid),
        settle,
        `the flaky row healthy again with a pid other than ${oldPid}`,
      );
      await saveScreenshot(page, '2c-healthy-again');
      const seen = (await statesSeen(page, 'flaky')).slice(seenBefore);
      console.info(`flaky's row after SIGKILL: ${seen.join(' → ')}`);
      expect(
        seen.some((state) => state === 'unhealthy' || state === 'restarting'),
        `flaky's states after the kill: ${seen.join(' → ')}`,
      ).toBe(true);
      expect(await page.evaluate(`sessionStorage.getItem('hale.token')`)).toBe(token);
      expect(reloads, 'main-frame navigations after the first load').toBe(0);
    }),
    stepTimeout,
  );

  test(
    '3: restart asks for the token: cancel says why, a wrong one is refused, the right one restarts',
    step('3 token', async () => {
      const fresh = await openDashboard('fresh context');
      const on = fresh.page;
      const seen = fresh.watch;
      await waitInPage(
        on,
        seen,
        `${rowOf('greeter')}?.dataset.state === 'healthy' && ${streamIs('live')}`,
        settle,
        'greeter healthy in a fresh context',
      );
      const oldPid = await readPid(on, 'greeter');
      const restartsBefore = await readRestarts(on, 'greeter');
      const timelineBefore = await countTimeline(on, 'greeter');
      const restart = on.locator('tr.plugin[data-plugin="greeter"] button[data-action="restart"]');

      await restart.click();
      await waitInPage(on, seen, dialogOpen, 5_000, 'dialog#token-dialog to open on a 401');
      await saveScreenshot(on, '3a-token-asked');
      await on.locator('#token-cancel').click();
      await waitInPage(on, seen, noticeIs('error', /token/i), 5_000, '#notice (error) to say a token is needed');
      const cancelled = await readNotice(on);
      expect(cancelled).toMatch(/token/i);
      expect(cancelled).toMatch(/401/);
      expect(await readPid(on, 'greeter')).toBe(oldPid);
      await saveScreenshot(on, '3b-cancelled');

      await restart.click();
      await answerToken(on, seen, 'not-the-token');
      // The refusal is said in #notice, and the dialog asks again.
      const refusal = /refused|not accepted/i;
      await waitInPage(on, seen, noticeIs('error', refusal, cancelled), 5_000, '#notice to say the token was refused');
      await waitInPage(on, seen, dialogOpen, 5_000, 'the dialog to ask again after a refused token');
      expect(await readNotice(on)).toMatch(/401/);
      expect(await on.evaluate(`sessionStorage.getItem('hale.token')`)).not.toBe('not-the-token');
      expect(await readPid(on, 'greeter')).toBe(oldPid);
      await saveScreenshot(on, '3c-wrong-token');

      await on.locator('#token-input').fill(token);
      await on.locator('#token-save').click();
      await waitInPage(on, seen, noticeIs('ok', /./), 10_000, '#notice ok after the right token');
      await waitInPage(on, seen, healthyWithNewPid('greeter', oldPid), settle, `greeter healthy again with a pid other than ${oldPid}`);
      const restartsAfter = await readRestarts(on, 'greeter');
      const timelineAfter = await countTimeline(on, 'greeter');
      expect(
        restartsAfter > restartsBefore || timelineAfter > timelineBefore,
        `restarts ${restartsBefore} → ${restartsAfter}, greeter's timeline entries ${timelineBefore} → ${timelineAfter}`,
      ).toBe(true);
      expect(await on.evaluate(`sessionStorage.getItem('hale.token')`)).toBe(token);
      await saveScreenshot(on, '3d-restarted');
    }),
    stepTimeout,
  );

  test(
    '4: survives a supervisor restart: reconnecting, then live with new pids, without a reload',
    step('4 supervisor restart', async () => {
      const oldPids = await Promise.all(plugins.map((name) => readPid(page, name)));
      const pid = hale.child.pid;
      if (pid === undefined) throw new Error('hale has no pid');
      process.kill(pid, 'SIGTERM');
      const ended = await Promise.race([hale.exited, new Promise<null>((resolve) => setTimeout(() => resolve(null), settle))]);
      expect(ended, 'hale ends within 15 s of SIGTERM').not.toBeNull();
      await waitInPage(page, watch, streamIs('reconnecting'), 10_000, '#stream reconnecting while hale is down');
      expect(await page.locator('#stream').textContent()).toContain('reconnecting');
      await saveScreenshot(page, '4a-reconnecting');

      hale = await startSupervisor();
      const back = plugins.map((name, index) => healthyWithNewPid(name, oldPids[index] ?? '')).join(' && ');
      await waitInPage(page, watch, `${streamIs('live')} && ${back}`, settle, '#stream live again and both rows healthy with new pids');
      expect(reloads, 'main-frame navigations after the first load').toBe(0);
      await saveScreenshot(page, '4b-live-again');
    }),
    stepTimeout,
  );
});
