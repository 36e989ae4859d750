import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { connect } from '@nats-io/transport-node';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConfig } from '../../src/config/types.js';
import { openNatsLink } from '../../src/nats/nats-link.js';
import type { LinkStatusChange, NatsLink } from '../../src/nats/types.js';
import { startNatsServer, stopAllNatsServers } from '../helpers/nats-server.js';

const links: NatsLink[] = [];
afterAll(async () => {
  await Promise.all(links.map((link) => link.close()));
  await stopAllNatsServers();
});

const configFor = (url: string, overrides: Partial<NatsConfig> = {}): NatsConfig => ({
  servers: [url],
  auth: { kind: 'none' },
  hubId: 'test',
  subjectPrefix: 'hale',
  summaryIntervalMs: 10_000,
  maxPending: 100,
  jetstream: null,
  ...overrides,
});

const open = (config: NatsConfig) => {
  const link = openNatsLink(config, { name: 'hale test', retryMs: 100 });
  links.push(link);
  return link;
};

/** Resolves once the link reaches `state`, or rejects after `timeoutMs` with where it stood. */
const reach = (link: NatsLink, state: LinkStatusChange['state'], timeoutMs = 10_000): Promise<LinkStatusChange> =>
  new Promise((resolve, reject) => {
    if (link.state().state === state) return resolve(link.state());
    const timer = setTimeout(() => {
      off();
      reject(new Error(`the link did not reach ${state} within ${timeoutMs} ms; it is ${JSON.stringify(link.state())}`));
    }, timeoutMs);
    const off = link.onState((change) => {
      if (change.state !== state) return;
      clearTimeout(timer);
      off();
      resolve(change);
    });
  });

describe('the NATS link, against a real nats-server', () => {
  it('holds what is published before the server is there, then sends it in order', async () => {
    const server = await startNatsServer({ jetstream: true });
    // A stream, not a subscriber, witnesses what arrives: a subscriber could connect after the link has sent.
    const witness = await connect({ servers: server.url });
    await (await jetstreamManager(witness)).streams.add({ name: 'WITNESS', subjects: ['hale.test.health.>'] });
    await witness.close();
    await server.halt();
    const link = open(configFor(server.url));
    expect(link.publish('hale.test.health.a', { n: 1 })).toBe('queued');
    expect(link.publish('hale.test.health.a', { n: 2 })).toBe('queued');
    expect(link.state().state).toBe('connecting');
    expect(link.stats().pending).toBe(2);

    await server.revive();
    await reach(link, 'connected');
    expect(await link.flush(5_000)).toBe(true);
    expect(link.stats()).toMatchObject({ pending: 0, dropped: 0, published: 2 });
    const reader = await connect({ servers: server.url });
    try {
      const batch = await (await jetstream(reader).consumers.get('WITNESS')).fetch({ max_messages: 2, expires: 5_000 });
      const read: unknown[] = [];
      for await (const message of batch) read.push(message.json());
      expect(read).toEqual([{ n: 1 }, { n: 2 }]);
    } finally {
      await reader.close();
    }
    await server.stop();
  });

  it('drops the oldest beyond maxPending while the server is away, counts them, and comes back by itself', async () => {
    const server = await startNatsServer({ jetstream: true });
    const link = open(configFor(server.url, { maxPending: 5 }));
    expect(await link.ensureStream({ name: 'WITNESS_B', subjects: ['hale.test.health.b'], maxAgeMs: 60_000, maxMessages: 100 })).toEqual({
      ok: true,
      created: true,
    });
    expect(link.publish('hale.test.health.b', { n: 0 })).toBe('sent');
    expect(await link.flush(5_000)).toBe(true);
    await server.halt();
    await reach(link, 'reconnecting');
    expect(link.state().reason).toMatch(/lost|reconnect/);
    const outcomes = Array.from({ length: 8 }, (_, n) => link.publish('hale.test.health.b', { n: n + 1 }));
    expect(outcomes.filter((o) => o === 'queued')).toHaveLength(5);
    expect(outcomes.filter((o) => o === 'dropped')).toHaveLength(3);
    expect(link.stats()).toMatchObject({ pending: 5, dropped: 3 });

    await server.revive();
    await reach(link, 'connected', 15_000);
    expect(await link.flush(5_000)).toBe(true);
    expect(link.stats()).toMatchObject({ pending: 0, dropped: 3 });
    expect(link.stats().reconnects).toBeGreaterThanOrEqual(1);
    const reader = await connect({ servers: server.url });
    try {
      const batch = await (await jetstream(reader).consumers.get('WITNESS_B')).fetch({ max_messages: 6, expires: 5_000 });
      const read: number[] = [];
      for await (const message of batch) read.push(message.json<{ n: number }>().n);
      // The oldest three held went: what is sent is the first, before the outage, then the newest five, in order.
      expect(read).toEqual([0, 4, 5, 6, 7, 8]);
    } finally {
      await reader.close();
    }
    await server.stop();
  });

  it('creates a JetStream stream that keeps what was published for a reader who comes later', async () => {
    const server = await startNatsServer({ jetstream: true });
    const link = open(configFor(server.url));
    const created = await link.ensureStream({ name: 'HALE_TEST', subjects: ['hale.test.health.>'], maxAgeMs: 60_000, maxMessages: 100 });
    expect(created).toEqual({ ok: true, created: true });
    for (let n = 0; n < 3; n++) link.publish('hale.test.health.summary', { n });
    expect(await link.flush(5_000)).toBe(true);
    // The same spec again finds the stream there.
    expect(await link.ensureStream({ name: 'HALE_TEST', subjects: ['hale.test.health.>'], maxAgeMs: 60_000, maxMessages: 100 })).toEqual({
      ok: true,
      created: false,
    });

    const late = await connect({ servers: server.url });
    try {
      const consumer = await jetstream(late).consumers.get('HALE_TEST');
      const batch = await consumer.fetch({ max_messages: 3, expires: 5_000 });
      const read: unknown[] = [];
      for await (const message of batch) read.push(message.json());
      expect(read).toEqual([{ n: 0 }, { n: 1 }, { n: 2 }]);
    } finally {
      await late.close();
    }
    await server.stop();
  });

  it('says why when the server has no JetStream, and goes on publishing', async () => {
    const server = await startNatsServer();
    const link = open(configFor(server.url));
    const result = await link.ensureStream({ name: 'HALE_NONE', subjects: ['hale.test.health.>'], maxAgeMs: 60_000, maxMessages: 100 });
    expect(result.ok).toBe(false);
    expect(result.ok ? '' : result.message).toMatch(/HALE_NONE/);
    expect(link.publish('hale.test.health.c', { ok: true })).toBe('sent');
    await server.stop();
  });
  it('refuses a credentials file that is a FIFO, says so, and never blocks the event loop on it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hale-creds-'));
    const fifo = join(dir, 'user.creds');
    execFileSync('mkfifo', [fifo]);
    try {
      const server = await startNatsServer();
      const link = open(configFor(server.url, { auth: { kind: 'credentials', file: fifo } }));
      // A blocked readFileSync would stop this timer, and the test, for ever.
      const ticked = await new Promise<boolean>((resolve) => setTimeout(() => resolve(true), 300));
      expect(ticked).toBe(true);
      expect(link.state().state).not.toBe('connected');
      await expect.poll(() => link.state().reason, { timeout: 5_000 }).toMatch(/not a regular file/);
      await server.stop();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
