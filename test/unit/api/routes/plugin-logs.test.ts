import { Writable } from 'node:stream';
import { Hono } from 'hono';
import { describe, expect, test } from 'vitest';
import type { ApiBackend } from '../../../../src/api/backend.js';
import type { PluginLogs } from '../../../../src/model/output-line.js';
import { createPluginLogRoutes, readTailCount } from '../../../../src/api/routes/plugin-logs.js';
import { createLogger } from '../../../../src/log.js';
import { createPluginOutput, type PluginOutput } from '../../../../src/plugin/output.js';

const at = Date.UTC(2024, 0, 15, 10, 30, 0);

/** A backend whose only real part is `logs`, over real plugin outputs; the rest is not the route's business. */
const createLogBackend = (outputs: Record<string, PluginOutput>): ApiBackend & { asked: Array<[string, number]> } => {
  const asked: Array<[string, number]> = [];
  const unused = (): never => {
    throw new Error('the log route must only call backend.logs');
  };
  return {
    asked,
    snapshot: unused,
    control: unused,
    signal: unused,
    operation: unused,
    reload: unused,
    history: unused,
    get eventLog(): never {
      return unused();
    },
    logs: (name, count): PluginLogs | undefined => {
      asked.push([name, count]);
      const output = outputs[name];
      return output === undefined ? undefined : { plugin: name, lines: output.tail(count), stats: output.stats() };
    },
  };
};

const quietLog = createLogger({ level: 'silent', destination: new Writable({ write: (_c, _e, done) => done() }) });

/** As app.ts mounts it: under /plugins. */
const createTestApp = () => {
  let clock = at;
  const flood = createPluginOutput({ log: quietLog, now: () => clock, logBurst: 2, logRate: 0, schedule: () => {} });
  for (let i = 0; i < 1_500; i += 1) {
    flood.write(i % 2 === 0 ? 'stdout' : 'stderr', `line ${i}`, false);
    clock += 1;
  }
  flood.write('stdout', 'x'.repeat(8), true);
  const quiet = createPluginOutput({ log: quietLog });
  const backend = createLogBackend({ flood, quiet });
  const app = new Hono();
  app.route('/plugins', createPluginLogRoutes({ backend }));
  return { app, backend };
};

type LogsBody = {
  plugin: string;
  lines: Array<{ at: string; stream: string; line: string; truncated: boolean }>;
  stats: { lines: number; dropped: number; truncated: number };
};
type ErrorBody = { error: { code: string; message: string } };

describe('GET /plugins/:name/logs', () => {
  test('?tail=5 answers the last 5 lines, oldest first, with ISO times and the counts', async () => {
    const { app, backend } = createTestApp();
    const response = await app.request('/plugins/flood/logs?tail=5');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    const body = (await response.json()) as LogsBody;
    expect(body.plugin).toBe('flood');
    expect(body.lines).toEqual([
      { at: new Date(at + 1_496).toISOString(), stream: 'stdout', line: 'line 1496', truncated: false },
      { at: new Date(at + 1_497).toISOString(), stream: 'stderr', line: 'line 1497', truncated: false },
      { at: new Date(at + 1_498).toISOString(), stream: 'stdout', line: 'line 1498', truncated: false },
      { at: new Date(at + 1_499).toISOString(), stream: 'stderr', line: 'line 1499', truncated: false },
      { at: new Date(at + 1_500).toISOString(), stream: 'stdout', line: 'xxxxxxxx', truncated: true },
    ]);
    expect(body.stats).toEqual({ lines: 1_501, dropped: 1_499, truncated: 1 });
    expect(backend.asked).toEqual([['flood', 5]]);
  });

  test('without ?tail: the last 100 lines', async () => {
    const { app, backend } = createTestApp();
    const body = (await (await app.request('/plugins/flood/logs')).json()) as LogsBody;
    expect(body.lines).toHaveLength(100);
    expect(body.lines[0]?.line).toBe('line 1401');
    expect(backend.asked).toEqual([['flood', 100]]);
  });

  test('?tail=1000 (the tail capacity) answers every line kept, at most 1,000', async () => {
    const { app } = createTestApp();
    const body = (await (await app.request('/plugins/flood/logs?tail=1000')).json()) as LogsBody;
    expect(body.lines).toHaveLength(1_000);
    expect(body.lines.at(-1)?.line).toBe('xxxxxxxx');
  });

  test('a plugin that printed nothing: no lines, zero counts', async () => {
    const { app } = createTestApp();
    const response = await app.request('/plugins/quiet/logs?tail=1');
    expect(await response.json()).toEqual({ plugin: 'quiet', lines: [], stats: { lines: 0, dropped: 0, truncated: 0 } });
  });

  test.each(['0', '1001', '-1', '1.5', '1e2', 'abc', '', ' 5', '+5', '0x10', '99999999999999999999'])(
    '?tail=%j → 400 with a message saying what tail may be',
    async (tail) => {
      const { app, backend } = createTestApp();
      const response = await app.request(`/plugins/flood/logs?tail=${encodeURIComponent(tail)}`);
      expect(response.status).toBe(400);
      const body = (await response.json()) as ErrorBody;
      expect(body.error.code).toBe('invalid_tail');
      expect(body.error.message).toContain('tail must be an integer from 1 to 1000');
      expect(backend.asked).toEqual([]);
    },
  );

  test('an unknown plugin → 404 plugin_not_found', async () => {
    const { app } = createTestApp();
    const response = await app.request('/plugins/nobody/logs?tail=5');
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: { code: 'plugin_not_found', message: 'no plugin named "nobody"' } });
  });

  test.each(['Flood', '-flood', 'a'.repeat(64), 'fl%20ood', '_flood', 'caf%C3%A9'])(
    'an invalid name %j → 400 invalid_plugin_name',
    async (name) => {
      const { app, backend } = createTestApp();
      const response = await app.request(`/plugins/${name}/logs`);
      expect(response.status).toBe(400);
      expect(((await response.json()) as ErrorBody).error.code).toBe('invalid_plugin_name');
      expect(backend.asked).toEqual([]);
    },
  );

  test('HEAD answers like GET without a body', async () => {
    const { app } = createTestApp();
    const response = await app.request('/plugins/flood/logs?tail=2', { method: 'HEAD' });
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('');
  });

  test.each(['POST', 'PUT', 'DELETE', 'PATCH'])('%s → 405 with Allow: GET, HEAD', async (method) => {
    const { app, backend } = createTestApp();
    const response = await app.request('/plugins/flood/logs', { method });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('GET, HEAD');
    expect(((await response.json()) as ErrorBody).error.code).toBe('method_not_allowed');
    expect(backend.asked).toEqual([]);
  });
});

describe('readTailCount', () => {
  test('absent → 100; 1 and 1000 are the bounds', () => {
    expect(readTailCount(undefined)).toEqual({ ok: true, count: 100 });
    expect(readTailCount('1')).toEqual({ ok: true, count: 1 });
    expect(readTailCount('1000')).toEqual({ ok: true, count: 1_000 });
    expect(readTailCount('007')).toEqual({ ok: true, count: 7 });
    expect(readTailCount('1001').ok).toBe(false);
  });
});
