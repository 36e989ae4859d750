import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startHale, type HaleProcess } from '../../test/helpers/hale-process.js';
import { forgetPid, registerPid } from '../cleanup.js';
import { writeBenchConfig, type BenchConfigOptions } from './bench-config.js';

export interface HaleBenchOptions extends BenchConfigOptions {
  /** NODE_OPTIONS for hale alone (e.g. '--heapsnapshot-signal=SIGUSR1'); the plugins get none. */
  nodeOptions?: string;
  /** hale's node flags; those of dist/cli.js's shebang by default (as `hale` runs), [] for V8's defaults. */
  nodeFlags?: string[];
  /** More environment for hale (the plugins inherit it too, NODE_OPTIONS aside). */
  haleEnv?: Record<string, string>;
  /** How long to wait for the API's "listening" line; 60 s by default (a loaded machine is slow to start node). */
  listenTimeoutMs?: number;
  /** How long stop() waits for hale to exit after SIGTERM before a SIGKILL; 60 s by default. */
  stopTimeoutMs?: number;
}

/** A `hale run` started for a bench, under a temp dir of its own. */
export interface HaleBench {
  /** The API's base URL, e.g. http://127.0.0.1:40123. */
  url: string;
  hale: HaleProcess;
  pid: number;
  /** The temp dir: the config, the state dir, and (as TMPDIR) the plugins' sockets. */
  dir: string;
  /** Date.now() just before `hale run` was spawned. */
  spawnedAt: number;
  /** SIGTERM, await the exit (every plugin stopped), remove the temp dir. Safe to call twice. */
  stop(): Promise<void>;
}

/**
 * Writes a config into a fresh temp dir and starts `hale run` on it, the real
 * CLI; resolves once the API listens. hale's pid is registered with
 * bench/cleanup.ts until stop() has seen it exit.
 *
 * @example
 * const bench = await startHaleBench({ plugins: [greeterPlugin()], checkInterval: '1s' });
 * const status = await readPluginStatus(bench.url);
 * await bench.stop();
 */
export const startHaleBench = async (options: HaleBenchOptions): Promise<HaleBench> => {
  const dir = mkdtempSync(join(tmpdir(), 'hale-bench-'));
  const plugins =
    options.nodeOptions === undefined ? options.plugins : options.plugins.map((p) => ({ ...p, env: { ...p.env, NODE_OPTIONS: '' } }));
  const config = writeBenchConfig(dir, { ...options, plugins });
  const env: Record<string, string> = { ...options.haleEnv, TMPDIR: dir };
  if (options.nodeOptions !== undefined) env.NODE_OPTIONS = options.nodeOptions;
  const spawnedAt = Date.now();
  const hale = startHale(['run', '-c', config], env, undefined, options.nodeFlags);
  const pid = hale.child.pid;
  if (pid === undefined) throw new Error(`could not start hale: ${hale.stderr()}`);
  registerPid(pid);
  let stopping: Promise<void> | null = null;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      if (hale.child.exitCode === null && hale.child.signalCode === null) hale.child.kill('SIGTERM');
      // A stop that hangs is ended the hard way; the watchdog then ends the plugins.
      const timer = setTimeout(() => hale.child.kill('SIGKILL'), options.stopTimeoutMs ?? 60_000);
      await hale.exited;
      clearTimeout(timer);
      forgetPid(pid);
      rmSync(dir, { recursive: true, force: true });
    })();
    return stopping;
  };
  try {
    const listening = await hale.line((l) => typeof l.api === 'string', options.listenTimeoutMs ?? 60_000);
    return { url: String(listening.api), hale, pid, dir, spawnedAt, stop };
  } catch (error) {
    await stop();
    throw error;
  }
};
