import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { isHaleError } from '../../../src/errors.js';
import { createLogger } from '../../../src/log.js';
import { currentRunId } from '../../../src/containment/instance-mark.js';
import { openProcessGuard } from '../../../src/containment/process-guard.js';

const root = mkdtempSync(join(tmpdir(), 'hale-guard-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const log = createLogger({ level: 'silent' });

describe('openProcessGuard: when it cannot', () => {
  test('a state dir that cannot be made: state_unavailable, naming the dir and what to set', async () => {
    const blocker = join(root, 'a-file');
    writeFileSync(blocker, '');
    const stateDir = join(blocker, 'state');
    const error = await openProcessGuard({ stateDir, log }).then(
      () => null,
      (caught: unknown) => caught,
    );
    expect(isHaleError(error, 'state_unavailable')).toBe(true);
    expect((error as Error).message).toMatch(
      new RegExp(`^cannot create the state dir ${stateDir}: .*ENOTDIR.*; set stateDir: in the config`),
    );
    expect((error as Error).cause).toBeInstanceOf(Error);
  });

  test('a state dir another guard holds: state_locked; once that one closes, the dir is free and removed when empty', async () => {
    const stateDir = join(root, 'shared');
    const first = await openProcessGuard({ stateDir, log });
    const error = await openProcessGuard({ stateDir, log }).then(
      () => null,
      (caught: unknown) => caught,
    );
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

describe('openProcessGuard: containment', () => {
  const withSwitch = async <T>(value: string | undefined, run: () => Promise<T>): Promise<T> => {
    const before = process.env.HALE_CGROUP;
    if (value === undefined) delete process.env.HALE_CGROUP;
    else process.env.HALE_CGROUP = value;
    try {
      return await run();
    } finally {
      if (before === undefined) delete process.env.HALE_CGROUP;
      else process.env.HALE_CGROUP = before;
    }
  };

  test('HALE_CGROUP=off: process groups and the mark, said so in its health; a watchdog runs', async () => {
    const guard = await withSwitch('off', () => openProcessGuard({ stateDir: join(root, 'off'), log }));
    try {
      expect(guard.health()).toMatchObject({
        watchdog: 'running',
        containment: 'process-group',
        reason: 'cgroups are turned off (HALE_CGROUP=off)',
        restarts: 0,
      });
      expect(guard.contain('echo', 3)).toEqual({ mark: `${currentRunId}/echo/3`, cgroup: null });
    } finally {
      await guard.close();
    }
  });

  test('where this process may make cgroups: one for the run, one a plugin generation in it, all gone at close', async () => {
    const guard = await withSwitch(undefined, () => openProcessGuard({ stateDir: join(root, 'cgroup'), log }));
    let runDir: string | null = null;
    try {
      const health = guard.health();
      if (health.containment !== 'cgroup') {
        // Not a machine where cgroup v2 is writable: the reason says why.
        expect(health.reason).not.toBe('');
        return;
      }
      const contained = guard.contain('echo', 3);
      expect(contained.mark).toBe(`${currentRunId}/echo/3`);
      expect(contained.cgroup).toMatch(new RegExp(`/hale-${currentRunId}/echo-3$`));
      expect(existsSync(join(contained.cgroup ?? '', 'cgroup.procs'))).toBe(true);
      expect(health.reason).toContain(`hale-${currentRunId}`);
      runDir = join(contained.cgroup ?? '', '..');
    } finally {
      await guard.close();
    }
    if (runDir !== null) expect(existsSync(runDir)).toBe(false);
  });
});
