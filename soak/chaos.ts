import { setTimeout as delay } from 'node:timers/promises';
import type { PluginRow } from './hale-api.js';
import { faultKinds, injectFault, type FaultKind, type RestartRange } from './faults.js';
import { createRandom, deriveSeed, pickWeighted, randomBetween } from './random.js';
import { createSlots } from './slots.js';
import { waitForRows, type StatusPoller } from './status-poller.js';
import { faultTiming } from './timing.js';

/** One fault and what came of it. */
export interface FaultRecord {
  plugin: string;
  kind: FaultKind;
  /** Milliseconds since the soak began. */
  atMs: number;
  expected: RestartRange;
  /** Restarts seen from the fault until the plugin settled; null when it never settled. */
  actual: number | null;
  /** How long from the fault until the plugin was healthy (and quiet) again. */
  settleMs: number | null;
  /** slow-answers only: whether the plugin was seen degraded during the spell. */
  degradedSeen?: boolean;
  /** sigstop-short only: the upper bound of the pause. */
  pauseMs?: number;
  /** reload-race only: the plugin's restartCount began again at 0 (a new runner); `actual` counts from there. */
  rebase?: true;
}

/** Something in the chaos phase that is a violation on its own. */
export interface ChaosProblem {
  plugin: string;
  message: string;
}

export interface ChaosResult {
  faults: FaultRecord[];
  problems: ChaosProblem[];
  /** Plugins whose restart count cannot be judged any more (a fault could not be injected); no more faults went to them. */
  unjudged: string[];
}

export interface ChaosOptions {
  baseUrl: string;
  names: readonly string[];
  faultDirOf: (name: string) => string;
  bumpPlugin: (name: string) => void;
  /** Resolves true once hale next logs that a reload stops `name`. */
  nextReloadStop: (name: string, timeoutMs: number) => Promise<boolean>;
  poller: StatusPoller;
  seed: number;
  /** Epoch ms: no fault begins after it. */
  endAt: number;
  /** Epoch ms the soak began, for the records' times. */
  origin: number;
  /** At most this many faults pending at once. */
  concurrency: number;
  onRecord?: (record: FaultRecord) => void;
}

const weights = faultKinds.map((kind) => [kind, 1] as const);
const rowOf = (rows: readonly PluginRow[] | null, name: string): PluginRow | undefined => rows?.find((r) => r.name === name);

interface Settled {
  /** The row that met the goal; null when none did in time. */
  row: PluginRow | null;
  degradedSeen: boolean;
}

/**
 * Waits until the plugin is healthy with at least `minRestartCount` restarts
 * and no sooner than `quietUntil`; notes whether it was degraded meanwhile.
 */
const settle = async (options: ChaosOptions, name: string, minRestartCount: number, quietUntil: number): Promise<Settled> => {
  let degradedSeen = false;
  const rows = await waitForRows(
    options.poller,
    (rows) => {
      const row = rowOf(rows, name);
      if (row?.state === 'degraded') degradedSeen = true;
      return row !== undefined && row.state === 'healthy' && row.restartCount >= minRestartCount && Date.now() >= quietUntil;
    },
    faultTiming.settleTimeoutMs + Math.max(0, quietUntil - Date.now()),
  );
  return { row: rowOf(rows, name) ?? null, degradedSeen };
};

/**
 * One plugin's faults until `endAt`: a random gap, a random fault (both from
 * its own seeded stream, so a seed repeats them), then a wait until the
 * plugin has settled — never a second fault pending on the same plugin.
 */
const faultOnePlugin = async (
  options: ChaosOptions,
  name: string,
  index: number,
  result: ChaosResult,
  slots: ReturnType<typeof createSlots>,
): Promise<void> => {
  const random = createRandom(deriveSeed(options.seed, index));
  for (;;) {
    const gap = randomBetween(random, ...faultTiming.gapMs);
    const kind = pickWeighted(random, weights);
    if (Date.now() + gap >= options.endAt) return;
    await delay(gap);
    if (!(await slots.acquire(options.endAt))) return;
    try {
      // Healthy after its last fault, it may have flickered since (a slow check is degraded): wait, bounded.
      const latest = rowOf(options.poller.latest(), name);
      const before = latest?.state === 'healthy' ? latest : (await settle(options, name, 0, 0)).row;
      if (before === null) {
        result.problems.push({
          plugin: name,
          message: `not healthy before its next fault (${rowOf(options.poller.latest(), name)?.state ?? 'not listed'})`,
        });
        return;
      }
      const atMs = Date.now() - options.origin;
      const injection = await injectFault(kind, {
        baseUrl: options.baseUrl,
        plugin: name,
        faultDir: options.faultDirOf(name),
        bumpConfig: () => options.bumpPlugin(name),
        nextReloadStop: (timeoutMs) => options.nextReloadStop(name, timeoutMs),
      });
      if (!injection.ok) {
        result.problems.push({ plugin: name, message: `${kind} could not be injected: ${injection.message}` });
        result.unjudged.push(name);
        return;
      }
      const { injected } = injection;
      const quietUntil = injected.restarts.max === 0 ? injected.endsAt + faultTiming.quietMs : 0;
      const from = injected.rebase === true ? 0 : before.restartCount;
      const goal = from + injected.restarts.min;
      // The answer in flight may have been asked before the reload swapped the runner: only later ones count.
      if (injected.rebase === true) await options.poller.next(faultTiming.settleTimeoutMs);
      const settled = await settle(options, name, goal, quietUntil);
      const record: FaultRecord = {
        plugin: name,
        kind,
        atMs,
        expected: injected.restarts,
        actual: settled.row === null ? null : settled.row.restartCount - from,
        settleMs: settled.row === null ? null : Date.now() - options.origin - atMs,
        ...(kind === 'slow-answers' ? { degradedSeen: settled.degradedSeen } : {}),
        ...(injected.pauseMs === undefined ? {} : { pauseMs: injected.pauseMs }),
        ...(injected.rebase === true ? { rebase: true as const } : {}),
      };
      result.faults.push(record);
      options.onRecord?.(record);
      if (settled.row === null) {
        const now = rowOf(options.poller.latest(), name);
        result.problems.push({
          plugin: name,
          message: `not settled within ${faultTiming.settleTimeoutMs} ms after ${kind}: waited for healthy with restartCount ≥ ${goal}, saw ${now?.state ?? '?'} with ${now?.restartCount ?? '?'}`,
        });
        return;
      }
    } finally {
      slots.release();
    }
  }
};

/**
 * The chaos phase: every plugin gets random faults until `endAt`, at most
 * one pending per plugin and `concurrency` in all; resolves once every
 * pending fault has settled (or timed out).
 *
 * @example
 * const chaos = await runChaos({ baseUrl, names, faultDirOf, poller, seed: 42, endAt: Date.now() + 60_000, origin: Date.now(), concurrency: 4 });
 * chaos.faults.length; // how many faults were injected
 */
export const runChaos = async (options: ChaosOptions): Promise<ChaosResult> => {
  const result: ChaosResult = { faults: [], problems: [], unjudged: [] };
  const slots = createSlots(options.concurrency);
  await Promise.all(options.names.map((name, index) => faultOnePlugin(options, name, index, result, slots)));
  return result;
};
