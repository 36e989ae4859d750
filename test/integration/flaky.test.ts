import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
    expect(answer.ok && answer.value).toMatchObject({
      status: 'unhealthy',
      message: expect.stringContaining('--unhealthy-after') as unknown,
    });
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

describe('flaky, triggers while it runs', () => {
  it('reports UNHEALTHY from SIGUSR1 on (and opens no inspector)', async () => {
    const plugin = startFlaky([]);
    const client = await connectTo(plugin);
    expect(await statusOf(client)).toBe('healthy');
    plugin.child.kill('SIGUSR1');
    await within(plugin.stderrLine('now reporting UNHEALTHY until restarted'), 5_000, 'the fault line');
    const answer = await client.healthCheck(5_000);
    expect(answer.ok && answer.value).toMatchObject({ status: 'unhealthy', message: 'unhealthy since SIGUSR1' });
    expect(plugin.child.exitCode).toBeNull();
    expect(plugin.stderr()).not.toContain('Debugger listening');
  });

  it('answers slowly for --usr2-for after SIGUSR2, then at full speed again', async () => {
    const plugin = startFlaky(['--usr2-slow', '400', '--usr2-for', '1s']);
    const client = await connectTo(plugin);
    expect(await statusOf(client)).toBe('healthy');
    plugin.child.kill('SIGUSR2');
    const signalled = Date.now();
    await within(plugin.stderrLine('answers after 400 ms for 1000 ms (SIGUSR2)'), 5_000, 'the fault line');
    expect(await client.healthCheck(200)).toMatchObject({ ok: false, kind: 'deadline' });
    const started = Date.now();
    const slow = await client.healthCheck(5_000);
    expect(slow.ok && slow.value.status).toBe('healthy');
    expect(Date.now() - started).toBeGreaterThanOrEqual(390);
    // No event marks the end of the slow spell: ask (bounded) until an answer comes quickly.
    let fast = false;
    for (let round = 0; round < 30 && !fast; round++) fast = (await client.healthCheck(200)).ok;
    expect(fast).toBe(true);
    expect(Date.now() - signalled).toBeGreaterThanOrEqual(990);
  });

  it('FLAKY_USR2_SLOW_MS and FLAKY_USR2_FOR set the slow spell', async () => {
    const plugin = startFlaky([], { FLAKY_USR2_SLOW_MS: '250', FLAKY_USR2_FOR: '3s' });
    await connectTo(plugin);
    plugin.child.kill('SIGUSR2');
    await within(plugin.stderrLine('answers after 250 ms for 3000 ms (SIGUSR2)'), 5_000, 'the fault line');
  });
});

describe('flaky, one-shot faults from --fault-dir', () => {
  let faultDir = '';
  afterEach(() => rmSync(faultDir, { recursive: true, force: true }));

  it('takes DIR/bad-handshake at start: a bad handshake once, a clean start after', async () => {
    faultDir = mkdtempSync(join(tmpdir(), 'flaky-faults-'));
    const marker = join(faultDir, 'bad-handshake');
    writeFileSync(marker, '');
    const first = startFlaky(['--fault-dir', faultDir]);
    const line = await within(first.firstLine, 10_000, 'the first line');
    expect(parseHandshakeLine(line).kind).toBe('invalid');
    expect(existsSync(marker)).toBe(false);
    expect(first.stderr()).toContain('(--fault-dir)');
    first.child.stdin.end();
    expect(await within(first.exited, 5_000, 'exit')).toEqual({ code: 0, signal: null });

    const second = startFlaky([], { FLAKY_FAULT_DIR: faultDir });
    expect(await statusOf(await connectTo(second))).toBe('healthy');
  });

  it('starts normally when the folder has no fault in it, or does not exist', async () => {
    faultDir = mkdtempSync(join(tmpdir(), 'flaky-faults-'));
    expect(await statusOf(await connectTo(startFlaky(['--fault-dir', faultDir])))).toBe('healthy');
    expect(await statusOf(await connectTo(startFlaky(['--fault-dir', join(faultDir, 'missing')])))).toBe('healthy');
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
    [['--usr2-for', 'soon'], '--usr2-for: "soon" is not a duration'],
    [['--fault-dir'], '--fault-dir needs a value PATH'],
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
