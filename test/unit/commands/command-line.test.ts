import { describe, expect, test } from 'vitest';
import { readCommandLine } from '../../../src/commands/command-line.js';
import { fitWidth } from '../../../src/commands/fit-width.js';

describe('readCommandLine', () => {
  test('each command gets only its own options', () => {
    expect(readCommandLine(['status', '--json', '-c', 'x.yaml'])).toEqual({
      kind: 'command',
      command: 'status',
      args: [],
      values: { json: true, config: 'x.yaml' },
    });
    expect(readCommandLine(['-c', 'x.yaml', 'status', 'greeter'])).toMatchObject({ kind: 'command', command: 'status', args: ['greeter'] });
    expect(readCommandLine(['restart', '--all', '--timeout', '10s'])).toMatchObject({
      kind: 'command',
      command: 'restart',
      args: [],
      values: { all: true, timeout: '10s' },
    });
    expect(readCommandLine(['run', '--port', '8081'])).toMatchObject({ kind: 'command', command: 'run', values: { port: '8081' } });
  });

  test("no command is run, with hale's own --help and --version", () => {
    expect(readCommandLine([])).toEqual({ kind: 'command', command: 'run', args: [], values: {} });
    expect(readCommandLine(['-c', 'x.yaml'])).toMatchObject({ kind: 'command', command: 'run', values: { config: 'x.yaml' } });
    expect(readCommandLine(['-v'])).toEqual({ kind: 'version' });
    expect(readCommandLine(['--help'])).toMatchObject({ kind: 'help', text: expect.stringMatching(/^Usage: hale \[command\]/) });
    expect(readCommandLine(['logs', '-h'])).toMatchObject({ kind: 'help', text: expect.stringMatching(/^Usage: hale logs/) });
  });

  test("an option the command does not take, or an unknown one, is refused with the command's usage", () => {
    expect(readCommandLine(['validate', '--json'])).toMatchObject({
      kind: 'refused',
      message: 'validate does not take --json',
      help: expect.stringMatching(/^Usage: hale validate/),
    });
    expect(readCommandLine(['status', '--bogus'])).toMatchObject({
      kind: 'refused',
      message: 'unknown option --bogus',
      help: expect.stringMatching(/^Usage: hale status/),
    });
    expect(readCommandLine(['status', '-f'])).toMatchObject({ kind: 'refused', message: 'status does not take -f' });
    expect(readCommandLine(['status', '-v'])).toMatchObject({ kind: 'refused', message: 'unknown option -v' });
    expect(readCommandLine(['--json'])).toMatchObject({
      kind: 'refused',
      message: 'run does not take --json',
      help: expect.stringMatching(/^Usage: hale \[command\]/),
    });
    expect(readCommandLine(['status', '--json=yes'])).toMatchObject({
      kind: 'refused',
      message: expect.stringMatching(/--json' does not take an argument/),
    });
  });

  test('a wrong number of arguments, or an unknown command, is refused', () => {
    expect(readCommandLine(['logs'])).toMatchObject({ kind: 'refused', message: 'logs takes one argument, not 0' });
    expect(readCommandLine(['status', 'a', 'b'])).toMatchObject({ kind: 'refused', message: 'status takes at most one argument, not 2' });
    expect(readCommandLine(['signal', 'a'])).toMatchObject({ kind: 'refused', message: 'signal takes 2 arguments, not 1' });
    expect(readCommandLine(['nope'])).toMatchObject({ kind: 'refused', message: 'unknown command "nope"' });
  });
});

describe('fitWidth', () => {
  test('cuts a line only past the width, with an ellipsis, never at a ";"', () => {
    expect(fitWidth('quits  failed  exited; not restarted', undefined)).toBe('quits  failed  exited; not restarted');
    expect(fitWidth('quits  failed  exited; not restarted', 80)).toBe('quits  failed  exited; not restarted');
    expect(fitWidth('quits  failed  exited; not restarted', 20)).toBe('quits  failed  exit…');
    expect(fitWidth('a\nbcdef', 3)).toBe('a\nbc…');
  });
});
