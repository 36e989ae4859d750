import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { describeExit, runCommand, signalProcess, startProcess, type StartedProcess } from '../../../src/process/run-process.js';

const node = process.execPath;
const started: StartedProcess[] = [];

afterEach(async () => {
  for (const child of started.splice(0)) {
    if (child.exitInfo() === null) signalProcess(child.pid, 'SIGKILL');
    await child.exited;
  }
});

/** Field 5 and 6 of /proc/PID/stat: the process group and the session. */
const readGroupAndSession = (pid: number): { pgid: number; sid: number } => {
  const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { pgid: Number(fields[2]), sid: Number(fields[3]) };
};

const readAll = async (stream: Readable | null): Promise<string> => {
  let text = '';
  for await (const chunk of stream ?? []) text += String(chunk);
  return text;
};

describe('startProcess', () => {
  test.runIf(process.platform === 'linux')(
    'leads a process group and a session of its own, so a signal to the group reaches its forks',
    async () => {
      const result = await startProcess({
        command: node,
        args: ['-e', 'setInterval(() => {}, 1 << 30)'],
        cwd: '/',
        env: {},
        stdin: 'pipe',
        stdout: 'ignore',
        stderr: 'ignore',
      });
      expect(result.ok).toBe(true);
      if (!result.ok) return;
      started.push(result.process);
      expect(readGroupAndSession(result.process.pid)).toEqual({ pgid: result.process.pid, sid: result.process.pid });
      expect(result.process.exitInfo()).toBeNull();
      expect(signalProcess(-result.process.pid, 'SIGTERM')).toBe(true);
      expect(await result.process.exited).toEqual({ code: null, signal: 'SIGTERM' });
      expect(describeExit(result.process.exitInfo() ?? { code: 0, signal: null })).toBe('killed by SIGTERM');
    },
  );

  test('gets exactly the environment given, nothing of ours', async () => {
    const result = await startProcess({
      command: node,
      args: ['-e', 'process.stdout.write(JSON.stringify(Object.keys(process.env)))'],
      cwd: '/',
      env: { ONLY_THIS: '1' },
      stdin: 'pipe',
      stdout: 'pipe',
      stderr: 'ignore',
    });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    started.push(result.process);
    const [keys, exit] = await Promise.all([readAll(result.process.stdout), result.process.exited]);
    expect(exit).toEqual({ code: 0, signal: null });
    expect(JSON.parse(keys)).toEqual(['ONLY_THIS']);
  });

  test('a command that is not there, or a working directory that is not, is said so, naming the command shown', async () => {
    const missing = await startProcess({
      command: 'hale-no-such-command',
      args: [],
      cwd: '/',
      env: { PATH: '/usr/bin:/bin' },
      stdin: 'pipe',
      stdout: 'ignore',
      stderr: 'ignore',
    });
    expect(missing).toEqual({ ok: false, code: 'ENOENT', message: 'command not found: hale-no-such-command (not on PATH)' });
    const noCwd = join(tmpdir(), 'hale-no-such-dir-for-run-process');
    const launched = await startProcess({
      command: node,
      args: [],
      cwd: noCwd,
      env: {},
      stdin: 'pipe',
      stdout: 'ignore',
      stderr: 'ignore',
      shownCommand: 'my-plugin',
    });
    expect(launched).toEqual({ ok: false, code: 'ENOENT', message: `the working directory does not exist: ${noCwd}` });
    const plain = join(mkdtempSync(join(tmpdir(), 'hale-run-process-')), 'plain');
    writeFileSync(plain, '#!/bin/sh\n', { mode: 0o644 });
    const denied = await startProcess({
      command: plain,
      args: [],
      cwd: '/',
      env: {},
      stdin: 'pipe',
      stdout: 'ignore',
      stderr: 'ignore',
      shownCommand: 'my-plugin',
    });
    rmSync(dirname(plain), { recursive: true, force: true });
    expect(denied).toEqual({ ok: false, code: 'EACCES', message: 'permission denied: my-plugin is not executable' });
  });
});

describe('runCommand', () => {
  test('keeps the first bytes of a chatty command and reads on to its end', async () => {
    const result = await runCommand({
      command: node,
      args: ['-e', "process.stdout.write('x'.repeat(100_000)); process.stderr.write('done')"],
      cwd: '/',
      env: {},
      timeoutMs: 30_000,
      maxOutputBytes: 10,
    });
    expect(result).toEqual({ ok: true, code: 0, signal: null, stdout: 'x'.repeat(10), stderr: 'done', timedOut: false });
  });

  test('a command past its timeout is SIGKILLed and said to have timed out', async () => {
    const result = await runCommand({
      command: node,
      args: ['-e', 'setInterval(() => {}, 1 << 30)'],
      cwd: '/',
      env: {},
      timeoutMs: 200,
      maxOutputBytes: 10,
    });
    expect(result).toMatchObject({ ok: true, signal: 'SIGKILL', timedOut: true });
  });

  test('a command that never ran is a value, not a throw', async () => {
    expect(
      await runCommand({ command: 'hale-no-such-command', args: [], cwd: '/', env: {}, timeoutMs: 1_000, maxOutputBytes: 10 }),
    ).toEqual({
      ok: false,
      message: 'command not found: hale-no-such-command (not on PATH)',
    });
  });
});
