import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { repoRoot } from './paths.js';
import { envFor, findTestServer } from './test-servers.js';

/** No sandbox (root in CI), no GPU, and nothing that calls out to the internet on its own. */
export const chromiumArgs: readonly string[] = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-quic',
  '--disable-sync',
];

/** Where the dashboard test's screenshots and console log go (test-artifacts/ is in .gitignore). */
export const artifactsDir = join(repoRoot, 'test-artifacts', 'dashboard');

/**
 * Launches headless chromium (the one HALE_TEST_CHROMIUM names, or the one
 * npm test found or fetched: see test/helpers/test-servers.ts) with a fresh
 * profile of playwright's making; throws, saying how to get one, when there
 * is none, so a machine without it fails the test rather than skipping it.
 *
 * @example
 * const browser = await launchChromium();
 * const page = await browser.newPage();
 */
export const launchChromium = async (): Promise<Browser> => {
  const server = findTestServer('chromium');
  return chromium.launch({ executablePath: server.path, env: envFor(server), headless: true, args: [...chromiumArgs], timeout: 30_000 });
};

/**
 * Saves a full-page screenshot as test-artifacts/dashboard/STEP.png and
 * returns its path.
 *
 * @example
 * await saveScreenshot(page, '1-loaded'); // '…/test-artifacts/dashboard/1-loaded.png'
 */
export const saveScreenshot = async (page: Page, step: string): Promise<string> => {
  mkdirSync(artifactsDir, { recursive: true });
  const path = join(artifactsDir, `${step}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
};

/** What a page said on its console and what it threw, as it happened. */
export interface PageWatch {
  /** Every console message ("[error] …") and uncaught error ("[pageerror] …"), in order. */
  messages: string[];
  /** Only the errors: console errors and uncaught ones. */
  errors: () => string[];
}

/**
 * Collects a page's console messages and uncaught errors, to report what
 * the page did when a step fails.
 *
 * @example
 * const watch = watchPage(page);
 * console.log(watch.errors().join('\n'));
 */
export const watchPage = (page: Page): PageWatch => {
  const messages: string[] = [];
  page.on('console', (message) => messages.push(`[${message.type()}] ${message.text()}`));
  page.on('pageerror', (error) => messages.push(`[pageerror] ${error.stack ?? error.message}`));
  return { messages, errors: () => messages.filter((line) => line.startsWith('[error]') || line.startsWith('[pageerror]')) };
};

/** Writes the collected console lines of each named page to test-artifacts/dashboard/console.txt. */
export const saveConsoleLog = (watches: ReadonlyMap<string, PageWatch>): void => {
  mkdirSync(artifactsDir, { recursive: true });
  const text = [...watches].map(([name, watch]) => `== ${name}\n${watch.messages.join('\n')}\n`).join('\n');
  writeFileSync(join(artifactsDir, 'console.txt'), text);
};

// Runs in the page: every state a plugin row or the stream indicator takes, kept even when it lasts one frame.
const recorderScript = `(() => {
  const seen = (window.__haleSeen = window.__haleSeen || {});
  const note = (key, value) => {
    if (value === undefined || value === null) return;
    const list = (seen[key] = seen[key] || []);
    if (list[list.length - 1] !== value) list.push(value);
  };
  const record = () => {
    for (const row of document.querySelectorAll('tr.plugin[data-plugin]')) note(row.dataset.plugin, row.dataset.state);
    note('#stream', document.querySelector('#stream')?.dataset.state);
  };
  new MutationObserver(record).observe(document, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-state'] });
})()`;

/**
 * Makes every page of the context record each data-state its plugin rows
 * and #stream take, so a state shorter than a poll is still seen.
 *
 * @example
 * await recordStates(context);
 * await statesSeen(page, 'flaky'); // ['unknown', 'healthy', 'restarting', 'healthy']
 */
export const recordStates = async (context: BrowserContext): Promise<void> => {
  await context.addInitScript({ content: recorderScript });
};

/** The states KEY (a plugin's name, or '#stream') took on PAGE since it loaded, oldest first. */
export const statesSeen = async (page: Page, key: string): Promise<string[]> => {
  const seen = await page.evaluate(`(window.__haleSeen || {})[${JSON.stringify(key)}] || []`);
  return Array.isArray(seen) ? seen.map(String) : [];
};

/** What the dashboard shows now, on a few lines: for the message of a step that timed out. */
export const describePage = async (page: Page): Promise<string> => {
  const text = await page.evaluate(`(() => {
    const attr = (selector, name) => document.querySelector(selector)?.getAttribute(name) ?? '(none)';
    const cell = (row, name) => (row.querySelector('td.' + name)?.textContent ?? '').trim();
    const rows = [...document.querySelectorAll('tr.plugin')].map((row) =>
      '  row ' + row.dataset.plugin + ': data-state=' + row.dataset.state + ' state=' + cell(row, 'state') + ' pid=' + cell(row, 'pid') +
      ' restarts=' + cell(row, 'restarts') + ' message=' + cell(row, 'message'));
    const timeline = [...document.querySelectorAll('#timeline li')].slice(0, 5).map((li) => '  timeline ' + li.dataset.plugin + ' -> ' + li.dataset.to);
    return [
      'url=' + location.href,
      '#overall data-status=' + attr('#overall', 'data-status'),
      '#stream data-state=' + attr('#stream', 'data-state') + ' text=' + (document.querySelector('#stream')?.textContent ?? '').trim(),
      '#notice data-kind=' + attr('#notice', 'data-kind') + ' text=' + (document.querySelector('#notice')?.textContent ?? '').trim(),
      'dialog#token-dialog open=' + (document.querySelector('#token-dialog')?.open ?? '(none)'),
      ...rows,
      ...timeline,
    ].join('\\n');
  })()`);
  return String(text);
};

const pollMs = 50;

/**
 * Waits until EXPRESSION (JavaScript run in the page) is truthy, at most
 * TIMEOUT ms; on timeout throws saying WHAT was awaited, what the page shows
 * and what it logged. Polled from here with page.evaluate, which the page's
 * Content-Security-Policy allows; waitForFunction's string predicates would
 * need 'unsafe-eval', which the dashboard rightly refuses.
 *
 * @example
 * await waitInPage(page, watch, `document.querySelector('#stream')?.dataset.state === 'live'`, 10_000, '#stream live');
 */
export const waitInPage = async (page: Page, watch: PageWatch, expression: string, timeoutMs: number, what: string): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (let round = 0; round <= Math.ceil(timeoutMs / pollMs); round += 1) {
    try {
      if (await page.evaluate(expression)) return;
    } catch (error) {
      // A navigation or a page still loading: keep polling until the deadline.
      last = (error as Error).message.split('\n')[0] ?? '';
    }
    if (Date.now() >= deadline) break;
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
  const shown = await describePage(page).catch((cause: unknown) => `(could not read the page: ${String(cause)})`);
  const logged = watch.messages.slice(-20).join('\n  ');
  throw new Error(
    `waited ${timeoutMs} ms for ${what}${last === '' ? '' : ` (last evaluation error: ${last})`}\nthe page shows:\n${shown}\nits last console lines:\n  ${logged}`,
  );
};
