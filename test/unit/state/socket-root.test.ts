import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readBootId } from '../../../src/process/proc-stat.js';
import { formatOwnMark } from '../../../src/state/process-mark.js';
import { createSocketRoot, reclaimSocketRoots, socketRootMark } from '../../../src/state/socket-root.js';

const dirs: string[] = [];
const freshDir = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'hale-socket-root-test-'));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

// A pid far above any pid_max default, so no process has it.
const deadMark = `${JSON.stringify({ pid: 4_000_000, startTime: '1', bootId: readBootId() })}\n`;

const folder = (parent: string, name: string, mark: string | null): string => {
  const dir = join(parent, name);
  mkdirSync(dir, { mode: 0o700 });
  if (mark !== null) writeFileSync(join(dir, socketRootMark), mark);
  return dir;
};

describe('reclaimSocketRoots', () => {
  it("removes a dead hale's folder without following the links in it", async () => {
    const parent = freshDir();
    const outside = folder(freshDir(), 'precious', null);
    writeFileSync(join(outside, 'file'), 'kept');
    const stale = folder(parent, 'hale-AbC123', deadMark);
    mkdirSync(join(stale, 'greeter'));
    symlinkSync(outside, join(stale, 'greeter', 'link'));
    expect(await reclaimSocketRoots(parent)).toEqual([stale]);
    expect(existsSync(stale)).toBe(false);
    expect(readdirSync(outside)).toEqual(['file']);
  });

  it("leaves what it cannot prove a dead hale's: a live mark, no mark, a mark that is a link, a file, another name", async () => {
    const parent = freshDir();
    folder(parent, 'hale-live01', formatOwnMark());
    folder(parent, 'hale-nomark', null);
    folder(parent, 'hale-garbag', 'not json');
    const linked = folder(parent, 'hale-linkmk', null);
    const elsewhere = join(freshDir(), 'mark');
    writeFileSync(elsewhere, deadMark);
    symlinkSync(elsewhere, join(linked, socketRootMark));
    writeFileSync(join(parent, 'hale-afile1'), deadMark);
    folder(parent, 'hale-toolong1', deadMark);
    folder(parent, 'other-abc123', deadMark);
    const before = readdirSync(parent).sort();
    expect(await reclaimSocketRoots(parent)).toEqual([]);
    expect(readdirSync(parent).sort()).toEqual(before);
  });

  it('a folder made by createSocketRoot is 0700, marked, and left alone while its maker runs', async () => {
    const parent = freshDir();
    const root = await createSocketRoot(parent);
    expect(readdirSync(root)).toEqual([socketRootMark]);
    expect(statSync(root).mode & 0o777).toBe(0o700);
    expect(await reclaimSocketRoots(parent)).toEqual([]);
    expect(existsSync(root)).toBe(true);
  });
});
