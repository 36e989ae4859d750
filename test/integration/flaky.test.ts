import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createPluginClient, type PluginClient } from '../../src/grpc/plugin-client.js';
import { parseHandshakeLine } from '../../src/plugin/handshake.js';
import { flakyMain } from '../helpers/paths.js';
import { cleanUp, makeSocketDir, pluginEnv, startPluginChild, within, type PluginChild } from '../helpers/plugin-child.js';

const clients: PluginClient[] = [];
const orphans: number[] = [];
const shells: ChildProcess[] = [];

beforeAll(() => {
  if (!existsSync(flakyMain)) throw new Error(`${flakyMain} is missing: run \`npm run build\` first (npm test does)`);
});

afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  for (const shell of shells.splice(0)) if (shell.exitCode === null && shell.signalCode === null) shell.kill('SIGKILL');
  for (const pid of orphans.splice(0)) killIfFlaky(pid);
  await cleanUp();
});

// An orphan is not our child: make sure the pid is still that flaky before killing it.
const killIfFlaky = (pid: number): void => {
  try {
    if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(flakyMain)) process.kill(pid, 'SIGKILL');
  } catch {
    // Already gone, as it should be.
  }
};

const startFlaky = (args: string[], env: Record<string, string> = {}): PluginChild =>
  startPluginChild(flakyMain, args, pluginEnv(makeSocketDir(), env));

const connectTo = async (plugin: PluginChild): Promise<PluginClient> => {
  const parsed = parseHandshakeLine(await within(plugin.firstLine, 10_000, 'the handshake line'));
  if (parsed.kind !== 'handshake') throw new Error(`not a handshake: ${JSON.stringify(parsed)}`);
  const client = createPluginClient(parsed.handshake.address);
  clients.push(client);
  return client;
};

const statusOf = async (client: PluginClient): Promise<string> => {
  const answer = await client.healthCheck(5_000);
  return answer.ok ? answer.value.status : `failed: ${answer.message}`;
};

describe('flaky, health faults', () => {
  it('reports UNHEALTHY from --unhealthy-after on', async () => {
    const plugin = startFlaky(['--unhealthy-after', '300ms']);
    const client = await connectTo(plugin);
    expect(await statusOf(client)).toBe('healthy');
    await within(plugin.stderrLine('now reporting UNHEALTHY'), 5_000, 'the fault line');
    const answer = await client.healthCheck(5_000);
    expect(answer.ok && answer.value).toMatchObject({ status: 'unhealthy', message: expect.stringContaining('--unhealthy-after') as unknown });
  });

  it('reports DEGRADED from FLAKY_DEGRADE_AFTER on, and UNHEALTHY wins once both are due', async () => {
    const plugin = startFlaky(['--unhealthy-after', '600ms'], { FLAKY_DEGRADE_AFTER: '200ms' });
    const client = await connectTo(plugin);
    await within(plugin.stderrLine('now reporting DEGRADED'), 5_000, 'the degraded line');
    expect(await statusOf(client)).toBe('degraded');
    await within(plugin.stderrLine('now reporting UNHEALTHY'), 5_000, 'the unhealthy line');
    expect(await statusOf(client)).toBe('unhealthy');
  });

  it('answers after --slow, so a short deadline sees no answer', async () => {
    const client = await connectTo(startFlaky(['--slow', '2000']));
    const answer = await client.healthCheck(200);
    expect(answer).toMatchObject({ ok: false, kind: 'deadline' });
    expect((await client.getInfo(5_000)).ok).toBe(true);
  });
});

