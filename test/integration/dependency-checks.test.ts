import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createTcpServer, type Server as TcpServer } from 'node:net';
import { afterEach, describe, expect, test } from 'vitest';
import type { DependencyConfig } from '../../src/config/types.js';
import type { SupervisorEvent } from '../../src/model/events.js';
import { isEvent, openEventStream } from '../helpers/event-stream.js';
import { supervisorConfig } from '../helpers/supervised.js';
import { useSupervisedSuite } from '../helpers/supervised-suite.js';

const suite = useSupervisedSuite();
const servers: Array<Server | TcpServer> = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
});

const listen = <S extends Server | TcpServer>(server: S): Promise<number> =>
  new Promise((resolve) => {
    servers.push(server);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      resolve(typeof address === 'object' && address !== null ? address.port : 0);
    });
  });

const dependency = (name: string, critical: boolean, check: DependencyConfig['check']): DependencyConfig => ({
  name,
  critical,
  intervalMs: 150,
  timeoutMs: 500,
  failureThreshold: 1,
  successThreshold: 1,
  degradedLatency: null,
  check,
});

const tries = { retries: 0, retryDelayMs: 50 };
const turns = (name: string, to: string) => (event: SupervisorEvent) =>
  event.type === 'dependencyTransition' && event.dependency === name && event.to === to;

type HealthBody = {
  status: string;
  checks?: Record<string, { status: string; healthy: boolean; critical: boolean; target: string; responseTimeMs: number }>;
};

describe('dependency checks (checks:)', () => {
  test('a non-critical one failing degrades /health (200); a critical one failing makes it 503 and not ready', async () => {
    const db = createTcpServer((socket) => socket.end());
    const dbPort = await listen(db);
    const cache = createHttpServer((_request, response) => response.writeHead(503).end('warming up'));
    const cachePort = await listen(cache);
    const config = {
      ...supervisorConfig([]),
      checks: [
        dependency('db', true, { protocol: 'tcp', host: '127.0.0.1', port: dbPort, ...tries }),
        dependency('cache', false, { protocol: 'http', url: `http://127.0.0.1:${cachePort}/`, field: null, headers: {}, ...tries }),
      ],
    };
    const supervised = await suite.superviseConfig(config);
    const { supervisor, first } = supervised;
    await Promise.all([first(turns('db', 'healthy')), first(turns('cache', 'unhealthy'))]);
    const server = await suite.serveApi(supervisor);
    const stream = await openEventStream(`${server.url}/events?types=dependencyTransition`);
    await stream.take((m) => m.event === 'hello');

    const health = await fetch(`${server.url}/health`);
    expect(health.status).toBe(200);
    const body = (await health.json()) as HealthBody;
    expect(body.status).toBe('degraded');
    expect(body.checks?.['db']).toMatchObject({ status: 'healthy', healthy: true, critical: true, target: `tcp 127.0.0.1:${dbPort}` });
    expect(body.checks?.['cache']).toMatchObject({ status: 'unhealthy', healthy: false, critical: false });
    expect((await fetch(`${server.url}/health/readiness`)).status).toBe(200);
    expect((await fetch(`${server.url}/health/ready`)).status).toBe(200);

    // The database goes away: the critical check fails, and hale says so at once on the stream too.
    await new Promise<void>((resolve) => db.close(() => resolve()));
    servers.splice(servers.indexOf(db), 1);
    await first(turns('db', 'unhealthy'));
    const message = await stream.take(isEvent('dependencyTransition'));
    expect(JSON.parse(message.data)).toMatchObject({ dependency: 'db', from: 'healthy', to: 'unhealthy', critical: true });
    expect((await fetch(`${server.url}/health`)).status).toBe(503);
    const ready = await fetch(`${server.url}/health/ready`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({
      ready: false,
      checksNotReady: [{ name: 'db', state: 'unhealthy' }],
      reason: expect.stringMatching(/critical checks failing: db/),
    });
    // Liveness is the supervisor's own: a database down is no reason to restart hale.
    expect((await fetch(`${server.url}/liveness`)).status).toBe(200);
    expect((await fetch(`${server.url}/health/liveness`)).status).toBe(200);

    const detail = (await (await fetch(`${server.url}/checks`)).json()) as {
      checks: Record<string, { recentChecks: Array<{ outcome: string; responseTimeMs: number; message: string }> }>;
    };
    const dbChecks = detail.checks['db']?.recentChecks ?? [];
    expect(dbChecks.at(-1)).toMatchObject({ outcome: 'fail', message: expect.stringMatching(/refused/) });
    expect(dbChecks.some((c) => c.outcome === 'pass')).toBe(true);
    expect((await fetch(`${server.url}/checks/db`)).status).toBe(503);
    expect((await fetch(`${server.url}/checks/nope`)).status).toBe(404);
    stream.close();
  });

  test('run in parallel, each under its own timeout: a hung one does not hold up the others', async () => {
    const hung = createHttpServer(() => {});
    const hungPort = await listen(hung);
    const quick = createTcpServer((socket) => socket.end());
    const quickPort = await listen(quick);
    const config = {
      ...supervisorConfig([]),
      checks: [
        {
          ...dependency('hung', false, { protocol: 'http', url: `http://127.0.0.1:${hungPort}/`, field: null, headers: {}, ...tries }),
          timeoutMs: 2_000,
          intervalMs: 5_000,
        },
        dependency('quick', true, { protocol: 'tcp', host: '127.0.0.1', port: quickPort, ...tries }),
      ],
    };
    const { supervisor, events, first } = await suite.superviseConfig(config);
    await first(turns('hung', 'unhealthy'), 5_000);
    const quickChecks = events.filter((e) => e.type === 'dependencyCheck' && e.dependency === 'quick');
    // While the hung one waited its 2 s out, the quick one was checked again and again.
    expect(quickChecks.length).toBeGreaterThan(3);
    expect(supervisor.snapshot().dependencies.find((d) => d.name === 'hung')?.lastCheck).toMatchObject({ failure: 'deadline' });
  });
});
