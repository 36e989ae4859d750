import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { locateHaleSource } from '../../../src/commands/init-source.js';
import { scaffoldPackages } from '../../../src/commands/init-templates.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'hale-init-source-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A project with hale in its node_modules, and npm's record of where it came from (or none). */
const installedHale = (name: string, resolved: string | null): { project: string; root: string } => {
  const project = join(dir, name);
  const root = join(project, 'node_modules', 'hale');
  mkdirSync(root, { recursive: true });
  if (resolved !== null) {
    const lock = { lockfileVersion: 3, packages: { 'node_modules/hale': { version: '0.1.0', resolved } } };
    writeFileSync(join(project, 'node_modules', '.package-lock.json'), JSON.stringify(lock));
  }
  return { project, root };
};

describe('where hale init tells npm to get hale', () => {
  test('a hale outside any node_modules (a clone, an unpacked tarball) is a file: path to itself', () => {
    const clone = join(dir, 'clone');
    mkdirSync(clone);
    expect(locateHaleSource(clone, '0.1.0')).toEqual({ spec: `file:${clone}`, from: 'clone' });
  });

  test('a hale linked into node_modules (npm link, a file: folder) is the folder it links to', () => {
    const clone = join(dir, 'linked-clone');
    mkdirSync(clone);
    mkdirSync(join(dir, 'linker', 'node_modules'), { recursive: true });
    symlinkSync(clone, join(dir, 'linker', 'node_modules', 'hale'), 'dir');
    expect(locateHaleSource(join(dir, 'linker', 'node_modules', 'hale'), '0.1.0')).toEqual({ spec: `file:${clone}`, from: 'clone' });
  });

  test('a hale npm installed from a tarball is that tarball, found from the project', () => {
    const { root } = installedHale('from-tarball', 'file:../hale-0.1.0.tgz');
    expect(locateHaleSource(root, '0.1.0')).toEqual({ spec: `file:${join(dir, 'hale-0.1.0.tgz')}`, from: 'tarball' });
  });

  test('a hale npm installed from the registry, or with no record (a global install), is the version range', () => {
    expect(locateHaleSource(installedHale('from-registry', 'https://registry.npmjs.org/hale/-/hale-0.1.0.tgz').root, '0.1.0')).toEqual({
      spec: '^0.1.0',
      from: 'registry',
    });
    expect(locateHaleSource(installedHale('no-record', null).root, '0.1.0')).toEqual({ spec: '^0.1.0', from: 'registry' });
  });
});

test('the scaffold pins tsx, typescript and @types/node at the versions hale itself is built and tested with', () => {
  const own = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as {
    devDependencies: Record<string, string>;
  };
  for (const [name, version] of Object.entries({ ...scaffoldPackages.dependencies, ...scaffoldPackages.devDependencies })) {
    expect([name, version]).toEqual([name, own.devDependencies[name]]);
  }
});
