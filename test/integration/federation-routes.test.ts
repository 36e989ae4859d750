import { afterEach, describe, expect, it } from 'vitest';
import { createApp } from '../../src/api/app.js';
import type { ApiBackend } from '../../src/api/backend.js';
import { startApiServer, type ApiServer } from '../../src/api/serve.js';
import { startFederation, type FederationView } from '../../src/nats/federation.js';
import { buildSummary } from '../../src/nats/summary.js';
import type { HeardMessage, NatsSubscriber } from '../../src/nats/types.js';
import { buildPluginStatus, buildSnapshot, createRecordingBackend, snapshotNow } from '../helpers/status-builder.js';

/** Hands messages to federation's one subscription, as the NATS link would once it heard them. */
const createFakeSubscriber = () => {
  let handler: ((message: HeardMessage) => void) | null = null;
  const subjects: string[] = [];
  const subscriber: NatsSubscriber = {
    subscribe(subject, onMessage) {
      subjects.push(subject);
      handler = onMessage;
      return () => {
        handler = null;
      };
    },
  };
  const deliver = (subject: string, body: unknown) =>
    handler?.({ subject, data: new TextEncoder().encode(typeof body === 'string' ? body : JSON.stringify(body)) });
  return { subscriber, subjects, deliver };
};

const summaryOf = (
  hubId: string,
  plugins = [buildPluginStatus('greeter'), buildPluginStatus('flaky', { state: 'restarting', pid: null, startedAt: null })],
) => buildSummary(buildSnapshot(plugins), hubId, 10_000);

const servers: ApiServer[] = [];
const federations: FederationView[] = [];
afterEach(async () => {
  for (const federation of federations.splice(0)) federation.stop();
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

const serve = async (options: { federation?: boolean; protectReads?: boolean } = {}) => {
  const recording = createRecordingBackend(buildSnapshot([buildPluginStatus('greeter')]));
  const fake = createFakeSubscriber();
  let clock = snapshotNow;
  let backend: ApiBackend = recording;
  if (options.federation !== false) {
    const federation = startFederation({
      subscriber: fake.subscriber,
      prefix: 'hale',
      hubId: 'web-1',
      staleAfterMs: 30_000,
      now: () => clock,
    });
    federations.push(federation);
    backend = { ...recording, federation };
  }
  const app = createApp({ backend, token: 's3cret', security: { protectReads: options.protectReads ?? false } });
  const server = await startApiServer({ app, host: '127.0.0.1', port: 0 });
  servers.push(server);
  const advance = (ms: number) => {
    clock += ms;
  };
  return { server, ...fake, advance };
};

interface HubsBody {
  hub_id: string;
  stale_after_seconds: number;
  hubs: Array<{
    hub_id: string;
    overall_status: string;
    stale: boolean;
    age_seconds: number;
    received_at: string;
    service_count: number;
    summary: { hub_id: string; services: unknown[] };
  }>;
}
interface ServicesBody {
  services: Array<{ hub_id: string; stale: boolean; name: string; status: string; type: string }>;
}
type ErrorBody = { error: { code: string; message: string } };

describe('GET /federation/*', () => {
  it('lists every hub heard, with its last summary, age and staleness', async () => {
    const { server, subjects, deliver, advance } = await serve();
    expect(subjects).toEqual(['hale.*.health.summary']);
    const empty = await fetch(`${server.url}/federation/hubs`);
    expect(empty.status).toBe(200);
    expect(await empty.json()).toEqual({ hub_id: 'web-1', stale_after_seconds: 30, hubs: [] });

    deliver('hale.web-2.health.summary', summaryOf('web-2'));
    advance(25_000);
    deliver('hale.web-1.health.summary', summaryOf('web-1', [buildPluginStatus('greeter')]));
    deliver('hale.web-3.health.summary', 'not a summary');
    advance(6_000);

    const answer = await fetch(`${server.url}/federation/hubs`);
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toMatch(/^application\/json/);
    const body = (await answer.json()) as HubsBody;
    expect(body.hub_id).toBe('web-1');
    expect(body.hubs.map((h) => [h.hub_id, h.overall_status, h.stale, h.age_seconds, h.service_count])).toEqual([
      ['web-1', 'healthy', false, 6, 1],
      ['web-2', 'unhealthy', true, 31, 2],
    ]);
    expect(body.hubs[1]?.received_at).toBe(new Date(snapshotNow).toISOString());
    expect(body.hubs[1]?.summary).toEqual(JSON.parse(JSON.stringify(summaryOf('web-2'))));
  });

  it('lists every service of every hub with its hub and whether that hub is stale', async () => {
    const { server, deliver, advance } = await serve();
    deliver('hale.web-2.health.summary', summaryOf('web-2'));
    advance(31_000);
    deliver('hale.web-1.health.summary', summaryOf('web-1', [buildPluginStatus('greeter', { state: 'degraded' })]));
    const answer = await fetch(`${server.url}/federation/services`);
    expect(answer.status).toBe(200);
    const body = (await answer.json()) as ServicesBody;
    expect(body.services.map((s) => `${s.hub_id}/${s.name} ${s.type} ${s.status} stale=${String(s.stale)}`)).toEqual([
      'web-1/greeter plugin degraded stale=false',
      'web-2/greeter plugin up stale=true',
      'web-2/flaky plugin down stale=true',
    ]);
  });

  it('answers 404 federation_disabled, saying how to turn it on, when federation is not enabled', async () => {
    const { server } = await serve({ federation: false });
    for (const path of ['/federation/hubs', '/federation/services']) {
      const answer = await fetch(`${server.url}${path}`);
      expect(answer.status, path).toBe(404);
      const body = (await answer.json()) as ErrorBody;
      expect(body.error.code, path).toBe('federation_disabled');
      expect(body.error.message).toContain('federation.enabled: true');
      expect(body.error.message).toContain('nats:');
    }
    expect(((await (await fetch(`${server.url}/federation/nope`)).json()) as ErrorBody).error.code).toBe('not_found');
  });

  it('refuses other methods with 405 and Allow, enabled or not', async () => {
    for (const federation of [true, false]) {
      const { server } = await serve({ federation });
      for (const [method, path] of [
        ['POST', '/federation/hubs'],
        ['DELETE', '/federation/services'],
        ['PUT', '/federation/hubs'],
      ] as const) {
        const answer = await fetch(`${server.url}${path}`, { method });
        expect(answer.status, `${method} ${path}`).toBe(405);
        expect(answer.headers.get('allow')).toBe('GET, HEAD');
        expect(((await answer.json()) as ErrorBody).error.code).toBe('method_not_allowed');
      }
    }
  });

  it('needs the token under protectReads, like every read', async () => {
    const { server, deliver } = await serve({ protectReads: true });
    deliver('hale.web-2.health.summary', summaryOf('web-2'));
    expect((await fetch(`${server.url}/federation/hubs`)).status).toBe(401);
    const answer = await fetch(`${server.url}/federation/hubs`, { headers: { Authorization: 'Bearer s3cret' } });
    expect(answer.status).toBe(200);
    expect(((await answer.json()) as HubsBody).hubs.map((h) => h.hub_id)).toEqual(['web-2']);
  });
});
