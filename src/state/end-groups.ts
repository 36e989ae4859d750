import { setTimeout as delay } from 'node:timers/promises';
import type { GroupRecord } from './group-records.js';
import { findOwnedProcesses, type OwnedProcesses } from './owned-processes.js';
import { listProcesses } from './proc-stat.js';

export interface EndGroupsOptions {
  /** How long SIGTERM gets before SIGKILL. */
  graceMs: number;
  /** How long SIGKILLed processes get to be gone before they count as survivors. */
  killWaitMs: number;
  /** How often /proc is read while waiting. */
  pollMs?: number;
}

export interface EndedGroups {
  /** Every pid that was signalled. */
  ended: number[];
  /** Pids still running after SIGKILL and killWaitMs (stuck in the kernel, say). */
  survivors: number[];
}

const signalOwned = (record: GroupRecord, owned: OwnedProcesses, signal: NodeJS.Signals): void => {
  const targets = owned.group ? [-record.pid, ...owned.pids.filter((pid) => pid !== record.pid)] : owned.pids;
  for (const target of targets) {
    try {
      process.kill(target, signal);
    } catch {
      // Gone between the look and the signal: what was wanted.
    }
  }
};

const findAll = (records: readonly GroupRecord[]) => {
  const processes = listProcesses();
  return records
    .map((record) => ({ record, owned: findOwnedProcesses(record, processes) }))
    .filter(({ owned }) => owned.pids.length > 0);
};

/** Re-reads /proc every `pollMs` until nothing of the groups runs or `ms` has passed; returns what still runs. */
const waitUntilGone = async (records: readonly GroupRecord[], ms: number, pollMs: number) => {
  const deadline = Date.now() + ms;
  let left = findAll(records);
  while (left.length > 0 && Date.now() < deadline) {
    await delay(Math.min(pollMs, Math.max(1, deadline - Date.now())));
    left = findAll(records);
  }
  return left;
};

/**
 * Ends plugin process groups that outlived their supervisor: SIGTERM, then
 * SIGKILL to whatever is left after `graceMs`. Only processes a record still
 * names are touched (see findOwnedProcesses): a reused pid never is.
 *
 * @example
 * const { ended } = await endGroups(records, { graceMs: 1_000, killWaitMs: 1_000 });
 */
export const endGroups = async (records: readonly GroupRecord[], options: EndGroupsOptions): Promise<EndedGroups> => {
  const pollMs = options.pollMs ?? 20;
  const ended = new Set<number>();
  const found = findAll(records);
  if (found.length === 0) return { ended: [], survivors: [] };
  for (const { record, owned } of found) {
    owned.pids.forEach((pid) => ended.add(pid));
    signalOwned(record, owned, 'SIGTERM');
  }
  const stubborn = await waitUntilGone(records, options.graceMs, pollMs);
  for (const { record, owned } of stubborn) {
    owned.pids.forEach((pid) => ended.add(pid));
    signalOwned(record, owned, 'SIGKILL');
  }
  const survivors = stubborn.length === 0 ? [] : await waitUntilGone(records, options.killWaitMs, pollMs);
  return { ended: [...ended].sort((a, b) => a - b), survivors: survivors.flatMap(({ owned }) => owned.pids) };
};
