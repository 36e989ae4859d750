import { describe, expect, test } from 'vitest';
import { judgeCommandResult, readFirstLine } from '../../../src/checks/exec-probe.js';
import type { CommandResult } from '../../../src/process/run-process.js';

const ran = (code: number | null, stdout = '', stderr = '', extra: Partial<CommandResult & { ok: true }> = {}): CommandResult => ({
  ok: true,
  code,
  signal: null,
  stdout,
  stderr,
  timedOut: false,
  ...extra,
});

describe('readFirstLine', () => {
  test.each([
    ['one line', 'ready\n', 'ready'],
    ['the first line with text, trimmed', '\n   \n  accepting connections  \nmore\n', 'accepting connections'],
    ['CRLF line ends', 'up\r\nnext\r\n', 'up'],
  ])('%s', (_what, output, line) => {
    expect(readFirstLine(output)).toBe(line);
  });

  test('blank output has no line', () => {
    expect(readFirstLine('')).toBeNull();
    expect(readFirstLine('\n \t \n')).toBeNull();
  });

  test('a long line is cut to 200 characters', () => {
    expect(readFirstLine(`${'x'.repeat(250)}\n`)).toBe(`${'x'.repeat(200)}…`);
  });
});

describe('judgeCommandResult', () => {
  test('exit 0 passes with the first line of stdout', () => {
    expect(judgeCommandResult(ran(0, 'all good\nsecond', 'noise'), 1_000)).toEqual({
      outcome: 'pass',
      status: 'healthy',
      message: 'all good',
    });
  });

  test('exit 0 with nothing on stdout takes the first line of stderr, and with nothing at all says its exit', () => {
    expect(judgeCommandResult(ran(0, '', 'warming\n'), 1_000).message).toBe('warming');
    expect(judgeCommandResult(ran(0), 1_000).message).toBe('exit code 0');
  });

  test('a non-zero exit fails with exit_code and its first line', () => {
    expect(judgeCommandResult(ran(2, '', 'no route to db\n'), 1_000)).toEqual({
      outcome: 'fail',
      failure: 'exit_code',
      status: 'unhealthy',
      message: 'exit code 2: no route to db',
    });
    expect(judgeCommandResult(ran(1), 1_000).message).toBe('exit code 1');
  });

  test('a death by signal fails with exit_code, naming it', () => {
    expect(judgeCommandResult(ran(null, '', '', { signal: 'SIGSEGV' }), 1_000)).toMatchObject({
      failure: 'exit_code',
      message: 'killed by SIGSEGV',
    });
  });

  test('a timeout is a deadline, with what it printed', () => {
    expect(judgeCommandResult(ran(null, 'still trying\n', '', { signal: 'SIGKILL', timedOut: true }), 500)).toEqual({
      outcome: 'fail',
      failure: 'deadline',
      status: 'unknown',
      message: 'no exit within 500 ms, killed: still trying',
    });
  });

  test('a command that could not start is unavailable with the reason', () => {
    expect(judgeCommandResult({ ok: false, message: 'command not found: nope (not on PATH)' }, 500)).toEqual({
      outcome: 'fail',
      failure: 'unavailable',
      status: 'unknown',
      message: 'command not found: nope (not on PATH)',
    });
  });
});
