import { readStatus } from './hale-api.js';
import { findHiddenProcesses, type HiddenProcess } from './invariant.js';

/** What the invariant checks found over a run. */
export interface InvariantResult {
  /** Checks that could be made (both status reads answered). */
  checks: number;
  /** Checks skipped because a status read failed (those errors are the status poller's to report). */
  skipped: number;
  /** Hidden processes found, summed over the checks: one that stays hidden counts once a check. */
  violations: number;
  /** The first few, to say what was hidden. */
  samples: Array<HiddenProcess & { atMs: number }>;
}

export interface InvariantWatch {
  result(): InvariantResult;
  /** Stops checking; resolves once the check under way is done. */
  stop(): Promise<void>;
}

export interface InvariantWatchOptions {
  baseUrl: string;
  halePid: number;
  /** This hale's run id, once known (it is logged at start); null until then. */
  runId: () => string | null;
  /** Every plugin pid seen so far: a process in one of their groups is a plugin's. */
  knownGroups: () => ReadonlySet<number>;
  intervalMs: number;
  timeoutMs: number;
  /** Epoch ms the soak began, for the samples' times. */
  origin: number;
}

const maxSamples = 10;

/**
 * Checks the invariant every `intervalMs`, one check at a time: every live
 * process of hale's plugins is the current generation of a plugin that GET
 * /plugins/status lists, or one it lists as stopping (see findHiddenProcesses).
 *
 * @example
 * const watch = watchInvariant({ baseUrl, halePid, runId: () => id, knownGroups: () => groups, intervalMs: 1_000, timeoutMs: 2_000, origin });
 * await watch.stop();
 * watch.result().violations; // 0
 */
export const watchInvariant = (options: InvariantWatchOptions): InvariantWatch => {
  const result: InvariantResult = { checks: 0, skipped: 0, violations: 0, samples: [] };
  let running = true;
  let wake: () => void = () => {};

  const checkOnce = async (): Promise<void> => {
    const before = await readStatus(options.baseUrl, options.timeoutMs);
    // Read now, not later: a process spawned after is the after-read's to account for.
    const knownGroups = new Set(options.knownGroups());
    const runId = options.runId();
    const scanned = before.ok
      ? findHiddenProcesses({ runId, halePid: options.halePid, before: before.plugins, after: [], knownGroups })
      : [];
    // Only what the first read cannot account for needs the second read.
    if (!before.ok || scanned.length === 0) {
      if (before.ok) result.checks += 1;
      else result.skipped += 1;
      return;
    }
    const after = await readStatus(options.baseUrl, options.timeoutMs);
    if (!after.ok) {
      result.skipped += 1;
      return;
    }
    result.checks += 1;
    const pids = new Set(scanned.map((h) => h.pid));
    const hidden = findHiddenProcesses({
      runId,
      halePid: options.halePid,
      before: before.plugins,
      after: after.plugins,
      knownGroups,
    }).filter((h) => pids.has(h.pid));
    result.violations += hidden.length;
    for (const h of hidden) if (result.samples.length < maxSamples) result.samples.push({ ...h, atMs: Date.now() - options.origin });
  };

  const loop = async (): Promise<void> => {
    while (running) {
      const started = Date.now();
      await checkOnce();
      if (!running) return;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(0, options.intervalMs - (Date.now() - started)));
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  };
  const done = loop();

  return {
    result: () => ({ ...result, samples: [...result.samples] }),
    stop: async () => {
      running = false;
      wake();
      await done;
    },
  };
};
