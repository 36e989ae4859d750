import { describe, expect, test } from 'vitest';
import { findCgroup2Mount, findOwnCgroup, isBelow, withCgroup } from '../../../src/containment/cgroup.js';
import { isRunCgroup } from '../../../src/containment/recorded-cgroups.js';

const hybrid = [
  '25 30 0:23 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw',
  '39 30 0:36 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory',
  '40 30 0:37 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw',
].join('\n');

describe('finding cgroup v2', () => {
  test('the mount comes from mountinfo (hybrid or unified), never a fixed path; a bind of a sub-tree does not count', () => {
    expect(findCgroup2Mount(hybrid)).toBe('/sys/fs/cgroup/unified');
    expect(findCgroup2Mount('33 25 0:28 / /sys/fs/cgroup rw,nosuid shared:9 - cgroup2 cgroup2 rw,nsdelegate')).toBe('/sys/fs/cgroup');
    expect(findCgroup2Mount('33 25 0:28 /sub /mnt/x rw - cgroup2 cgroup2 rw')).toBeNull();
    expect(findCgroup2Mount('33 25 0:28 / /mnt/with\\040space rw - cgroup2 cgroup2 rw')).toBe('/mnt/with space');
    expect(findCgroup2Mount('39 30 0:36 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory')).toBeNull();
  });

  test("this process's cgroup is the mount joined with its 0:: line; without one, a reason", () => {
    const read = (files: Record<string, string>) => (path: string) => {
      const text = files[path];
      if (text === undefined) throw new Error(`ENOENT: ${path}`);
      return text;
    };
    expect(findOwnCgroup(read({ '/proc/self/mountinfo': hybrid, '/proc/self/cgroup': '4:memory:/x\n0::/\n' }))).toEqual({
      ok: true,
      mount: '/sys/fs/cgroup/unified',
      dir: '/sys/fs/cgroup/unified/',
    });
    expect(findOwnCgroup(read({ '/proc/self/mountinfo': hybrid, '/proc/self/cgroup': '0::/system.slice/hale.service\n' }))).toMatchObject({
      dir: '/sys/fs/cgroup/unified/system.slice/hale.service',
    });
    expect(findOwnCgroup(read({ '/proc/self/mountinfo': hybrid, '/proc/self/cgroup': '4:memory:/x\n' }))).toMatchObject({ ok: false });
    expect(findOwnCgroup(read({ '/proc/self/mountinfo': '', '/proc/self/cgroup': '0::/\n' }))).toEqual({
      ok: false,
      reason: 'no cgroup v2 file system is mounted',
    });
    expect(findOwnCgroup(read({}))).toMatchObject({ ok: false, reason: expect.stringMatching(/^cannot read \/proc\/self/) });
  });
});

describe('what a records file may name as hale cgroup', () => {
  const runId = '0123456789abcdef';
  test.each([
    ['/sys/fs/cgroup/hale-0123456789abcdef/echo-1', true],
    ['/sys/fs/cgroup/system.slice/hale.service/hale-0123456789abcdef/echo.v2-12', true],
    ['/sys/fs/cgroup/hale-fedcba9876543210/echo-1', false],
    ['/sys/fs/cgroup/hale-0123456789abcdef', false],
    ['/sys/fs/cgroup/not-hale-0123456789abcdef/echo-1', false],
    ['/sys/fs/cgroup/hale-0123456789abcdef/../system.slice/echo-1', false],
    ['/etc/hale-0123456789abcdef/echo-1', false],
    ['/sys/fs/cgroup/hale-0123456789abcdef/echo', false],
  ])('%s: %s', (dir, expected) => {
    expect(isRunCgroup(dir, runId, '/sys/fs/cgroup')).toBe(expected);
  });

  test('no run id recorded: nothing is proven', () => {
    expect(isRunCgroup('/sys/fs/cgroup/hale-0123456789abcdef/echo-1', undefined, '/sys/fs/cgroup')).toBe(false);
  });

  test('isBelow is strict and refuses what is not normal', () => {
    expect(isBelow('/a/b', '/a')).toBe(true);
    expect(isBelow('/a', '/a')).toBe(false);
    expect(isBelow('/ab', '/a')).toBe(false);
    expect(isBelow('a/b', '/a')).toBe(false);
    expect(isBelow('/a/./b', '/a')).toBe(false);
  });
});

describe('entering a cgroup', () => {
  test('a shell that writes itself into cgroup.procs, then execs the command with its arguments as given', () => {
    const line = withCgroup('/bin/sh', '/cg/hale-0123456789abcdef/echo-1', '/usr/bin/node', ['main.js', '$HOME; rm -rf /']);
    expect(line.command).toBe('/bin/sh');
    expect(line.args.slice(2)).toEqual(['hale-cgroup', '/cg/hale-0123456789abcdef/echo-1', '/usr/bin/node', 'main.js', '$HOME; rm -rf /']);
    expect(line.args[1]).toContain('exec "$@"');
  });
});
