import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HealthBody } from '../../src/api/bodies.js';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { stopAllHale } from '../helpers/hale-process.js';
import { getJson, hearSubject, pollFor, readSample, startNatsHale, stopNatsHale, type NatsHale } from '../helpers/nats-hale.js';
import { startNatsServer, stopAllNatsServers } from '../helpers/nats-server.js';
import { requireBuilt } from '../helpers/paths.js';

interface HubBody {
  hub_id: string;
  overall_status: string;
  stale: boolean;
  age_seconds: number;
  received_at: string;
  service_count: number;
  summary: { hub_id: string; services: Array<{ name: string }> };
}
interface HubsBody {
  hub_id: string;
  stale_after_seconds: number;
  hubs: HubBody[];
}
interface ServicesBody {
  services: Array<{ hub_id: string; name: string; type: string; status: string; stale: boolean }>;
}
interface PluginBody {
  state: string;
  pid: number | null;
}

let dir: string;
beforeAll(() => {
  requireBuilt();
  dir = mkdtempSync(join(tmpdir(), 'hale-nats-fed-'));
});
afterAll(async () => {
  await stopAllHale();
  await stopAllNatsServers();
  rmSync(dir, { recursive: true, force: true });
});

const hubsOf = (hale: NatsHale) => () => getJson<HubsBody>(`${hale.url}/federation/hubs`);
const healthOf = (hale: NatsHale) => () => getJson<HealthBody>(`${hale.url}/health`);
const flakyOf = (hale: NatsHale) => () => getJson<PluginBody>(`${hale.url}/health/flaky`);
const metricsOf = async (hale: NatsHale) => (await fetch(`${hale.url}/metrics`)).text();
const hub = (body: HubsBody, id: string) => body.hubs.find((h) => h.hub_id === id);
const natsHealthy = (body: HealthBody) => body.components?.nats?.status === 'healthy';

