import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { launchChromium, saveScreenshot, waitInPage, watchPage } from '../helpers/browser.js';
import { startHale, stopAllHale, type HaleProcess } from '../helpers/hale-process.js';
import { startNatsServer, stopAllNatsServers } from '../helpers/nats-server.js';
import { greeterMain, requireBuilt } from '../helpers/paths.js';

const dir = mkdtempSync(join(tmpdir(), 'hale-hubs-view-'));
let browser: Browser | undefined;

afterAll(async () => {
  await browser?.close();
  await stopAllHale();
  await stopAllNatsServers();
  rmSync(dir, { recursive: true, force: true });
});

/** A hale of hub `hub` publishing to `natsUrl`, with federation when asked; resolves with its API address. */
const startHub = async (hub: string, natsUrl: string, federation: boolean): Promise<{ hale: HaleProcess; url: string }> => {
  const file = join(dir, `${hub}.yaml`);
  writeFileSync(
    file,
    [
      'api: { host: 127.0.0.1, port: 0 }',
      'grpc: { enabled: false }',
      `stateDir: ${join(dir, `${hub}-state`)}`,
      'defaults: { checkInterval: 200ms, startInterval: 100ms, successThreshold: 1 }',
      `nats: { servers: ["${natsUrl}"], hubId: ${hub}, summaryInterval: 500ms }`,
      `federation: { enabled: ${federation}, staleAfter: 1500ms }`,
      'plugins:',
      `  - { name: greeter, command: ${process.execPath}, args: [${greeterMain}] }`,
    ].join('\n'),
  );
  const hale = startHale(['run', '-c', file]);
  const listening = await hale.line((l) => typeof l.api === 'string', 15_000);
  return { hale, url: String(listening.api) };
};

describe("the dashboard's hubs view, with federation over a real nats-server", () => {
  it('lists every hub it hears, marks this hale, and shows a hub that went silent as stale', async () => {
    requireBuilt();
    const nats = await startNatsServer();
    const home = await startHub('hub-home', nats.url, true);
    const away = await startHub('hub-away', nats.url, false);
    browser = await launchChromium();
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const watch = watchPage(page);
    await page.goto(home.url);

    const row = (hub: string) => `document.querySelector('#hubs:not([hidden]) tr.hub[data-hub="${hub}"]')`;
    await waitInPage(
      page,
      watch,
      `${row('hub-home')} !== null && ${row('hub-away')}?.dataset.stale === 'false'`,
      15_000,
      'both hubs listed, fresh',
    );
    expect(await page.locator('tr.hub[data-hub="hub-home"] .badge').first().textContent()).toBe('this hale');
    expect(await page.locator('tr.hub[data-hub="hub-away"] td.hub-services').textContent()).toBe('1/1');
    expect(await page.locator('tr.hub[data-hub="hub-away"] td.hub-status').getAttribute('data-status')).toBe('healthy');
    await saveScreenshot(page, 'hubs-1-both-fresh');

    away.hale.child.kill('SIGTERM');
    await away.hale.exited;
    // Stale after 1.5 s of silence; the page reads the hubs every 5 s.
    await waitInPage(
      page,
      watch,
      `${row('hub-away')}?.dataset.stale === 'true' && ${row('hub-home')}?.dataset.stale === 'false'`,
      15_000,
      'hub-away stale, hub-home fresh',
    );
    expect(await page.locator('tr.hub[data-hub="hub-away"] .stale-badge').textContent()).toBe('stale');
    await saveScreenshot(page, 'hubs-2-one-stale');
    expect(watch.errors().filter((e) => e.includes('pageerror'))).toEqual([]);
  }, 120_000);
});
