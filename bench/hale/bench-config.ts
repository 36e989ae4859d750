import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { greeterMain, repoRoot } from '../../test/helpers/paths.js';

/** A policy key of supervisor.yaml and its value as written there (durations as strings: '200ms'). */
export type PolicyValues = Record<string, string | number>;

/** One plugin of a bench config. */
export interface BenchPlugin {
  name: string;
  command: string;
  args: string[];
  env?: Record<string, string>;
  /** Policy keys for this plugin alone, laid over the config's defaults. */
  policy?: PolicyValues;
  /** 'none' for an ordinary server (no handshake line). */
  handshake?: 'none';
  /** The plugin's `health:` block, e.g. { protocol: 'http', url: 'http://127.0.0.1:4000/' }. */
  health?: Record<string, string | number>;
}

export type BenchLogLevel = 'debug' | 'info' | 'warn';

export interface BenchConfigOptions {
  plugins: BenchPlugin[];
  /** Every plugin's checkInterval unless the plugin sets its own; '1s' by default. */
  checkInterval?: string;
  /** More of `defaults:`, over the bench's own (see benchDefaults). */
  defaults?: PolicyValues;
  logLevel?: BenchLogLevel;
}

/** The light fixture plugin, speaking gRPC by hand over node:http2 (bench/fixtures/light-plugin.mjs). */
export const lightPluginMain = join(repoRoot, 'bench/fixtures/light-plugin.mjs');

// Small heaps: the light plugin needs a few MiB, and a bench runs hundreds of it.
const lightNodeFlags = ['--max-old-space-size=16', '--max-semi-space-size=1'];

/**
 * What every bench config sets unless told otherwise: a restart at once, one
 * passing check to be healthy, checks every 20 ms until the first verdict,
 * and room for hundreds of plugins starting at once on two cores.
 */
export const benchDefaults: Readonly<PolicyValues> = {
  checkInterval: '1s',
  checkTimeout: '1s',
  startInterval: '20ms',
  successThreshold: 1,
  restartBackoff: '0s',
  maxRestarts: 1_000,
  startTimeout: '60s',
};

/**
 * `count` light plugins named light-000, light-001, …; `marker` goes on each
 * command line so that a bench finds every one of them in /proc.
 *
 * @example
 * lightPlugins(100, '/tmp/hale-bench-x1'); // [{ name: 'light-000', command: '/usr/bin/node', args: [...] }, ...]
 */
export const lightPlugins = (count: number, marker: string, { push = true }: { push?: boolean } = {}): BenchPlugin[] =>
  Array.from({ length: count }, (_, index) => ({
    name: `light-${String(index).padStart(3, '0')}`,
    command: process.execPath,
    args: [...lightNodeFlags, lightPluginMain, marker],
    // Without push the plugin answers WatchHealth UNIMPLEMENTED, as an older one does, and hale polls it.
    ...(push ? {} : { env: { HALE_BENCH_PUSH: '0' } }),
  }));

/**
 * bench/fixtures/http-child.mjs on `port`, supervised as an ordinary server
 * (`handshake: none`) with an HTTP check: the very child PM2 and supervisord
 * restart in section 1.
 *
 * @example
 * httpChildPlugin('http-child', 24817, '--bench-marker=x');
 */
export const httpChildPlugin = (name: string, port: number, marker: string): BenchPlugin => ({
  name,
  command: process.execPath,
  args: [join(repoRoot, 'bench/fixtures/http-child.mjs'), String(port), marker],
  handshake: 'none',
  health: { protocol: 'http', url: `http://127.0.0.1:${port}/` },
});

/**
 * The greeter example plugin (built with the SDK), under `name`.
 *
 * @example
 * greeterPlugin('greeter-hang', { checkInterval: '200ms', checkTimeout: '200ms', failureThreshold: 2 });
 */
export const greeterPlugin = (name = 'greeter', policy?: PolicyValues): BenchPlugin => ({
  name,
  command: process.execPath,
  args: [greeterMain],
  ...(policy === undefined ? {} : { policy }),
});

/**
 * Writes supervisor.yaml for a bench into `dir`: the API on 127.0.0.1 port 0,
 * the state dir inside `dir`, and the plugins. Returns the file's path.
 *
 * @example
 * const file = writeBenchConfig(dir, { plugins: [greeterPlugin()], checkInterval: '1s' });
 */
export const writeBenchConfig = (dir: string, options: BenchConfigOptions): string => {
  const document = {
    api: { host: '127.0.0.1', port: 0 },
    grpc: { address: '127.0.0.1:0' },
    log: { level: options.logLevel ?? 'info' },
    stateDir: join(dir, 'state'),
    defaults: {
      ...benchDefaults,
      ...(options.checkInterval === undefined ? {} : { checkInterval: options.checkInterval }),
      ...options.defaults,
    },
    plugins: options.plugins.map(({ name, command, args, env, policy, handshake, health }) => ({
      name,
      command,
      args,
      ...(env === undefined ? {} : { env }),
      ...(handshake === undefined ? {} : { handshake }),
      ...(health === undefined ? {} : { health }),
      ...policy,
    })),
  };
  const file = join(dir, 'supervisor.yaml');
  writeFileSync(file, stringify(document));
  return file;
};
