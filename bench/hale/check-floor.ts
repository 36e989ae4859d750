import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import type { PluginAddress } from '../../src/grpc/plugin-client.js';
import { parseHandshakeLine } from '../../src/plugin/handshake.js';
import { socketDirEnv } from '../../src/protocol.js';
import { repoRoot } from '../../test/helpers/paths.js';
import { forgetPid, registerPid } from '../cleanup.js';
import { percentile } from '../stats.js';
import { lightPlugins } from './bench-config.js';

export interface CheckFloorOptions {
  count: number;
  /** 30 s by default. */
  idleMs?: number;
  /** 1 000 by default. */
  checkIntervalMs?: number;
  /** 20 s by default, as hale's window waits. */
  settleMs?: number;
}

export interface CheckFloorResult {
  count: number;
  /** Spawning all `count` at once → every one has printed its handshake, ms: the floor under hale's start-up. */
  startupMs: number;
  /** The checking process's CPU over the window, % of one core. */
  cpuPercent: number;
  checks: number;
  failed: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
}

type Child = ChildProcessByStdio<Writable | null, Readable, null>;

/** Starts one light plugin into `children` (its own process group) and resolves with its address. */
const startLight = (command: string, args: string[], socketDir: string, name: string, children: Child[]): Promise<PluginAddress> => {
  const child = spawn(command, args, {
    env: { ...process.env, [socketDirEnv]: socketDir, HALE_PLUGIN_NAME: name },
    stdio: ['ignore', 'pipe', 'inherit'],
    detached: true,
  });
  children.push(child);
  if (child.pid !== undefined) registerPid(-child.pid);
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) => reject(new Error(`${name} exited (${code ?? signal}) before its handshake`)));
    createInterface({ input: child.stdout }).once('line', (line) => {
      const parsed = parseHandshakeLine(line);
      if (parsed.kind === 'handshake') resolve(parsed.handshake.address);
      else reject(new Error(`${name} printed ${line}`));
    });
  });
};

/**
 * The floor under hale's checking cost: the same light plugins, checked at
 * the same interval by a process that does nothing but call HealthCheck with
 * hale's own gRPC client (bench/hale/check-floor-worker.ts). hale's idle CPU
 * over this is what supervising adds to the RPCs themselves.
 *
 * @example
 * const floor = await measureCheckFloor({ count: 100, idleMs: 30_000 }); // { cpuPercent: 14.2, latencyP99Ms: 6.1, ... }
 */
export const measureCheckFloor = async (options: CheckFloorOptions): Promise<CheckFloorResult> => {
  const { count, idleMs = 30_000, checkIntervalMs = 1_000, settleMs = 20_000 } = options;
  const dir = mkdtempSync(join(tmpdir(), 'hale-floor-'));
  const children: Child[] = [];
  try {
    const spawnedAt = performance.now();
    const started = await Promise.allSettled(
      lightPlugins(count, `--bench-marker=${dir}`).map((plugin) => startLight(plugin.command, plugin.args, dir, plugin.name, children)),
    );
    const addresses = started.map((result) => {
      if (result.status === 'rejected') throw result.reason;
      return result.value;
    });
    const startupMs = performance.now() - spawnedAt;
    const worker = spawn(process.execPath, [join(repoRoot, 'bench/hale/check-floor-worker.mjs')], {
      cwd: repoRoot,
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    if (worker.pid !== undefined) registerPid(worker.pid);
    worker.stdin.end(JSON.stringify({ addresses, intervalMs: checkIntervalMs, settleMs, windowMs: idleMs }));
    let output = '';
    for await (const chunk of worker.stdout) output += String(chunk);
    if (worker.pid !== undefined) forgetPid(worker.pid);
    const { cpuPercent, failed, latencies } = JSON.parse(output) as { cpuPercent: number; failed: number; latencies: number[] };
    return {
      count,
      startupMs,
      cpuPercent,
      checks: latencies.length,
      failed,
      latencyP50Ms: percentile(latencies, 50),
      latencyP99Ms: percentile(latencies, 99),
    };
  } finally {
    for (const child of children) {
      if (child.pid === undefined) continue;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // Gone already.
      }
      forgetPid(-child.pid);
    }
    rmSync(dir, { recursive: true, force: true });
  }
};
