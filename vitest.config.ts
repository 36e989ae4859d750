import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Integration tests run real processes; two cores are shared by everything.
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Hale's default state dirs go under a state home of the run's, removed at its end, not under ~/.local/state.
    globalSetup: ['test/helpers/state-home.ts'],
  },
});