describe('flaky, process faults', () => {
  it('crashes after --crash-after with --crash-code, which wins over FLAKY_CRASH_CODE', async () => {
    const plugin = startFlaky(['--crash-after', '200ms', '--crash-code', '3'], { FLAKY_CRASH_CODE: '5' });
    await connectTo(plugin);
    expect(await within(plugin.exited, 10_000, 'the crash')).toEqual({ code: 3, signal: null });
    expect(plugin.stderr()).toContain('crashing with exit code 3');
  });

  it('hangs after --hang-after: checks time out, SIGTERM is ignored, SIGKILL ends it', async () => {
    const plugin = startFlaky(['--hang-after', '100ms']);
    const client = await connectTo(plugin);
    await within(plugin.stderrLine('fault: hanging'), 5_000, 'the hang line');
    expect(await client.healthCheck(300)).toMatchObject({ ok: false, kind: 'deadline' });
    plugin.child.kill('SIGTERM');
    // Proving a negative: it must still be there a while after SIGTERM.
    await expect(within(plugin.exited, 800, 'exit after SIGTERM')).rejects.toThrow(/nothing within/);
    plugin.child.kill('SIGKILL');
    expect(await within(plugin.exited, 5_000, 'exit after SIGKILL')).toEqual({ code: null, signal: 'SIGKILL' });
  });

  it('a hung flaky exits when its parent is gone', async () => {
    // A shell starts flaky in the background (stdin /dev/null, so only the parent check can notice)
    // and exits once told, orphaning flaky while it hangs.
    const env = pluginEnv(makeSocketDir(), { FLAKY_HANG_AFTER: '0ms' });
    const script = `"${process.execPath}" "${flakyMain}" & echo "pid $!"; read done`;
    const shell = spawn('/bin/sh', ['-c', script], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    shells.push(shell);
    const shellExited = new Promise<void>((resolve) => shell.once('exit', () => resolve()));
    let stderr = '';
    const hanging = new Promise<void>((resolve) =>
      shell.stderr.setEncoding('utf8').on('data', (chunk: string) => {
        stderr += chunk;
        if (stderr.includes('fault: hanging')) resolve();
      }),
    );
    let stdout = '';
    shell.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      const pid = /pid (\d+)/.exec(stdout)?.[1];
      if (pid !== undefined && !orphans.includes(Number(pid))) orphans.push(Number(pid));
    });
    // Its stderr pipe closes only when every holder, the orphaned flaky last, has exited.
    const closed = new Promise<void>((resolve) => shell.stderr.once('close', () => resolve()));
    await within(hanging, 10_000, 'the hang line');
    shell.stdin.end('go\n');
    await within(shellExited, 5_000, 'the shell exit');
    await within(closed, 10_000, "the orphan's exit");
    expect(stderr).toContain('the parent is gone');
  });

  it('prints a bad handshake line with --bad-handshake, waits, and leaves when stdin closes', async () => {
    const plugin = startFlaky(['--bad-handshake']);
    const line = await within(plugin.firstLine, 10_000, 'the line');
    expect(line).toBe('1|1|carrier-pigeon|nowhere|grpc');
    expect(parseHandshakeLine(line).kind).toBe('invalid');
    expect(plugin.child.exitCode).toBeNull();
    plugin.child.stdin.end();
    expect(await within(plugin.exited, 5_000, 'exit')).toEqual({ code: 0, signal: null });
  });

  it('exits before the handshake with --exit-at-once CODE, saying why', async () => {
    const plugin = startFlaky(['--exit-at-once', '7']);
    expect(await within(plugin.exited, 10_000, 'exit')).toEqual({ code: 7, signal: null });
    expect(plugin.stderr()).toContain('exiting at once with code 7');
    await expect(plugin.firstLine).rejects.toThrow(/before a line on stdout/);
  });

  it('exits with FLAKY_EXIT_AT_ONCE as the code', async () => {
    const plugin = startFlaky([], { FLAKY_EXIT_AT_ONCE: '4' });
    expect(await within(plugin.exited, 10_000, 'exit')).toEqual({ code: 4, signal: null });
  });

  it.each([
    [['--explode'], 'unknown option "--explode"'],
    [['--crash-after', 'soon'], '--crash-after: "soon" is not a duration'],
    [['--crash-after'], '--crash-after needs a value'],
    [['--crash-code', '300'], 'is not an exit code'],
  ])('exits 78 on bad options %j', async (args, message) => {
    const plugin = startFlaky(args);
    expect(await within(plugin.exited, 10_000, 'exit')).toEqual({ code: 78, signal: null });
    expect(plugin.stderr()).toContain(message);
    expect(plugin.stderr()).toContain('usage: flaky');
  });

  it('exits 78 on a bad FLAKY_ variable, naming it', async () => {
    const plugin = startFlaky([], { FLAKY_SLOW_MS: 'very' });
    expect(await within(plugin.exited, 10_000, 'exit')).toEqual({ code: 78, signal: null });
    expect(plugin.stderr()).toContain('FLAKY_SLOW_MS');
  });
});
