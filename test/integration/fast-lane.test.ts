import { afterEach, describe, expect, it } from 'vitest';
import { createAnswerCache } from '../../src/api/answer-cache.js';
import { createApp } from '../../src/api/app.js';
import type { ApiBackend } from '../../src/api/backend.js';
import { createFastLane } from '../../src/api/fast-lane.js';
import { startApiServer, type ApiServer } from '../../src/api/serve.js';
import { buildPluginStatus, buildSnapshot, createRecordingBackend, snapshotNow } from '../helpers/status-builder.js';

const servers: ApiServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

const serve = async (backend: ApiBackend, withLane: boolean): Promise<ApiServer> => {
  const app = createApp({ backend, token: null });
  const server = await startApiServer({ app, host: '127.0.0.1', port: 0, ...(withLane ? { lane: createFastLane(backend) } : {}) });
  servers.push(server);
  return server;
};

const answerHeaders = ['cache-control', 'content-length', 'content-type', 'x-content-type-options'];
const answerOf = async (server: ApiServer, path: string, method = 'GET') => {
  const response = await fetch(`${server.url}${path}`, { method });
  const headers = Object.fromEntries(answerHeaders.map((name) => [name, response.headers.get(name)]));
  return { status: response.status, headers, text: await response.text() };
};

/** greeter healthy and critical, flaky failed and non-critical: /health 200 degraded, readiness 200. */
const mixed = () =>
  createRecordingBackend(
    buildSnapshot([buildPluginStatus('greeter'), buildPluginStatus('flaky', { critical: false, state: 'failed', pid: null })]),
  );

describe('the fast lane', () => {
  it.each(['/health', '/health/liveness', '/health/readiness', '/health?verbose=1'])(
    'answers GET and HEAD %s with the status, headers and bytes the Hono route gives',
    async (path) => {
      const backend = mixed();
      const [laned, plain] = await Promise.all([serve(backend, true), serve(backend, false)]);
      const [fast, routed] = await Promise.all([answerOf(laned, path), answerOf(plain, path)]);
      expect(fast).toEqual(routed);
      expect(fast.headers['content-length']).toBe(String(Buffer.byteLength(routed.text)));
      const [fastHead, routedHead] = await Promise.all([answerOf(laned, path, 'HEAD'), answerOf(plain, path, 'HEAD')]);
      // A HEAD answer may carry the length its GET would have (RFC 9110 §9.3.2); the lane says it, Hono leaves it out.
      expect({ ...fastHead, headers: { ...fastHead.headers, 'content-length': null } }).toEqual(routedHead);
      expect(fastHead.headers['content-length']).toBe(fast.headers['content-length']);
      const body = JSON.parse((await answerOf(laned, path)).text) as { status: string; timestamp: string };
      expect(body.timestamp).toBe(new Date(snapshotNow).toISOString());
    },
  );

  it('answers 503 with the body that says why when a critical plugin is down', async () => {
    const backend = createRecordingBackend(buildSnapshot([buildPluginStatus('greeter', { state: 'unhealthy' })]));
    const server = await serve(backend, true);
    const health = await answerOf(server, '/health');
    const ready = await answerOf(server, '/health/readiness');
    expect([health.status, ready.status]).toEqual([503, 503]);
    expect(JSON.parse(health.text)).toMatchObject({ status: 'unhealthy' });
    expect(JSON.parse(ready.text)).toMatchObject({ ready: false, notReady: [{ name: 'greeter', state: 'unhealthy' }] });
  });

  it('leaves other methods and paths to the app: 405 with Allow, one plugin, 404', async () => {
    const server = await serve(mixed(), true);
    const post = await fetch(`${server.url}/health`, { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
    expect((await answerOf(server, '/health/greeter')).status).toBe(200);
    expect((await answerOf(server, '/health/flaky')).status).toBe(503);
    expect((await answerOf(server, '/health/nope')).status).toBe(404);
    expect((await answerOf(server, '/healthz')).status).toBe(404);
  });
});

describe('createAnswerCache', () => {
  /** A backend whose clock, snapshot version and snapshot the test moves by hand; counts the snapshots taken. */
  const steppedBackend = () => {
    const backend = createRecordingBackend(buildSnapshot([buildPluginStatus('greeter')]));
    const state = { now: snapshotNow, lastEventId: 1, snapshots: 0 };
    const fake: ApiBackend = {
      ...backend,
      snapshot: () => {
        state.snapshots += 1;
        return { ...backend.current, now: state.now };
      },
      snapshotVersion: () => ({
        lastEventId: state.lastEventId,
        phase: 'running',
        initialized: true,
        lagEpoch: 0,
        droppedLogLines: 0,
        linkReports: 0,
      }),
    };
    return { backend, fake, state, cache: createAnswerCache(fake, () => state.now) };
  };

  it('takes one snapshot per snapshot version and millisecond, and the bytes are what a fresh answer gives', () => {
    const { fake, state, cache } = steppedBackend();
    const first = cache('health');
    expect(cache('health')).toBe(first);
    expect(state.snapshots).toBe(1);
    const fresh = createAnswerCache({ ...fake, snapshotVersion: undefined })('health');
    expect(fresh.json).toBe(first.json);
    expect(fresh.bytes.equals(first.bytes)).toBe(true);
  });

  it('answers anew when the snapshot version moves, and when the millisecond does', () => {
    const { backend, state, cache } = steppedBackend();
    const first = cache('health');
    backend.current = buildSnapshot([buildPluginStatus('greeter', { state: 'unhealthy' })]);
    expect(cache('health')).toBe(first);
    state.lastEventId += 1;
    const moved = cache('health');
    expect(moved.status).toBe(503);
    expect(state.snapshots).toBe(2);
    state.now += 1;
    const later = cache('health');
    expect(state.snapshots).toBe(3);
    expect(JSON.parse(later.json)).toMatchObject({ timestamp: new Date(snapshotNow + 1).toISOString() });
  });

  it('keeps each route apart, and caches nothing for a backend without a snapshot version', () => {
    const { fake, state, cache } = steppedBackend();
    expect(JSON.parse(cache('liveness').json)).toMatchObject({ alive: true });
    expect(JSON.parse(cache('readiness').json)).toMatchObject({ ready: true });
    expect(state.snapshots).toBe(2);
    const uncached = createAnswerCache({ ...fake, snapshotVersion: undefined }, () => state.now);
    uncached('health');
    uncached('health');
    expect(state.snapshots).toBe(4);
  });
});
