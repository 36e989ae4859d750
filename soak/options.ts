import { parseDuration } from '../src/config/duration.js';

/** What one soak run does; `runSoak` fills in the rest from the timing defaults. */
export interface SoakOptions {
  /** How many flaky plugins hale supervises. */
  plugins: number;
  /** How long faults are injected. */
  durationMs: number;
  /** Fixes each plugin's sequence of faults and the gaps between them. */
  seed: number;
  /** At most this many faults pending at once; null for a quarter of the plugins, rounded up. */
  concurrency: number | null;
  /** Report every fault as it settles (on stderr). */
  verbose: boolean;
}

export type SoakArgs = { ok: true; options: SoakOptions } | { ok: true; help: true } | { ok: false; message: string };

export const soakUsage = [
  'usage: npm run soak -- [--plugins N] [--duration DUR] [--seed N] [--concurrency N] [--verbose]',
  '  --plugins N      flaky plugins under hale (default 20, at most 200)',
  '  --duration DUR   how long faults are injected, like 60s or 2m (default 60s)',
  '  --seed N         repeat a run: the same seed gives each plugin the same faults (default: random, printed)',
  '  --concurrency N  at most N faults pending at once (default: a quarter of the plugins, rounded up)',
  '  --verbose        print each fault as it settles',
].join('\n');

const maxPlugins = 200;
const valued = new Set(['--plugins', '--duration', '--seed', '--concurrency']);

/**
 * The soak's options from its command line; `seed` is random unless given.
 *
 * @example
 * parseSoakArgs(['--plugins', '8', '--duration', '20s'], 7);
 * // { ok: true, options: { plugins: 8, durationMs: 20000, seed: 7, concurrency: null, verbose: false } }
 */
export const parseSoakArgs = (argv: readonly string[], randomSeed: number): SoakArgs => {
  const options: SoakOptions = { plugins: 20, durationMs: 60_000, seed: randomSeed, concurrency: null, verbose: false };
  for (let index = 0; index < argv.length; index += 1) {
    const arg = argv[index] ?? '';
    const [flag = '', inline] = arg.split(/=(.*)/s, 2);
    if (flag === '--help' || flag === '-h') return { ok: true, help: true };
    if (flag === '--verbose') {
      options.verbose = true;
      continue;
    }
    if (!valued.has(flag)) return { ok: false, message: `unknown option "${arg}"` };
    const value = inline ?? argv[(index += 1)];
    if (value === undefined) return { ok: false, message: `${flag} needs a value` };
    switch (flag) {
      case '--plugins':
      case '--concurrency': {
        const count = Number(value);
        if (!/^\d+$/.test(value) || count < 1 || count > maxPlugins)
          return { ok: false, message: `${flag}: expected 1 to ${maxPlugins}, got "${value}"` };
        if (flag === '--plugins') options.plugins = count;
        else options.concurrency = count;
        break;
      }
      case '--duration': {
        const parsed = parseDuration(value);
        if (!parsed.ok) return { ok: false, message: `--duration: ${parsed.message}` };
        options.durationMs = parsed.ms;
        break;
      }
      case '--seed':
        if (!/^\d+$/.test(value) || Number(value) > 0xffffffff)
          return { ok: false, message: `--seed: expected a whole number from 0 to 4294967295, got "${value}"` };
        options.seed = Number(value);
        break;
    }
  }
  return { ok: true, options };
};
