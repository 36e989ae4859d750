import { afterEach, describe, expect, it } from 'vitest';
import type { ApiServer } from '../../src/api/serve.js';
import { sendRaw, serveApi } from '../helpers/api-server.js';

const servers: ApiServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

const token = 'correct-horse-battery-staple';

const serve = async (options: Parameters<typeof serveApi>[0] = {}) => {
  const served = await serveApi({ token, ...options });
  servers.push(served.server);
  return served;
};

const rateLimit = { perClient: 5, perPlugin: 1_000, windowMs: 60_000 };

/** 127.0.0.2, 127.0.0.3, …: on Linux every address of 127.0.0.0/8 is this machine's. */
const sourceAddresses = (count: number): string[] =>
  Array.from({ length: count }, (_, index) => `127.0.${Math.floor((index + 2) / 250)}.${((index + 2) % 250) + 1}`);

describe('token guesses', () => {
  it('are bounded in total, however many source addresses they come from', async () => {
    const { server, backend } = await serve({ security: { rateLimit } });
    const addresses = sourceAddresses(40);
    const statuses = new Map<number, number>();
    const started = Date.now();
    for (const localAddress of addresses) {
      for (let guess = 0; guess < 5; guess++) {
        const answer = await sendRaw(server.port, {
          method: 'POST',
          path: '/plugins/greeter/restart',
          headers: { Authorization: `Bearer guess-${localAddress}-${guess}` },
          localAddress,
        });
        statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
      }
    }
    const seconds = (Date.now() - started) / 1_000;
    const evaluated = statuses.get(401) ?? 0;
    console.log(
      `token guesses: ${addresses.length * 5} sent from ${addresses.length} addresses in ${seconds.toFixed(1)} s; ${evaluated} answered 401 (evaluated), ${statuses.get(429) ?? 0} answered 429 (not evaluated)`,
    );
    // The global budget of failed attempts is four times the per-client limit, refilled evenly over the window.
    const global = rateLimit.perClient * 4;
    expect(evaluated).toBeLessThanOrEqual(global + Math.ceil((seconds * global * 1_000) / rateLimit.windowMs));
    expect(statuses.get(429) ?? 0).toBe(addresses.length * 5 - evaluated);
    expect(backend.requests).toEqual([]);
  });

  it('from one address are bounded per address, IPv4 by address', async () => {
    const { server } = await serve({ security: { rateLimit } });
    const statuses: number[] = [];
    for (let guess = 0; guess < 12; guess++) {
      statuses.push(
        (await sendRaw(server.port, { method: 'POST', path: '/plugins/greeter/stop', headers: { Authorization: `Bearer wrong-${guess}` } }))
          .status,
      );
    }
    expect(statuses.filter((status) => status === 401)).toHaveLength(rateLimit.perClient);
    expect(statuses.slice(rateLimit.perClient).every((status) => status === 429)).toBe(true);
    // Another address has a budget of its own.
    expect(
      (
        await sendRaw(server.port, {
          method: 'POST',
          path: '/plugins/greeter/stop',
          headers: { Authorization: 'Bearer x' },
          localAddress: '127.0.0.2',
        })
      ).status,
    ).toBe(401);
  });

  it('with protectReads are bounded on the read routes too', async () => {
    const { server } = await serve({ security: { rateLimit, protectReads: true } });
    const statuses: number[] = [];
    for (let guess = 0; guess < 12; guess++) {
      statuses.push((await sendRaw(server.port, { path: '/plugins/status', headers: { Authorization: `Bearer wrong-${guess}` } })).status);
    }
    expect(statuses.filter((status) => status === 401)).toHaveLength(rateLimit.perClient);
    expect(statuses.slice(rateLimit.perClient).every((status) => status === 429)).toBe(true);
  });
});

describe('the operator with the right token', () => {
  it('restarts a plugin right after a flood of unauthenticated requests from the same address', async () => {
    const { server, backend } = await serve({ security: { rateLimit } });
    const flood: number[] = [];
    for (let index = 0; index < 60; index++)
      flood.push((await sendRaw(server.port, { method: 'POST', path: '/plugins/greeter/restart' })).status);
    expect(flood.slice(-10).every((status) => status === 429)).toBe(true);
    const restart = await sendRaw(server.port, {
      method: 'POST',
      path: '/plugins/greeter/restart',
      headers: { Authorization: `Bearer ${token}` },
    });
    expect(restart.status).toBe(202);
    expect(backend.requests).toHaveLength(1);
  });

  it('once known, keeps working while guesses from many other addresses use up the global budget', async () => {
    const { server, backend } = await serve({ security: { rateLimit } });
    const asOperator = () =>
      sendRaw(server.port, { method: 'POST', path: '/plugins/greeter/restart', headers: { Authorization: `Bearer ${token}` } });
    expect((await asOperator()).status).toBe(202);
    for (const localAddress of sourceAddresses(30)) {
      await sendRaw(server.port, {
        method: 'POST',
        path: '/plugins/greeter/restart',
        headers: { Authorization: 'Bearer nope' },
        localAddress,
      });
    }
    expect((await asOperator()).status).toBe(202);
    expect(backend.requests).toHaveLength(2);
  });

  it('is still limited per client, by its own requests only', async () => {
    const { server } = await serve({ security: { rateLimit } });
    const statuses: number[] = [];
    for (let index = 0; index < 7; index++) {
      statuses.push(
        (await sendRaw(server.port, { method: 'POST', path: '/plugins/greeter/restart', headers: { Authorization: `Bearer ${token}` } }))
          .status,
      );
    }
    expect(statuses).toEqual([202, 202, 202, 202, 202, 429, 429]);
  });
});
