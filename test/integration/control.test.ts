import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import type { ApiServer } from '../../src/api/serve.js';
import type { SupervisorEvent } from '../../src/model/events.js';
import { alive } from '../helpers/alive.js';
import { fixture, flakyMain, greeterMain, requireBuilt } from '../helpers/paths.js';
import { pluginConfig, startSupervised } from '../helpers/supervised.js';
import { useSupervisedSuite } from '../helpers/supervised-suite.js';

type Transition = Extract<SupervisorEvent, { type: 'transition' }>;
type OperationEvent = Extract<SupervisorEvent, { type: 'operation' }>;
const becomes =
  (plugin: string, to: Transition['to']) =>
  (event: SupervisorEvent): event is Transition =>
    event.type === 'transition' && event.plugin === plugin && event.to === to;
const finished =
  (id: string) =>
  (event: SupervisorEvent): event is OperationEvent =>
    event.type === 'operation' && event.operation.id === id && event.operation.status !== 'pending';

const { supervise, serveApi, scratchDir } = useSupervisedSuite();

/** What the control routes answer; error answers carry `error` instead of the rest. */
type Body = Record<string, unknown> & { operation: { id: string; status: string }; coalesced: boolean };
type Answer = { status: number; body: Body };
const post = async (server: ApiServer, path: string, init: RequestInit = {}): Promise<Answer> => {
  const response = await fetch(`${server.url}${path}`, { method: 'POST', ...init });
  return { status: response.status, body: (await response.json()) as Body };
};

beforeAll(requireBuilt);

const spawnsOf = (events: SupervisorEvent[], plugin: string) => events.filter((e) => e.type === 'spawned' && e.plugin === plugin);

describe('restarts under concurrency', () => {
  test('two restart requests at once are one restart: both 202 with the same operation', async () => {
    const { supervisor, first, events } = await supervise([pluginConfig('greeter', [greeterMain])]);
    await first(becomes('greeter', 'healthy'));
    const server = await serveApi(supervisor);

    const answers = await Promise.all([post(server, '/plugins/greeter/restart'), post(server, '/plugins/restart?plugin=greeter')]);
    expect(answers.map((a) => a.status)).toEqual([202, 202]);
    const [one, two] = answers.map((a) => a.body);
    expect(two?.operation.id).toBe(one?.operation.id);
    expect(answers.map((a) => a.body['coalesced']).sort()).toEqual([false, true]);

    const done = await first(finished(one?.operation.id ?? ''));
    expect(done.operation).toMatchObject({ action: 'restart', status: 'succeeded', outcome: 'serving (healthy)', requests: 2 });
    expect(spawnsOf(events, 'greeter')).toHaveLength(2);
    expect(supervisor.plugin('greeter')).toMatchObject({ state: 'healthy', restartCount: 1 });

    const followed = await fetch(`${server.url}/operations/${one?.operation.id ?? ''}`);
    expect(followed.status).toBe(200);
    expect(await followed.json()).toMatchObject({ status: 'succeeded', requests: 2, plugin: 'greeter', finishedAt: expect.any(String) });
    expect((await fetch(`${server.url}/operations/nope`)).status).toBe(404);
  });

  test('a restart asked for while a restart is under way joins it (202, same operation)', async () => {
    // Three passing checks before healthy keep the restart under way long enough to ask again.
    const { supervisor, first, events } = await supervise([pluginConfig('greeter', [greeterMain], { successThreshold: 3 })]);
    await first(becomes('greeter', 'healthy'));
    const server = await serveApi(supervisor);

    const begun = await post(server, '/plugins/greeter/restart');
    await first((e) => e.type === 'spawned' && e.generation === 2);
    const again = await post(server, '/plugins/greeter/restart');
    expect(again.status).toBe(202);
    expect(again.body).toMatchObject({ coalesced: true, operation: { id: begun.body.operation.id, status: 'pending' } });
    await first(finished(begun.body.operation.id));
    expect(spawnsOf(events, 'greeter')).toHaveLength(2);
    expect(supervisor.plugin('greeter')?.restartCount).toBe(1);
  });
});

