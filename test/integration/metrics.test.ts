import { Hono } from 'hono';
import { afterEach, describe, expect, it } from 'vitest';
import { createMetricsRoutes } from '../../src/api/routes/metrics.js';
import { startApiServer, type ApiServer } from '../../src/api/serve.js';
import { createMetrics, type HaleMetrics } from '../../src/metrics/create-metrics.js';
import { createEventBus } from '../../src/util/event-bus.js';
import type { SupervisorEvent } from '../../src/model/events.js';
import type { SupervisorSnapshot } from '../../src/model/status.js';
import { buildPluginStatus, buildSnapshot, snapshotNow } from '../helpers/status-builder.js';

const servers: ApiServer[] = [];
const made: HaleMetrics[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
  for (const metrics of made.splice(0)) metrics.stop();
});

const serve = async (snapshot: () => SupervisorSnapshot) => {
  const bus = createEventBus<SupervisorEvent>();
  const metrics = createMetrics({ events: bus, snapshot });
  made.push(metrics);
  const app = new Hono();
  app.route('/metrics', createMetricsRoutes({ metrics }));
  const server = await startApiServer({ app, host: '127.0.0.1', port: 0 });
  servers.push(server);
  return { server, bus, metrics };
};

/** The metric name of every sample line. */
const sampleNames = (text: string): Set<string> =>
  new Set(
    text
      .split('\n')
      .filter((line) => line !== '' && !line.startsWith('#'))
      .map((line) => /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line)?.[0] ?? line),
  );

const twoPlugins = () => buildSnapshot([buildPluginStatus('greeter'), buildPluginStatus('flaky', { critical: false, state: 'degraded' })]);

describe('GET /metrics over HTTP', () => {
  it('answers 200 in the registry content type with the hale_ and the default metrics', async () => {
    const { server, bus, metrics } = await serve(twoPlugins);
    bus.publish({
      type: 'check',
      plugin: 'greeter',
      generation: 1,
      check: { at: snapshotNow, outcome: 'fail', failure: 'deadline', status: 'unknown', latencyMs: 10_000, message: 'deadline exceeded' },
    });
    const response = await fetch(`${server.url}/metrics`);
    const text = await response.text();
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe(metrics.registry.contentType);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const names = sampleNames(text);
    for (const name of [
      'hale_plugin_state',
      'hale_plugin_up',
      'hale_plugin_restarts_total',
      'hale_health_check_duration_seconds_bucket',
      'hale_health_check_failures_total',
      'hale_plugin_restart_backoff_seconds',
      'hale_plugin_uptime_seconds',
      'nodejs_eventloop_lag_p99_seconds',
      'process_cpu_user_seconds_total',
      'process_resident_memory_bytes',
      'nodejs_heap_size_total_bytes',
    ]) {
      expect(names, name).toContain(name);
    }
    expect(names).not.toContain('hale_event_loop_lag_seconds');
    expect(text).toContain('hale_plugin_up{plugin="flaky"} 1');
    expect(text).toContain('hale_health_check_failures_total{plugin="greeter",reason="deadline"} 1');
  });

  it('answers HEAD with the headers and no body', async () => {
    const { server } = await serve(twoPlugins);
    const response = await fetch(`${server.url}/metrics`, { method: 'HEAD' });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await response.text()).toBe('');
  });

  it.each(['POST', 'PUT', 'DELETE'])('answers %s with 405 JSON and Allow', async (method) => {
    const { server } = await serve(twoPlugins);
    const response = await fetch(`${server.url}/metrics`, { method });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('GET, HEAD');
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await response.json()).toEqual({
      error: { code: 'method_not_allowed', message: `${method} is not allowed here; use GET, HEAD` },
    });
  });

  it('answers a scrape that throws with 500 JSON, and the next scrape still works', async () => {
    let broken = true;
    const { server } = await serve(() => {
      if (broken) throw new Error('the snapshot is not there');
      return twoPlugins();
    });
    const failed = await fetch(`${server.url}/metrics`);
    expect(failed.status).toBe(500);
    expect(failed.headers.get('content-type')).toMatch(/^application\/json/);
    const body = (await failed.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('internal_error');
    expect(body.error.message).toContain('the snapshot is not there');

    broken = false;
    const next = await fetch(`${server.url}/metrics`);
    expect(next.status).toBe(200);
    expect(await next.text()).toContain('hale_plugin_up{plugin="greeter"} 1');
  });
});
