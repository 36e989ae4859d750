import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

let home: string | null = null;

/**
 * vitest's globalSetup: every hale a test runs without a stateDir of its
 * own keeps its state under a state home of this run's (XDG_STATE_HOME),
 * not under the user's ~/.local/state/hale, and the run removes it at the end.
 *
 * @example
 * // vitest.config.ts
 * test: { globalSetup: ['test/helpers/state-home.ts'] }
 */
export const setup = (): void => {
  home = mkdtempSync(join(tmpdir(), 'hale-test-state-home-'));
  process.env.XDG_STATE_HOME = home;
};

/** Removes the run's state home, and whatever the tests' hale left in it. */
export const teardown = (): void => {
  if (home !== null) rmSync(home, { recursive: true, force: true, maxRetries: 3 });
  home = null;
};
