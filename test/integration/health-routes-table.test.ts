import { afterEach, describe, expect, it } from 'vitest';
import { createApp } from '../../src/api/app.js';
import { createFastLane } from '../../src/api/fast-lane.js';
import { healthPaths } from '../../src/api/health-routes-table.js';
import { startApiServer, type ApiServer } from '../../src/api/serve.js';
import { buildPluginStatus, buildSnapshot, createRecordingBackend } from '../helpers/status-builder.js';

const token = 's3cret';
const servers: ApiServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

/** The same backend behind the Hono app alone, and behind the app with the fast lane in front. */
const serveBoth = async (protectReads: boolean) => {
  const backend = createRecordingBackend(buildSnapshot([buildPluginStatus('greeter')]));
  const serve = async (withLane: boolean) => {
    const app = createApp({ backend, token, security: { protectReads } });
    const lane = withLane ? { lane: createFastLane(backend, { protectReads }) } : {};
    const server = await startApiServer({ app, host: '127.0.0.1', port: 0, ...lane });
    servers.push(server);
    return server;
  };
  return Promise.all([serve(true), serve(false)]);
};

const answerOf = async (server: ApiServer, path: string) => {
  const response = await fetch(`${server.url}${path}`);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
};

// Each answer's own mark: liveness says `alive`, readiness `ready`, /health the `plugins`.
const markOf = { health: 'plugins', liveness: 'alive', readiness: 'ready' } as const;

describe('the health routes table', () => {
  it.each(healthPaths)('$path: the fast lane and the Hono route give the $answer answer', async ({ path, answer }) => {
    const [laned, plain] = await serveBoth(false);
    const [fast, routed] = await Promise.all([answerOf(laned, path), answerOf(plain, path)]);
    expect(fast).toEqual(routed);
    expect(fast.status).toBe(200);
    expect(fast.body).toHaveProperty(markOf[answer]);
  });

  it.each(healthPaths)(
    '$path under protectReads with no token: open is $open, through the lane and through Hono',
    async ({ path, open }) => {
      const [laned, plain] = await serveBoth(true);
      const [fast, routed] = await Promise.all([answerOf(laned, path), answerOf(plain, path)]);
      expect(fast.status).toBe(routed.status);
      expect(fast.status).toBe(open ? 200 : 401);
    },
  );
});
