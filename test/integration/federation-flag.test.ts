import { afterEach, describe, expect, it } from 'vitest';
import { createApp } from '../../src/api/app.js';
import type { ApiBackend } from '../../src/api/backend.js';
import { startApiServer, type ApiServer } from '../../src/api/serve.js';
import { startFederation, type FederationView } from '../../src/nats/federation.js';
import type { NatsSubscriber } from '../../src/nats/types.js';
import { buildPluginStatus, buildSnapshot, createRecordingBackend } from '../helpers/status-builder.js';

const servers: ApiServer[] = [];
const federations: FederationView[] = [];
afterEach(async () => {
  for (const federation of federations.splice(0)) federation.stop();
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

const silent: NatsSubscriber = { subscribe: () => () => undefined };

const serve = async (withFederation: boolean): Promise<string> => {
  let backend: ApiBackend = createRecordingBackend(buildSnapshot([buildPluginStatus('greeter')]));
  if (withFederation) {
    const federation = startFederation({ subscriber: silent, prefix: 'hale', hubId: 'web-1', staleAfterMs: 30_000 });
    federations.push(federation);
    backend = { ...backend, federation };
  }
  const server = await startApiServer({ app: createApp({ backend, token: 's3cret' }), host: '127.0.0.1', port: 0 });
  servers.push(server);
  return server.url;
};

describe('GET /federation: whether federation is on, so the dashboard need not meet a 404', () => {
  it('answers 200 enabled: false, with no hub, when federation is off', async () => {
    const answer = await fetch(`${await serve(false)}/federation`);
    expect(answer.status).toBe(200);
    expect(await answer.json()).toEqual({ enabled: false, hub_id: null, stale_after_seconds: null });
  });

  it('answers 200 enabled: true with this hub and the stale limit when federation is on', async () => {
    const url = await serve(true);
    const answer = await fetch(`${url}/federation`);
    expect(answer.status).toBe(200);
    expect(await answer.json()).toEqual({ enabled: true, hub_id: 'web-1', stale_after_seconds: 30 });
    expect((await fetch(`${url}/federation`, { method: 'POST' })).status).toBe(405);
  });
});
