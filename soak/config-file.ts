import { mkdirSync, mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { flakyMain } from '../test/helpers/paths.js';
import { faultTiming, soakPolicy } from './timing.js';

/** A soak's private folder: hale's config and state dir, and each plugin's fault folder. */
export interface SoakSetup {
  dir: string;
  configFile: string;
  names: string[];
  faultDirOf: (name: string) => string;
  /** Changes one plugin's config (a variable in its env) and writes the file anew, whole: its next reload restarts it. */
  bumpPlugin: (name: string) => void;
}

const ms = (value: number): string => `${value}ms`;

/**
 * Writes a config for `plugins` flaky plugins into a fresh temp folder: API
 * on a free port, state dir inside, soakPolicy for all.
 *
 * @example
 * const setup = writeSoakConfig(20);
 * startHale(['run', '-c', setup.configFile]);
 */
export const writeSoakConfig = (plugins: number): SoakSetup => {
  const dir = mkdtempSync(join(tmpdir(), 'hale-soak-'));
  const faultDirOf = (name: string): string => join(dir, 'faults', name);
  const width = String(plugins).length;
  const names = Array.from({ length: plugins }, (_, i) => `flaky-${String(i + 1).padStart(Math.max(2, width), '0')}`);
  for (const name of names) mkdirSync(faultDirOf(name), { recursive: true });
  const { maxRestarts, failureThreshold, successThreshold, ...durations } = soakPolicy;
  const config = {
    // A fault drill is a heavy user of the management routes: far above the defaults made for people.
    api: { host: '127.0.0.1', port: 0, rateLimit: { perClient: 1_000_000, perPlugin: 100_000, window: '1m' } },
    grpc: { address: '127.0.0.1:0' },
    log: { level: 'info' },
    stateDir: join(dir, 'state'),
    defaults: {
      maxRestarts,
      failureThreshold,
      successThreshold,
      ...Object.fromEntries(Object.entries(durations).map(([key, value]) => [key, ms(value)])),
    },
    plugins: names.map((name) => ({
      name,
      command: process.execPath,
      args: [
        flakyMain,
        '--fault-dir',
        faultDirOf(name),
        '--usr2-slow',
        String(faultTiming.slowAnswerMs),
        '--usr2-for',
        ms(faultTiming.slowForMs),
      ],
      critical: false,
      env: { SOAK_CONFIG_ROUND: '0' },
    })),
  };
  const configFile = join(dir, 'soak.yaml');
  // JSON is YAML, and needs no quoting rules of its own. Written aside and renamed: a reload never reads half a file.
  const write = (): void => {
    writeFileSync(`${configFile}.next`, `${JSON.stringify(config, null, 2)}\n`);
    renameSync(`${configFile}.next`, configFile);
  };
  write();
  const bumpPlugin = (name: string): void => {
    const plugin = config.plugins.find((p) => p.name === name);
    if (plugin === undefined) return;
    plugin.env = { SOAK_CONFIG_ROUND: String(Number(plugin.env.SOAK_CONFIG_ROUND) + 1) };
    write();
  };
  return { dir, configFile, names, faultDirOf, bumpPlugin };
};
