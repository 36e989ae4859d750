import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { launchChromium, saveScreenshot, waitInPage, watchPage } from '../helpers/browser.js';
import { startHale, stopAllHale, type LogLine } from '../helpers/hale-process.js';
import { fixture, requireBuilt } from '../helpers/paths.js';

const dir = mkdtempSync(join(tmpdir(), 'hale-dependency-map-'));
let browser: Browser | undefined;

afterAll(async () => {
  await browser?.close();
  await stopAllHale();
  rmSync(dir, { recursive: true, force: true });
});

const becomes = (plugin: string, to: string) => (line: LogLine) => line.event === 'transition' && line.plugin === plugin && line.to === to;

const node = JSON.stringify(process.execPath);
const late = fixture('late-plugin.mjs');
const configText = (withEdges: boolean) =>
  [
    'api: { host: 127.0.0.1, port: 0 }',
    'grpc: { enabled: false }',
    `stateDir: ${join(dir, 'state')}`,
    'defaults: { checkInterval: 200ms, startInterval: 50ms, startTimeout: 20s, successThreshold: 1 }',
    'plugins:',
    // Exits 78 at once: failed for good, so api waits for as long as the page is looked at.
    `  - { name: db, command: ${node}, args: ["-e", "process.exit(78)"], critical: false }`,
    `  - { name: api, command: ${node}, args: [${late}]${withEdges ? ', dependsOn: [db], restartWith: [db]' : ''} }`,
    `  - { name: cache, command: ${node}, args: [${late}] }`,
    `  - { name: web, command: ${node}, args: [${late}]${withEdges ? ', dependsOn: [cache]' : ''} }`,
    '',
  ].join('\n');

describe("the dashboard's dependency map", () => {
  it('draws each plugin with its state and an arrow per dependency, marks the waiting one, and hides when no edge is left', async () => {
    requireBuilt();
    const file = join(dir, 'supervisor.yaml');
    writeFileSync(file, configText(true));
    const hale = startHale(['run', '-c', file]);
    const url = String((await hale.line((l) => typeof l.api === 'string', 45_000)).api);
    await hale.line(becomes('web', 'healthy'), 45_000);
    browser = await launchChromium();
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const watch = watchPage(page);
    await page.goto(url);

    const nodeOf = (name: string) => `document.querySelector('#graph:not([hidden]) g.graph-node[data-plugin="${name}"]')`;
    await waitInPage(
      page,
      watch,
      `${nodeOf('web')}?.dataset.state === 'healthy' && ${nodeOf('db')}?.dataset.state === 'failed' && ${nodeOf('api')}?.dataset.waiting === 'true'`,
      45_000,
      'the map with web healthy, db failed, api waiting',
    );
    expect(await page.locator('g.graph-node[data-plugin="api"] .graph-state').textContent()).toBe('waiting');
    expect(await page.locator('g.graph-node[data-plugin="api"]').getAttribute('data-ready')).toBe('false');
    expect(await page.locator('g.graph-node[data-plugin="cache"]').getAttribute('data-state')).toBe('healthy');
    const edges = await page.evaluate<string[]>(
      `[...document.querySelectorAll('path.graph-edge')].map((p) => p.dataset.from + '→' + p.dataset.to + ':' + p.dataset.kind)`,
    );
    expect(edges.sort()).toEqual(['api→db:restartWith', 'web→cache:dependsOn']);
    // What a plugin depends on is drawn left of it.
    const x = (name: string) => page.evaluate<number>(`${nodeOf(name)}.getBoundingClientRect().left`);
    expect(await x('db')).toBeLessThan(await x('api'));
    expect(await x('cache')).toBeLessThan(await x('web'));
    // The table's row says it too.
    await waitInPage(
      page,
      watch,
      `document.querySelector('tr.plugin[data-plugin="api"] td.state')?.textContent === 'waiting'`,
      45_000,
      "api's row says waiting",
    );
    expect(await page.locator('tr.plugin[data-plugin="api"] td.message').textContent()).toBe('waiting for db (failed)');
    await saveScreenshot(page, 'dependency-map-1-waiting');

    // A reload that removes every edge: the map goes, and api, held no more, starts.
    writeFileSync(file, configText(false));
    expect((await fetch(`${url}/config/reload`, { method: 'POST' })).status).toBe(200);
    await hale.line(becomes('api', 'healthy'), 45_000);
    await waitInPage(page, watch, `document.getElementById('graph')?.hidden === true`, 45_000, 'the map hidden');
    await saveScreenshot(page, 'dependency-map-2-no-edges');
    expect(watch.errors().filter((e) => e.includes('pageerror'))).toEqual([]);
  }, 240_000);
});
