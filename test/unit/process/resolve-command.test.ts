import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { resolveCommand } from '../../../src/process/resolve-command.js';

// root/bin-a: tool (executable), plain (not executable), dir/ (a directory)
// root/bin-b: plain (executable), only-here (not executable)
// root/work: ./local (executable), ./sub/nested (executable)
const root = mkdtempSync(join(tmpdir(), 'hale-resolve-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const file = (path: string, mode: number) => {
  writeFileSync(join(root, path), '#!/bin/sh\n');
  chmodSync(join(root, path), mode);
};
for (const dir of ['bin-a', 'bin-b', 'work/sub', 'bin-a/dir']) mkdirSync(join(root, dir), { recursive: true });
file('bin-a/tool', 0o755);
file('bin-a/plain', 0o644);
file('bin-b/plain', 0o755);
file('bin-b/only-here', 0o644);
file('work/local', 0o755);
file('work/sub/nested', 0o700);
const path = `${join(root, 'bin-a')}:${join(root, 'bin-b')}`;
const cwd = join(root, 'work');

describe('resolveCommand', () => {
  test.each([
    ['a bare name, found on PATH', 'tool', join(root, 'bin-a/tool')],
    ['a match that is not executable is passed over for a later one', 'plain', join(root, 'bin-b/plain')],
    ['a relative path, against the plugin’s cwd', './local', join(root, 'work/local')],
    ['a relative path into a subdirectory', 'sub/nested', join(root, 'work/sub/nested')],
    ['an absolute path', join(root, 'bin-a/tool'), join(root, 'bin-a/tool')],
  ])('%s', (_what, command, expected) => {
    expect(resolveCommand(command, { cwd, path })).toEqual({ ok: true, path: expected });
  });

  test.each([
    ['a name on no PATH entry', 'nothing-like-it', 'ENOENT'],
    ['a bare name is not looked up in the cwd', 'local', 'ENOENT'],
    ['a missing path', './missing', 'ENOENT'],
    ['a missing absolute path', '/nonexistent/plugin-binary', 'ENOENT'],
    ['the empty string', '', 'ENOENT'],
    ['found, but not executable anywhere', 'only-here', 'EACCES'],
    ['a path that is not executable', join(root, 'bin-a/plain'), 'EACCES'],
    ['a directory', 'dir', 'EACCES'],
    ['a path through a file', join(root, 'bin-a/tool/x'), 'ENOENT'],
  ])('%s: %s', (_what, command, code) => {
    expect(resolveCommand(command, { cwd, path })).toEqual({ ok: false, code });
  });

  test('an empty PATH entry means the cwd', () => {
    expect(resolveCommand('local', { cwd, path: `${join(root, 'bin-a')}::` })).toEqual({ ok: true, path: join(root, 'work/local') });
  });

  test('no PATH at all: /usr/bin and /bin, as the C library does', () => {
    expect(resolveCommand('sh', { cwd, path: undefined })).toMatchObject({ ok: true });
    expect(resolveCommand('tool', { cwd, path: undefined })).toEqual({ ok: false, code: 'ENOENT' });
  });
});
