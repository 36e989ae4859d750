import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { createDesiredStore, readDesiredState } from '../../../src/state/desired-state.js';

const dirs: string[] = [];
const scratch = () => {
  const dir = mkdtempSync(join(tmpdir(), 'hale-desired-'));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('the desired state', () => {
  test('no file: nothing was asked', async () => {
    expect(await readDesiredState(scratch())).toEqual({ ok: true, state: { stopped: {} } });
  });

  test('changes are written in order and read back; no temporary file is left', async () => {
    const dir = scratch();
    const store = createDesiredStore(dir, { stopped: {} });
    void store.markStopped('a', 'one');
    void store.markStopped('b', 'two');
    await store.forget('a');
    const read = await readDesiredState(dir);
    expect(read.ok && Object.keys(read.state.stopped)).toEqual(['b']);
    expect(read.state.stopped['b']).toMatchObject({ reason: 'two' });
    expect(readdirSync(dir)).toEqual(['desired.json']);
  });

  test('a damaged file is kept aside, reported, and nothing in it applies', async () => {
    const dir = scratch();
    writeFileSync(join(dir, 'desired.json'), '{"stopped": {"a": tru');
    const read = await readDesiredState(dir);
    expect(read).toMatchObject({ ok: false, state: { stopped: {} }, message: expect.stringContaining('is not a desired-state file') });
    const kept = readdirSync(dir).filter((name) => name.startsWith('desired.json.damaged-'));
    expect(kept).toHaveLength(1);
    expect(readFileSync(join(dir, kept[0] ?? ''), 'utf8')).toBe('{"stopped": {"a": tru');
  });

  test('a well-formed file of the wrong shape is damaged too', async () => {
    const dir = scratch();
    writeFileSync(join(dir, 'desired.json'), '{"stopped": {"a": {"at": 1}}}');
    expect((await readDesiredState(dir)).ok).toBe(false);
  });
});