describe('stop, start and signal by hand', () => {
  test('stop → 202, then stopped with no process left; again → 200; start → 202 → healthy; again → 200', async () => {
    const { supervisor, first } = await supervise([pluginConfig('greeter', [greeterMain])]);
    await first(becomes('greeter', 'healthy'));
    const pid = supervisor.plugin('greeter')?.pid ?? 0;
    const server = await serveApi(supervisor);

    const stop = await post(server, '/plugins/greeter/stop');
    // 202 even when the stop is over before the answer (the wish is written to disk first).
    expect(stop).toMatchObject({ status: 202, body: { state: 'stopped', coalesced: false, operation: { action: 'stop' } } });
    const stopped = await first(finished(stop.body.operation.id));
    expect(stopped.operation.status).toBe('succeeded');
    expect(alive(pid)).toBe(false);
    expect(supervisor.plugin('greeter')).toMatchObject({ state: 'stopped', pid: null });
    expect(await post(server, '/plugins/greeter/stop')).toMatchObject({
      status: 200,
      body: { operation: { status: 'succeeded', outcome: 'already stopped' } },
    });

    const start = await post(server, '/plugins/greeter/start');
    expect(start).toMatchObject({ status: 202, body: { operation: { action: 'start' } } });
    await first(finished(start.body.operation.id));
    expect(supervisor.plugin('greeter')?.state).toBe('healthy');
    expect(await post(server, '/plugins/greeter/start')).toMatchObject({
      status: 200,
      body: { operation: { outcome: 'already running (healthy)' } },
    });
  });

  test('a stop during a restart supersedes it; the restart operation fails and says why', async () => {
    const { supervisor, first } = await supervise([pluginConfig('greeter', [greeterMain], { successThreshold: 3 })]);
    await first(becomes('greeter', 'healthy'));
    const restart = await supervisor.control('greeter', 'restart', 'test');
    const stop = await supervisor.control('greeter', 'stop', 'test');
    if (!restart.ok || !stop.ok) throw new Error('refused');
    expect(stop.operation.id).not.toBe(restart.operation.id);
    expect((await first(finished(restart.operation.id))).operation).toMatchObject({
      status: 'failed',
      outcome: 'superseded by a stop request',
    });
    await first(finished(stop.operation.id));
    expect(supervisor.plugin('greeter')).toMatchObject({ state: 'stopped', pid: null });
  });

  test('SIGKILL sent over the API is a crash: unhealthy, restarted, healthy; bad requests say why', async () => {
    const { supervisor, first } = await supervise([pluginConfig('greeter', [greeterMain]), pluginConfig('idle', [greeterMain])]);
    await first(becomes('greeter', 'healthy'));
    const server = await serveApi(supervisor, 's3cret');
    const auth = { headers: { Authorization: 'Bearer s3cret' } };
    const pid = supervisor.plugin('greeter')?.pid;

    expect((await post(server, '/plugins/greeter/signal?signal=SIGKILL')).status).toBe(401);
    expect(await post(server, '/plugins/greeter/signal?signal=kill', auth)).toEqual({
      status: 200,
      body: { plugin: 'greeter', pid, signal: 'SIGKILL' },
    });
    await first(becomes('greeter', 'unhealthy'));
    await first((e) => becomes('greeter', 'healthy')(e) && e.restartCount === 1);

    expect(await post(server, '/plugins/greeter/signal?signal=SIGSEGV', auth)).toMatchObject({
      status: 400,
      body: { error: { code: 'invalid_signal' } },
    });
    expect(await post(server, '/plugins/greeter/signal', auth)).toMatchObject({ status: 400, body: { error: { code: 'invalid_signal' } } });
    expect(await post(server, '/plugins/nope/signal?signal=SIGTERM', auth)).toMatchObject({
      status: 404,
      body: { error: { code: 'plugin_not_found' } },
    });
    expect(await post(server, '/plugins/Bad!/stop', auth)).toMatchObject({ status: 400, body: { error: { code: 'invalid_plugin_name' } } });
    await first(becomes('idle', 'healthy'));
    await supervisor.control('idle', 'stop', 'test');
    expect(await post(server, '/plugins/idle/signal?signal=SIGCONT', auth)).toMatchObject({
      status: 409,
      body: { error: { code: 'not_running' } },
    });
    expect((await fetch(`${server.url}/plugins/idle/stop`)).status).toBe(405);
  });
});

