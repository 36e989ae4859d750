import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import type { SupervisorEvent } from '../../src/model/events.js';
import { alive } from '../helpers/alive.js';
import { fixture, flakyMain, greeterMain, requireBuilt } from '../helpers/paths.js';
import { pluginConfig } from '../helpers/supervised.js';
import { useSupervisedSuite } from '../helpers/supervised-suite.js';
import { waitForEvent } from '../helpers/wait-for-event.js';

type Transition = Extract<SupervisorEvent, { type: 'transition' }>;
const isTransition = (event: SupervisorEvent): event is Transition => event.type === 'transition';
const becomes =
  (plugin: string, to: Transition['to']) =>
  (event: SupervisorEvent): event is Transition =>
    isTransition(event) && event.plugin === plugin && event.to === to;

const { supervise, serveApi, scratchDir } = useSupervisedSuite();

beforeAll(requireBuilt);

const transitionsOf = (events: SupervisorEvent[], plugin: string) =>
  events
    .filter(isTransition)
    .filter((e) => e.plugin === plugin)
    .map((e) => e.to);

describe('a supervised plugin', () => {
  test('starts healthy: connected, named by GetInfo, checked, nothing restarted', async () => {
    const { supervisor, events, first } = await supervise([pluginConfig('greeter', [greeterMain])]);
    await first(becomes('greeter', 'healthy'));
    const status = supervisor.plugin('greeter');
    expect(status).toMatchObject({ state: 'healthy', connected: true, restartCount: 0, failureCount: 0 });
    expect(status?.info).toMatchObject({ name: 'greeter', version: expect.stringMatching(/^\d+\.\d+\.\d+/) });
    expect(status?.pid).toBeGreaterThan(0);
    expect(status?.address).toMatch(/^unix:\/.*\.sock$/);
    expect(status?.lastCheck).toMatchObject({ outcome: 'pass', status: 'healthy' });
    expect(status?.components.map((c) => c.name)).toContain('greetings');
    expect(transitionsOf(events, 'greeter')).toEqual(['unknown', 'healthy']);
  });

  test('SIGKILL: unhealthy at once, restarted, healthy again with restartCount 1 and a new pid', async () => {
    const { supervisor, events, first } = await supervise([pluginConfig('greeter', [greeterMain], { checkInterval: 5_000 })]);
    await first(becomes('greeter', 'healthy'));
    const firstPid = supervisor.plugin('greeter')?.pid ?? 0;
    const killedAt = Date.now();
    const backHealthy = waitForEvent(supervisor.events, becomes('greeter', 'healthy'));
    process.kill(firstPid, 'SIGKILL');
    await backHealthy;

    const unhealthy = events.find(becomes('greeter', 'unhealthy'));
    expect(unhealthy?.reason).toBe('killed by SIGKILL');
    // Exit is learnt from the process, not from the next check 5 s away.
    expect((unhealthy?.at ?? Infinity) - killedAt).toBeLessThan(1_000);
    expect(transitionsOf(events, 'greeter')).toEqual(['unknown', 'healthy', 'unhealthy', 'restarting', 'unknown', 'healthy']);
    const status = supervisor.plugin('greeter');
    expect(status).toMatchObject({ state: 'healthy', restartCount: 1, restarts: 1 });
    expect(status?.pid).not.toBe(firstPid);
    expect(status?.lastExit).toMatchObject({ signal: 'SIGKILL', code: null, stderr: expect.stringContaining('serving greeter') });
    expect(alive(firstPid)).toBe(false);
  });

  test('a hang: unhealthy after failureThreshold failed checks, killed (SIGTERM is ignored), restarted', async () => {
    const { supervisor, events, first } = await supervise([
      pluginConfig('hangs', [flakyMain, '--hang-after', '300ms'], { failureThreshold: 2, stopTimeout: 400 }),
    ]);
    const unhealthy = await first(becomes('hangs', 'unhealthy'));
    expect(unhealthy.reason).toMatch(/^2 consecutive failed health checks, the last: no answer within checkTimeout \(100 ms\)/);
    const stopped = await first((e) => e.type === 'stopped' && e.plugin === 'hangs');
    expect(stopped).toMatchObject({ stage: 'killed' });
    await first(becomes('hangs', 'unknown'));
    const checks = events.filter((e) => e.type === 'check' && e.plugin === 'hangs' && e.generation === 1);
    const failed = checks.filter((e) => e.type === 'check' && e.check.outcome === 'fail');
    expect(failed.length).toBe(2);
    // The plugin pushes its health: the unanswered keepalive PING breaks its stream first, then a poll gets no answer.
    expect(failed.map((e) => e.type === 'check' && e.check.failure)).toEqual(['unavailable', 'deadline']);
    expect(failed[0]?.type === 'check' && failed[0].check.message).toMatch(/^the health stream broke: .*keepalive ping/);
    expect(supervisor.plugin('hangs')).toMatchObject({ restartCount: 1, lastExit: { signal: 'SIGKILL', code: null } });
  });

  test('a crash loop: restarted after 0, 150, 300 ms, then failed after maxRestarts with the reason and stderr', async () => {
    const { supervisor, events, first } = await supervise([
      pluginConfig('crashes', [flakyMain, '--exit-at-once', '3'], { maxRestarts: 3, restartBackoff: 150 }),
    ]);
    const failed = await first(becomes('crashes', 'failed'));
    expect(failed.reason).toMatch(/^gave up after 3 restarts; the last failure: exit code 3 before the handshake/);
    const steps = events.filter(isTransition).filter((e) => e.plugin === 'crashes');
    expect(steps.map((e) => e.to)).toEqual([
      'unknown',
      'unhealthy',
      'restarting',
      'unhealthy',
      'restarting',
      'unhealthy',
      'restarting',
      'unhealthy',
      'failed',
    ]);
    const waits = steps.flatMap((step, i) => (step.to === 'restarting' ? [step.at - (steps[i - 1]?.at ?? 0)] : []));
    expect(waits).toHaveLength(3);
    [0, 150, 300].forEach((expected, i) => {
      expect(waits[i]).toBeGreaterThanOrEqual(expected - 2);
      expect(waits[i]).toBeLessThan(expected + 500);
    });
    const status = supervisor.plugin('crashes');
    expect(status).toMatchObject({ state: 'failed', restarts: 3, restartCount: 3, pid: null });
    expect(status?.lastError).toContain('exiting at once with code 3');
  });

  test('POST /plugins/restart revives a failed plugin once its fault is fixed', async () => {
    const dir = scratchDir();
    const fault = join(dir, 'broken');
    writeFileSync(fault, 'remove me to fix the plugin');
    const { supervisor, first } = await supervise([
      pluginConfig('fixable', [flakyMain, '--exit-while-file', fault], { maxRestarts: 1, restartBackoff: 50 }),
    ]);
    await first(becomes('fixable', 'failed'));
    const server = await serveApi(supervisor);

    rmSync(fault);
    const healthy = waitForEvent(supervisor.events, becomes('fixable', 'healthy'));
    const answer = await fetch(`${server.url}/plugins/restart?plugin=fixable`, { method: 'POST' });
    expect(answer.status).toBe(202);
    expect(await answer.json()).toMatchObject({ plugin: 'fixable', state: 'restarting' });
    await healthy;
    // A manual restart from failed starts the count afresh.
    expect(supervisor.plugin('fixable')).toMatchObject({ state: 'healthy', restarts: 0, restartCount: 2 });
  });

  test('a bad handshake fails the start with the plugin’s own text in the error', async () => {
    const { first } = await supervise([pluginConfig('garbled', [flakyMain, '--bad-handshake'], { maxRestarts: 0 })]);
    const failed = await first((e) => e.type === 'startFailed' && e.plugin === 'garbled');
    expect(failed.type === 'startFailed' && failed.reason).toContain('bad handshake line "1|1|carrier-pigeon|nowhere|grpc"');
    expect(failed.type === 'startFailed' && failed.reason).toContain('network "carrier-pigeon" is not unix or tcp');
    const failedState = await first(becomes('garbled', 'failed'));
    expect(failedState.reason).toContain('carrier-pigeon');
  });

  test('a start that never prints a handshake times out with what the plugin printed instead', async () => {
    const { first } = await supervise([
      pluginConfig('silent', ['-e', 'console.log("listening on 8080"); setInterval(() => {}, 1000)'], {
        // Long enough for node to boot and print even on a loaded machine.
        startTimeout: 1_500,
        maxRestarts: 0,
      }),
    ]);
    const failed = await first((e) => e.type === 'startFailed' && e.plugin === 'silent');
    expect(failed.type === 'startFailed' && failed.reason).toBe(
      'no handshake line within startTimeout (1500 ms); stdout before the handshake: listening on 8080',
    );
    const stopped = await first((e) => e.type === 'stopped' && e.plugin === 'silent');
    expect(stopped).toMatchObject({ stage: 'terminated' });
  });

  test('a command that does not exist is a failed start that says so', async () => {
    const { first } = await supervise([{ ...pluginConfig('missing', []), command: '/nonexistent/plugin-binary', maxRestarts: 0 }]);
    const failed = await first((e) => e.type === 'startFailed' && e.plugin === 'missing');
    expect(failed.type === 'startFailed' && failed.reason).toBe('command not found: /nonexistent/plugin-binary (not on PATH)');
    await first(becomes('missing', 'failed'));
  });

  test('a working directory that does not exist is a failed start that says so', async () => {
    const { first } = await supervise([pluginConfig('lost', [greeterMain], { cwd: '/nonexistent/dir', maxRestarts: 0 })]);
    const failed = await first((e) => e.type === 'startFailed' && e.plugin === 'lost');
    expect(failed.type === 'startFailed' && failed.reason).toBe('the working directory does not exist: /nonexistent/dir');
  });

  test('a command that is not executable is a failed start that says so', async () => {
    const { first } = await supervise([{ ...pluginConfig('noexec', []), command: greeterMain, maxRestarts: 0 }]);
    const failed = await first((e) => e.type === 'startFailed' && e.plugin === 'noexec');
    expect(failed.type === 'startFailed' && failed.reason).toBe(`permission denied: ${greeterMain} is not executable`);
  });

  test('a DEGRADED plugin: /health answers 200 "degraded"', async () => {
    const { supervisor, first } = await supervise([pluginConfig('slowpoke', [flakyMain, '--degrade-after', '0ms'])]);
    await first(becomes('slowpoke', 'degraded'));
    const server = await serveApi(supervisor);
    const answer = await fetch(`${server.url}/health`);
    expect(answer.status).toBe(200);
    const body = (await answer.json()) as { status: string; plugins: Record<string, { status: string; healthy: boolean }> };
    expect(body.status).toBe('degraded');
    expect(body.plugins.slowpoke).toMatchObject({ status: 'degraded', healthy: true });
  });

  test('a critical plugin down: /health 503, not ready, and /health/:plugin 503 for it alone', async () => {
    const { supervisor, first } = await supervise([
      pluginConfig('core', [flakyMain, '--exit-at-once'], { maxRestarts: 0 }),
      pluginConfig('greeter', [greeterMain]),
    ]);
    await Promise.all([first(becomes('core', 'failed')), first(becomes('greeter', 'healthy'))]);
    const server = await serveApi(supervisor);
    const health = await fetch(`${server.url}/health`);
    expect(health.status).toBe(503);
    expect(await health.json()).toMatchObject({ status: 'unhealthy', summary: { failedPlugins: 1, healthyPlugins: 1 } });
    expect((await fetch(`${server.url}/health/readiness`)).status).toBe(503);
    expect((await fetch(`${server.url}/health/core`)).status).toBe(503);
    expect((await fetch(`${server.url}/health/greeter`)).status).toBe(200);
  });

  test('a non-critical plugin down only degrades: /health 200 "degraded", still ready', async () => {
    const { supervisor, first } = await supervise([
      pluginConfig('extra', [flakyMain, '--exit-at-once'], { maxRestarts: 0, critical: false }),
      pluginConfig('greeter', [greeterMain]),
    ]);
    await Promise.all([first(becomes('extra', 'failed')), first(becomes('greeter', 'healthy'))]);
    const server = await serveApi(supervisor);
    const health = await fetch(`${server.url}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'degraded' });
    expect((await fetch(`${server.url}/health/readiness`)).status).toBe(200);
  });

  test('stop is graceful for a plugin that answers Shutdown, and leaves no process behind', async () => {
    const { supervisor, events, first } = await supervise([pluginConfig('greeter', [greeterMain])]);
    await first(becomes('greeter', 'healthy'));
    const pid = supervisor.plugin('greeter')?.pid ?? 0;
    await supervisor.stop('test');
    expect(events.find((e) => e.type === 'stopped')).toMatchObject({ stage: 'graceful', pid });
    expect(alive(pid)).toBe(false);
    expect(supervisor.plugin('greeter')).toMatchObject({ state: 'stopped', pid: null, lastExit: { code: 0, signal: null, stderr: '' } });
  });

  test('a restart asked for during the shutdown is refused, and nothing is left running', async () => {
    const { supervisor, first } = await supervise([pluginConfig('greeter', [greeterMain])]);
    await first(becomes('greeter', 'healthy'));
    const pid = supervisor.plugin('greeter')?.pid ?? 0;
    const stopping = supervisor.stop('test');
    expect(await supervisor.control('greeter', 'restart', 'late')).toEqual({
      ok: false,
      code: 'shutting_down',
      message: 'the supervisor is shutting down',
    });
    await stopping;
    expect(supervisor.plugin('greeter')).toMatchObject({ state: 'stopped', pid: null, generation: 1 });
    expect(alive(pid)).toBe(false);
  });

  test('a stop during a start ends the starting process too', async () => {
    const { supervisor, first } = await supervise([pluginConfig('greeter', [greeterMain])]);
    const spawned = await first((e) => e.type === 'spawned');
    await supervisor.stop('test');
    expect(supervisor.plugin('greeter')).toMatchObject({ state: 'stopped', pid: null });
    expect(spawned.type === 'spawned' && alive(spawned.pid)).toBe(false);
  });

  test('stdout lines before the handshake are the plugin’s log, not a failed start', async () => {
    const { logLines, first } = await supervise([pluginConfig('chatty', [fixture('chatty-plugin.mjs')])]);
    await first(becomes('chatty', 'healthy'));
    const early = logLines.filter((line) => line.plugin === 'chatty' && line.stream === 'stdout');
    expect(early).toEqual([
      expect.objectContaining({ level: 'info', msg: 'booting: loading 3 modules' }),
      expect.objectContaining({ level: 'info', msg: 'config read', modules: 3 }),
    ]);
  });

  test('a stop ends what the plugin forked too (its whole process group)', async () => {
    const { supervisor, logLines, first } = await supervise([pluginConfig('forker', [fixture('forking-plugin.mjs')])]);
    await first(becomes('forker', 'healthy'));
    const helperPid = Number(logLines.find((line) => line.plugin === 'forker' && 'helperPid' in line)?.helperPid);
    expect(alive(helperPid)).toBe(true);
    await supervisor.stop('test');
    expect(alive(helperPid)).toBe(false);
  });

  test('plugin output becomes log lines with plugin and stream; JSON lines are merged, not re-encoded', async () => {
    const script = [
      'console.log(JSON.stringify({ level: 40, time: 1, msg: "cache is cold", cacheSize: 0 }));',
      'console.error(JSON.stringify({ "@level": "error", "@message": "from go-plugin", "@module": "db" }));',
      'console.error("plain text line");',
      'process.exit(0);',
    ].join(' ');
    const { logLines, first } = await supervise([pluginConfig('talker', ['-e', script], { maxRestarts: 0 })]);
    await first(becomes('talker', 'failed'));
    const mine = logLines.filter((line) => line.plugin === 'talker' && 'stream' in line);
    expect(mine).toContainEqual(expect.objectContaining({ level: 'warn', msg: 'cache is cold', cacheSize: 0, stream: 'stdout' }));
    expect(mine).toContainEqual(expect.objectContaining({ level: 'error', msg: 'from go-plugin', module: 'db', stream: 'stderr' }));
    expect(mine).toContainEqual(expect.objectContaining({ level: 'info', msg: 'plain text line', stream: 'stderr' }));
  });
});
