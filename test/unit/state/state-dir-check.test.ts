import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { isHaleError } from '../../../src/errors.js';
import { openProcessGuard } from '../../../src/containment/process-guard.js';
import { checkStateDir, judgeStateDir } from '../../../src/state/state-dir-check.js';
import { createMemoryLogger } from '../../helpers/memory-log.js';

const dirs: string[] = [];
const scratch = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'hale-dir-check-'));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const refusal = (dir: string) =>
  checkStateDir(dir).then(
    () => null,
    (error: unknown) => error,
  );

describe('judgeStateDir', () => {
  test.each([
    [0o700, null],
    [0o755, null],
    [0o750, null],
    [0o770, 'the state dir /s has mode 0770: other users can write in it and plant files hale reads; chmod 700 /s'],
    [0o702, 'the state dir /s has mode 0702: other users can write in it and plant files hale reads; chmod 700 /s'],
    [0o1777, 'the state dir /s has mode 0777: other users can write in it and plant files hale reads; chmod 700 /s'],
  ])('mode %o: %s', (mode, said) => {
    expect(judgeStateDir('/s', { uid: 1000, mode: 0o40000 | mode, isDirectory: true }, 1000)).toBe(said);
  });

  test('another owner is refused, naming the owner, the mode and the fix', () => {
    expect(judgeStateDir('/s', { uid: 1001, mode: 0o40700, isDirectory: true }, 1000)).toBe(
      'the state dir /s is owned by uid 1001, not by uid 1000 that hale runs as (mode 0700): its owner could plant files hale reads; chown 1000 /s && chmod 700 /s, or set stateDir: to a directory of your own',
    );
  });

  test('no uid to compare (not POSIX): the mode alone decides', () => {
    expect(judgeStateDir('/s', { uid: 5, mode: 0o40700, isDirectory: true }, null)).toBeNull();
  });
});

describe('checkStateDir', () => {
  test('a private dir of ours passes; a world-writable one is refused with the fix', async () => {
    const dir = scratch();
    expect(await refusal(dir)).toBeNull();
    chmodSync(dir, 0o777);
    const error = await refusal(dir);
    expect(isHaleError(error, 'state_unavailable')).toBe(true);
    expect((error as Error).message).toContain(`chmod 700 ${dir}`);
  });

  test('a state dir that is a symlink is followed: the dir it points to is the one judged', async () => {
    const real = scratch();
    const link = join(scratch(), 'state');
    symlinkSync(real, link);
    expect(await refusal(link)).toBeNull();
    chmodSync(real, 0o777);
    expect(((await refusal(link)) as Error).message).toContain('has mode 0777');
  });

  test('a file where the dir should be is refused', async () => {
    const file = join(scratch(), 'state');
    writeFileSync(file, '');
    expect(((await refusal(file)) as Error).message).toBe(`the state dir ${file} is not a directory`);
  });

  test.skipIf(process.getuid?.() !== 0)(
    'opening the process guard refuses a dir of another user before writing anything in it',
    async () => {
      const dir = join(scratch(), 'state');
      mkdirSync(dir, { mode: 0o700 });
      chownSync(dir, 65534, 65534);
      const { log } = createMemoryLogger();
      const error = await openProcessGuard({ stateDir: dir, log }).then(
        () => null,
        (e: unknown) => e,
      );
      expect((error as Error).message).toContain(`${dir} is owned by uid 65534`);
    },
  );
});
