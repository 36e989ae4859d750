import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { launchChromium, saveScreenshot, waitInPage, watchPage, type PageWatch } from '../helpers/browser.js';
import { startHale, stopAllHale, type HaleProcess } from '../helpers/hale-process.js';
import { fixture, requireBuilt } from '../helpers/paths.js';

const settle = 20_000;
const stepTimeout = 60_000;
const dir = mkdtempSync(join(tmpdir(), 'hale-dashboard-first-'));
let hale: HaleProcess;
let browser: Browser | undefined;
let page: Page;
let watch: PageWatch;
const requested: string[] = [];

beforeAll(async () => {
  requireBuilt();
  const file = join(dir, 'supervisor.yaml');
  // No nats:, no federation: the dashboard of a hale as `hale init` makes it.
  writeFileSync(
    file,
    [
      'api: { host: 127.0.0.1, port: 0 }',
      'grpc: { enabled: false }',
      `stateDir: ${join(dir, 'state')}`,
      'defaults: { checkInterval: 200ms, startInterval: 100ms, successThreshold: 1 }',
      'plugins:',
      `  - { name: chatty, command: ${process.execPath}, args: [${fixture('chatty-plugin.mjs')}] }`,
      // It ignores SIGTERM: its stop lasts stopTimeout, so the page hears "begun" well before the end.
      `  - { name: stubborn, command: ${process.execPath}, args: [${fixture('stubborn-plugin.mjs')}, --ignore-sigterm], stopTimeout: 1500ms }`,
      '',
    ].join('\n'),
  );
  hale = startHale(['run', '-c', file]);
  const [listening, launched] = await Promise.all([hale.line((l) => typeof l.api === 'string', settle), launchChromium()]);
  browser = launched;
  await Promise.all(
    ['chatty', 'stubborn'].map((name) => hale.line((l) => l.event === 'transition' && l.plugin === name && l.to === 'healthy', settle)),
  );
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  watch = watchPage(page);
  page.on('request', (request) => requested.push(new URL(request.url()).pathname));
  await page.goto(String(listening.api), { timeout: settle });
}, stepTimeout);

afterAll(async () => {
  await browser?.close().catch(() => undefined);
  await stopAllHale();
  rmSync(dir, { recursive: true, force: true });
});

const rowOf = (name: string) => `document.querySelector('tr.plugin[data-plugin="${name}"]')`;
const cellOf = (name: string, cell: string) => `(${rowOf(name)}?.querySelector('td.${cell}')?.textContent ?? '').trim()`;
const noticeText = `(document.querySelector('#notice')?.textContent ?? '').trim()`;

describe('the dashboard on first contact (federation off)', () => {
  test(
    'loads with no console error and never asks for the hubs',
    async () => {
      const healthy = ['chatty', 'stubborn'].map((name) => `${rowOf(name)}?.dataset.state === 'healthy'`).join(' && ');
      await waitInPage(
        page,
        watch,
        `${healthy} && document.querySelector('#stream')?.dataset.state === 'live'`,
        settle,
        'both rows healthy over a live stream',
      );
      // The hubs view asks at load; give it the time of one hubs poll (5 s) to do anything it would.
      await new Promise((resolve) => setTimeout(resolve, 6_000));
      expect(watch.errors()).toEqual([]);
      expect(requested.filter((path) => path.startsWith('/federation/'))).toEqual([]);
      expect(await page.locator('#hubs').isHidden()).toBe(true);
    },
    stepTimeout,
  );

  test(
    'the log tail shows time, level and message, and the raw line on demand',
    async () => {
      await page.locator('tr.plugin[data-plugin="chatty"] button[data-action="details"]').click();
      const tail = `document.querySelector('tr.details[data-details-for="chatty"] pre.log-tail')`;
      await waitInPage(
        page,
        watch,
        `(${tail}?.textContent ?? '').includes('config read')`,
        settle,
        "chatty's log tail to show its JSON line",
      );
      const lines = async (): Promise<Array<{ level: string; text: string }>> =>
        page.evaluate<Array<{ level: string; text: string }>>(
          `[...${tail}.querySelectorAll('.log-line')].map((l) => ({ level: l.dataset.level, text: l.textContent.trim() }))`,
        );
      const shown = await lines();
      expect(shown.find((l) => l.text.includes('config read'))).toMatchObject({
        level: 'info',
        text: expect.stringMatching(/^\d\d:\d\d:\d\d INFO +config read$/),
      });
      expect(shown.find((l) => l.text.includes('booting'))).toMatchObject({
        level: 'out',
        text: expect.stringMatching(/^\d\d:\d\d:\d\d out booting: loading 3 modules$/),
      });
      expect(shown.map((l) => l.text).join('\n')).not.toContain('{"level"');
      await saveScreenshot(page, 'first-contact-1-log-tail');

      const toggle = page.locator('tr.details[data-details-for="chatty"] button[data-action="raw-log"]');
      await toggle.click();
      expect(await toggle.getAttribute('aria-pressed')).toBe('true');
      expect((await lines()).find((l) => l.text.includes('config read'))?.text).toMatch(
        /^\d\d:\d\d:\d\d out \{"level":30,"msg":"config read","modules":3\}$/,
      );
      await toggle.click();
      expect((await lines()).find((l) => l.text.includes('config read'))?.text).toMatch(/INFO +config read$/);
    },
    stepTimeout,
  );

  test(
    'a stop from the page: the banner says begun, then that it is over; the stopped row shows no stale latency or message',
    async () => {
      const latencyBefore = String(await page.evaluate(cellOf('stubborn', 'latency')));
      expect(latencyBefore).toMatch(/ms$/);
      await page.locator('tr.plugin[data-plugin="stubborn"] button[data-action="stop"]').click();
      await waitInPage(page, watch, `/stop of "stubborn" begun/.test(${noticeText})`, settle, 'the banner to say the stop began');
      await waitInPage(page, watch, `${rowOf('stubborn')}?.dataset.state === 'stopped'`, settle, 'the stubborn row stopped');
      await waitInPage(
        page,
        watch,
        `/^stop of "stubborn": /.test(${noticeText}) && !document.querySelector('#notice').hidden`,
        settle,
        'the banner to say the stop is over',
      );
      const notice = page.locator('#notice');
      expect(await notice.getAttribute('data-kind')).toBe('ok');
      console.info(`banner after the stop: ${String(await page.evaluate(noticeText))}`);
      // A full read of /health comes every 10 s: the row must stay blank after it too.
      await new Promise((resolve) => setTimeout(resolve, 11_000));
      expect(await page.evaluate(cellOf('stubborn', 'latency'))).toBe('–');
      // The message cell says why it is stopped (the transition's reason), not what its last check or exit said.
      const message = String(await page.evaluate(cellOf('stubborn', 'message')));
      const stateTitle = String(await page.evaluate(`${rowOf('stubborn')}?.querySelector('td.state')?.getAttribute('title') ?? ''`));
      expect(message).toMatch(/stop requested/);
      expect(stateTitle.endsWith(`: ${message}`), `state title "${stateTitle}"`).toBe(true);
      await saveScreenshot(page, 'first-contact-2-stopped');
      // A critical plugin stopped makes /health answer 503 (unhealthy), which chromium logs; nothing else may be.
      expect(watch.errors().filter((line) => !line.includes('status of 503'))).toEqual([]);
    },
    stepTimeout,
  );
});
