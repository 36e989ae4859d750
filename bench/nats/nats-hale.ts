import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { startHale } from '../../test/helpers/hale-process.js';
import { forgetPid, registerPid } from '../cleanup.js';
import { writeBenchConfig, type BenchConfigOptions } from '../hale/bench-config.js';
import type { HaleBench } from '../hale/hale-bench.js';

/** The nats: section of supervisor.yaml, as written there (durations as strings: '1s'). */
export type NatsSection = Record<string, string | number | string[]>;

// bench-config.ts knows no nats: section; it is laid over the file that writeBenchConfig wrote.
const addNatsSection = (file: string, nats: NatsSection): void => {
  const document = parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  writeFileSync(file, stringify({ ...document, nats }));
};

/**
 * Like startHaleBench, but the config also has `nats`: the real `hale run`
 * in a temp dir of its own, resolved once its API listens; its pid is with
 * bench/cleanup.ts until stop() has seen it exit.
 *
 * @example
 * const bench = await startNatsHaleBench({ plugins: [greeterPlugin()] }, { servers: 'nats://127.0.0.1:4222', summaryInterval: '1s' });
 * await bench.stop();
 */
export const startNatsHaleBench = async (options: BenchConfigOptions, nats: NatsSection, timeoutMs = 60_000): Promise<HaleBench> => {
  const dir = mkdtempSync(join(tmpdir(), 'hale-bench-nats-'));
  const config = writeBenchConfig(dir, options);
  addNatsSection(config, nats);
  const spawnedAt = Date.now();
  const hale = startHale(['run', '-c', config], { TMPDIR: dir });
  const { pid } = hale.child;
  if (pid === undefined) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`hale did not start: ${hale.stderr()}`);
  }
  registerPid(pid);
  const ended = hale.exited.then(() => {
    forgetPid(pid);
    rmSync(dir, { recursive: true, force: true });
  });
  const stop = async (): Promise<void> => {
    if (hale.child.exitCode === null && hale.child.signalCode === null) hale.child.kill('SIGTERM');
    // SIGTERM lets hale flush and close the link; one that takes longer than timeoutMs is killed.
    const force = setTimeout(() => hale.child.kill('SIGKILL'), timeoutMs);
    await ended;
    clearTimeout(force);
  };
  const listening = await hale
    .line((l) => typeof l.api === 'string', timeoutMs)
    .catch(async (error: unknown) => {
      await stop();
      throw error;
    });
  return { url: String(listening.api), hale, pid, dir, spawnedAt, stop };
};
