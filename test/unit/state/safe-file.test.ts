import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { describeEntry, openStateFile, readStateFile, readStateText, setAside } from '../../../src/state/safe-file.js';
import { makeFifo, releaseFifos, within } from './fifo-guard.js';

const dirs: string[] = [];
const servers: Server[] = [];
const scratch = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'hale-safe-file-'));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  releaseFifos();
  for (const server of servers.splice(0)) server.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** Everything that is not a regular file, made at `path`; returns how it is described. */
const oddities: Array<[string, (path: string) => Promise<string>]> = [
  ['a FIFO', async (path) => (makeFifo(path), 'a FIFO')],
  ['a directory', async (path) => (mkdirSync(path), 'a directory')],
  [
    'a symlink to a file',
    async (path) => {
      const target = join(scratch(), 'target');
      writeFileSync(target, 'x');
      symlinkSync(target, path);
      return `a symlink to ${target}`;
    },
  ],
  ['a dangling symlink', async (path) => (symlinkSync('/nowhere/at/all', path), 'a symlink to /nowhere/at/all')],
  [
    'a unix socket',
    async (path) => {
      const server = createServer();
      servers.push(server);
      await new Promise<void>((resolve) => server.listen(path, resolve));
      return 'a socket';
    },
  ],
];

describe('openStateFile', () => {
  test.each(oddities)('%s is refused for reading and for appending, at once, and named', async (_label, make) => {
    const path = join(scratch(), 'journal.jsonl');
    const kind = await make(path);
    for (const how of ['read', 'append'] as const) {
      const opened = await within(openStateFile(path, how));
      expect(opened).toEqual({ ok: false, reason: 'refused', kind, message: `${path} is ${kind}, not a regular file` });
    }
  });

  test('a symlink target is never written: appending through a link is refused and the target keeps its bytes', async () => {
    const dir = scratch();
    const target = join(dir, 'target');
    writeFileSync(target, 'precious');
    symlinkSync(target, join(dir, 'link'));
    await openStateFile(join(dir, 'link'), 'append');
    expect(readFileSync(target, 'utf8')).toBe('precious');
  });

  test('a regular file opens; a missing one is missing for reading and made (0600) for appending', async () => {
    const dir = scratch();
    expect(await openStateFile(join(dir, 'none'), 'read')).toEqual({ ok: false, reason: 'missing' });
    const made = await openStateFile(join(dir, 'new'), 'append');
    expect(made.ok).toBe(true);
    if (made.ok) await made.handle.close();
    expect(lstatSync(join(dir, 'new')).mode & 0o777).toBe(0o600);
  });

  test("'create' never takes over an existing file", async () => {
    const dir = scratch();
    writeFileSync(join(dir, 'there'), 'mine');
    await expect(openStateFile(join(dir, 'there'), 'create')).rejects.toMatchObject({ code: 'EEXIST' });
    expect(readFileSync(join(dir, 'there'), 'utf8')).toBe('mine');
  });
});

describe('readStateFile', () => {
  test('reads a regular file; refuses one larger than the bound without reading it', async () => {
    const dir = scratch();
    writeFileSync(join(dir, 'small'), 'hello');
    expect(await readStateFile(join(dir, 'small'))).toEqual({ ok: true, text: 'hello' });
    writeFileSync(join(dir, 'big'), 'x'.repeat(2_000));
    expect(await readStateFile(join(dir, 'big'), 1_000)).toEqual({
      ok: false,
      reason: 'too_large',
      message: `${join(dir, 'big')} is 2000 bytes, more than the 1000 it may hold`,
    });
  });
});

describe('readStateText', () => {
  test('moves a FIFO aside, tells what it was and where it went, and throws; a missing file throws ENOENT', async () => {
    const dir = scratch();
    const path = makeFifo(join(dir, 'processes.json'));
    const told: string[] = [];
    await expect(within(readStateText(path, (message) => told.push(message)))).rejects.toThrow('is a FIFO');
    expect(told).toHaveLength(1);
    expect(told[0]).toMatch(new RegExp(`^${path} is a FIFO, not a regular file: moved it aside as ${path}\\.refused-\\d+$`));
    expect(existsSync(path)).toBe(false);
    await expect(readStateText(path, () => {})).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

describe('describeEntry', () => {
  test('says what is there without following it; null when nothing is', async () => {
    const dir = scratch();
    writeFileSync(join(dir, 'file'), '');
    symlinkSync(join(dir, 'file'), join(dir, 'link'));
    expect(await describeEntry(join(dir, 'file'))).toBe('a regular file');
    expect(await describeEntry(join(dir, 'link'))).toBe(`a symlink to ${join(dir, 'file')}`);
    expect(await describeEntry(join(dir, 'none'))).toBeNull();
  });
});

describe('setAside', () => {
  test('two set aside in the same millisecond keep both', async () => {
    const dir = scratch();
    const path = join(dir, 'desired.json');
    const kept: Array<string | null> = [];
    for (let n = 0; n < 3; n += 1) {
      writeFileSync(path, `version ${n}`);
      kept.push(await setAside(path));
    }
    expect(new Set(kept).size).toBe(3);
    expect(kept.map((name) => readFileSync(name ?? '', 'utf8'))).toEqual(['version 0', 'version 1', 'version 2']);
  });
});
