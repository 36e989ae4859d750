import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { findSetpriv, supportsPdeathsig, withParentDeath } from '../../../src/containment/parent-death.js';
import { resolveCommand } from '../../../src/process/resolve-command.js';

// root/bin-a: nothing called setpriv; root/bin-b: setpriv (executable)
const root = mkdtempSync(join(tmpdir(), 'hale-parent-death-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
for (const dir of ['bin-a', 'bin-b']) mkdirSync(join(root, dir), { recursive: true });
const file = (path: string, mode: number) => {
  writeFileSync(join(root, path), '#!/bin/sh\n');
  chmodSync(join(root, path), mode);
};
const path = `${join(root, 'bin-a')}:${join(root, 'bin-b')}`;

describe('the parent-death launcher', () => {
  test('setpriv is looked for on Linux only', () => {
    expect(findSetpriv('darwin', '/usr/bin:/bin')).toBeNull();
    file('bin-b/setpriv', 0o755);
    expect(findSetpriv('linux', path)).toBe(join(root, 'bin-b/setpriv'));
    // Not on the PATH given: where util-linux puts it.
    const fallback = resolveCommand('setpriv', { cwd: '/', path: '/usr/bin:/bin' });
    expect(findSetpriv('linux', join(root, 'bin-a'))).toBe(fallback.ok ? fallback.path : null);
  });

  test('--pdeathsig is recognised in setpriv --help, and not without it', () => {
    expect(supportsPdeathsig(' --pdeathsig keep|clear|<signame>\n                             set or clear parent death signal')).toBe(
      true,
    );
    expect(supportsPdeathsig(' --reuid <ruid>  set real uid\n --init-groups   initialize supplementary groups')).toBe(false);
  });

  test('the plugin is exec’d by setpriv with SIGTERM on parent death, its arguments untouched', () => {
    expect(withParentDeath('/usr/bin/setpriv', '/usr/bin/node', ['--x', '--', 'main.js'])).toEqual({
      command: '/usr/bin/setpriv',
      args: ['--pdeathsig', 'TERM', '--', '/usr/bin/node', '--x', '--', 'main.js'],
    });
  });
});