describe('hale on NATS: health published, hubs federated', () => {
  it("hub-c hears hub-a, hub-b and itself; a plain subscriber reads hub-a's summaries and registrations", async () => {
    const server = await startNatsServer();
    const nc = await connect({ servers: server.url });
    const hales: NatsHale[] = [];
    try {
      // Before hub-a starts: registrations are said once, at the start.
      const hubA = await hearSubject(nc, 'hale.hub-a.>');
      hales.push(
        ...(await Promise.all([
          startNatsHale(dir, { natsUrl: server.url, hubId: 'hub-a', tag: 't1' }),
          startNatsHale(dir, { natsUrl: server.url, hubId: 'hub-b', tag: 't1' }),
          startNatsHale(dir, { natsUrl: server.url, hubId: 'hub-c', tag: 't1', staleAfter: '1500ms' }),
        ])),
      );
      const c = hales[2] as NatsHale;
      const allHealthy = (body: HubsBody) => ['hub-a', 'hub-b', 'hub-c'].every((id) => hub(body, id)?.overall_status === 'healthy');
      const hubs = await pollFor('hub-c hears three healthy hubs', hubsOf(c), allHealthy, 8_000);
      expect(hubs.hub_id).toBe('hub-c');
      expect(hubs.stale_after_seconds).toBe(1.5);
      expect(hubs.hubs.map((h) => h.hub_id)).toEqual(['hub-a', 'hub-b', 'hub-c']);
      for (const entry of hubs.hubs) {
        expect(entry, entry.hub_id).toMatchObject({ service_count: 2, stale: false, overall_status: 'healthy' });
        expect(entry.summary.hub_id).toBe(entry.hub_id);
        expect(entry.summary.services.map((s) => s.name).sort()).toEqual(['flaky', 'greeter']);
        expect(entry.age_seconds).toBeLessThan(1.5);
        expect(Date.parse(entry.received_at)).toBeGreaterThan(Date.now() - 5_000);
      }

      const { services } = await pollFor(
        'greeter of hub-a and hub-b up on /federation/services',
        () => getJson<ServicesBody>(`${c.url}/federation/services`),
        (body) => ['hub-a', 'hub-b'].every((id) => body.services.some((s) => s.hub_id === id && s.name === 'greeter' && s.status === 'up')),
        5_000,
      );
      for (const id of ['hub-a', 'hub-b']) {
        expect(services.find((s) => s.hub_id === id && s.name === 'greeter')).toMatchObject({ type: 'plugin', status: 'up', stale: false });
      }

      const federated = await metricsOf(c);
      expect(readSample(federated, 'hale_federation_hubs')).toBe(3);
      expect(readSample(federated, 'hale_federation_stale_hubs')).toBe(0);
      expect(readSample(federated, 'hale_nats_connected')).toBe(1);

      const summary = await hubA.first((m) => m.subject === 'hale.hub-a.health.summary' && m.body.overall_status === 'healthy', 5_000);
      expect(summary.body).toMatchObject({ hub_id: 'hub-a', overall_status: 'healthy', interval_seconds: 0.5 });
      expect(Number.isNaN(Date.parse(String(summary.body.timestamp)))).toBe(false);
      const listed = summary.body.services as Array<Record<string, unknown>>;
      expect(listed.map((s) => s.name).sort()).toEqual(['flaky', 'greeter']);
      for (const service of listed) {
        expect(service, String(service.name)).toMatchObject({ type: 'plugin', status: 'up', state: 'healthy', restart_count: 0 });
        expect(typeof service.latency_ms).toBe('number');
        expect(typeof service.version).toBe('string');
        expect(typeof service.uptime_seconds).toBe('number');
      }
      expect(listed.find((s) => s.name === 'greeter')?.version).toBe('1.0.0');
      for (const plugin of ['greeter', 'flaky']) {
        const registered = await hubA.first((m) => m.subject === 'hale.hub-a.service.registered' && m.body.service === plugin, 2_000);
        expect(registered.body).toMatchObject({ hub_id: 'hub-a', service: plugin, type: 'plugin' });
      }
    } finally {
      await Promise.all(hales.map(stopNatsHale));
      await nc.close();
      await server.stop();
    }
  });

  it('supervises on while NATS is away (degraded, not unhealthy), holds what it says, and sends it once NATS is back', async () => {
    // JetStream only as a witness the test owns: it keeps what reaches the server, whoever was subscribed at that moment.
    const server = await startNatsServer({ jetstream: true });
    const setup = await connect({ servers: server.url });
    await (await jetstreamManager(setup)).streams.add({ name: 'WITNESS', subjects: ['hale.hub-a.>'] });
    await setup.close();
    let a: NatsHale | null = null;
    let nc: NatsConnection | null = null;
    try {
      a = await startNatsHale(dir, { natsUrl: server.url, hubId: 'hub-a', tag: 't2' });
      const hale = a;
      await pollFor('hub-a connected to NATS', healthOf(hale), natsHealthy, 5_000);

      await server.halt();
      const haltedAt = Date.now();
      const away = await pollFor('components.nats degraded', healthOf(hale), (b) => b.components?.nats?.status === 'degraded', 5_000);
      expect(away.components?.nats).toMatchObject({ status: 'degraded', critical: false });
      const before = await flakyOf(hale)();
      expect(before.pid).not.toBeNull();
      process.kill(before.pid ?? -1, 'SIGKILL');
      const after = await pollFor(
        'flaky healthy again with a new pid',
        flakyOf(hale),
        (b) => b.state === 'healthy' && b.pid !== null && b.pid !== before.pid,
        8_000,
      );
      expect(after.pid).not.toBe(before.pid);

      const health = await healthOf(hale)();
      expect(health.status).toBe('degraded');
      expect(health.components?.nats).toMatchObject({ status: 'degraded', critical: false });
      expect(health.components?.nats?.reason).toMatch(/lost|reconnect|cannot reach/);
      const metrics = await metricsOf(hale);
      expect(readSample(metrics, 'hale_nats_connected')).toBe(0);
      expect(readSample(metrics, 'hale_nats_pending_messages')).toBeGreaterThan(0);
      expect(readSample(metrics, 'hale_nats_dropped_total')).toBe(0);

      await server.revive();
      const revivedAt = Date.now();
      nc = await connect({ servers: server.url });
      const summaries = await hearSubject(nc, 'hale.hub-a.health.summary');
      const fresh = await summaries.first((m) => Date.parse(String(m.body.timestamp)) >= revivedAt, 5_000);
      expect(fresh.at - revivedAt).toBeLessThan(5_000);
      const back = await pollFor('components.nats healthy again', healthOf(hale), natsHealthy, 5_000);
      expect(back.status).toBe('healthy');
      expect(back.components?.nats?.reconnects).toBeGreaterThanOrEqual(1);

      // What was said while the server was away: flaky's transitions, stamped during the outage, reached the server after it.
      const jsm = await jetstreamManager(nc);
      await pollFor(
        "flaky's last held transition kept",
        async () =>
          (await jsm.streams.getMessage('WITNESS', { last_by_subj: 'hale.hub-a.health.flaky' }))?.json<{ to: string; timestamp: string }>(),
        (body) => body?.to === 'healthy' && Date.parse(body.timestamp) > haltedAt,
        3_000,
      );
      const count = (await jsm.streams.info('WITNESS')).state.messages;
      const batch = await (await jetstream(nc).consumers.get('WITNESS')).fetch({ max_messages: count, expires: 5_000 });
      const held: Array<{ to: string; storedAt: number }> = [];
      for await (const message of batch) {
        const body = message.json<{ to?: string; timestamp: string }>();
        const said = Date.parse(body.timestamp);
        if (message.subject === 'hale.hub-a.health.flaky' && said > haltedAt && said < revivedAt) {
          held.push({ to: String(body.to), storedAt: message.time.getTime() });
        }
      }
      expect(held.map((t) => t.to)).toEqual(['unhealthy', 'restarting', 'unknown', 'healthy']);
      for (const transition of held) expect(transition.storedAt).toBeGreaterThanOrEqual(revivedAt - 50);
      const settled = await metricsOf(hale);
      expect(readSample(settled, 'hale_nats_connected')).toBe(1);
      expect(readSample(settled, 'hale_nats_pending_messages')).toBe(0);
      expect(readSample(settled, 'hale_nats_reconnects_total')).toBeGreaterThanOrEqual(1);
      expect(readSample(settled, 'hale_nats_dropped_total')).toBe(0);
    } finally {
      if (a !== null) await stopNatsHale(a);
      await nc?.close();
      await server.stop();
    }
  });

  it('reports a hub stale once it has been silent for staleAfter, and the others fresh', async () => {
    const server = await startNatsServer();
    const hales: NatsHale[] = [];
    try {
      // One plugin each: this is about the hubs, and three hales with two plugins each are slow to start on two cores.
      hales.push(
        ...(await Promise.all([
          startNatsHale(dir, { natsUrl: server.url, hubId: 'hub-a', tag: 't3', plugins: ['greeter'] }),
          startNatsHale(dir, { natsUrl: server.url, hubId: 'hub-b', tag: 't3', plugins: ['greeter'] }),
          startNatsHale(dir, { natsUrl: server.url, hubId: 'hub-c', tag: 't3', staleAfter: '1500ms', plugins: ['greeter'] }),
        ])),
      );
      const [, b, c] = hales as [NatsHale, NatsHale, NatsHale];
      const fresh = (body: HubsBody, id: string) => hub(body, id)?.stale === false;
      await pollFor('hub-c hears hub-a and hub-b', hubsOf(c), (body) => fresh(body, 'hub-a') && fresh(body, 'hub-b'), 8_000);

      process.kill(b.pid, 'SIGTERM');
      const endedAt = Date.now();
      const stale = await pollFor('hub-b stale', hubsOf(c), (body) => hub(body, 'hub-b')?.stale === true, 1_500 + 2_000, 50);
      const took = Date.now() - endedAt;
      // Its last summary came as it stopped, so not before staleAfter less one heartbeat.
      expect(took).toBeGreaterThanOrEqual(1_000);
      expect(hub(stale, 'hub-b')?.age_seconds).toBeGreaterThan(1.5);
      expect(hub(stale, 'hub-a')).toMatchObject({ stale: false });
      expect(hub(stale, 'hub-c')).toMatchObject({ stale: false });
      expect((await b.hale.exited).code).toBe(0);

      const services = await getJson<ServicesBody>(`${c.url}/federation/services`);
      expect(services.services.filter((s) => s.hub_id === 'hub-b').every((s) => s.stale)).toBe(true);
      expect(services.services.filter((s) => s.hub_id === 'hub-a').every((s) => !s.stale)).toBe(true);
      const metrics = await metricsOf(c);
      expect(readSample(metrics, 'hale_federation_hubs')).toBe(3);
      expect(readSample(metrics, 'hale_federation_stale_hubs')).toBe(1);
    } finally {
      await Promise.all(hales.map(stopNatsHale));
      await server.stop();
    }
  });

  it('keeps summaries and transitions in a JetStream stream for a subscriber who comes later', async () => {
    const server = await startNatsServer({ jetstream: true });
    let j: NatsHale | null = null;
    let late: NatsConnection | null = null;
    try {
      j = await startNatsHale(dir, { natsUrl: server.url, hubId: 'hub-j', tag: 't4', stream: 'HALE_HEALTH' });
      const hale = j;
      const ready = await hale.hale.line((l) => typeof l.msg === 'string' && l.msg.includes('JetStream stream HALE_HEALTH'), 10_000);
      expect(ready.msg).toMatch(/HALE_HEALTH created/);

      const before = await flakyOf(hale)();
      const requestedAt = Date.now();
      const restart = await fetch(`${hale.url}/plugins/flaky/restart`, { method: 'POST' });
      expect(restart.status).toBe(202);
      await pollFor(
        'flaky healthy after the restart',
        flakyOf(hale),
        (b) => b.state === 'healthy' && b.pid !== null && b.pid !== before.pid,
        8_000,
      );

      late = await connect({ servers: server.url });
      const jsm = await jetstreamManager(late);
      // The stream stores what the server got a moment after hale said it: wait for flaky's last word to be kept.
      await pollFor(
        "flaky's healthy transition kept",
        async () =>
          (await jsm.streams.getMessage('HALE_HEALTH', { last_by_subj: 'hale.hub-j.health.flaky' }))?.json<{
            to: string;
            timestamp: string;
          }>(),
        (body) => body?.to === 'healthy' && Date.parse(body.timestamp) >= requestedAt,
        3_000,
      );
      const count = (await jsm.streams.info('HALE_HEALTH')).state.messages;
      const consumer = await jetstream(late).consumers.get('HALE_HEALTH');
      const batch = await consumer.fetch({ max_messages: count, expires: 5_000 });
      const read: Array<{ seq: number; subject: string; body: Record<string, unknown> }> = [];
      for await (const message of batch)
        read.push({ seq: message.seq, subject: message.subject, body: message.json<Record<string, unknown>>() });

      expect(read.length).toBe(count);
      expect(read[0]?.seq).toBe(1);
      // greeter's first transitions too, when the stream was there before greeter was healthy.
      const subjects = new Set(read.map((m) => m.subject));
      expect(subjects).toContain('hale.hub-j.health.summary');
      expect(subjects).toContain('hale.hub-j.health.flaky');
      expect([...subjects].every((subject) => subject.startsWith('hale.hub-j.health.'))).toBe(true);
      const summaries = read.filter((m) => m.subject === 'hale.hub-j.health.summary');
      expect(summaries.length).toBeGreaterThanOrEqual(1);
      for (const summary of summaries) expect(summary.body).toMatchObject({ hub_id: 'hub-j' });
      const path = read.filter((m) => m.subject === 'hale.hub-j.health.flaky').map((m) => m.body);
      for (const transition of path) expect(transition).toMatchObject({ hub_id: 'hub-j', service: 'flaky', type: 'plugin' });
      expect(path.map((t) => t.to)).toContain('restarting');
      expect(path.at(-1)).toMatchObject({ to: 'healthy', status: 'up' });
    } finally {
      if (j !== null) await stopNatsHale(j);
      await late?.close();
      await server.stop();
    }
  });
});
