import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { defaultStateDir } from '../../../src/config/state-dir.js';

describe("the tests' state home", () => {
  it("is a directory of the run's, not the user's ~/.local/state, so what a test's hale keeps there goes with the run", () => {
    const home = process.env.XDG_STATE_HOME ?? '';
    expect(home).toMatch(/hale-test-state-home-/);
    expect(existsSync(home)).toBe(true);
    expect(defaultStateDir('/srv/app/supervisor.yaml').startsWith(home)).toBe(true);
    expect(defaultStateDir('/srv/app/supervisor.yaml').startsWith(homedir())).toBe(false);
  });
});
