import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import type { HealthBody } from '../../src/api/bodies.js';
import { stopAllHale } from '../helpers/hale-process.js';
import { getJson, hearSubject, pollFor, startNatsHale, stopNatsHale, type NatsHale } from '../helpers/nats-hale.js';
import { startNatsServer, stopAllNatsServers } from '../helpers/nats-server.js';
import { requireBuilt } from '../helpers/paths.js';
import { runHaleCli } from '../helpers/run-to-end.js';

let dir: string;
beforeAll(() => {
  requireBuilt();
  dir = mkdtempSync(join(tmpdir(), 'hale-nats-channels-'));
});
afterAll(async () => {
  await stopAllHale();
  await stopAllNatsServers();
  rmSync(dir, { recursive: true, force: true });
});

/** A TCP server that takes connections and closes them, as a database's port would answer a TCP check. */
const listenTcp = async (): Promise<{ server: Server; port: number; close: () => Promise<void> }> => {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  const close = () =>
    new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    });
  return { server, port, close };
};

describe('NATS channels: the global broadcast subject and per-dependency subjects', () => {
  it('a subscriber of hale.global.health alone hears the summaries of two hubs', async () => {
    const server = await startNatsServer();
    const nc = await connect({ servers: server.url });
    const hales: NatsHale[] = [];
    try {
      const global = await hearSubject(nc, 'hale.global.health');
      hales.push(
        ...(await Promise.all([
          startNatsHale(dir, { natsUrl: server.url, hubId: 'hub-a', tag: 'g', plugins: ['greeter'] }),
          startNatsHale(dir, { natsUrl: server.url, hubId: 'hub-b', tag: 'g', plugins: ['greeter'] }),
        ])),
      );
      for (const hub of ['hub-a', 'hub-b']) {
        const heard = await global.first((m) => m.body.hub_id === hub && m.body.overall_status === 'healthy', 8_000);
        expect(heard.subject).toBe('hale.global.health');
        expect(heard.body).toMatchObject({ hub_id: hub, interval_seconds: 0.5 });
        expect((heard.body.services as Array<{ name: string }>).map((s) => s.name)).toEqual(['greeter']);
      }
      // Nothing but summaries on it: every message is one hub's whole state.
      expect(global.heard.every((m) => typeof m.body.hub_id === 'string' && Array.isArray(m.body.services))).toBe(true);
    } finally {
      await Promise.all(hales.map(stopNatsHale));
      await nc.close();
      await server.stop();
    }
  });

  it("a dependency's transitions appear on its own subject, dots made '_'", async () => {
    const server = await startNatsServer();
    const nc = await connect({ servers: server.url });
    const db = await listenTcp();
    let hale: NatsHale | null = null;
    try {
      const checks = await hearSubject(nc, 'hale.hub-d.health.check.>');
      hale = await startNatsHale(dir, {
        natsUrl: server.url,
        hubId: 'hub-d',
        tag: 'd',
        plugins: ['greeter'],
        checks: [`{ name: db.main, protocol: tcp, host: 127.0.0.1, port: ${db.port}, interval: 200ms, timeout: 1s, critical: false }`],
      });
      const up = await checks.first((m) => m.body.to === 'healthy', 8_000);
      expect(up.subject).toBe('hale.hub-d.health.check.db_main');
      expect(up.body).toMatchObject({ hub_id: 'hub-d', service: 'db.main', type: 'check', status: 'up', critical: false });
      await db.close();
      const down = await checks.first((m) => m.body.from === 'healthy' && m.body.to === 'unhealthy', 8_000);
      expect(down.subject).toBe('hale.hub-d.health.check.db_main');
      expect(down.body).toMatchObject({ service: 'db.main', type: 'check', status: 'down' });
      expect(String(down.body.reason)).toMatch(/refused|ECONNREFUSED/i);
      // The plugins' subjects are untouched by it: greeter's transitions stay on hale.hub-d.health.greeter.
      expect(checks.heard.every((m) => m.subject === 'hale.hub-d.health.check.db_main')).toBe(true);
    } finally {
      if (hale !== null) await stopNatsHale(hale);
      await db.close().catch(() => undefined);
      await nc.close();
      await server.stop();
    }
  });

  it("holds a dependency's transition while NATS is away and sends it once it is back", async () => {
    // JetStream only as a witness the test owns: it keeps what reaches the server, whoever was subscribed then.
    const server = await startNatsServer({ jetstream: true });
    const setup = await connect({ servers: server.url });
    await (await jetstreamManager(setup)).streams.add({ name: 'WITNESS', subjects: ['hale.hub-e.health.check.>'] });
    await setup.close();
    const db = await listenTcp();
    let hale: NatsHale | null = null;
    try {
      hale = await startNatsHale(dir, {
        natsUrl: server.url,
        hubId: 'hub-e',
        tag: 'e',
        plugins: ['greeter'],
        checks: [`{ name: db, protocol: tcp, host: 127.0.0.1, port: ${db.port}, interval: 200ms, timeout: 1s, critical: false }`],
      });
      const url = hale.url;
      const natsIs = (status: string) => (body: HealthBody) => body.components?.nats?.status === status;
      await pollFor('hub-e connected to NATS', () => getJson<HealthBody>(`${url}/health`), natsIs('healthy'), 5_000);
      await server.halt();
      const haltedAt = Date.now();
      await pollFor('components.nats degraded', () => getJson<HealthBody>(`${url}/health`), natsIs('degraded'), 5_000);
      await db.close();
      await pollFor(
        'db unhealthy',
        async () => (await fetch(`${url}/checks/db`)).status,
        (status) => status === 503,
        8_000,
      );
      await server.revive();
      const revivedAt = Date.now();
      const nc = await connect({ servers: server.url });
      try {
        const jsm = await jetstreamManager(nc);
        const held = await pollFor(
          "db's transition, said while NATS was away, kept once it is back",
          async () => (await jsm.streams.getMessage('WITNESS', { last_by_subj: 'hale.hub-e.health.check.db' }).catch(() => null)) ?? null,
          (message) => message !== null && message.json<{ to: string }>().to === 'unhealthy',
          8_000,
        );
        const body = held?.json<{ to: string; timestamp: string; service: string }>();
        expect(body).toMatchObject({ service: 'db', to: 'unhealthy' });
        expect(Date.parse(String(body?.timestamp))).toBeGreaterThan(haltedAt);
        expect(Date.parse(String(body?.timestamp))).toBeLessThan(revivedAt);
        expect(held?.time.getTime()).toBeGreaterThanOrEqual(revivedAt - 50);
      } finally {
        await nc.close();
      }
    } finally {
      if (hale !== null) await stopNatsHale(hale);
      await db.close().catch(() => undefined);
      await server.stop();
    }
  });

  it('hale run refuses the hub id "global" with exit 2, at its line', async () => {
    const file = join(dir, 'global.yaml');
    writeFileSync(file, ['plugins: []', 'nats:', '  servers: [nats://127.0.0.1:1]', '  hubId: global', ''].join('\n'));
    const ran = await runHaleCli(['validate', '-c', file], { cwd: dir });
    expect(ran.code).toBe(2);
    expect(ran.stderr + ran.stdout).toMatch(/global\.yaml:4:\d+: nats\.hubId: the hub id "global" is reserved: hale\.global\.health/);
  });
});
