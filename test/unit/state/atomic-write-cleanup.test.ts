import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { writeFileAtomically } from '../../../src/state/atomic-write.js';
import { createRecordWriter } from '../../../src/containment/record-writer.js';

const dirs: string[] = [];
const scratch = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'hale-atomic-'));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const leftovers = (dir: string) => readdirSync(dir).filter((name) => name.endsWith('.tmp'));

describe('an atomic write that fails', () => {
  test('a directory where the file should be: each failed write throws and leaves no temporary file', async () => {
    const dir = scratch();
    mkdirSync(join(dir, 'processes.json'));
    for (let n = 0; n < 5; n += 1) {
      await expect(writeFileAtomically(join(dir, 'processes.json'), `attempt ${n}`)).rejects.toThrow();
    }
    expect(leftovers(dir)).toEqual([]);
    expect(readdirSync(dir)).toEqual(['processes.json']);
  });

  test('a rename that fails (injected): no temporary file is left', async () => {
    const dir = scratch();
    const failing = { rename: () => Promise.reject(Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' })) };
    await expect(writeFileAtomically(join(dir, 'desired.json'), '{}', 0o600, failing)).rejects.toThrow('ENOSPC');
    expect(readdirSync(dir)).toEqual([]);
  });

  test('the record writer failing over and over leaves no temporary files behind', async () => {
    const dir = scratch();
    mkdirSync(join(dir, 'processes.json'));
    const errors: unknown[] = [];
    const writer = createRecordWriter(join(dir, 'processes.json'), { bootId: null, onError: (error) => errors.push(error) });
    for (let n = 0; n < 5; n += 1) {
      writer.write([{ pid: 1000 + n, startTime: '1' }]);
      await writer.flush();
    }
    expect(errors.length).toBe(5);
    expect(leftovers(dir)).toEqual([]);
  });

  test('a symlink at the target is replaced, its target untouched', async () => {
    const dir = scratch();
    const target = join(scratch(), 'notes.txt');
    writeFileSync(target, 'precious');
    symlinkSync(target, join(dir, 'desired.json'));
    await writeFileAtomically(join(dir, 'desired.json'), '{"stopped":{}}');
    expect(readFileSync(target, 'utf8')).toBe('precious');
    expect(readFileSync(join(dir, 'desired.json'), 'utf8')).toBe('{"stopped":{}}');
  });
});
