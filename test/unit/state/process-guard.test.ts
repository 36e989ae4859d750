import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { isHaleError } from '../../../src/errors.js';
import { createLogger } from '../../../src/log.js';
import { openProcessGuard } from '../../../src/state/process-guard.js';

const root = mkdtempSync(join(tmpdir(), 'hale-guard-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const log = createLogger({ level: 'silent' });

describe('openProcessGuard: when it cannot', () => {
  test('a state dir that cannot be made: state_unavailable, naming the dir and what to set', async () => {
    const blocker = join(root, 'a-file');
    writeFileSync(blocker, '');
    const stateDir = join(blocker, 'state');
    const error = await openProcessGuard({ stateDir, log }).then(() => null, (caught: unknown) => caught);
    expect(isHaleError(error, 'state_unavailable')).toBe(true);
    expect((error as Error).message).toMatch(new RegExp(`^cannot create the state dir ${stateDir}: .*ENOTDIR.*; set stateDir: in the config`));
    expect((error as Error).cause).toBeInstanceOf(Error);
  });

  test('a state dir another guard holds: state_locked; once that one closes, the dir is free and removed when empty', async () => {
    const stateDir = join(root, 'shared');
    const first = await openProcessGuard({ stateDir, log });
    const error = await openProcessGuard({ stateDir, log }).then(() => null, (caught: unknown) => caught);
    expect(isHaleError(error, 'state_locked') && error.message).toBe(
      `another hale (pid ${process.pid}) is running with the state dir ${stateDir}; stop it first or set another stateDir`,
    );
    await first.close();
    expect(existsSync(stateDir)).toBe(false);
    const second = await openProcessGuard({ stateDir, log });
    writeFileSync(join(stateDir, 'desired.json'), '{}');
    await second.close();
    expect(existsSync(join(stateDir, 'desired.json'))).toBe(true);
  });
});
