import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, test } from 'vitest';
import { isHaleError } from '../../../src/errors.js';
import { readBootId, readStartTime } from '../../../src/process/proc-stat.js';
import { acquireStateLock } from '../../../src/state/state-lock.js';

const root = mkdtempSync(join(tmpdir(), 'hale-lock-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let count = 0;
const freshDir = () => mkdtempSync(join(root, `${(count += 1)}-`));
const lockFile = (dir: string) => join(dir, 'hale.lock');
const children: number[] = [];
afterEach(() => {
  for (const pid of children.splice(0)) process.kill(pid, 'SIGKILL');
});

const refusal = async (dir: string): Promise<unknown> =>
  acquireStateLock(dir).then(
    () => null,
    (error: unknown) => error,
  );

describe('acquireStateLock', () => {
  test('takes a free dir with our pid and start time; a second taker is refused and told who holds it', async () => {
    const dir = freshDir();
    const lock = await acquireStateLock(dir);
    expect(JSON.parse(readFileSync(lockFile(dir), 'utf8'))).toEqual({
      pid: process.pid,
      startTime: readStartTime(process.pid),
      bootId: readBootId(),
    });
    const error = await refusal(dir);
    expect(isHaleError(error, 'state_locked')).toBe(true);
    expect((error as Error).message).toBe(
      `another hale (pid ${process.pid}) is running with the state dir ${dir}; stop it first or set another stateDir`,
    );
    await lock.release();
    expect(existsSync(lockFile(dir))).toBe(false);
    await (await acquireStateLock(dir)).release();
  });

  test('a lock held by another running process is respected', async () => {
    const dir = freshDir();
    const holder = spawn(process.execPath, ['-e', 'setInterval(() => {}, 60_000)'], { stdio: 'ignore' });
    await new Promise((resolve) => holder.once('spawn', resolve));
    children.push(holder.pid ?? 0);
    writeFileSync(lockFile(dir), JSON.stringify({ pid: holder.pid, startTime: readStartTime(holder.pid ?? 0) }));
    const error = await refusal(dir);
    expect(isHaleError(error, 'state_locked') && error.message).toContain(`another hale (pid ${holder.pid})`);
  });

  test.each([
    ['its writer is gone', () => ({ pid: spawnSync(process.execPath, ['-e', '']).pid, startTime: '1' })],
    ['its pid now belongs to another program (another start time)', () => ({ pid: process.pid, startTime: '1' })],
    [
      'it was written before a reboot (same pid and start time, another boot)',
      () => ({
        pid: process.pid,
        startTime: readStartTime(process.pid),
        bootId: 'a-previous-boot',
      }),
    ],
    ['it is not a lock file at all', () => 'garbage'],
  ])('a stale lock is taken over: %s', async (_why, content) => {
    const dir = freshDir();
    const text = content();
    writeFileSync(lockFile(dir), typeof text === 'string' ? text : JSON.stringify(text));
    const lock = await acquireStateLock(dir);
    expect(JSON.parse(readFileSync(lockFile(dir), 'utf8'))).toMatchObject({ pid: process.pid });
    await lock.release();
  });

  test('release leaves a lock that is no longer ours', async () => {
    const dir = freshDir();
    const lock = await acquireStateLock(dir);
    writeFileSync(lockFile(dir), JSON.stringify({ pid: 12345, startTime: '1' }));
    await lock.release();
    expect(readFileSync(lockFile(dir), 'utf8')).toContain('12345');
  });

  test('a dir that cannot be written is state_unavailable, and names the dir', async () => {
    const file = join(freshDir(), 'a-file');
    writeFileSync(file, '');
    const error = await refusal(file);
    expect(isHaleError(error, 'state_unavailable')).toBe(true);
    expect((error as Error).message).toContain(`the state dir ${file}`);
  });
});
