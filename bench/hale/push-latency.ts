import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Writable } from 'node:stream';
import { createLogger } from '../../src/log.js';
import type { SupervisorEvent } from '../../src/model/events.js';
import { createSupervisor, type Supervisor } from '../../src/supervisor/supervisor.js';
import { pluginConfig, supervisorConfig } from '../../test/helpers/supervised.js';
import { percentile } from '../stats.js';
import { lightPlugins } from './bench-config.js';
import { startPushFloor, type PushFloor } from './push-floor.js';

export interface PushLatencyOptions {
  /** How many light plugins the supervisor runs. */
  count: number;
  /** Timed trials, spread over different plugins; 30 by default. */
  trials?: number;
  /** Trials first run and dropped; 2 by default. */
  warmup?: number;
  /** false: the plugins answer WatchHealth UNIMPLEMENTED and are polled (the baseline); true by default. */
  push?: boolean;
  /** 1 000 by default. */
  checkIntervalMs?: number;
  /** 3 (hale's default) unless told: a pushed UNHEALTHY should not wait for it. */
  failureThreshold?: number;
}

export interface PushLatencyResult {
  count: number;
  push: boolean;
  failureThreshold: number;
  /** SIGUSR2 to the plugin → the supervisor's unhealthy transition event for it, ms, one per kept trial. */
  samples: number[];
  p50Ms: number;
  p99Ms: number;
  /** The floor, interleaved: SIGUSR2 → the pushed message read by a bare http2 client, ms. */
  floor: number[];
  /** Kept trials whose transition reason carried the plugin's own message. */
  withMessage: number;
  /** Supervisor created → every plugin healthy, ms. */
  startupMs: number;
}

// What light-plugin.mjs says when SIGUSR2 turns it UNHEALTHY.
const pluginMessage = 'told so by SIGUSR2';

const nextTransition = (
  supervisor: Supervisor,
  plugin: string,
  to: string,
  timeoutMs: number,
): Promise<{ at: number; event: Extract<SupervisorEvent, { type: 'transition' }> }> =>
  new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`${plugin}: no ${to} transition within ${timeoutMs} ms`));
    }, timeoutMs);
    const off = supervisor.events.subscribe((event) => {
      if (event.type !== 'transition' || event.plugin !== plugin || event.to !== to) return;
      // Taken in the publish itself: the moment the supervisor knows.
      const at = performance.now();
      clearTimeout(timer);
      off();
      resolve({ at, event });
    });
  });

const allHealthy = (supervisor: Supervisor, names: string[], timeoutMs: number): Promise<void> =>
  new Promise((resolve, reject) => {
    const waiting = new Set(names);
    const timer = setTimeout(() => {
      off();
      reject(new Error(`${waiting.size} of ${names.length} plugins not healthy within ${timeoutMs} ms`));
    }, timeoutMs);
    const off = supervisor.events.subscribe((event) => {
      if (event.type !== 'transition' || event.to !== 'healthy') return;
      waiting.delete(event.plugin);
      if (waiting.size > 0) return;
      clearTimeout(timer);
      off();
      resolve();
    });
  });

/**
 * A pushed status change → hale's transition: hale's own Supervisor (the
 * library) runs in this process with `count` light plugins checked every
 * second; each trial sends SIGUSR2 to one plugin (it turns UNHEALTHY, with a
 * message, and pushes that on its WatchHealth stream) and times, with
 * performance.now(), until the supervisor publishes that plugin's unhealthy
 * transition; then waits for it to be healthy again (hale restarts it).
 * Whatever the rule for a pushed UNHEALTHY is, this measures it: were it
 * still counted toward failureThreshold, the figures say so.
 *
 * @example
 * const result = await measurePushLatency({ count: 500, trials: 30 }); // { p50Ms: 0.9, p99Ms: 2.1, ... }
 */
export const measurePushLatency = async (options: PushLatencyOptions): Promise<PushLatencyResult> => {
  const { count, trials = 30, warmup = 2, push = true, checkIntervalMs = 1_000, failureThreshold = 3 } = options;
  const stateDir = mkdtempSync(join(tmpdir(), 'hale-bench-push-'));
  const light = lightPlugins(count, `--bench-marker=${randomUUID()}`, { push });
  const plugins = light.map((p) =>
    pluginConfig(p.name, p.args, {
      env: p.env ?? {},
      checkInterval: checkIntervalMs,
      checkTimeout: 1_000,
      failureThreshold,
      successThreshold: 1,
      restartBackoff: 0,
      maxRestarts: 1_000,
      startInterval: 20,
      startTimeout: 60_000,
      stopTimeout: 2_000,
    }),
  );
  const nowhere = new Writable({ write: (_chunk, _encoding, callback) => callback() });
  const supervisor = createSupervisor(supervisorConfig(plugins, stateDir), { log: createLogger({ level: 'info', destination: nowhere }) });
  let bare: PushFloor | null = null;
  try {
    const started = performance.now();
    const healthy = allHealthy(
      supervisor,
      plugins.map((p) => p.name),
      60_000 + 300 * count,
    );
    await supervisor.start();
    await healthy;
    const startupMs = performance.now() - started;
    const samples: number[] = [];
    const floor: number[] = [];
    bare = await startPushFloor();
    let withMessage = 0;
    const timeoutMs = failureThreshold * checkIntervalMs + 10_000;
    for (let i = 0; i < warmup + trials; i++) {
      // Spread over the plugins, none twice in a row.
      const name = plugins[Math.floor((i * count) / (warmup + trials)) % count]?.name ?? 'light-000';
      const pid = supervisor.plugin(name)?.pid;
      if (pid === null || pid === undefined) throw new Error(`${name} runs no process`);
      const down = nextTransition(supervisor, name, 'unhealthy', timeoutMs);
      const back = nextTransition(supervisor, name, 'healthy', timeoutMs + 30_000);
      const sentAt = performance.now();
      process.kill(pid, 'SIGUSR2');
      const [{ at, event }] = await Promise.all([down, back]);
      const floorMs = await bare.trial();
      if (i < warmup) continue;
      samples.push(at - sentAt);
      floor.push(floorMs);
      if (event.reason.includes(pluginMessage)) withMessage += 1;
    }
    return {
      count,
      push,
      failureThreshold,
      samples,
      floor,
      p50Ms: percentile(samples, 50),
      p99Ms: percentile(samples, 99),
      withMessage,
      startupMs,
    };
  } finally {
    await bare?.stop();
    await supervisor.stop('bench over');
    rmSync(stateDir, { recursive: true, force: true });
  }
};