describe('the desired state outlives the supervisor', () => {
  test('a plugin stopped by hand stays stopped after a supervisor restart, until started again', async () => {
    const stateDir = scratchDir('hale-control-');
    const plugins = [pluginConfig('greeter', [greeterMain]), pluginConfig('other', [greeterMain])];
    const one = await startSupervised(plugins, { stateDir });
    await one.first(becomes('greeter', 'healthy'));
    await one.supervisor.control('greeter', 'stop', 'maintenance window');
    expect(JSON.parse(readFileSync(join(stateDir, 'desired.json'), 'utf8'))).toMatchObject({
      stopped: { greeter: { reason: 'maintenance window', at: expect.any(String) } },
    });
    await one.supervisor.stop('restarting the supervisor');

    const two = await supervise(plugins, { stateDir });
    await two.first(becomes('other', 'healthy'));
    expect(two.supervisor.plugin('greeter')).toMatchObject({
      state: 'stopped',
      generation: 0,
      reason: expect.stringMatching(/^stopped by hand at .* \(maintenance window\); kept stopped/),
    });
    await two.supervisor.control('greeter', 'start', 'after maintenance');
    await two.first(becomes('greeter', 'healthy'));
    await two.supervisor.stop('restarting the supervisor again');

    const three = await supervise(plugins, { stateDir });
    await three.first(becomes('greeter', 'healthy'));
  });
});

describe('the desired state, when the disk fails', () => {
  test('a stop that cannot be written is still carried out, and the log says it will not outlive a restart', async () => {
    const stateDir = scratchDir('hale-control-');
    const { supervisor, first, logLines } = await supervise([pluginConfig('greeter', [greeterMain])], { stateDir });
    await first(becomes('greeter', 'healthy'));
    // A directory where the file should go: the rename over it fails (root ignores permissions, not this).
    mkdirSync(join(stateDir, 'desired.json', 'in-the-way'), { recursive: true });
    const result = await supervisor.control('greeter', 'stop', 'test');
    expect(result).toMatchObject({ ok: true, accepted: true, state: 'stopped' });
    expect(logLines.find((l) => l['level'] === 'error' && l['plugin'] === 'greeter')?.['msg']).toBe(
      'greeter: could not record the stop in the state dir; it will not outlive a restart of hale',
    );
  });
});

describe('exit codes that mean "do not restart"', () => {
  test('exit 78 before the handshake: failed at once with the reason, never restarted', async () => {
    const { supervisor, first, events } = await supervise([pluginConfig('misconfigured', [flakyMain, '--exit-at-once', '78'])]);
    const failed = await first(becomes('misconfigured', 'failed'));
    expect(failed.reason).toMatch(/^exit code 78 before the handshake.*; exit code 78 is in noRestartExitCodes, so it is not restarted$/s);
    expect(events.filter((e) => e.type === 'transition' && e.plugin === 'misconfigured').map((e) => (e as Transition).to)).toEqual([
      'unknown',
      'failed',
    ]);
    expect(supervisor.plugin('misconfigured')).toMatchObject({ restartCount: 0, pid: null, lastExit: { code: 78 } });
  });

  test('exit 78 while serving: healthy → failed; another code listed instead restarts 78', async () => {
    const { first, supervisor } = await supervise([
      pluginConfig('quits', [flakyMain, '--crash-after', '200ms', '--crash-code', '78']),
      pluginConfig('listed', [flakyMain, '--crash-after', '200ms', '--crash-code', '78'], { noRestartExitCodes: [3] }),
    ]);
    await first(becomes('quits', 'healthy'));
    await first(becomes('quits', 'failed'));
    await first((e) => becomes('listed', 'healthy')(e) && e.restartCount === 1);
    expect(supervisor.plugin('quits')?.restartCount).toBe(0);
  });
});

describe('start failures', () => {
  test('a fixed address that refuses connections is a failed start that names the address', async () => {
    const { first } = await supervise([
      pluginConfig('refused', [fixture('idle-forever.mjs')], { address: '127.0.0.1:9', startTimeout: 400, maxRestarts: 0 }),
    ]);
    const failed = await first((e) => e.type === 'startFailed' && e.plugin === 'refused');
    expect(failed).toMatchObject({ reason: expect.stringMatching(/127\.0\.0\.1:9/) });
  });
});
