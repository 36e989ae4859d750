import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import type { ApiServer } from '../../src/api/serve.js';
import { launchChromium } from '../helpers/browser.js';
import { serveApi } from '../helpers/api-server.js';

let browser: Browser | undefined;
const servers: ApiServer[] = [];
const pages: Server[] = [];

afterAll(async () => {
  await browser?.close();
  await Promise.all(servers.map((server) => server.close()));
  await Promise.all(pages.map((server) => new Promise((resolve) => server.close(resolve))));
});

/** A page of another origin (another port of loopback), as an attacker's site would be. */
const serveForeignPage = async (): Promise<string> => {
  const server = createServer((_request, response) =>
    response.writeHead(200, { 'Content-Type': 'text/html' }).end('<!doctype html><title>x</title>'),
  );
  pages.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
};

/** Runs in the page: opens the socket, resolves with what became of it (the first message, or the close). */
const tryOpen = ([target, protocols]: readonly [string, readonly string[]]): Promise<{
  opened: boolean;
  first: string | null;
  code: number | null;
}> =>
  new Promise((resolve) => {
    const socket = new WebSocket(target, [...protocols]);
    let opened = false;
    socket.onopen = () => (opened = true);
    socket.onmessage = (message) => {
      resolve({ opened, first: String(message.data), code: null });
      socket.close();
    };
    socket.onclose = (event) => resolve({ opened, first: null, code: event.code });
  });

describe('GET /ws/health from a real browser', () => {
  it("opens from hale's own page with the token as a subprotocol, and not from a page of another origin", async () => {
    const { server, audit } = await serveApi({ token: 's3cret', security: { protectReads: true } });
    servers.push(server);
    const target = `ws://127.0.0.1:${server.port}/ws/health?types=transition`;
    // The README's way of passing the token from a page: base64url of it, beside hale.events.
    const token = Buffer.from('s3cret').toString('base64url');
    browser = await launchChromium();

    const own = await browser.newPage();
    await own.goto(`${server.url}/`);
    const fromOwn = await own.evaluate(tryOpen, [target, ['hale.events', `hale.token.${token}`]] as const);
    expect(fromOwn.opened).toBe(true);
    expect(JSON.parse(fromOwn.first ?? '{}')).toMatchObject({ type: 'hello' });
    const withoutToken = await own.evaluate(tryOpen, [target, ['hale.events']] as const);
    expect(withoutToken).toMatchObject({ opened: false, code: 1006 });

    const foreign = await browser.newPage();
    const foreignOrigin = (await serveForeignPage()).slice(0, -1);
    await foreign.goto(`${foreignOrigin}/`);
    // The right token does not help a page of another site: the browser's Origin and Sec-Fetch-Site refuse it.
    const fromForeign = await foreign.evaluate(tryOpen, [target, ['hale.events', `hale.token.${token}`]] as const);
    expect(fromForeign).toMatchObject({ opened: false, code: 1006 });
    // Refused by hale for its origin, not lost on the way.
    expect(audit.filter((line) => line.reason === 'cross_site_request').map((line) => line.origin)).toEqual([foreignOrigin]);
  });
});
