import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { beforeAll, describe, expect, test } from 'vitest';
import type { PluginConfig } from '../../src/config/types.js';
import type { SupervisorEvent } from '../../src/model/events.js';
import { fixture, greeterMain, requireBuilt } from '../helpers/paths.js';
import { pluginConfig } from '../helpers/supervised.js';
import { useSupervisedSuite } from '../helpers/supervised-suite.js';

beforeAll(requireBuilt);
const suite = useSupervisedSuite();

/** A port nobody listens on right now. */
const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0));
    });
  });

const tries = { retries: 0, retryDelayMs: 100 };

/** The ordinary server fixture as a plugin with `handshake: none`, checked as `health` says. */
const ordinary = (
  name: string,
  port: number,
  health: PluginConfig['health'],
  env: Record<string, string> = {},
  overrides: Partial<PluginConfig> = {},
) =>
  pluginConfig(name, [fixture('ordinary-server.mjs')], {
    handshake: null,
    health,
    env: { PORT: String(port), ...env },
    startTimeout: 5_000,
    ...overrides,
  });

const becomes = (plugin: string, to: string) => (event: SupervisorEvent) =>
  event.type === 'transition' && event.plugin === plugin && event.to === to;

describe('an ordinary server (handshake: none)', () => {
  test('has started once its HTTP check first passes, not at spawn; then a JSON field decides healthy, degraded, unhealthy', async () => {
    const port = await freePort();
    const health = { protocol: 'http' as const, url: `http://127.0.0.1:${port}/healthz`, field: 'status', headers: {}, ...tries };
    const { supervisor, first, events } = await suite.supervise([ordinary('web', port, health, { LISTEN_AFTER_MS: '400' })]);
    const spawned = await first((e) => e.type === 'spawned' && e.plugin === 'web');
    const ready = await first((e) => e.type === 'ready' && e.plugin === 'web');
    await first(becomes('web', 'healthy'));
    expect(ready.type === 'ready' && spawned.type === 'spawned' && ready.at - spawned.at).toBeGreaterThanOrEqual(350);
    expect(ready).toMatchObject({ address: null });
    expect(supervisor.plugin('web')).toMatchObject({ connected: true, address: null, info: null, state: 'healthy' });

    expect(supervisor.signal('web', 'SIGUSR1')).toMatchObject({ ok: true });
    const degraded = await first(becomes('web', 'degraded'));
    expect(degraded.type === 'transition' && degraded.reason).toMatch(/degraded/);
    const pid = supervisor.plugin('web')?.pid;
    expect(supervisor.signal('web', 'SIGUSR2')).toMatchObject({ ok: true });
    const down = await first(becomes('web', 'unhealthy'));
    expect(down.type === 'transition' && down.reason).toMatch(/HTTP 503/);
    await first((e) => becomes('web', 'healthy')(e) && events.indexOf(e) > events.indexOf(down));
    expect(supervisor.plugin('web')?.pid).not.toBe(pid);
    expect(supervisor.plugin('web')?.restartCount).toBe(1);
  });

  test('that never answers fails its start after startTimeout, saying so', async () => {
    const port = await freePort();
    const health = { protocol: 'tcp' as const, host: '127.0.0.1', port, ...tries };
    const { first } = await suite.supervise([
      ordinary('mute', port, health, { LISTEN_AFTER_MS: '60000' }, { startTimeout: 600, maxRestarts: 0 }),
    ]);
    const failed = await first((e) => e.type === 'startFailed' && e.plugin === 'mute');
    expect(failed.type === 'startFailed' && failed.reason).toMatch(/no passing health check within startTimeout \(600 ms\)/);
  });

  test('checked over TCP, and by a command: exit 0 passes, another code fails with the first line it printed', async () => {
    const port = await freePort();
    const dir = suite.scratchDir('hale-exec-');
    const flag = `${dir}/down`;
    const script = `if (require('fs').existsSync(${JSON.stringify(flag)})) { console.log('the flag says down'); process.exit(3) } console.log('fine')`;
    const { supervisor, first } = await suite.supervise([
      ordinary('tcp-web', port, { protocol: 'tcp', host: '127.0.0.1', port, ...tries }),
      ordinary(
        'exec-web',
        port,
        { protocol: 'exec', command: process.execPath, args: ['-e', script], env: {}, cwd: dir, ...tries },
        {},
        { args: [fixture('idle-forever.mjs')], checkTimeout: 5_000 },
      ),
    ]);
    await Promise.all([first(becomes('tcp-web', 'healthy')), first(becomes('exec-web', 'healthy'))]);
    expect(supervisor.plugin('exec-web')?.message).toBe('fine');
    writeFileSync(flag, '');
    const down = await first(becomes('exec-web', 'unhealthy'));
    expect(down.type === 'transition' && down.reason).toMatch(/exit code 3: the flag says down/);
  });
});

describe('a plugin checked with the standard gRPC health service', () => {
  test('is healthy when grpc.health.v1 says SERVING for its service; an unknown service is a failed check', async () => {
    const grpcHealth = (service: string): PluginConfig['health'] => ({ protocol: 'grpc', service, address: null, watch: false, ...tries });
    const { supervisor, first } = await suite.supervise([
      pluginConfig('standard', [greeterMain], { health: grpcHealth('plugin') }),
      pluginConfig('unknown-service', [greeterMain], { health: grpcHealth('no.such.Service'), failureThreshold: 1, maxRestarts: 0 }),
    ]);
    await first(becomes('standard', 'healthy'));
    expect(supervisor.plugin('standard')?.lastCheck).toMatchObject({ outcome: 'pass', status: 'healthy' });
    const failed = await first(becomes('unknown-service', 'unhealthy'));
    expect(failed.type === 'transition' && failed.reason).toMatch(/no\.such\.Service/);
  });
});
